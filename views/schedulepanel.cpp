#include "views/schedulepanel.h"

#include "plan/planner.h"
#include "report/inspect_report.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QGridLayout>
#include <QSpinBox>
#include <QAbstractItemView>
#include <QVBoxLayout>

#include <algorithm>

namespace ts {

SchedulePanel::SchedulePanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* memory = new QGroupBox(tr("Memory plan"), this);
    auto* form = new QFormLayout(memory);
    m_planner = new QComboBox(memory);
    m_planner->setObjectName("plannerCombo");
    for (const auto& n : plannerNames())
        m_planner->addItem(QString::fromStdString(n));
    m_inplace = new QCheckBox(tr("In-place kernels"), memory);
    m_inplace->setObjectName("inplaceCheck");
    m_inplace->setToolTip(tr("Ops write their output over an input that dies there, as the kernel contracts allow"));
    auto kind = [&](QCheckBox*& box, const QString& text, const char* name, InplaceKind k) {
        box = new QCheckBox(text, memory);
        box->setObjectName(name);
        for (const InplaceRule& r : inplaceRules())
            if (r.kind == k)
                box->setToolTip(tr("%1\nPlacement: %2\nOrder: %3\nScratch: %4").arg(r.ops, r.placement, r.order, r.scratch));
    };
    kind(m_inplaceDepthwise, tr("depthwise"), "inplaceDepthwise", InplaceKind::Depthwise);
    kind(m_inplaceShrink, tr("1×1 shrinking"), "inplacePointwiseShrink", InplaceKind::PointwiseShrink);
    kind(m_inplaceExpand, tr("1×1 expanding"), "inplacePointwiseExpand", InplaceKind::PointwiseExpand);
    kind(m_inplaceElementwise, tr("element-wise"), "inplaceElementwise", InplaceKind::Elementwise);
    // Two columns, so the panel fits a narrow dock.
    auto* kinds = new QGridLayout;
    kinds->setContentsMargins(16, 0, 0, 0);
    int cell = 0;
    for (QCheckBox* c : {m_inplaceDepthwise, m_inplaceShrink, m_inplaceExpand, m_inplaceElementwise}) {
        kinds->addWidget(c, cell / 2, cell % 2);
        ++cell;
    }
    kinds->setColumnStretch(2, 1);
    m_reorder = new QCheckBox(tr("Reorder ops for the smallest peak"), memory);
    m_reorder->setObjectName("reorderCheck");
    m_quantizedIo = new QCheckBox(tr("Input arrives quantized (int8 body)"), memory);
    m_quantizedIo->setObjectName("quantizedIoCheck");
    form->addRow(tr("Planner"), m_planner);
    form->addRow(m_inplace);
    form->addRow(kinds);
    form->addRow(m_reorder);
    form->addRow(m_quantizedIo);

    auto* patch = new QGroupBox(tr("Patch-based first stage"), this);
    auto* pform = new QFormLayout(patch);
    m_split = new QComboBox(patch);
    m_split->setObjectName("splitCombo");
    // Items carry figures; the popup shows them whole, the closed combo must not widen the dock.
    m_split->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_split->setMinimumContentsLength(24);
    m_split->setToolTip(tr("Where stage 1 (run patch by patch) hands over to whole-tensor execution: the layer "
                           "producing the split tensor, its shape and, after Auto, its best schedule"));
    auto* grid = new QHBoxLayout;
    m_nh = new QSpinBox(patch);
    m_nh->setObjectName("nhSpin");
    m_nw = new QSpinBox(patch);
    m_nw->setObjectName("nwSpin");
    for (QSpinBox* s : {m_nh, m_nw}) {
        s->setRange(1, 8);
        s->setValue(1);
        s->setMaximumWidth(70);
    }
    grid->addWidget(m_nh);
    grid->addWidget(new QLabel(QStringLiteral("×"), patch));
    grid->addWidget(m_nw);
    grid->addStretch(1);
    // The patch workflow starts here: a full-width button on its own row, never scrolled away.
    m_auto = new QPushButton(tr("Auto: find the patch schedule that fits"), patch);
    m_auto->setObjectName("autoButton");
    m_auto->setToolTip(tr("Search every split and grid up to 8×8 and apply the recommended schedule (F6)"));
    m_resident = new QCheckBox(tr("Whole input frame stays in SRAM"), patch);
    m_resident->setObjectName("residentCheck");
    pform->addRow(m_auto);
    pform->addRow(tr("Split"), m_split);
    pform->addRow(tr("Patches"), grid);
    pform->addRow(m_resident);

