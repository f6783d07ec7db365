#include "views/livepanel.h"

#include "report/inspect_report.h"

#include <qcustomplot.h>

#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

const QLocale& grouped()
{
    static const QLocale l(QLocale::English, QLocale::UnitedStates); // "1,234,567.5"
    return l;
}

// A whole number with thousands separators, one decimal when it has a fraction (a median of two).
QString groupedNumber(double v)
{
    if (std::abs(v - std::round(v)) < 1e-9)
        return grouped().toString(qlonglong(std::llround(v)));
    return grouped().toString(v, 'f', 1);
}

QString msText(double ms) { return QString::number(ms, 'f', 3); }

// The share column: a bar under the text, as wide as the share.
class ShareBarDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const double share = std::clamp(index.data(LiveLayerModel::ShareRole).toDouble(), 0.0, 1.0);
        if (share > 0) {
            QRect bar = option.rect.adjusted(2, 3, -2, -3);
            bar.setWidth(std::max(1, int(std::lround(bar.width() * share))));
            painter->fillRect(bar, QColor(52, 120, 196, 90));
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

} // namespace

// --- LatencyFormat ----------------------------------------------------------------------------

double LatencyFormat::plotValue(double raw) const
{
    return inMs() ? raw * 1000.0 / double(clockHz) : raw / 1e6;
}

QString LatencyFormat::clockText() const
{
    if (clockHz <= 0)
        return QObject::tr("unknown clock");
    return QObject::tr("%1 MHz").arg(QString::number(double(clockHz) / 1e6, 'g', 6));
}

QString LatencyFormat::axisLabel() const
{
    if (inMs())
        return QObject::tr("latency, ms at %1").arg(clockText());
    if (unit == QLatin1String("instructions"))
        return QObject::tr("million instructions (QEMU, not cycles)");
    if (unit == QLatin1String("cycles"))
        return QObject::tr("million cycles (clock unknown)");
    return QObject::tr("million %1").arg(unit.isEmpty() ? QObject::tr("counts") : unit);
}

QString LatencyFormat::countText(double raw) const
{
    return inMs() ? msText(raw * 1000.0 / double(clockHz)) : groupedNumber(raw);
}

QString LatencyFormat::text(double raw) const
{
    if (inMs())
        return QObject::tr("%1 ms").arg(countText(raw));
    return QStringLiteral("%1 %2").arg(countText(raw), unit.isEmpty() ? QObject::tr("counts") : unit);
}

QString LatencyFormat::countHeader() const
{
    if (inMs())
        return QObject::tr("time (ms at %1)").arg(clockText());
    if (unit == QLatin1String("instructions"))
        return QObject::tr("instructions (QEMU)");
    return unit.isEmpty() ? QObject::tr("count") : unit;
}

QString LatencyFormat::perHeader() const
{
    return unit == QLatin1String("cycles") ? QObject::tr("MACs per cycle") : QObject::tr("MACs per instruction");
}

// --- LiveLayerModel ---------------------------------------------------------------------------

LiveLayerModel::LiveLayerModel(QObject* parent) : QAbstractTableModel(parent) {}

void LiveLayerModel::setFormat(const LatencyFormat& format)
{
    m_format = format;
    emit headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_layers.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void LiveLayerModel::setLayers(const std::vector<LiveLayer>& layers)
{
    beginResetModel();
    m_layers = layers;
    m_total = 0;
    for (const LiveLayer& l : m_layers)
        m_total += std::max<int64_t>(0, l.value);
    endResetModel();
}

double LiveLayerModel::sharePercent(int row) const
{
    if (row < 0 || row >= rowCount() || m_total <= 0)
        return 0;
    return 100.0 * double(std::max<int64_t>(0, m_layers[size_t(row)].value)) / double(m_total);
}

int LiveLayerModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_layers.size()); }

int LiveLayerModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LiveLayerModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const LiveLayer& l = m_layers[size_t(index.row())];
    const bool hasPer = l.value > 0 && l.macs > 0;
    const double per = hasPer ? double(l.macs) / double(l.value) : 0;
    if (role == SortRole) {
        switch (index.column()) {
        case ColIndex: return l.index;
        case ColOp: return QString::fromStdString(l.op);
        case ColName: return QString::fromStdString(l.name);
        case ColCount: return qlonglong(l.value);
        case ColShare: return sharePercent(index.row());
        case ColMacs: return qlonglong(l.macs);
        case ColMacsPer: return per;
        default: return {};
        }
    }
    if (role == ShareRole)
        return index.column() == ColShare ? sharePercent(index.row()) / 100.0 : QVariant();
    if (role == Qt::TextAlignmentRole)
        return index.column() == ColOp || index.column() == ColName ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                    : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == ColCount)
        return m_format.inMs() ? tr("%1 cycles at %2").arg(groupedNumber(double(l.value)), m_format.clockText())
                               : m_format.text(double(l.value));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case ColIndex: return l.index;
    case ColOp: return QString::fromStdString(l.op);
    case ColName: return QString::fromStdString(l.name);
    case ColCount: return m_format.countText(double(l.value));
    case ColShare: return m_total > 0 ? QString("%1 %").arg(sharePercent(index.row()), 0, 'f', 1) : QString("—");
    case ColMacs: return grouped().toString(qlonglong(l.macs));
    case ColMacsPer: return hasPer ? QString::number(per, 'f', 3) : QString("—");
    default: return {};
    }
}

