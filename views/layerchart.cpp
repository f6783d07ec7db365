#include "views/layerchart.h"

#include "analysis/opfacts.h"
#include "report/inspect_report.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QToolTip>
#include <QVBoxLayout>

namespace ts {

LayerChart::LayerChart(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("layerChart");
    auto* compare = new QCheckBox(tr("Compare with TFLM's plan (whole tensors, no in-place)"), this);
    compare->setObjectName("compareCheck");
    layout->addWidget(compare);
    layout->addWidget(m_plot, 1);
    connect(compare, &QCheckBox::toggled, this, &LayerChart::setCompareWithTflm);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->xAxis->setLabel(tr("op index"));
    m_plot->yAxis->setLabel(tr("activation KiB (in + out)"));
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("MACs (M)"));

    m_inputs = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_inputs->setName(tr("inputs"));
    m_inputs->setPen(Qt::NoPen);
    m_inputs->setBrush(QColor(52, 120, 196));
    m_outputs = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_outputs->setName(tr("outputs"));
    m_outputs->setPen(Qt::NoPen);
    m_outputs->setBrush(QColor(236, 146, 52));
    m_outputs->moveAbove(m_inputs);
    m_other = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_other->setName(tr("other live"));
    m_other->setPen(Qt::NoPen);
    m_other->setBrush(QColor(160, 160, 160));
    m_other->moveAbove(m_outputs);
    m_scratch = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_scratch->setName(tr("scratch"));
    m_scratch->setPen(Qt::NoPen);
    m_scratch->setBrush(QColor(142, 68, 173));
    m_scratch->moveAbove(m_other);
    m_budget = new QCPItemStraightLine(m_plot);
    m_budget->setPen(QPen(QColor(192, 57, 43), 1.5, Qt::DashLine));
    m_budget->setVisible(false);
    m_lowerBound = new QCPItemStraightLine(m_plot);
    m_lowerBound->setPen(QPen(QColor(39, 174, 96), 1.2, Qt::DotLine));
    m_lowerBound->setVisible(false);
    m_macs = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_macs->setName(tr("MACs"));
    m_macs->setPen(QPen(QColor(60, 60, 60), 1.5));
    m_macs->setLineStyle(QCPGraph::lsStepCenter);
    m_selection = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_selection->setName(tr("selected"));
    m_selection->setLineStyle(QCPGraph::lsImpulse);
    m_selection->setPen(QPen(QColor(200, 30, 30), 2));
    m_tflm = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_tflm->setName(tr("TFLM (no in-place)"));
    m_tflm->setLineStyle(QCPGraph::lsStepCenter);
    m_tflm->setPen(QPen(QColor(192, 57, 43), 1.5, Qt::DashLine));
    m_tflm->setVisible(false);
    m_tflm->removeFromLegend();
    m_peakMarker = new QCPItemStraightLine(m_plot);
    m_peakMarker->setPen(QPen(QColor(192, 57, 43, 160), 1, Qt::DashDotLine));
    m_peakMarker->setVisible(false);
    m_peakLabel = new QCPItemText(m_plot);
    m_peakLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_peakLabel->setColor(QColor(192, 57, 43));
    m_peakLabel->setFont(QFont(font().family(), 8));
    m_peakLabel->setVisible(false);
    m_stage1 = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_stage1->setName(tr("stage 1, per patch"));
    m_stage1->setLineStyle(QCPGraph::lsStepCenter);
    m_stage1->setPen(QPen(QColor(39, 174, 96), 2.5));
    m_stage1->setBrush(QColor(39, 174, 96, 40));
    // The legend sits in a row above the plot, so it never hides bars.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_selection->removeFromLegend();

    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int step = int(std::lround(m_plot->xAxis->pixelToCoord(e->pos().x())));
        const QString text = describeStep(step);
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(e->globalPosition().toPoint(), text, m_plot);
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (!m_model || e->button() != Qt::LeftButton)
            return;
        const int index = int(std::lround(m_plot->xAxis->pixelToCoord(e->pos().x())));
        if (m_analysis) {
            if (index >= 0 && size_t(index) < m_analysis->memory.steps.size())
                emit opClicked(m_analysis->legal.sourceOp[size_t(m_analysis->memory.steps[size_t(index)].op)]);
            return;
        }
        if (index >= 0 && size_t(index) < m_model->main().ops.size())
            emit opClicked(index);
    });
}