    m_pareto = new QCustomPlot(this);
    m_pareto->setObjectName("paretoPlot");
    m_pareto->setMinimumHeight(170);
    m_pareto->xAxis->setLabel(tr("peak SRAM (KiB)"));
    m_pareto->yAxis->setLabel(tr("extra MACs (%)"));
    m_points = m_pareto->addGraph();
    m_points->setLineStyle(QCPGraph::lsLine);
    m_points->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
    m_points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(52, 120, 196), QColor(52, 120, 196, 80), 7));
    m_recommended = m_pareto->addGraph();
    m_recommended->setLineStyle(QCPGraph::lsNone);
    m_recommended->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(39, 174, 96), 14));
    m_chosen = m_pareto->addGraph();
    m_chosen->setLineStyle(QCPGraph::lsNone);
    m_chosen->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(192, 57, 43), 2), Qt::NoBrush, 13));
    m_pareto->setToolTip(tr("Pareto front of patch schedules: click a point to apply it"));

    layout->addWidget(memory);
    layout->addWidget(patch);
    layout->addWidget(new QLabel(tr("Pareto front (click to apply)"), this));
    layout->addWidget(m_pareto, 1);

    connect(m_inplace, &QCheckBox::clicked, this, [this](bool on) {
        m_updating = true;
        for (QCheckBox* c : {m_inplaceDepthwise, m_inplaceShrink, m_inplaceExpand, m_inplaceElementwise})
            c->setChecked(on);
        m_updating = false;
        emitEdited();
    });
    for (QCheckBox* c : {m_inplaceDepthwise, m_inplaceShrink, m_inplaceExpand, m_inplaceElementwise, m_reorder,
                         m_quantizedIo, m_resident})
        connect(c, &QCheckBox::toggled, this, &SchedulePanel::emitEdited);
    connect(m_planner, &QComboBox::currentIndexChanged, this, &SchedulePanel::emitEdited);
    connect(m_split, &QComboBox::currentIndexChanged, this, &SchedulePanel::splitChosen);
    connect(m_nh, &QSpinBox::valueChanged, this, &SchedulePanel::emitEdited);
    connect(m_nw, &QSpinBox::valueChanged, this, &SchedulePanel::emitEdited);
    connect(m_auto, &QPushButton::clicked, this, [this] {
        if (m_busy)
            emit cancelRequested();
        else
            emit autoRequested();
    });
    connect(m_pareto, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* p, int index, QMouseEvent*) {
        if (p != m_points || index < 0 || size_t(index) >= m_front.size())
            return;
        const PatchPlan& plan = m_front[size_t(index)];
        ScheduleDoc s = m_shown;
        if (plan.nh * plan.nw == 1)
            s.patch.reset();
        else
            s.patch = PatchStage{plan.split.tensor, plan.nh, plan.nw, m_resident->isChecked()};
        setSchedule(s);
        emit edited(s);
    });
    setSchedule(ScheduleDoc{});
}

void SchedulePanel::setSchedule(const ScheduleDoc& s)
{
    m_updating = true;
    m_shown = s;
    m_planner->setCurrentText(QString::fromStdString(s.planner));
    m_inplaceDepthwise->setChecked(s.inplace.depthwise);
    m_inplaceShrink->setChecked(s.inplace.pointwiseShrink);
    m_inplaceExpand->setChecked(s.inplace.pointwiseExpand);
    m_inplaceElementwise->setChecked(s.inplace.elementwise);
    InplaceSwitches all;
    InplaceSwitches none;
    none.setAll(false);
    m_inplace->setTristate(false);
    if (s.inplace == all || s.inplace == none)
        m_inplace->setChecked(s.inplace == all);
    else
        m_inplace->setCheckState(Qt::PartiallyChecked);
    m_reorder->setChecked(s.reorder);
    m_quantizedIo->setChecked(s.quantizedIo);
    const int split = s.patch ? s.patch->splitTensor : -1;
    int index = m_split->findData(split);
    m_split->setCurrentIndex(index >= 0 ? index : 0);
    m_nh->setValue(s.patch ? s.patch->nh : 1);
    m_nw->setValue(s.patch ? s.patch->nw : 1);
    m_resident->setChecked(s.patch && s.patch->inputResident);
    const bool patched = split >= 0;
    m_nh->setEnabled(patched);
    m_nw->setEnabled(patched);
    m_resident->setEnabled(patched);
    // Mark the applied point on the scatter.
    m_chosen->data()->clear();
    for (const PatchPlan& p : m_front)
        if (s.patch ? (p.split.tensor == s.patch->splitTensor && p.nh == s.patch->nh && p.nw == s.patch->nw)
                        : p.nh * p.nw == 1)
            m_chosen->addData(double(p.peak) / 1024.0, p.extraMacsPercent);
    m_pareto->replot(QCustomPlot::rpQueuedReplot);
    m_updating = false;
}

