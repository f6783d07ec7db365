#include "views/layerchart.h"

#include "analysis/opfacts.h"
#include "report/inspect_report.h"

#include <qcustomplot.h>

#include <QFontMetrics>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

const QColor kPeak(192, 57, 43);
const QColor kBudget(192, 57, 43);
const QColor kLowerBound(39, 174, 96);

QCPBars* makeBars(QCPAxis* x, QCPAxis* y, const QString& name, const QColor& color)
{
    auto* b = new QCPBars(x, y);
    b->setName(name);
    b->setPen(Qt::NoPen);
    b->setBrush(color);
    b->setWidth(0.8);
    return b;
}

void setLegend(QCPAbstractPlottable* p, bool on)
{
    if (on)
        p->addToLegend();
    else
        p->removeFromLegend();
}

// The headline's units (formatBytes) for a value the chart holds in KiB.
QString kib(double k) { return formatBytes(std::llround(k * 1024.0)); }

} // namespace

LayerChart::LayerChart(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(4, 0, 4, 0);
    m_compareCheck = new QCheckBox(tr("TFLM's plan (whole tensors, no in-place)"), this);
    m_compareCheck->setObjectName("compareCheck");
    m_wholeCheck = new QCheckBox(tr("whole-tensor plan"), this);
    m_wholeCheck->setObjectName("wholeTensorCheck");
    m_wholeCheck->setToolTip(tr("Overlay the working set per step without patches"));
    m_wholeCheck->setEnabled(false);
    m_logCheck = new QCheckBox(tr("log scale"), this);
    m_logCheck->setObjectName("logCheck");
    m_macsCheck = new QCheckBox(tr("MACs"), this);
    m_macsCheck->setObjectName("macsCheck");
    m_macsCheck->setToolTip(tr("A small plot of each layer's multiply-accumulates under the memory plot"));
    m_macsCheck->setChecked(true);
    auto* hint = new QLabel(tr("Ctrl+wheel: y zoom · double-click: fit"), this);
    hint->setEnabled(false);
    controls->addWidget(m_compareCheck);
    controls->addWidget(m_wholeCheck);
    controls->addWidget(m_logCheck);
    controls->addWidget(m_macsCheck);
    controls->addStretch(1);
    controls->addWidget(hint);
    layout->addLayout(controls);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("layerChart");
    layout->addWidget(m_plot, 1);
    connect(m_compareCheck, &QCheckBox::toggled, this, &LayerChart::setCompareWithTflm);
    connect(m_wholeCheck, &QCheckBox::toggled, this, &LayerChart::setShowWholeTensor);
    connect(m_macsCheck, &QCheckBox::toggled, this, &LayerChart::setShowMacs);
    connect(m_logCheck, &QCheckBox::clicked, this, [this](bool on) {
        m_logAuto = false; // the user's choice sticks
        setLogScale(on);
    });

    const QFont small(font().family(), 8);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    QCPAxisRect* main = m_plot->axisRect();
    main->setRangeDrag(Qt::Horizontal);
    main->setRangeZoom(Qt::Horizontal);
    m_plot->yAxis->setLabel(tr("KiB"));
    m_plot->xAxis->setTickLabels(false);
    m_ticker.reset(new QCPAxisTickerText);
    m_plot->xAxis->setTicker(m_ticker);
    m_plot->xAxis->grid()->setVisible(false);

    // MACs: a small plot of its own under the memory plot, sharing x, so compute never reads as memory.
    m_macsRect = new QCPAxisRect(m_plot);
    m_macsRect->setObjectName("macsRect");
    m_plot->plotLayout()->addElement(1, 0, m_macsRect);
    m_plot->plotLayout()->setRowStretchFactors({4.0, 1.0});
    m_macsRect->setMinimumSize(QSize(0, 28));
    m_macsRect->setMaximumSize(QSize(QWIDGETSIZE_MAX, 64));
    m_macsRect->setRangeDrag(Qt::Horizontal);
    m_macsRect->setRangeZoom(Qt::Horizontal);
    QCPAxis* mx = m_macsRect->axis(QCPAxis::atBottom);
    QCPAxis* my = m_macsRect->axis(QCPAxis::atLeft);
    m_macsTicker.reset(new QCPAxisTickerText);
    mx->setTicker(m_macsTicker);
    mx->setTickLabelFont(small);
    mx->grid()->setVisible(false);
    mx->setLabel(tr("layer (#imported op index, in run order)"));
    my->setLabel(tr("MACs (M)"));
    my->setTickLabelFont(small);
    my->ticker()->setTickCount(2);
    auto* margins = new QCPMarginGroup(m_plot);
    main->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    m_macsRect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    // The top margin holds the stage labels, above the bars and the peak label.
    main->setAutoMargins(QCP::msLeft | QCP::msRight);
    main->setMargins(QMargins(0, 14, 0, 2));
    m_macsRect->setAutoMargins(QCP::msLeft | QCP::msRight | QCP::msBottom);
    m_macsRect->setMargins(QMargins(0, 2, 0, 0));
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), mx, qOverload<const QCPRange&>(&QCPAxis::setRange));
    connect(mx, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::setRange));
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { updateTicks(); });

    QCPAxis* x = m_plot->xAxis;
    QCPAxis* y = m_plot->yAxis;
    m_inputs = makeBars(x, y, tr("inputs"), QColor(52, 120, 196));
    m_outputs = makeBars(x, y, tr("outputs"), QColor(236, 146, 52));
    m_outputs->moveAbove(m_inputs);
    m_other = makeBars(x, y, tr("other live"), QColor(160, 160, 160));
    m_other->moveAbove(m_outputs);
    m_scratch = makeBars(x, y, tr("scratch"), QColor(142, 68, 173));
    m_scratch->moveAbove(m_other);
    m_stage1Fixed = makeBars(x, y, tr("stage 1: split tensor"), QColor(30, 132, 73));
    m_stage1 = makeBars(x, y, tr("stage 1: per patch"), QColor(88, 214, 141));
    m_stage1->moveAbove(m_stage1Fixed);
    m_peakBar = makeBars(x, y, tr("peak"), Qt::transparent);
    m_peakBar->setBrush(Qt::NoBrush);
    m_peakBar->setPen(QPen(kPeak, 2));
    m_peakBar->removeFromLegend();
    m_macs = makeBars(mx, my, tr("MACs"), QColor(110, 110, 110));
    m_macs->removeFromLegend();

    auto line = [&](const QString& name, const QPen& pen, QCPGraph::LineStyle style) {
        QCPGraph* g = m_plot->addGraph(x, y);
        g->setName(name);
        g->setPen(pen);
        g->setLineStyle(style);
        return g;
    };
    m_whole = line(tr("whole-tensor plan"), QPen(QColor(90, 90, 90), 1.5, Qt::DashLine), QCPGraph::lsStepCenter);
    m_tflm = line(tr("TFLM (no in-place)"), QPen(QColor(192, 57, 43), 1.5, Qt::DashDotLine), QCPGraph::lsStepCenter);
    m_budget = line(tr("budget"), QPen(kBudget, 1.5, Qt::DashLine), QCPGraph::lsLine);
    m_lowerBound = line(tr("lower bound"), QPen(kLowerBound, 1.2, Qt::DotLine), QCPGraph::lsLine);
    for (QCPGraph* g : {m_whole, m_tflm})
        g->setVisible(false);

    m_selection = new QCPItemRect(m_plot);
    m_selection->setLayer("grid");
    m_selection->setPen(Qt::NoPen);
    m_selection->setBrush(QColor(52, 120, 196, 50));
    for (QCPItemPosition* p : {m_selection->topLeft, m_selection->bottomRight})
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_selection->setVisible(false);
    m_peakLabel = new QCPItemText(m_plot);
    m_peakLabel->setColor(kPeak);
    QFont bold = small;
    bold.setBold(true);
    m_peakLabel->setFont(bold);
    m_peakLabel->setPadding(QMargins(3, 1, 3, 1));
    m_peakLabel->setBrush(QColor(255, 255, 255, 200));
    m_peakLabel->setVisible(false);
    for (auto*& s : m_separator) {
        s = new QCPItemStraightLine(m_plot);
        s->setPen(QPen(QColor(80, 80, 80), 1, Qt::DashLine));
        s->setVisible(false);
    }
    for (auto*& t : m_stageLabel) {
        t = new QCPItemText(m_plot);
        t->setFont(small);
        t->setColor(QColor(60, 60, 60));
        t->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        t->setPadding(QMargins(4, 0, 4, 1));
        t->setClipToAxisRect(false);
        t->setVisible(false);
    }

    // The legend sits in a row above the plot, so it never hides bars.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(small);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setIconSize(16, 9);
    m_plot->legend->setRowSpacing(0);
    main->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->xAxis->setLabel(tr("layer (#imported op index, in run order)"));
    m_plot->xAxis->setLabelFont(small);
    m_plot->xAxis->setTickLabelFont(small);
    mx->setLabelFont(small);
    setShowMacs(true);

    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const QString text = describeStep(stepAt(e->pos().x()));
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(e->globalPosition().toPoint(), text, m_plot);
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (e->button() != Qt::LeftButton)
            return;
        // A click on the peak label goes to the peak bar, wherever the text reaches.
        if (m_peakLabel->visible() && m_peakLabel->selectTest(e->pos(), false) >= 0
            && m_peakLabel->selectTest(e->pos(), false) < m_plot->selectionTolerance()) {
            stepClicked(m_peakStep);
            return;
        }
        stepClicked(stepAt(e->pos().x()));
    });
    // The wheel zooms x; with Ctrl (or Shift) it zooms the memory axis.
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this](QWheelEvent* e) {
        const bool vertical = e->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier);
        m_plot->axisRect()->setRangeZoom(vertical ? Qt::Vertical : Qt::Horizontal);
        m_plot->axisRect()->setRangeZoomAxes(m_plot->xAxis, m_plot->yAxis);
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        m_plot->xAxis->setRange(-0.5, std::max<double>(0.5, double(m_steps.size()) - 0.5));
        fitY();
    });
    connect(m_plot, &QCustomPlot::afterLayout, this, [this] { updateTicks(); });
}

