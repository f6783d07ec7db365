#pragma once
// The memory chart (QCustomPlot): the working set of every step of the schedule that will run, one
// bar per step labelled by layer id ("#<imported op index> <OPNAME>"). Without a patch schedule the
// bars are the whole-tensor working set by role; with one, stage 1 is drawn per patch (the whole
// split tensor plus what is live while the largest patch runs) and stage 2 as its own plan's
// working sets, with the whole-tensor plan as an optional overlay. The true peak (the arena bytes
// of what will run) is marked on its bar; budget, lower bound and TFLM are lines in the legend.
// MACs live in a separate small plot under the memory plot (shared x), never on the memory axis.

#include "model/graph.h"
#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"

#include <QVector>
#include <QWidget>

#include <memory>

class QCustomPlot;
class QCPAxisRect;
class QCPAxisTickerText;
class QCPBars;
class QCPGraph;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCheckBox;

namespace ts {

class LayerChart : public QWidget {
    Q_OBJECT
public:
    explicit LayerChart(QWidget* parent = nullptr);
    void setModel(std::shared_ptr<const Model> model);
    // The result of one pipeline run (held as a shared snapshot): the schedule that will run,
    // its peak, the budget, stage 1 per patch and stage 2 when patched.
    void setResult(PipelineSnapshot result);
    // Whole-tensor working set per step by role, without a pipeline result (peak = the plan's).
    void setAnalysis(const Analysis* analysis, int64_t budgetBytes);
    void selectOp(int index); // imported op index; -1 clears
    // Stage-1 working set per step (bars at steps 0..n-1); setResult sets it from the result.
    void setStage1(const std::vector<int64_t>& bytesPerStep);
    // The value series for tests: the bar height per step (KiB), what runs at that step.
    QVector<double> totals() const;
    // Overlay TFLM's per-step working set (whole tensors, no in-place) to compare the two plans.
    void setCompareWithTflm(bool on);
    bool compareWithTflm() const { return m_compare; }
    // Overlay the whole-tensor plan's per-step working set on a patch schedule.
    void setShowWholeTensor(bool on);
    bool showWholeTensor() const { return m_showWhole; }
    // Logarithmic memory axis (on by default when the budget is far above the bars).
    void setLogScale(bool on);
    bool logScale() const;
    // The MACs plot under the memory plot (on by default).
    void setShowMacs(bool on);
    bool showMacs() const;
    // Refit the memory axis to the bars and lines (double-click does the same).
    void fitY();
    // Hover text for a step: the layer, its stage, the working set by role and live buffers.
    QString describeStep(int step) const;
    // The marked peak: its imported op index (-1 when none) and value (KiB; result->peakBytes / 1024).
    int peakOp() const { return m_peakStep >= 0 ? stepSource(m_peakStep) : -1; }
    int peakStep() const { return m_peakStep; }
    double peakKiB() const { return m_peakKiB; }
    QString peakText() const;
    // Layer id of a step ("#3 CONV_2D"), empty outside.
    QString stepLabel(int step) const;
    int stepCount() const { return int(m_steps.size()); }
    QCustomPlot* plot() const { return m_plot; }
    QCPAxisRect* macsRect() const { return m_macsRect; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* e) override;

signals:
    void opClicked(int index);

private:
    enum Stage { Whole = -1, Stage0 = 0, Stage1 = 1, Stage2 = 2 };
    struct StepInfo {
        int op = -1;      // legal-graph op
        int source = -1;  // imported op index
        Stage stage = Whole;
        int64_t total = 0; // bar height in bytes
    };
    void rebuild();
    void updateTicks();
    void updateLines();
    void updateSelection();
    void fitLegend();
    int stepSource(int step) const;
    int stepAt(double pixelX) const;
    void stepClicked(int step);
    const Analysis* analysis() const;

    QCustomPlot* m_plot = nullptr;
    QCPAxisRect* m_macsRect = nullptr;
    QCheckBox* m_compareCheck = nullptr;
    QCheckBox* m_wholeCheck = nullptr;
    QCheckBox* m_logCheck = nullptr;
    QCheckBox* m_macsCheck = nullptr;
    QSharedPointer<QCPAxisTickerText> m_ticker, m_macsTicker;
    QCPBars* m_inputs = nullptr;
    QCPBars* m_outputs = nullptr;
    QCPBars* m_other = nullptr;
    QCPBars* m_scratch = nullptr;
    QCPBars* m_stage1Fixed = nullptr; // whole split tensor (+ resident input) during stage 1
    QCPBars* m_stage1 = nullptr;      // the largest patch's working set
    QCPBars* m_peakBar = nullptr;     // outline of the peak bar
    QCPBars* m_macs = nullptr;
    QCPGraph* m_whole = nullptr;
    QCPGraph* m_tflm = nullptr;
    QCPGraph* m_budget = nullptr;
    QCPGraph* m_lowerBound = nullptr;
    QCPItemText* m_peakLabel = nullptr;
    QCPItemRect* m_selection = nullptr;
    QCPItemStraightLine* m_separator[2] = {nullptr, nullptr};
    QCPItemText* m_stageLabel[3] = {nullptr, nullptr, nullptr};

    std::shared_ptr<const Model> m_model;
    PipelineSnapshot m_result;
    const Analysis* m_analysis = nullptr; // setAnalysis() without a result
    int64_t m_budgetBytes = 0;
    std::vector<StepInfo> m_steps;
    QVector<double> m_totals;
    QVector<QString> m_labels;   // per step: stepLabel, cached for the ticks (cleared by rebuild)
    QVector<int> m_labelWidths;  // per step: its label's width in the tick font
    std::vector<int64_t> m_stage1Override;
    int m_s1begin = 0, m_s1end = -1; // stage-1 steps [m_s1begin, m_s1end]
    int m_peakStep = -1;
    double m_peakKiB = 0;
    Stage m_peakStage = Whole;
    int m_selectedStep = -1;
    bool m_compare = false;
    bool m_showWhole = false;
    bool m_logAuto = true; // the log toggle follows the data until the user sets it
    bool m_log = false;
};

} // namespace ts