void SchedulePanel::setSplits(const LegalGraph* lg, const std::vector<SplitPoint>& splits)
{
    m_updating = true;
    const int keep = m_split->currentData().toInt();
    m_split->clear();
    m_splits.clear();
    m_split->addItem(tr("No patch stage (whole tensors)"), -1);
    for (const SplitPoint& s : splits) {
        SplitItem item{s, {}, {}};
        if (lg && s.tensor >= 0 && size_t(s.tensor) < lg->graph.tensors.size()) {
            item.tensorName = QString::fromStdString(lg->graph.tensors[size_t(s.tensor)].name);
            // The op producing the split tensor (the last stage-1 op, at s.step of the order), named
            // by its imported op index like every other view.
            for (size_t o = 0; o < lg->graph.ops.size(); ++o) {
                const auto& outs = lg->graph.ops[o].outputs;
                if (std::find(outs.begin(), outs.end(), s.tensor) == outs.end())
                    continue;
                const int src = o < lg->sourceOp.size() ? lg->sourceOp[o] : -1;
                item.layer = QStringLiteral("#%1 %2").arg(src).arg(QString::fromStdString(opKindName(lg->graph.ops[o].kind)));
                break;
            }
        }
        m_splits.push_back(item);
        m_split->addItem(QString(), s.tensor);
    }
    updateSplitTexts();
    const int index = m_split->findData(keep);
    m_split->setCurrentIndex(index >= 0 ? index : 0);
    m_updating = false;
}

void SchedulePanel::updateSplitTexts()
{
    for (size_t i = 0; i < m_splits.size(); ++i) {
        const SplitItem& item = m_splits[i];
        const SplitPoint& s = item.split;
        QString text = item.layer.isEmpty() ? tr("tensor %1").arg(s.tensor) : item.layer;
        text += QStringLiteral(" → ") + QString::fromStdString(shapeString(s.shape));
        if (s.prefix > 0)
            text += tr(" after stage 0");
        QString tip = tr("Split tensor %1 '%2' %3, produced at step %4 of the order")
                          .arg(s.tensor)
                          .arg(item.tensorName)
                          .arg(QString::fromStdString(shapeString(s.shape)))
                          .arg(s.step);
        if (s.prefix > 0)
            tip += tr("\nStage 0: the first %n op(s) run on whole tensors before the patches", nullptr, s.prefix);
        if (const PatchPlan* b = bestFor(s.tensor)) {
            text += tr(" · best %1 KiB at %2×%3, +%4 % MACs")
                        .arg(double(b->peak) / 1024.0, 0, 'f', 1)
                        .arg(b->nh)
                        .arg(b->nw)
                        .arg(b->extraMacsPercent, 0, 'f', 1);
            tip += tr("\nBest within the MAC cap: %1×%2 patches, peak %3 B (stage 1 %4 B, stage 2 %5 B), +%6 % MACs; "
                      "whole tensors %7 B")
                       .arg(b->nh)
                       .arg(b->nw)
                       .arg(b->peak)
                       .arg(b->stage1Peak)
                       .arg(b->stage2Peak)
                       .arg(b->extraMacsPercent, 0, 'f', 2)
                       .arg(b->wholePeak);
        }
        const int index = int(i) + 1;
        m_split->setItemText(index, text);
        m_split->setItemData(index, tip, Qt::ToolTipRole);
    }
    // The closed combo is kept narrow (the dock must fit 1366×768); its popup shows items whole.
    const QFontMetrics fm = m_split->view()->fontMetrics();
    int widest = 0;
    for (int i = 0; i < m_split->count(); ++i)
        widest = std::max(widest, fm.horizontalAdvance(m_split->itemText(i)));
    m_split->view()->setMinimumWidth(widest + 2 * m_split->view()->frameWidth() + 24);
}