const Analysis* LayerChart::analysis() const { return m_result ? &m_result->analysis : m_analysis; }

int LayerChart::stepSource(int step) const
{
    return step >= 0 && size_t(step) < m_steps.size() ? m_steps[size_t(step)].source : -1;
}

int LayerChart::stepAt(double pixelX) const
{
    const int step = int(std::lround(m_plot->xAxis->pixelToCoord(pixelX)));
    return step >= 0 && size_t(step) < m_steps.size() ? step : -1;
}

void LayerChart::stepClicked(int step)
{
    const int source = stepSource(step);
    if (source >= 0)
        emit opClicked(source);
}

QString LayerChart::stepLabel(int step) const
{
    if (step < 0 || size_t(step) >= m_steps.size())
        return {};
    const StepInfo& s = m_steps[size_t(step)];
    const Analysis* a = analysis();
    std::string name;
    if (a && s.op >= 0)
        name = opKindName(a->legal.graph.ops[size_t(s.op)].kind);
    else if (m_model && s.source >= 0 && size_t(s.source) < m_model->main().ops.size())
        name = opKindName(m_model->main().ops[size_t(s.source)].kind);
    return QString("#%1 %2").arg(s.source).arg(QString::fromStdString(name));
}

void LayerChart::setAnalysis(const Analysis* a, int64_t budgetBytes)
{
    if (m_result && a != &m_result->analysis)
        m_result.reset();
    m_analysis = m_result ? nullptr : a;
    m_budgetBytes = budgetBytes;
    m_stage1Override.clear();
    rebuild();
}