QVariant LiveLayerModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColIndex: return tr("Layer (step) index in the generated code");
        case ColName: return tr("The layer's output tensor");
        case ColCount: return tr("This layer's cost in the latest profiled inference");
        case ColShare: return tr("Share of the sum over all layers");
        case ColMacsPer: return tr("Multiply-accumulates per unit of cost: higher is more efficient");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColIndex: return tr("#");
    case ColOp: return tr("op");
    case ColName: return tr("output");
    case ColCount: return m_format.countHeader();
    case ColShare: return tr("share of total");
    case ColMacs: return tr("MACs");
    case ColMacsPer: return m_format.perHeader();
    default: return {};
    }
}

// --- LivePanel --------------------------------------------------------------------------------

LivePanel::LivePanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    auto* head = new QGridLayout;
    m_title = new QLabel(tr("No run yet: Build & Run (F5) starts one."), this);
    m_title->setObjectName("liveTitle");
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_status = new QLabel(this);
    m_status->setObjectName("liveStatus");
    m_verdict = new QLabel(this);
    m_verdict->setObjectName("liveVerdict");
    m_stack = new QLabel(this);
    m_stack->setObjectName("liveStack");
    m_stack->setToolTip(tr("The deepest stack the firmware measured (its stack area is painted at boot)"));
    // Long texts wrap instead of widening the dock (the window must fit a 1366-pixel screen).
    for (QLabel* l : {m_title, m_status, m_verdict, m_stack}) {
        l->setWordWrap(true);
        l->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    }
    head->addWidget(m_title, 0, 0, 1, 3);
    head->addWidget(m_status, 0, 3, 1, 2, Qt::AlignRight);
    static const char* const names[5] = {"last", "median", "min", "max", "inferences"};
    for (int i = 0; i < 5; ++i) {
        m_figure[i] = new QLabel(this);
        m_figure[i]->setObjectName(QString("liveFigure_%1").arg(names[i]));
        m_figure[i]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_figure[i]->setWordWrap(true);
        m_figure[i]->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        head->addWidget(m_figure[i], 1, i);
    }
    head->addWidget(m_stack, 2, 0, 1, 3);
    head->addWidget(m_verdict, 2, 3, 1, 2, Qt::AlignRight);
    layout->addLayout(head);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_plot = new QCustomPlot(split);
    m_plot->setObjectName("latencyPlot");
    m_plot->setMinimumHeight(100);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_graph = m_plot->addGraph();
    m_graph->setName(tr("latency"));
    m_graph->setPen(QPen(QColor(52, 120, 196), 1.5));
    m_graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 3));
    m_graph->setAdaptiveSampling(true);
    const QFont small(font().family(), 8);
    m_plot->xAxis->setLabelFont(small);
    m_plot->yAxis->setLabelFont(small);
    m_plot->xAxis->setTickLabelFont(small);
    m_plot->yAxis->setTickLabelFont(small);
    m_plot->xAxis->setLabel(tr("inference"));
    m_plot->yAxis->setLabel(m_format.axisLabel());
    m_plot->xAxis->setRange(0, 10);
    m_plot->yAxis->setRange(0, 1);
    // The user's drag or zoom sticks until a double-click hands the ranges back to the data.
    connect(m_plot, &QCustomPlot::mousePress, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_autoRange = false; });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_autoRange = true;
        fitRanges();
        m_plot->replot();
        ++m_replots;
        m_sinceReplot.restart();
    });
    split->addWidget(m_plot);

    m_layers = new LiveLayerModel(this);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_layers);
    m_sorted->setSortRole(LiveLayerModel::SortRole);
    m_table = new QTableView(split);
    m_table->setObjectName("liveLayers");
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(LiveLayerModel::ColIndex, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setItemDelegateForColumn(LiveLayerModel::ColShare, new ShareBarDelegate(m_table));
    split->addWidget(m_table);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1); // the per-layer table gets as much room as the plot
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({300, 200});
    layout->addWidget(split, 1);

    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &LivePanel::updateNow);
    updateFigures();
}

void LivePanel::beginRun(const QString& title, const QString& unit, qint64 clockHz)
{
    m_timer->stop();
    m_format = LatencyFormat{unit, clockHz};
    m_keys.clear();
    m_values.clear();
    m_lastInference = -1;
    m_min = m_max = 0;
    m_dirty = false;
    m_autoRange = true;
    m_title->setText(title);
    m_status->clear();
    m_verdict->clear();
    m_verdict->setStyleSheet(QString());
    m_stack->clear();
    m_graph->data()->clear();
    m_plot->yAxis->setLabel(m_format.axisLabel());
    m_plot->xAxis->setRange(0, 10);
    m_plot->yAxis->setRange(0, 1);
    m_layers->setFormat(m_format);
    m_layers->setLayers({});
    updateFigures();
    m_plot->replot();
    ++m_replots;
    m_sinceReplot.restart();
}