const PatchPlan* SchedulePanel::bestFor(int splitTensor) const
{
    const SplitItem* item = nullptr;
    for (const SplitItem& s : m_splits)
        if (s.split.tensor == splitTensor)
            item = &s;
    for (const PatchPlan& p : m_bestPerSplit)
        // Figures of a search over another graph or order do not apply: the split must match.
        if (p.split.tensor == splitTensor && p.nh > 0 && p.peak > 0
            && (!item || (p.split.shape == item->split.shape && p.split.prefix == item->split.prefix)))
            return &p;
    return nullptr;
}

std::pair<int, int> SchedulePanel::gridFor(int splitTensor) const
{
    if (const PatchPlan* b = bestFor(splitTensor))
        return {b->nh, b->nw};
    int h = 8, w = 8;
    for (const SplitItem& s : m_splits)
        if (s.split.tensor == splitTensor && s.split.shape.size() == 4) {
            h = std::max(1, int(s.split.shape[1]));
            w = std::max(1, int(s.split.shape[2]));
        }
    // No figures: keep a patched grid the user already set if it fits the new split, else 2×2
    // (a 1×1 grid only adds the split tensor to whole-tensor execution: a worse peak).
    const int nh = m_nh->value(), nw = m_nw->value();
    if (nh * nw > 1 && nh <= h && nw <= w)
        return {nh, nw};
    return {std::min(2, h), std::min(2, w)};
}

void SchedulePanel::splitChosen()
{
    const int split = m_split->currentData().toInt();
    const bool patched = split >= 0;
    m_nh->setEnabled(patched);
    m_nw->setEnabled(patched);
    m_resident->setEnabled(patched);
    if (m_updating)
        return;
    if (patched) {
        // The grid follows the split, and the whole change is one edit (one undo step).
        const auto [nh, nw] = gridFor(split);
        m_updating = true;
        m_nh->setValue(nh);
        m_nw->setValue(nw);
        m_updating = false;
    }
    emitEdited();
}

void SchedulePanel::setSplitFigures(const PatchSearchResult* r)
{
    m_bestPerSplit = r ? r->bestPerSplit : std::vector<PatchPlan>{};
    for (PatchPlan& p : m_bestPerSplit) { // figures only: drop what a search result may still carry
        p.patches.clear();
        p.regions.clear();
        p.ops.clear();
    }
    updateSplitTexts();
}

void SchedulePanel::setPareto(const PatchSearchResult* r)
{
    setSplitFigures(r);
    m_front = r ? r->pareto : std::vector<PatchPlan>{};
    QVector<double> x, y, rx, ry;
    for (size_t i = 0; i < m_front.size(); ++i) {
        x << double(m_front[i].peak) / 1024.0;
        y << m_front[i].extraMacsPercent;
        if (r && int(i) == r->recommended) {
            rx << x.back();
            ry << y.back();
        }
    }
    m_points->setData(x, y, true);
    m_recommended->setData(rx, ry, true);
    m_pareto->rescaleAxes();
    m_pareto->xAxis->scaleRange(1.15);
    m_pareto->yAxis->scaleRange(1.2);
    setSchedule(m_shown);
}

void SchedulePanel::setSearching(bool busy)
{
    m_busy = busy;
    m_auto->setText(busy ? tr("Cancel") : tr("Auto: find the patch schedule that fits"));
    m_auto->setToolTip(busy ? tr("Stop the search (its result is dropped)")
                            : tr("Search every split and grid up to 8×8 and apply the recommended schedule (F6)"));
}

void SchedulePanel::setSearchProgress(int percent)
{
    if (m_busy)
        m_auto->setText(tr("Cancel (%1 %)").arg(percent));
}

ScheduleDoc SchedulePanel::current() const
{
    ScheduleDoc s = m_shown;
    s.planner = m_planner->currentText().toStdString();
    s.inplace.depthwise = m_inplaceDepthwise->isChecked();
    s.inplace.pointwiseShrink = m_inplaceShrink->isChecked();
    s.inplace.pointwiseExpand = m_inplaceExpand->isChecked();
    s.inplace.elementwise = m_inplaceElementwise->isChecked();
    s.reorder = m_reorder->isChecked();
    s.quantizedIo = m_quantizedIo->isChecked();
    const int split = m_split->currentData().toInt();
    if (split < 0)
        s.patch.reset();
    else
        s.patch = PatchStage{split, m_nh->value(), m_nw->value(), m_resident->isChecked()};
    return s;
}

void SchedulePanel::emitEdited()
{
    if (m_updating)
        return;
    const ScheduleDoc s = current();
    if (s == m_shown)
        return;
    m_shown = s;
    emit edited(s);
}

} // namespace ts