void LayerChart::setResult(PipelineSnapshot result)
{
    m_result = std::move(result);
    m_analysis = nullptr;
    m_stage1Override.clear();
    m_budgetBytes = m_result ? m_result->arenaBudget() : 0;
    rebuild();
}

void LayerChart::setModel(std::shared_ptr<const Model> model)
{
    m_model = std::move(model);
    m_result.reset();
    m_analysis = nullptr;
    m_stage1Override.clear();
    m_budgetBytes = 0;
    rebuild();
}

void LayerChart::setStage1(const std::vector<int64_t>& bytesPerStep)
{
    m_stage1Override = bytesPerStep;
    rebuild();
}

void LayerChart::setCompareWithTflm(bool on)
{
    m_compare = on;
    {
        const QSignalBlocker block(m_compareCheck);
        m_compareCheck->setChecked(on);
    }
    updateLines();
    fitY();
}

void LayerChart::setShowWholeTensor(bool on)
{
    m_showWhole = on;
    {
        const QSignalBlocker block(m_wholeCheck);
        m_wholeCheck->setChecked(on);
    }
    updateLines();
    fitY();
}

bool LayerChart::logScale() const { return m_log; }

void LayerChart::setLogScale(bool on)
{
    m_log = on;
    {
        const QSignalBlocker block(m_logCheck);
        m_logCheck->setChecked(on);
    }
    QCPAxis* y = m_plot->yAxis;
    if (on && y->scaleType() != QCPAxis::stLogarithmic) {
        y->setScaleType(QCPAxis::stLogarithmic);
        QSharedPointer<QCPAxisTickerLog> log(new QCPAxisTickerLog);
        log->setSubTickCount(8);
        y->setTicker(log);
        y->setNumberFormat("gb");
    } else if (!on && y->scaleType() != QCPAxis::stLinear) {
        y->setScaleType(QCPAxis::stLinear);
        y->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        y->setNumberFormat("g");
    }
    fitY();
}