void LayerChart::setAnalysis(const Analysis* a, int64_t budgetBytes)
{
    m_analysis = a;
    m_budgetBytes = budgetBytes;
    if (!a) {
        setModel(std::shared_ptr<const Model>(m_model));
        return;
    }
    QVector<double> x, in, out, other, scratch, macs;
    for (size_t s = 0; s < a->memory.steps.size(); ++s) {
        const StepUse& u = a->memory.steps[s];
        x << double(s);
        in << double(u.inputs) / 1024.0;
        out << double(u.outputs) / 1024.0;
        other << double(u.other) / 1024.0;
        scratch << double(u.scratch) / 1024.0;
        macs << double(computeOpFacts(a->legal.graph, a->legal.graph.ops[size_t(u.op)]).macs) / 1e6;
    }
    m_inputs->setData(x, in);
    m_outputs->setData(x, out);
    m_other->setData(x, other);
    m_scratch->setData(x, scratch);
    m_macs->setData(x, macs);
    m_selection->data()->clear();
    m_plot->xAxis->setLabel(tr("step (op order after legalization)"));
    m_plot->yAxis->setLabel(tr("working set KiB"));
    m_plot->rescaleAxes();
    m_plot->xAxis->setRange(-1, std::max<double>(1, double(x.size())));
    QVector<double> tx, ty;
    for (size_t s = 0; s < a->tflmWorkingSets.size(); ++s) {
        tx << double(s);
        ty << double(a->tflmWorkingSets[s]) / 1024.0;
    }
    m_tflm->setData(tx, ty, true);
    m_tflm->setVisible(m_compare);
    if (a->memory.peakStep >= 0) {
        // The peak step, marked and named.
        const double px = double(a->memory.peakStep);
        m_peakMarker->point1->setCoords(px, 0);
        m_peakMarker->point2->setCoords(px, 1);
        m_peakMarker->setVisible(true);
        const int op = a->memory.steps[size_t(a->memory.peakStep)].op;
        m_peakLabel->setText(tr(" peak: step %1, %2").arg(a->memory.peakStep)
                                 .arg(QString::fromStdString(opKindName(a->legal.graph.ops[size_t(op)].kind))));
        m_peakLabel->position->setCoords(px, double(a->memory.lowerBound) / 1024.0);
        m_peakLabel->setVisible(true);
    }
    const double lb = double(a->memory.lowerBound) / 1024.0;
    const double budget = double(budgetBytes) / 1024.0;
    m_lowerBound->point1->setCoords(0, lb);
    m_lowerBound->point2->setCoords(1, lb);
    m_lowerBound->setVisible(true);
    m_budget->point1->setCoords(0, budget);
    m_budget->point2->setCoords(1, budget);
    m_budget->setVisible(budgetBytes > 0);
    // Show the budget line when it is within reach of the bars; otherwise it would flatten them.
    double top = budgetBytes > 0 && budget < lb * 3 ? std::max(lb, budget) : lb;
    if (m_compare)
        for (double v : ty)
            top = std::max(top, v);
    m_plot->yAxis->setRange(0, top * 1.12 + 1e-9);
    m_plot->yAxis2->setRange(0, m_plot->yAxis2->range().upper * 1.12 + 1e-9);
    m_plot->replot();
}

void LayerChart::setCompareWithTflm(bool on)
{
    m_compare = on;
    if (m_analysis)
        setAnalysis(m_analysis, m_budgetBytes);
}

