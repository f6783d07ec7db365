#pragma once
// Arena view (QCustomPlot): the memory plan drawn as rectangles — x is the execution step, y the
// offset in the arena; one rectangle per buffer segment, coloured by role. The picture that
// explains a peak: what sits where, for how long, and what is stacked under the top edge.
// Rectangles are drawn by one custom plottable (hundreds of buffers render in a few ms); items are
// rebuilt only in setAnalysis, selection only restyles.

#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"

#include <QColor>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPBars;

namespace ts {

class ArenaRectsPlottable;

class ArenaView : public QWidget {
    Q_OBJECT
public:
    enum class Role { GraphInput, GraphOutput, Intermediate, InPlace, Scratch };
    static constexpr int kRoleCount = 5;

    // One drawn rectangle: segment `segment` of memory buffer `buffer`, in steps and bytes.
    struct Rect {
        int buffer = -1;
        int segment = -1;
        int first = 0, last = 0; // steps, inclusive
        int64_t offset = 0;      // from ArenaPlan::segmentOffset
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

    // Highlights the buffers read or written (and the scratch used) at the step of this imported
    // op; -1 or an index with no step clears. Restyles only.
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

private:
    void rebuild(int64_t budgetBytes);
    void applySelection();
    void onMouseMove(QMouseEvent* e);
    QString opText(int legalOp) const;

    QCustomPlot* m_plot = nullptr;
    ArenaRectsPlottable* m_rectsPlottable = nullptr;
    QCPBars* m_key[kRoleCount] = {};
    QCPItemStraightLine* m_peakLine = nullptr;
    QCPItemStraightLine* m_budgetLine = nullptr;
    QCPItemStraightLine* m_peakStepLine = nullptr;
    QCPItemText* m_peakLabel = nullptr;
    QCPItemText* m_budgetLabel = nullptr;
    QCPItemRect* m_selectionBand = nullptr;
    const Analysis* m_analysis = nullptr;
    PipelineSnapshot m_result;
    std::vector<Rect> m_rects;
    std::vector<int> m_bufferOpLegal;    // per buffer: legal op a click reports, or -1
    std::vector<int> m_tensorProducer;   // per tensor: legal op producing it, or -1
    std::vector<int> m_legalOpStep;      // per legal op: its step, or -1
    int m_selectedOp = -1;
    double m_topKiB = 1.0;               // what fit() shows on y
    QPoint m_pressPos;
    bool m_pressed = false;
};

} // namespace ts
