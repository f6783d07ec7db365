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
#include <QSpinBox>
#include <QVBoxLayout>

namespace ts {

AnalysisOptions StudioSchedule::analysisOptions() const
{
    AnalysisOptions o = doc.analysisOptions();
    o.reorder = reorder;
    return o;
}

bool StudioSchedule::operator==(const StudioSchedule& o) const
{
    auto same = [](const std::optional<PatchStage>& a, const std::optional<PatchStage>& b) {
        if (a.has_value() != b.has_value())
            return false;
        return !a || (a->splitTensor == b->splitTensor && a->nh == b->nh && a->nw == b->nw
                      && a->inputResident == b->inputResident);
    };
    return reorder == o.reorder && doc.planner == o.doc.planner && doc.inplace == o.doc.inplace
        && doc.quantizedIo == o.doc.quantizedIo && doc.order == o.doc.order && same(doc.patch, o.doc.patch);
}

SchedulePanel::SchedulePanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* memory = new QGroupBox(tr("Memory plan"), this);
    auto* form = new QFormLayout(memory);
    m_planner = new QComboBox(memory);
    m_planner->setObjectName("plannerCombo");
    for (const auto& n : plannerNames())
        m_planner->addItem(QString::fromStdString(n));
    m_inplace = new QCheckBox(tr("In-place depthwise / pointwise / element-wise"), memory);
    m_inplace->setObjectName("inplaceCheck");
    m_reorder = new QCheckBox(tr("Reorder ops for the smallest peak"), memory);
    m_reorder->setObjectName("reorderCheck");
    m_quantizedIo = new QCheckBox(tr("Input arrives quantized (int8 body)"), memory);
    m_quantizedIo->setObjectName("quantizedIoCheck");
    form->addRow(tr("Planner"), m_planner);
    form->addRow(m_inplace);
    form->addRow(m_reorder);
    form->addRow(m_quantizedIo);

    auto* patch = new QGroupBox(tr("Patch-based first stage"), this);
    auto* pform = new QFormLayout(patch);
    m_split = new QComboBox(patch);
    m_split->setObjectName("splitCombo");
    auto* grid = new QHBoxLayout;
    m_nh = new QSpinBox(patch);
    m_nh->setObjectName("nhSpin");
    m_nw = new QSpinBox(patch);
    m_nw->setObjectName("nwSpin");
    for (QSpinBox* s : {m_nh, m_nw}) {
        s->setRange(1, 8);
        s->setValue(1);
    }
    grid->addWidget(m_nh);
    grid->addWidget(new QLabel(QStringLiteral("×"), patch));
    grid->addWidget(m_nw);
    m_auto = new QPushButton(tr("Auto"), patch);
    m_auto->setObjectName("autoButton");
    m_auto->setToolTip(tr("Search every split and grid up to 8×8 and apply the recommended schedule (F6)"));
    grid->addWidget(m_auto);
    m_resident = new QCheckBox(tr("Whole input frame stays in SRAM"), patch);
    m_resident->setObjectName("residentCheck");
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

    for (QCheckBox* c : {m_inplace, m_reorder, m_quantizedIo, m_resident})
        connect(c, &QCheckBox::toggled, this, &SchedulePanel::emitEdited);
    connect(m_planner, &QComboBox::currentIndexChanged, this, &SchedulePanel::emitEdited);
    connect(m_split, &QComboBox::currentIndexChanged, this, [this] {
        const bool patched = m_split->currentData().toInt() >= 0;
        m_nh->setEnabled(patched);
        m_nw->setEnabled(patched);
        m_resident->setEnabled(patched);
        emitEdited();
    });
    connect(m_nh, &QSpinBox::valueChanged, this, &SchedulePanel::emitEdited);
    connect(m_nw, &QSpinBox::valueChanged, this, &SchedulePanel::emitEdited);
    connect(m_auto, &QPushButton::clicked, this, &SchedulePanel::autoRequested);
    connect(m_pareto, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* p, int index, QMouseEvent*) {
        if (p != m_points || index < 0 || size_t(index) >= m_front.size())
            return;
        const PatchPlan& plan = m_front[size_t(index)];
        StudioSchedule s = m_shown;
        if (plan.nh * plan.nw == 1)
            s.doc.patch.reset();
        else
            s.doc.patch = PatchStage{plan.split.tensor, plan.nh, plan.nw, m_resident->isChecked()};
        setSchedule(s);
        emit edited(s);
    });
    setSchedule(StudioSchedule{});
}

void SchedulePanel::setSchedule(const StudioSchedule& s)
{
    m_updating = true;
    m_shown = s;
    m_planner->setCurrentText(QString::fromStdString(s.doc.planner));
    m_inplace->setChecked(s.doc.inplace);
    m_reorder->setChecked(s.reorder);
    m_quantizedIo->setChecked(s.doc.quantizedIo);
    const int split = s.doc.patch ? s.doc.patch->splitTensor : -1;
    int index = m_split->findData(split);
    m_split->setCurrentIndex(index >= 0 ? index : 0);
    m_nh->setValue(s.doc.patch ? s.doc.patch->nh : 1);
    m_nw->setValue(s.doc.patch ? s.doc.patch->nw : 1);
    m_resident->setChecked(s.doc.patch && s.doc.patch->inputResident);
    const bool patched = split >= 0;
    m_nh->setEnabled(patched);
    m_nw->setEnabled(patched);
    m_resident->setEnabled(patched);
    // Mark the applied point on the scatter.
    m_chosen->data()->clear();
    for (const PatchPlan& p : m_front)
        if (s.doc.patch ? (p.split.tensor == s.doc.patch->splitTensor && p.nh == s.doc.patch->nh && p.nw == s.doc.patch->nw)
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
    m_split->addItem(tr("No patch stage (whole tensors)"), -1);
    for (const SplitPoint& s : splits) {
        const QString name = lg ? QString::fromStdString(lg->graph.tensors[size_t(s.tensor)].name) : QString();
        m_split->addItem(QString("%1 %2 — after step %3 (%4)")
                             .arg(s.tensor)
                             .arg(QString::fromStdString(shapeString(s.shape)))
                             .arg(s.step)
                             .arg(name.left(28)),
                         s.tensor);
    }
    const int index = m_split->findData(keep);
    m_split->setCurrentIndex(index >= 0 ? index : 0);
    m_updating = false;
}

void SchedulePanel::setPareto(const PatchSearchResult* r)
{
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
    m_auto->setEnabled(!busy);
    m_auto->setText(busy ? tr("Searching…") : tr("Auto"));
}

StudioSchedule SchedulePanel::current() const
{
    StudioSchedule s = m_shown;
    s.doc.planner = m_planner->currentText().toStdString();
    s.doc.inplace = m_inplace->isChecked();
    s.reorder = m_reorder->isChecked();
    s.doc.quantizedIo = m_quantizedIo->isChecked();
    const int split = m_split->currentData().toInt();
    if (split < 0)
        s.doc.patch.reset();
    else
        s.doc.patch = PatchStage{split, m_nh->value(), m_nw->value(), m_resident->isChecked()};
    return s;
}

void SchedulePanel::emitEdited()
{
    if (m_updating)
        return;
    const StudioSchedule s = current();
    if (s == m_shown)
        return;
    m_shown = s;
    emit edited(s);
}

} // namespace ts