QString LayerChart::describeStep(int step) const
{
    if (!m_analysis || step < 0 || size_t(step) >= m_analysis->memory.steps.size())
        return {};
    const StepUse& u = m_analysis->memory.steps[size_t(step)];
    const Graph& g = m_analysis->legal.graph;
    QString text = tr("<b>step %1: %2</b> (op %3)<br>working set %4 = inputs %5 + outputs %6 + other %7 + scratch %8%9")
                       .arg(step)
                       .arg(QString::fromStdString(opKindName(g.ops[size_t(u.op)].kind)))
                       .arg(m_analysis->legal.sourceOp[size_t(u.op)])
                       .arg(formatBytes(u.total()), formatBytes(u.inputs), formatBytes(u.outputs), formatBytes(u.other),
                            formatBytes(u.scratch), u.inplace ? tr(" (in place)") : QString());
    text += "<br>live:";
    for (int b : u.live) {
        const PlanBuffer& pb = m_analysis->memory.buffers[size_t(b)];
        text += QString("<br>&nbsp;&nbsp;%1 — %2").arg(QString::fromStdString(pb.label).toHtmlEscaped(),
                                                       formatBytes(pb.sizeAt(step)));
    }
    return text;
}

void LayerChart::setStage1(const std::vector<int64_t>& bytesPerStep)
{
    QVector<double> x, y;
    for (size_t s = 0; s < bytesPerStep.size(); ++s) {
        x << double(s);
        y << double(bytesPerStep[s]) / 1024.0;
    }
    m_stage1->setData(x, y, true);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QVector<double> LayerChart::totals() const
{
    QVector<double> t;
    for (auto it = m_inputs->data()->constBegin(); it != m_inputs->data()->constEnd(); ++it)
        t << it->value;
    auto add = [&t](QCPBars* b) {
        int i = 0;
        for (auto it = b->data()->constBegin(); it != b->data()->constEnd() && i < t.size(); ++it, ++i)
            t[i] += it->value;
    };
    add(m_outputs);
    add(m_other);
    add(m_scratch);
    return t;
}

void LayerChart::setResult(PipelineSnapshot result)
{
    m_result = std::move(result);
    if (!m_result) {
        setModel(m_model);
        return;
    }
    setAnalysis(&m_result->analysis, m_result->arenaBudget());
    setStage1(m_result->stage1);
}

void LayerChart::setModel(std::shared_ptr<const Model> model)
{
    m_stage1->data()->clear();
    m_tflm->data()->clear();
    m_peakMarker->setVisible(false);
    m_peakLabel->setVisible(false);
    m_model = std::move(model);
    m_analysis = nullptr;
    m_result.reset();
    m_other->data()->clear();
    m_scratch->data()->clear();
    m_budget->setVisible(false);
    m_lowerBound->setVisible(false);
    m_plot->xAxis->setLabel(tr("op index"));
    m_plot->yAxis->setLabel(tr("activation KiB (in + out)"));
    QVector<double> x, in, out, macs;
    if (model) {
        const Graph& g = model->main();
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const OpFacts f = computeOpFacts(g, g.ops[i]);
            x << double(i);
            in << double(f.inputBytes) / 1024.0;
            out << double(f.outputBytes) / 1024.0;
            macs << double(f.macs) / 1e6;
        }
    }
    m_inputs->setData(x, in);
    m_outputs->setData(x, out);
    m_macs->setData(x, macs);
    m_selection->data()->clear();
    m_plot->rescaleAxes();
    m_plot->xAxis->setRange(-1, std::max<double>(1, double(x.size())));
    // Headroom above the tallest bar and the MAC line, so neither is clipped at the frame.
    m_plot->yAxis->setRange(0, m_plot->yAxis->range().upper * 1.12 + 1e-9);
    m_plot->yAxis2->setRange(0, m_plot->yAxis2->range().upper * 1.12 + 1e-9);
    m_plot->replot();
}

void LayerChart::selectOp(int index)
{
    m_selection->data()->clear();
    int x = index;
    if (m_analysis && index >= 0) {
        // The imported op index → its step after legalization (folded ops have none).
        x = -1;
        for (size_t s = 0; s < m_analysis->memory.steps.size(); ++s)
            if (m_analysis->legal.sourceOp[size_t(m_analysis->memory.steps[s].op)] == index)
                x = int(s);
    }
    if (m_model && x >= 0) {
        const double top = m_plot->yAxis->range().upper;
        m_selection->addData(double(x), top);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace ts
