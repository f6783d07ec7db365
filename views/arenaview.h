#pragma once
// Arena view (QCustomPlot): the memory plan drawn as rectangles — x is the execution step, y the
// offset in the arena; one rectangle per buffer segment, coloured by role. The picture that
// explains a peak: what sits where, for how long, and what is stacked under the top edge.
// Rectangles are drawn by one custom plottable (hundreds of buffers render in a few ms); items are
// rebuilt only in setAnalysis/setResult/setStage, selection only restyles.
//
// With a patch schedule the view shows the schedule that runs, one stage at a time (a tab bar
// above the plot): stage 1 as the stitched arena while the largest patch runs (the whole split
// tensor the patches write their tiles into, a resident input frame, and the largest patch's
// layout at its base), stage 2 on whole tensors (reading the split tensor at its offset), and the
// whole-tensor plan that does not run, for comparison. The stage holding the run's peak is shown
// first. Steps are numbered as in the whole op order (stage 2 continues after the split).

#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"

#include <QColor>
#include <QRectF>
#include <QSharedPointer>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPBars;
class QTabBar;

namespace ts {

class ArenaRectsPlottable;
class LayerTicker;

class ArenaView : public QWidget {
    Q_OBJECT
public:
    enum class Role { GraphInput, GraphOutput, Intermediate, InPlace, Scratch, Split };
    static constexpr int kRoleCount = 6;

    // One drawn rectangle: segment `segment` of memory buffer `buffer` of the shown stage's memory
    // analysis, in steps and bytes; or (buffer -1) a tensor held whole outside a stage-1 patch
    // layout: the stitched split tensor or a resident input frame (`tensor`).
    struct Rect {
        int buffer = -1;
        int segment = -1;
        int tensor = -1;         // for a tensor held outside the layout (buffer -1)
        int first = 0, last = 0; // steps (numbered as in the whole op order), inclusive
        int64_t offset = 0;      // in the arena: the stage's base + ArenaPlan::segmentOffset
        int64_t size = 0;
        Role role = Role::Intermediate;
    };

    explicit ArenaView(QWidget* parent = nullptr);
    ~ArenaView() override;

    // `a` must stay alive until the next call; nullptr clears. The budget line is drawn only when
    // it is within about 3× the plan's peak (otherwise it would flatten the picture).
    void setAnalysis(const Analysis* a, int64_t budgetBytes); // the caller keeps `a` alive
    void setResult(PipelineSnapshot result);                  // held as a shared snapshot
    const Analysis* analysis() const { return m_analysis; }
    QCustomPlot* plot() const { return m_plot; }

    // The stages offered, as tabs in run order: 1 without a patch schedule; with one, stage 0 (when
    // the schedule has one), stage 1, stage 2 and the whole-tensor plan; stageIndex(kind) finds
    // each (-1 when absent). A
    // new result shows the stage holding the run's peak, unless a stage was picked (the tabs or
    // setStage) for a previous patched result: it is kept while results stay patched.
    enum StageKind { kStage1 = 0, kStage2 = 1, kWhole = 2, kStage0 = 3 };
    int stageIndex(int kind) const;
    int runPeakStage() const; // the index of the stage holding the run's peak, or -1
    int stageCount() const { return int(m_stages.size()); }
    int currentStage() const { return m_stage; }
    void setStage(int stage); // rebuilds the rectangles of that stage
    QString stageName(int stage) const;
    // The peak of the shown stage: the top of its arena (what runs, except for kWhole), and the
    // title line drawn at it.
    int64_t shownPeakBytes() const;
    double shownPeakKiB() const { return double(shownPeakBytes()) / 1024.0; }
    QString title() const;
    // The index of the stage that runs this imported op (0 without patches), or -1.
    int stageOf(int importedOpIndex) const;

    // Highlights the buffers read or written (and the scratch used) at the step of this imported
    // op; -1 or an index with no step clears. Restyles only — except with patches, where an op
    // of the other stage switches to it (not while the whole-tensor plan is shown).
    void selectOp(int importedOpIndex);
    int selectedOp() const { return m_selectedOp; }
    // Resets zoom/pan to the whole plan.
    void fit();

    int rectangleCount() const { return int(m_rects.size()); }
    const Rect& rectangle(int i) const { return m_rects[size_t(i)]; }
    // In plot coordinates: x from first - 0.5 to last + 0.5 (steps), y in KiB.
    QRectF rectangleBounds(int i) const;
    bool isHighlighted(int i) const;
    // The rectangle under plot coordinates (x in steps, y in KiB), or -1.
    int rectangleAt(double x, double y) const;
    // The imported op index a click at plot coordinates reports: the op producing the buffer's
    // first tensor (scratch: the op of its step; a graph input: the first op reading it); -1.
    int opAt(double x, double y) const;
    // The same for a buffer of the analysis.
    int bufferOp(int buffer) const;
    // The hover text for a rectangle (rich text).
    QString describe(int rect) const;

    static QColor roleColor(Role role);
    static QString roleName(Role role);

signals:
    void opClicked(int importedOpIndex);
    void stageChanged(int stage);

protected:
    void showEvent(QShowEvent* e) override;

private:
    // One stage's arena: a layout (graph, memory analysis, plan) at `base`, plus tensors held whole
    // outside it for all its steps.
    struct Extra {
        int tensor = -1;
        int64_t offset = 0, size = 0;
        Role role = Role::Split;
        int op = -1; // imported op a click reports
    };
    struct Stage {
        QString name, tab;
        int kind = kWhole;
        const LegalGraph* legal = nullptr;
        const MemoryAnalysis* memory = nullptr;
        const ArenaPlan* plan = nullptr;
        int64_t base = 0;
        int stepOffset = 0;
        int64_t peak = 0;
        int splitTensor = -1;
        int splitAfter = -1; // the whole-tensor plan of a patched result: the last stage-1 step
        std::vector<Extra> extras;
    };
    void load(const Analysis* a, const PatchPlan* patch, int64_t budgetBytes);
    void rebuild();
    void replotWhenShown();
    void applySelection();
    void onMouseMove(QMouseEvent* e);
    QString opText(int legalOp) const;
    const Stage* stage() const;

    QTabBar* m_tabs = nullptr;
    QSharedPointer<LayerTicker> m_ticker;
    QCustomPlot* m_plot = nullptr;
    ArenaRectsPlottable* m_rectsPlottable = nullptr;
    QCPBars* m_key[kRoleCount] = {};
    QCPItemStraightLine* m_peakLine = nullptr;
    QCPItemStraightLine* m_budgetLine = nullptr;
    QCPItemStraightLine* m_peakStepLine = nullptr;
    QCPItemStraightLine* m_splitLine = nullptr;
    QCPItemText* m_peakLabel = nullptr;
    QCPItemText* m_budgetLabel = nullptr;
    QCPItemRect* m_selectionBand = nullptr;
    const Analysis* m_analysis = nullptr;
    PipelineSnapshot m_result;
    std::vector<Stage> m_stages;
    int m_stage = 0;
    bool m_userStage = false;            // the user picked the stage (kept across patched results)
    bool m_replotPending = false;        // a replot waits for the view to show
    int64_t m_budget = 0;
    std::vector<Rect> m_rects;
    std::vector<int> m_bufferOpLegal;    // per buffer of the shown stage: legal op a click reports, or -1
    std::vector<int> m_tensorProducer;   // per tensor: the shown stage's legal op producing it, or -1
    int m_selectedOp = -1;
    double m_topKiB = 1.0;               // what fit() shows on y
    QPoint m_pressPos;
    bool m_pressed = false;
};

} // namespace ts