void LayerChart::setShowMacs(bool on)
{
    {
        const QSignalBlocker block(m_macsCheck);
        m_macsCheck->setChecked(on);
    }
    // Hidden, the MAC plot leaves the layout (its axes and bars are not drawn) and the memory plot
    // takes the layer labels.
    QCPLayoutGrid* grid = m_plot->plotLayout();
    const bool shown = grid->hasElement(2, 0) && grid->element(2, 0) == m_macsRect;
    if (on && !shown) {
        grid->addElement(2, 0, m_macsRect);
        grid->setRowStretchFactors({0.001, 4.0, 1.0});
    } else if (!on && shown) {
        grid->take(m_macsRect);
        grid->simplify();
    }
    m_macsRect->setVisible(on);
    m_plot->xAxis->setTickLabels(!on);
    m_plot->xAxis->setLabel(on ? QString() : tr("layer (#imported op index, in run order)"));
    m_plot->axisRect()->setAutoMargins(on ? QCP::msLeft | QCP::msRight : QCP::msLeft | QCP::msRight | QCP::msBottom);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool LayerChart::showMacs() const { return m_macsRect->visible(); }

void LayerChart::fitLegend()
{
    // As many columns as the width allows, so the legend takes one or two rows.
    QCPLegend* legend = m_plot->legend;
    const int width = m_plot->width();
    int wrap = std::max(1, legend->itemCount());
    legend->setWrap(wrap);
    while (wrap > 2 && legend->minimumOuterSizeHint().width() > width) {
        legend->setWrap(--wrap);
    }
}

void LayerChart::resizeEvent(QResizeEvent* e)
{
    QWidget::resizeEvent(e);
    fitLegend();
}

QSize LayerChart::sizeHint() const { return QSize(900, 340); }

QSize LayerChart::minimumSizeHint() const { return QSize(300, 150); }

void LayerChart::rebuild()
{
    m_labels.clear();
    m_labelWidths.clear();
    m_steps.clear();
    m_totals.clear();
    m_peakStep = -1;
    m_peakKiB = 0;
    m_peakStage = Whole;
    m_selectedStep = -1;
    QVector<double> x, in, out, other, scratch, s1x, s1fixed, s1patch, macs;
    const Analysis* a = analysis();
    const PipelineResult* r = m_result.get();
    const PatchPlan* patch = r && r->patched() ? &*r->patch : nullptr;
    int& s1begin = m_s1begin;
    int& s1end = m_s1end;
    s1begin = 0;
    s1end = -1;
    auto addRoles = [&](double key, const StepUse& u) {
        in << double(u.inputs) / 1024.0;
        out << double(u.outputs) / 1024.0;
        other << double(u.other) / 1024.0;
        scratch << double(u.scratch) / 1024.0;
        x << key;
    };
    if (a) {
        const auto& steps = a->memory.steps;
        const std::vector<int64_t>& stage1 = !m_stage1Override.empty() ? m_stage1Override
                                             : patch                   ? r->stage1
                                                                       : m_stage1Override;
        // stage1 holds one value per step up to the split: stage 0's (whole) first, then stage 1's.
        int stage1First = 0; // the step of stage1[0]
        if (patch) {
            s1end = std::min(patch->split.step, int(steps.size()) - 1);
            s1begin = std::clamp(patch->split.prefix, 0, s1end + 1);
            stage1First = s1end + 1 - int(stage1.size());
        } else if (!stage1.empty()) {
            s1begin = 0;
            s1end = std::min(int(stage1.size()), int(steps.size())) - 1;
        }
        // What stage 1 holds whole while the patches run: the split tensor (and a resident input).
        int64_t fixed = 0;
        if (patch) {
            const Graph& g = a->legal.graph;
            const int align = a->memory.alignment;
            if (patch->split.tensor >= 0 && size_t(patch->split.tensor) < g.tensors.size())
                fixed += alignUp(g.tensors[size_t(patch->split.tensor)].byteSize().value_or(0), align);
            // Stage 1's source (the input, or stage 0's output) is held whole when resident.
            const int source = patch->split.source >= 0 ? patch->split.source : (g.inputs.empty() ? -1 : g.inputs[0]);
            const bool resident = patch->split.prefix > 0 || (r->schedule.patch && r->schedule.patch->inputResident);
            if (resident && source >= 0 && size_t(source) < g.tensors.size())
                fixed += alignUp(g.tensors[size_t(source)].byteSize().value_or(0), align);
        }
        const StageLayout* stage0 = patch && patch->stage0 ? &*patch->stage0 : nullptr;
        const StageLayout* stage2 = patch && patch->stage2 ? &*patch->stage2 : nullptr;
        m_steps.reserve(steps.size());
        for (size_t s = 0; s < steps.size(); ++s) {
            StepInfo info;
            info.op = steps[s].op;
            info.source = a->legal.sourceOp[size_t(info.op)];
            const double key = double(s);
            const int si = int(s);
            if (si >= s1begin && si <= s1end && si - stage1First >= 0) {
                info.stage = Stage1;
                const int64_t total = stage1[size_t(si - stage1First)];
                const int64_t f = std::min(fixed, total);
                info.total = total;
                s1x << key;
                s1fixed << double(f) / 1024.0;
                s1patch << double(total - f) / 1024.0;
            } else if (patch && si > s1end) {
                info.stage = Stage2;
                const size_t k = size_t(si - s1end - 1);
                const StepUse& u = stage2 && k < stage2->memory.steps.size() ? stage2->memory.steps[k] : steps[s];
                info.total = u.total();
                addRoles(key, u);
            } else if (patch) {
                // Stage 0 runs whole before the patches: its own layout's working set.
                info.stage = Stage0;
                const StepUse& u = stage0 && s < stage0->memory.steps.size() ? stage0->memory.steps[s] : steps[s];
                info.total = u.total();
                addRoles(key, u);
            } else {
                info.stage = Whole;
                info.total = steps[s].total();
                addRoles(key, steps[s]);
            }
            m_steps.push_back(info);
            m_totals << double(info.total) / 1024.0;
            macs << double(computeOpFacts(a->legal.graph, a->legal.graph.ops[size_t(info.op)]).macs) / 1e6;
        }
        // The peak: what will run, on the bar where it occurs.
        auto argmax = [&](int from, int to) {
            int best = -1;
            for (int s = std::max(0, from); s <= to && size_t(s) < m_steps.size(); ++s)
                if (best < 0 || m_steps[size_t(s)].total > m_steps[size_t(best)].total)
                    best = s;
            return best;
        };
        if (patch) {
            const int last = int(m_steps.size()) - 1;
            // The stage that holds the run's peak (stage 2 on a tie: its bars are whole tensors).
            if (patch->stage2Peak >= patch->peak && s1end < last) {
                m_peakStage = Stage2;
                m_peakStep = argmax(s1end + 1, last);
            } else if (patch->stage1Peak >= patch->peak && s1begin <= s1end) {
                m_peakStage = Stage1;
                m_peakStep = argmax(s1begin, s1end);
            } else if (patch->stage0Peak >= patch->peak && s1begin > 0) {
                m_peakStage = Stage0;
                m_peakStep = argmax(0, s1begin - 1);
            } else {
                m_peakStep = argmax(0, last);
                m_peakStage = m_peakStep >= 0 ? m_steps[size_t(m_peakStep)].stage : Whole;
            }
            m_peakKiB = double(r->peakBytes) / 1024.0;
        } else {
            m_peakStep = a->memory.peakStep >= 0 ? a->memory.peakStep : argmax(0, int(m_steps.size()) - 1);
            m_peakKiB = double(r ? r->peakBytes : a->arenaBytes()) / 1024.0;
        }
    } else if (m_model) {
        // No analysis yet: the activation bytes each imported op reads and writes.
        const Graph& g = m_model->main();
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const OpFacts f = computeOpFacts(g, g.ops[i]);
            StepInfo info;
            info.source = int(i);
            info.total = f.inputBytes + f.outputBytes;
            m_steps.push_back(info);
            m_totals << double(info.total) / 1024.0;
            x << double(i);
            in << double(f.inputBytes) / 1024.0;
            out << double(f.outputBytes) / 1024.0;
            other << 0.0;
            scratch << 0.0;
            macs << double(f.macs) / 1e6;
        }
    }
    QVector<double> keys(int(m_steps.size()));
    for (int i = 0; i < keys.size(); ++i)
        keys[i] = double(i);
    m_inputs->setData(x, in, true);
    m_outputs->setData(x, out, true);
    m_other->setData(x, other, true);
    m_scratch->setData(x, scratch, true);
    m_stage1Fixed->setData(s1x, s1fixed, true);
    m_stage1->setData(s1x, s1patch, true);
    m_macs->setData(keys, macs, true);
    const bool staged = !s1x.isEmpty();
    setLegend(m_stage1Fixed, staged && patch);
    setLegend(m_stage1, staged);
    m_stage1->setName(patch ? tr("stage 1: per patch %1×%2").arg(patch->nh).arg(patch->nw) : tr("stage 1: per patch"));
    m_plot->yAxis->setLabel(a ? tr("KiB") : tr("KiB in + out"));
    m_wholeCheck->setEnabled(patch != nullptr);

    // The peak: outlined bar and a label naming value, layer and stage.
    if (m_peakStep >= 0) {
        const double px = double(m_peakStep);
        const double top = m_totals[m_peakStep];
        m_peakBar->data()->clear();
        m_peakBar->addData(px, top);
        QString where;
        if (m_peakStage == Stage1)
            where = tr(" (stage 1, per patch)");
        else if (m_peakStage == Stage2)
            where = tr(" (stage 2)");
        else if (m_peakStage == Stage0)
            where = tr(" (stage 0)");
        m_peakLabel->setText(tr("peak %1 at %2%3").arg(kib(m_peakKiB), stepLabel(m_peakStep), where));
        m_peakLabel->position->setCoords(px, std::max(top, m_peakKiB));
        const bool right = m_steps.size() > 4 && size_t(m_peakStep) > m_steps.size() / 2;
        m_peakLabel->setPositionAlignment((right ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignBottom);
        m_peakLabel->setVisible(true);
    } else {
        m_peakLabel->setVisible(false);
    }

    // Stage separators and labels.
    for (auto* s : m_separator)
        s->setVisible(false);
    for (auto* t : m_stageLabel)
        t->setVisible(false);
    if (patch && staged) {
        auto separate = [&](int i, double at) {
            m_separator[i]->point1->setCoords(at, 0);
            m_separator[i]->point2->setCoords(at, 1);
            m_separator[i]->setVisible(true);
        };
        auto label = [&](int i, double at, Qt::Alignment align, const QString& text) {
            m_stageLabel[i]->position->setCoords(at, 0);
            m_stageLabel[i]->setPositionAlignment(align | Qt::AlignBottom);
            m_stageLabel[i]->setText(text);
            m_stageLabel[i]->setVisible(true);
        };
        const double end1 = double(s1end) + 0.5;
        separate(1, end1);
        label(1, end1, Qt::AlignRight, tr("stage 1 (per patch, %1×%2)").arg(patch->nh).arg(patch->nw));
        label(2, end1, Qt::AlignLeft, tr("stage 2"));
        if (s1begin > 0) {
            const double begin1 = double(s1begin) - 0.5;
            separate(0, begin1);
            label(0, begin1, Qt::AlignRight, tr("stage 0"));
        }
    }

    m_plot->xAxis->setRange(-0.5, std::max<double>(0.5, double(m_steps.size()) - 0.5));
    if (m_stageLabel[1]->visible()) {
        // A narrow stage 1 (a few layers of a long model) has no room for its label left of the
        // separator: then one label right of it names both stages.
        const double at = m_stageLabel[1]->position->coords().x();
        const int room = int(m_plot->xAxis->coordToPixel(at)) - m_plot->axisRect()->left();
        if (QFontMetrics(m_stageLabel[1]->font()).horizontalAdvance(m_stageLabel[1]->text()) + 8 > room) {
            m_stageLabel[2]->setText(QString::fromUtf8("\u25C2 ") + m_stageLabel[1]->text() + QStringLiteral(" | ")
                                     + m_stageLabel[2]->text() + QString::fromUtf8(" \u25B8"));
            m_stageLabel[1]->setVisible(false);
        }
    }
    updateLines();
    if (m_logAuto) {
        // Far below the budget, linear bars would be a few pixels tall: log shows both.
        double top = 0;
        for (double v : m_totals)
            top = std::max(top, v);
        const bool log = m_budgetBytes > 0 && top > 0 && double(m_budgetBytes) / 1024.0 > 4 * top;
        if (log != m_log) {
            setLogScale(log); // fits y
            updateTicks();
            return;
        }
    }
    fitY();
    updateTicks();
}

void LayerChart::updateLines()
{
    const Analysis* a = analysis();
    const bool patched = m_result && m_result->patched();
    const double x0 = -0.5, x1 = std::max<double>(0.5, double(m_steps.size()) - 0.5);
    // Budget: the arena budget of the board, always in the legend when known.
    const double budget = double(m_budgetBytes) / 1024.0;
    m_budget->setData({x0, x1}, {budget, budget}, true);
    m_budget->setVisible(m_budgetBytes > 0);
    m_budget->setName(tr("budget %1").arg(formatBytes(m_budgetBytes)));
    setLegend(m_budget, m_budgetBytes > 0);
    // Lower bound: the largest working set of what runs (no plan can go below it).
    double lb = 0;
    if (a) {
        if (patched)
            for (double v : m_totals)
                lb = std::max(lb, v);
        else
            lb = double(a->memory.lowerBound) / 1024.0;
    }
    m_lowerBound->setData({x0, x1}, {lb, lb}, true);
    m_lowerBound->setVisible(a != nullptr);
    m_lowerBound->setName(tr("lower bound %1").arg(kib(lb)));
    setLegend(m_lowerBound, a != nullptr);
    // TFLM's plan and the whole-tensor plan, on request.
    QVector<double> tx, ty, wx, wy;
    if (a) {
        for (size_t s = 0; s < a->tflmWorkingSets.size(); ++s) {
            tx << double(s);
            ty << double(a->tflmWorkingSets[s]) / 1024.0;
        }
        for (size_t s = 0; s < a->memory.steps.size(); ++s) {
            wx << double(s);
            wy << double(a->memory.steps[s].total()) / 1024.0;
        }
    }
    m_tflm->setData(tx, ty, true);
    const bool tflm = a && m_compare;
    m_tflm->setVisible(tflm);
    m_tflm->setName(a && a->tflmGreedyPeak > 0 ? tr("TFLM %1").arg(formatBytes(a->tflmGreedyPeak)) : tr("TFLM"));
    setLegend(m_tflm, tflm);
    m_whole->setData(wx, wy, true);
    const bool whole = patched && m_showWhole;
    m_whole->setVisible(whole);
    m_whole->setName(patched ? tr("whole tensors %1").arg(formatBytes(m_result->patch->wholePeak)) : tr("whole tensors"));
    setLegend(m_whole, whole);
    fitLegend();
    updateSelection();
}

void LayerChart::fitY()
{
    double top = 0, bottom = 0;
    auto include = [&](double v) {
        top = std::max(top, v);
        if (v > 0)
            bottom = bottom > 0 ? std::min(bottom, v) : v;
    };
    for (double v : m_totals)
        include(v);
    include(m_peakKiB);
    for (QCPGraph* g : {m_budget, m_lowerBound, m_tflm, m_whole})
        if (g->visible())
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                include(it->value);
    if (top <= 0)
        top = 1;
    if (m_log) {
        // Down to the smallest bar (a classifier's last steps hold a few hundred bytes), but no more
        // than four decades below the top.
        const double lo = std::max(bottom > 0 ? bottom * 0.7 : top / 100, top / 1e4);
        m_plot->yAxis->setRange(lo, top * 1.6);
    } else {
        m_plot->yAxis->setRange(0, top * 1.14);
    }
    double macTop = 0;
    for (auto it = m_macs->data()->constBegin(); it != m_macs->data()->constEnd(); ++it)
        macTop = std::max(macTop, it->value);
    m_macsRect->axis(QCPAxis::atLeft)->setRange(0, macTop > 0 ? macTop * 1.15 : 1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LayerChart::updateTicks()
{
    const double lo = m_plot->xAxis->range().lower, hi = m_plot->xAxis->range().upper;
    const int n = int(m_steps.size());
    const int first = std::max(0, int(std::ceil(lo))), last = std::min(n - 1, int(std::floor(hi)));
    QMap<double, QString> ticks;
    if (n > 0 && last >= first) {
        const int width = std::max(100, m_macsRect->width() > 0 ? m_macsRect->width() : m_plot->width() - 80);
        const QFontMetrics fm(m_macsRect->axis(QCPAxis::atBottom)->tickLabelFont());
        const int visible = last - first + 1;
        // The labels and their widths are measured once per rebuild (text shaping was a visible
        // part of every edit and of every pan).
        if (m_labels.size() != n) {
            m_labels.resize(n);
            m_labelWidths.resize(n);
            for (int s = 0; s < n; ++s) {
                m_labels[s] = stepLabel(s);
                m_labelWidths[s] = fm.horizontalAdvance(m_labels[s]);
            }
        }
        // Full layer ids when they fit, else "#index" on every k-th bar (k = 1, 2, 5, 10, ...).
        int fullWidth = 0;
        for (int s = first; s <= last; ++s)
            fullWidth = std::max(fullWidth, m_labelWidths[s]);
        const bool full = double(width) / visible >= fullWidth + 8;
        const int labelWidth = full ? fullWidth + 8 : fm.horizontalAdvance(QString("#%1").arg(n * 10)) + 8;
        const double needed = double(visible) * labelWidth / width;
        int stride = 1;
        for (int m = 1; stride < needed; m *= 10)
            for (int k : {1, 2, 5})
                if (stride < needed)
                    stride = k * m;
        for (int s = first; s <= last; ++s)
            if (s % stride == 0)
                ticks.insert(double(s), full ? m_labels[s] : QString("#%1").arg(stepSource(s)));
    }
    if (ticks != m_ticker->ticks()) {
        m_ticker->setTicks(ticks);
        m_macsTicker->setTicks(ticks);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void LayerChart::updateSelection()
{
    if (m_selectedStep >= 0 && size_t(m_selectedStep) < m_steps.size()) {
        m_selection->topLeft->setCoords(m_selectedStep - 0.5, 0);
        m_selection->bottomRight->setCoords(m_selectedStep + 0.5, 1);
        m_selection->setVisible(true);
    } else {
        m_selection->setVisible(false);
    }
}

QString LayerChart::peakText() const { return m_peakLabel->visible() ? m_peakLabel->text() : QString(); }

QString LayerChart::describeStep(int step) const
{
    if (step < 0 || size_t(step) >= m_steps.size())
        return {};
    const StepInfo& info = m_steps[size_t(step)];
    const Analysis* a = analysis();
    if (!a) {
        return tr("<b>%1</b><br>activations %2 (in + out)").arg(stepLabel(step).toHtmlEscaped(), formatBytes(info.total));
    }
    const PatchPlan* patch = m_result && m_result->patched() ? &*m_result->patch : nullptr;
    const Graph& g = a->legal.graph;
    const int64_t macs = computeOpFacts(g, g.ops[size_t(info.op)]).macs;
    QString text = tr("<b>%1</b> — step %2").arg(stepLabel(step).toHtmlEscaped()).arg(step);
    // The memory analysis whose step `k` this is, for the role breakdown and live buffers.
    const MemoryAnalysis* memory = &a->memory;
    int k = step;
    if (info.stage == Stage1) {
        k = step - m_s1begin;
        memory = nullptr;
        if (patch) {
            text += tr(", stage 1 (per patch, %1×%2)").arg(patch->nh).arg(patch->nw);
            const double fixed = m_stage1Fixed->data()->findBegin(double(step), false)->value;
            text += tr(patch->split.prefix > 0 || (m_result->schedule.patch && m_result->schedule.patch->inputResident)
                           ? "<br>working set %1 = split tensor and stage 1's input, whole %2 + largest patch %3"
                           : "<br>working set %1 = split tensor, whole %2 + largest patch %3")
                        .arg(formatBytes(info.total), kib(fixed), kib(double(info.total) / 1024.0 - fixed));
            if (patch->largestPatch >= 0 && size_t(patch->largestPatch) < patch->patchLayoutOf.size()) {
                const int l = patch->patchLayoutOf[size_t(patch->largestPatch)];
                if (l >= 0 && size_t(l) < patch->patchLayouts.size()
                    && size_t(k) < patch->patchLayouts[size_t(l)].memory.steps.size())
                    memory = &patch->patchLayouts[size_t(l)].memory;
            }
        } else {
            text += tr(", stage 1 per patch<br>working set %1").arg(formatBytes(info.total));
        }
    } else {
        if (info.stage == Stage2 && patch && patch->stage2) {
            k = step - patch->split.step - 1;
            if (k >= 0 && size_t(k) < patch->stage2->memory.steps.size())
                memory = &patch->stage2->memory;
            else
                k = step;
            text += tr(", stage 2");
        } else if (info.stage == Stage0) {
            text += tr(", stage 0 (whole tensors, before the patches)");
            if (patch && patch->stage0 && size_t(step) < patch->stage0->memory.steps.size())
                memory = &patch->stage0->memory;
        }
        const StepUse& u = memory->steps[size_t(k)];
        text += tr("<br>working set %1 = inputs %2 + outputs %3 + other %4 + scratch %5%6")
                    .arg(formatBytes(u.total()), formatBytes(u.inputs), formatBytes(u.outputs), formatBytes(u.other),
                         formatBytes(u.scratch), u.inplace ? tr(" (in place)") : QString());
    }
    text += info.stage == Stage1 ? tr("<br>%1 MACs (the whole layer, before halo recomputation)").arg(QLocale().toString(qlonglong(macs)))
                                 : tr("<br>%1 MACs").arg(QLocale().toString(qlonglong(macs)));
    if (step == m_peakStep)
        text += tr("<br><b>peak %1</b>").arg(kib(m_peakKiB));
    if (memory && k >= 0 && size_t(k) < memory->steps.size()) {
        text += "<br>live:";
        for (int b : memory->steps[size_t(k)].live) {
            const PlanBuffer& pb = memory->buffers[size_t(b)];
            text += QString("<br>&nbsp;&nbsp;%1 — %2").arg(QString::fromStdString(pb.label).toHtmlEscaped(),
                                                           formatBytes(pb.sizeAt(k)));
        }
    }
    return text;
}

QVector<double> LayerChart::totals() const { return m_totals; }

void LayerChart::selectOp(int index)
{
    m_selectedStep = -1;
    if (index >= 0)
        for (size_t s = 0; s < m_steps.size(); ++s)
            if (m_steps[s].source == index)
                m_selectedStep = int(s); // the last step of a fused group (folded ops have none)
    updateSelection();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace ts
