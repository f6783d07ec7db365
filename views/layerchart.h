#pragma once
// Per-layer bar chart (QCustomPlot): activation bytes each op reads and writes, and its MACs.
// A first look at where a model's memory and compute go; the memory chart with planned working
// sets replaces the activation series once arena planning lands.

#include "model/graph.h"
#include "pipeline/pipeline.h"
#include "pipeline/analysis.h"

#include <QWidget>

#include <memory>

class QCustomPlot;
class QCPBars;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCheckBox;

namespace ts {

class LayerChart : public QWidget {
    Q_OBJECT
public:
    explicit LayerChart(QWidget* parent = nullptr);
    void setModel(std::shared_ptr<const Model> model);
    // The result of one pipeline run (held as a shared snapshot): working sets, budget, stage 1.
    void setResult(PipelineSnapshot result);
    // Working set per step by role; x is the step, clicks report the imported op index.
    void setAnalysis(const Analysis* analysis, int64_t budgetBytes);
    void selectOp(int index); // -1 clears
    // Stage-1 working set per step of a patch schedule (largest patch + full split tensor); empty clears.
    void setStage1(const std::vector<int64_t>& bytesPerStep);
    // The value series for tests: total working set per step (KiB).
    QVector<double> totals() const;
    // Overlay TFLM's per-step working set (whole tensors, no in-place) to compare the two plans.
    void setCompareWithTflm(bool on);
    bool compareWithTflm() const { return m_compare; }
    // Hover text for a step: the working set by role and every live buffer (empty outside).
    QString describeStep(int step) const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    void opClicked(int index);

private:
    QCustomPlot* m_plot = nullptr;
    QCPBars* m_inputs = nullptr;
    QCPBars* m_outputs = nullptr;
    QCPGraph* m_macs = nullptr;
    QCPGraph* m_selection = nullptr;
    QCPGraph* m_stage1 = nullptr;
    QCPGraph* m_tflm = nullptr;
    QCPItemStraightLine* m_peakMarker = nullptr;
    QCPItemText* m_peakLabel = nullptr;
    bool m_compare = false;
    int64_t m_budgetBytes = 0;
    QCPBars* m_other = nullptr;
    QCPBars* m_scratch = nullptr;
    QCPItemStraightLine* m_budget = nullptr;
    QCPItemStraightLine* m_lowerBound = nullptr;
    std::shared_ptr<const Model> m_model;
    PipelineSnapshot m_result;
    const Analysis* m_analysis = nullptr;
};

} // namespace ts