void LivePanel::addSamples(const std::vector<LiveSample>& samples)
{
    QVector<double> keys, values;
    keys.reserve(qsizetype(samples.size()));
    values.reserve(qsizetype(samples.size()));
    for (const LiveSample& s : samples) {
        if (s.inference <= m_lastInference)
            continue; // seen already (the mailbox ring overlaps between reads)
        m_lastInference = s.inference;
        const double v = double(s.value);
        if (m_values.isEmpty()) {
            m_min = m_max = v;
        } else {
            m_min = std::min(m_min, v);
            m_max = std::max(m_max, v);
        }
        m_keys.push_back(double(s.inference));
        m_values.push_back(v);
        keys.push_back(double(s.inference));
        values.push_back(m_format.plotValue(v));
    }
    if (keys.isEmpty())
        return;
    m_graph->addData(keys, values, true);
    scheduleUpdate();
}

void LivePanel::setLayers(const std::vector<LiveLayer>& layers)
{
    const bool first = m_layers->rowCount() == 0;
    m_layers->setLayers(layers);
    if (first) // size the columns once per run, not on every update (the user may have resized them)
        m_table->resizeColumnsToContents();
}

void LivePanel::setStackPeak(qint64 bytes)
{
    m_stack->setText(bytes > 0 ? tr("stack peak: %1 (%2 B, measured)").arg(formatBytes(bytes), grouped().toString(bytes))
                               : QString());
}

void LivePanel::setStatus(const QString& status) { m_status->setText(status); }

void LivePanel::endRun(const QString& verdict, bool ok)
{
    m_timer->stop();
    if (m_dirty)
        updateNow();
    m_verdict->setText(verdict);
    m_verdict->setStyleSheet(ok ? "color: #1e8449; font-weight: bold;" : "color: #c0392b; font-weight: bold;");
    m_status->setText(ok ? tr("finished") : tr("ended"));
}

int LivePanel::plotPointCount() const { return m_graph->dataCount(); }

double LivePanel::medianValue() const
{
    if (m_values.isEmpty())
        return 0;
    std::vector<double> v(m_values.begin(), m_values.end());
    const size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(mid), v.end());
    const double upper = v[mid];
    if (v.size() % 2)
        return upper;
    const double lower = *std::max_element(v.begin(), v.begin() + std::ptrdiff_t(mid));
    return (lower + upper) / 2.0;
}

QString LivePanel::figureText(Figure f) const { return m_figure[int(f)]->text(); }

QString LivePanel::statusText() const { return m_status->text(); }

QString LivePanel::verdictText() const { return m_verdict->text(); }

QString LivePanel::stackText() const { return m_stack->text(); }

void LivePanel::scheduleUpdate()
{
    m_dirty = true;
    if (m_timer->isActive())
        return;
    const qint64 since = m_sinceReplot.isValid() ? m_sinceReplot.elapsed() : kMinReplotIntervalMs;
    m_timer->start(int(std::max<qint64>(0, kMinReplotIntervalMs - since)));
}

void LivePanel::updateNow()
{
    if (!m_dirty)
        return;
    // A timer may fire a little early: never draw twice within the minimum interval.
    if (m_sinceReplot.isValid() && m_sinceReplot.elapsed() < kMinReplotIntervalMs && sender() == m_timer) {
        m_timer->start(int(kMinReplotIntervalMs - m_sinceReplot.elapsed()));
        return;
    }
    m_dirty = false;
    updateFigures();
    if (m_autoRange)
        fitRanges();
    m_plot->replot();
    ++m_replots;
    m_sinceReplot.restart();
}

void LivePanel::updateFigures()
{
    const bool any = !m_values.isEmpty();
    auto set = [this](Figure f, const QString& name, const QString& value) {
        m_figure[int(f)]->setText(QString("%1: %2").arg(name, value));
    };
    set(Figure::Last, tr("last"), any ? m_format.text(m_values.back()) : QString("—"));
    set(Figure::Median, tr("median"), any ? m_format.text(medianValue()) : QString("—"));
    set(Figure::Min, tr("min"), any ? m_format.text(m_min) : QString("—"));
    set(Figure::Max, tr("max"), any ? m_format.text(m_max) : QString("—"));
    set(Figure::Count, tr("inferences"), grouped().toString(qlonglong(m_values.size())));
}

void LivePanel::fitRanges()
{
    if (m_values.isEmpty())
        return;
    const double first = m_keys.front(), last = m_keys.back();
    m_plot->xAxis->setRange(std::min(0.0, first), std::max(last + 1.0, 10.0));
    const double top = m_format.plotValue(m_max);
    m_plot->yAxis->setRange(0, top > 0 ? top * 1.15 : 1.0);
}

} // namespace ts
