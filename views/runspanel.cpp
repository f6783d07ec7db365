#include "views/runspanel.h"

#include "report/inspect_report.h"
#include "store/runstore.h"
#include "views/livepanel.h"

#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

namespace ts {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString esc(const QString& s) { return s.toHtmlEscaped(); }
QString esc(const std::string& s) { return qs(s).toHtmlEscaped(); }

LatencyFormat formatOf(const RunInfo& r) { return LatencyFormat{qs(r.unit), r.clockHz}; }

QString unitText(const RunInfo& r)
{
    if (r.unit == "instructions")
        return QObject::tr("instructions (QEMU)");
    if (r.unit == "cycles")
        return r.clockHz > 0 ? QObject::tr("cycles at %1").arg(formatOf(r).clockText()) : QObject::tr("cycles");
    return qs(r.unit);
}

QString outputText(int matches)
{
    switch (matches) {
    case 1: return QObject::tr("matches the reference");
    case 0: return QObject::tr("DIFFERS from the reference");
    default: return QObject::tr("not checked");
    }
}

QString sizesText(const StoreBuild& b)
{
    if (b.flashTotal <= 0 && b.ramTotal <= 0)
        return QObject::tr("—");
    return QObject::tr("flash %1 / RAM %2").arg(formatBytes(b.flashTotal), formatBytes(b.ramTotal));
}

QStandardItem* cell(const QString& text, const QVariant& sortValue = {}, bool right = false)
{
    auto* item = new QStandardItem(text);
    item->setEditable(false);
    item->setData(sortValue.isValid() ? sortValue : QVariant(text), RunsPanel::SortRole);
    if (right)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

// "2026-12-02 08:23:22" from the store's ISO 8601 UTC text (as stored when it does not parse).
QString startedText(const std::string& iso)
{
    QDateTime t = QDateTime::fromString(qs(iso), Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(qs(iso), Qt::ISODate);
    return t.isValid() ? t.toUTC().toString("yyyy-MM-dd HH:mm:ss") : qs(iso);
}

QString shortSha(const std::string& sha) { return qs(sha.substr(0, std::min<size_t>(12, sha.size()))); }

// A short summary of the schedule document (Session JSON, or a bare schedule): one line per key.
QStringList scheduleSummary(const std::string& json)
{
    QStringList out;
    if (json.empty())
        return {QObject::tr("(no schedule document stored)")};
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(json), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return {QObject::tr("(the stored schedule document is not a JSON object: %1)").arg(err.errorString())};
    const QJsonObject top = doc.object();
    const QJsonObject schedule = top.value("schedule").isObject() ? top.value("schedule").toObject() : top;
    auto compact = [](const QJsonValue& v) -> QString {
        if (v.isNull())
            return QObject::tr("none");
        if (v.isBool())
            return v.toBool() ? QObject::tr("yes") : QObject::tr("no");
        if (v.isDouble())
            return QString::number(v.toDouble(), 'g', 12);
        if (v.isString())
            return v.toString();
        return QString::fromUtf8(v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                             : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    };
    for (auto it = schedule.begin(); it != schedule.end(); ++it) {
        const QString key = it.key();
        if (key == "model_sha256" || key == "format" || key == "schedule")
            continue;
        if (key == "op_order" && it.value().isArray()) {
            const int n = int(it.value().toArray().size());
            out << QObject::tr("op_order: %1").arg(n ? QObject::tr("%1 ops, explicit").arg(n) : QObject::tr("as stored"));
            continue;
        }
        if (key == "patch" && it.value().isObject()) {
            const QJsonObject p = it.value().toObject();
            const QJsonArray grid = p.value("grid").toArray();
            out << QObject::tr("patch: split at tensor %1, %2×%3 patches%4")
                       .arg(p.value("split_tensor").toInt())
                       .arg(grid.size() > 0 ? grid[0].toInt() : 1)
                       .arg(grid.size() > 1 ? grid[1].toInt() : 1)
                       .arg(p.value("input_resident").toBool() ? QObject::tr(", input resident") : QString());
            continue;
        }
        out << QString("%1: %2").arg(key, compact(it.value()));
    }
    if (top.value("codegen").isObject())
        out << QObject::tr("codegen: %1").arg(compact(top.value("codegen")));
    return out;
}

QString row(const QString& name, const QString& value)
{
    return QString("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(esc(name), value);
}

} // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    auto* top = new QHBoxLayout;
    m_filterLabel = new QLabel(this);
    m_filterLabel->setObjectName("runsFilter");
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setObjectName("runsRefresh");
    m_open = new QPushButton(tr("Open"), this);
    m_open->setObjectName("runsOpen");
    m_open->setToolTip(tr("Show the selected run's schedule, sizes and per-layer figures (or double-click it)"));
    m_compare = new QPushButton(tr("Compare"), this);
    m_compare->setObjectName("runsCompare");
    m_compare->setToolTip(tr("Select two runs to compare them side by side"));
    m_export = new QPushButton(tr("Export CSV…"), this);
    m_export->setObjectName("runsExport");
    m_export->setToolTip(tr("Write the selected run's samples and per-layer figures to a CSV file"));
    top->addWidget(m_filterLabel, 1);
    top->addWidget(m_refresh);
    top->addWidget(m_open);
    top->addWidget(m_compare);
    top->addWidget(m_export);
    layout->addLayout(top);
    m_error = new QLabel(this);
    m_error->setObjectName("runsError");
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet("color: #c0392b;");
    m_error->hide();
    layout->addWidget(m_error);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_runs = new QStandardItemModel(0, ColumnCount, this);
    m_runs->setSortRole(SortRole);
    m_runs->setHorizontalHeaderLabels({tr("run"), tr("started (UTC)"), tr("status"), tr("board"), tr("probe"),
                                       tr("inferences"), tr("median latency"), tr("unit"), tr("output check"),
                                       tr("flash / RAM")});
    m_runsView = new QTableView(split);
    m_runsView->setObjectName("runsTable");
    m_runsView->setModel(m_runs);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runsView->setAlternatingRowColors(true);
    m_runsView->setWordWrap(false);
    m_runsView->verticalHeader()->setVisible(false);
    m_runsView->verticalHeader()->setDefaultSectionSize(m_runsView->fontMetrics().height() + 8);
    m_runsView->horizontalHeader()->setStretchLastSection(true);
    m_runsView->setSortingEnabled(true);
    m_runsView->sortByColumn(ColId, Qt::DescendingOrder); // ids grow with the start: newest first
    split->addWidget(m_runsView);

    auto* details = new QWidget(split);
    auto* dl = new QHBoxLayout(details);
    dl->setContentsMargins(0, 0, 0, 0);
    m_details = new QTextBrowser(details);
    m_details->setObjectName("runDetails");
    m_details->setOpenLinks(false);
    m_details->setPlaceholderText(tr("Double-click a run to see its schedule, sizes and layers; select two and "
                                     "press Compare to see them side by side."));
    m_layers = new QStandardItemModel(this);
    m_layers->setSortRole(SortRole);
    m_layersView = new QTableView(details);
    m_layersView->setObjectName("runLayers");
    m_layersView->setModel(m_layers);
    m_layersView->setSortingEnabled(true);
    m_layersView->verticalHeader()->setVisible(false);
    m_layersView->verticalHeader()->setDefaultSectionSize(m_layersView->fontMetrics().height() + 8);
    m_layersView->setAlternatingRowColors(true);
    m_layersView->setWordWrap(false);
    m_layersView->horizontalHeader()->setStretchLastSection(true);
    dl->addWidget(m_details, 2);
    dl->addWidget(m_layersView, 3);
    split->addWidget(details);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({200, 400});
    layout->addWidget(split, 1);

    connect(m_refresh, &QPushButton::clicked, this, &RunsPanel::refresh);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const auto ids = selectedRuns();
        if (!ids.empty())
            openRun(ids.front());
    });
    connect(m_compare, &QPushButton::clicked, this, &RunsPanel::compareSelected);
    connect(m_export, &QPushButton::clicked, this, &RunsPanel::exportClicked);
    connect(m_runsView, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        const QVariant id = m_runs->index(index.row(), ColId).data(IdRole);
        if (id.isValid())
            openRun(id.toLongLong());
    });
    connect(m_runsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::updateButtons);
    setFilter({}, {});
}

void RunsPanel::setStore(RunStore* store)
{
    m_store = store;
    m_opened = -1;
    m_details->clear();
    m_layers->clear();
    refresh();
}

void RunsPanel::setFilter(const std::string& modelSha256, const std::string& board)
{
    m_model = modelSha256;
    m_board = board;
    QStringList parts;
    if (!m_model.empty())
        parts << tr("model %1").arg(shortSha(m_model));
    if (!m_board.empty())
        parts << tr("board %1").arg(qs(m_board));
    m_filterLabel->setText(parts.isEmpty() ? tr("All runs") : tr("Runs of %1").arg(parts.join(tr(" on "))));
    refresh();
}

void RunsPanel::setError(const QString& text)
{
    m_error->setText(text);
    m_error->setVisible(!text.isEmpty());
}

QString RunsPanel::errorText() const { return m_error->text(); }

QString RunsPanel::detailsText() const { return m_details->toPlainText(); }

void RunsPanel::refresh()
{
    const std::vector<qint64> keep = selectedRuns();
    m_runs->removeRows(0, m_runs->rowCount());
    if (!m_store) {
        setError(tr("No run store is open, so there are no runs to list."));
        updateButtons();
        return;
    }
    auto runs = m_store->listRuns(m_model, m_board);
    if (!runs.ok()) {
        setError(tr("Could not list the runs in %1: %2").arg(qs(m_store->path()), qs(firstError(runs.diagnostics))));
        updateButtons();
        return;
    }
    setError({});
    const bool sorting = m_runsView->isSortingEnabled();
    m_runsView->setSortingEnabled(false); // rows go in as the store orders them, then the view sorts once
    for (const RunInfo& r : *runs) {
        QList<QStandardItem*> items;
        auto* id = cell(QString::number(r.id), qlonglong(r.id), true);
        id->setData(qlonglong(r.id), IdRole);
        items << id;
        items << cell(startedText(r.started), qs(r.started));
        auto* status = cell(qs(r.status));
        if (!r.message.empty())
            status->setToolTip(qs(r.message));
        if (r.status == "failed")
            status->setForeground(QColor(192, 57, 43));
        else if (r.status == "ok")
            status->setForeground(QColor(30, 132, 73));
        items << status;
        items << cell(qs(r.board));
        items << cell(r.serial.empty() ? qs(r.probe) : QString("%1 (%2)").arg(qs(r.probe), qs(r.serial)));
        items << cell(QString::number(r.samples), qlonglong(r.samples), true);
        items << cell(r.samples > 0 ? formatOf(r).text(r.median) : tr("—"), r.median, true);
        items << cell(unitText(r));
        items << cell(outputText(r.outputMatches), r.outputMatches);
        items << cell(sizesText(r.build), qlonglong(r.build.flashTotal));
        m_runs->appendRow(items);
    }
    m_runsView->setSortingEnabled(sorting);
    m_runsView->resizeColumnsToContents();
    setSelectedRuns(keep);
    updateButtons();
}

std::vector<qint64> RunsPanel::listedRuns() const
{
    std::vector<qint64> ids;
    for (int r = 0; r < m_runs->rowCount(); ++r)
        ids.push_back(m_runs->index(r, ColId).data(IdRole).toLongLong());
    return ids;
}

std::vector<qint64> RunsPanel::selectedRuns() const
{
    std::vector<qint64> ids;
    if (!m_runsView->selectionModel())
        return ids;
    QModelIndexList rows = m_runsView->selectionModel()->selectedRows(ColId);
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const QModelIndex& i : rows)
        ids.push_back(i.data(IdRole).toLongLong());
    return ids;
}

void RunsPanel::setSelectedRuns(const std::vector<qint64>& ids)
{
    QItemSelectionModel* sel = m_runsView->selectionModel();
    const std::set<qint64> wanted(ids.begin(), ids.end());
    QItemSelection selection;
    for (int r = 0; r < m_runs->rowCount(); ++r)
        if (wanted.count(m_runs->index(r, ColId).data(IdRole).toLongLong()))
            selection.select(m_runs->index(r, 0), m_runs->index(r, ColumnCount - 1));
    sel->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    updateButtons();
}

void RunsPanel::updateButtons()
{
    const size_t n = selectedRuns().size();
    m_refresh->setEnabled(m_store != nullptr);
    m_open->setEnabled(m_store && n >= 1);
    m_compare->setEnabled(m_store && n == 2);
    m_export->setEnabled(m_store && (n == 1 || (n == 0 && m_opened >= 0)));
}

bool RunsPanel::openRun(qint64 id)
{
    if (!m_store) {
        setError(tr("No run store is open."));
        return false;
    }
    auto run = m_store->run(id);
    if (!run.ok()) {
        setError(tr("Could not read run %1: %2").arg(id).arg(qs(firstError(run.diagnostics))));
        return false;
    }
    auto layers = m_store->layers(id);
    if (!layers.ok()) {
        setError(tr("Could not read the layers of run %1: %2").arg(id).arg(qs(firstError(layers.diagnostics))));
        return false;
    }
    setError({});
    m_opened = id;
    showRun(*run);

    const LatencyFormat f = formatOf(*run);
    int64_t total = 0;
    for (const LayerRow& l : *layers)
        total += std::max<int64_t>(0, l.value);
    m_layers->clear();
    m_layers->setHorizontalHeaderLabels(
        {tr("#"), tr("op"), tr("output"), f.countHeader(), tr("share of total"), tr("MACs"), f.perHeader()});
    for (const LayerRow& l : *layers) {
        const double share = total > 0 ? 100.0 * double(std::max<int64_t>(0, l.value)) / double(total) : 0;
        const bool per = l.value > 0 && l.macs > 0;
        const double macsPer = per ? double(l.macs) / double(l.value) : 0;
        m_layers->appendRow({cell(QString::number(l.index), l.index, true), cell(qs(l.op)), cell(qs(l.name)),
                             cell(f.countText(double(l.value)), qlonglong(l.value), true),
                             cell(total > 0 ? QString("%1 %").arg(share, 0, 'f', 1) : tr("—"), share, true),
                             cell(formatCount(l.macs), qlonglong(l.macs), true),
                             cell(per ? QString::number(macsPer, 'f', 3) : tr("—"), macsPer, true)});
    }
    m_layersView->sortByColumn(0, Qt::AscendingOrder);
    m_layersView->resizeColumnsToContents();
    updateButtons();
    emit runOpened(id);
    return true;
}

void RunsPanel::showRun(const RunInfo& r)
{
    const LatencyFormat f = formatOf(r);
    QString html = QString("<h3>%1</h3><table cellspacing=\"2\">").arg(esc(tr("Run %1 — %2").arg(r.id).arg(qs(r.status))));
    if (!r.message.empty())
        html += row(tr("message"), esc(r.message));
    html += row(tr("started"), esc(r.started) + (r.ended.empty() ? QString() : tr(" · ended %1").arg(esc(r.ended))));
    html += row(tr("model"), QString("%1 (sha256 %2…)").arg(esc(r.modelName), esc(shortSha(r.modelSha256))));
    html += row(tr("board"), esc(r.board));
    html += row(tr("probe"), esc(r.serial.empty() ? qs(r.probe) : QString("%1, serial %2").arg(qs(r.probe), qs(r.serial))));
    html += row(tr("unit"), esc(unitText(r)));
    if (r.samples > 0)
        html += row(tr("latency"), esc(tr("median %1 · min %2 · max %3 over %4 inferences")
                                           .arg(f.text(r.median), f.text(double(r.minValue)), f.text(double(r.maxValue)))
                                           .arg(r.samples)));
    else
        html += row(tr("latency"), esc(tr("no inferences stored")));
    html += row(tr("output check"), esc(outputText(r.outputMatches)));
    if (r.stackPeak > 0)
        html += row(tr("stack peak"), esc(tr("%1 (measured)").arg(formatBytes(r.stackPeak))));
    const StoreBuild& b = r.build;
    html += row(tr("flash"), esc(tr("%1 = runtime %2 + weights %3 + C library %4")
                                     .arg(formatBytes(b.flashTotal), formatBytes(b.flashRuntime),
                                          formatBytes(b.flashWeights), formatBytes(b.flashLibc))));
    html += row(tr("RAM"), esc(tr("%1 = arena %2 + scratch %3 + stack %4 + heap %5 + other %6")
                                   .arg(formatBytes(b.ramTotal), formatBytes(b.ramArena), formatBytes(b.ramScratch),
                                        formatBytes(b.ramStack), formatBytes(b.ramHeap), formatBytes(b.ramOther))));
    if (!b.toolchain.empty())
        html += row(tr("toolchain"), esc(qs(b.toolchain) + (b.portable ? tr(" (portable C, no DSP)") : QString())));
    if (!b.flags.empty())
        html += row(tr("flags"), "<code>" + esc(b.flags) + "</code>");
    html += row(tr("schedule"), esc(scheduleSummary(r.documentJson).join('\n')).replace('\n', "<br>"));
    if (!r.documentSha256.empty())
        html += row(tr("document"), esc(tr("sha256 %1…").arg(shortSha(r.documentSha256))));
    html += "</table>";
    m_details->setHtml(html);
}

bool RunsPanel::compareSelected()
{
    const std::vector<qint64> ids = selectedRuns();
    if (ids.size() != 2) {
        setError(tr("Select exactly two runs to compare (%1 selected).").arg(ids.size()));
        return false;
    }
    // The older run is a, the newer b: ratios read "the new run against the old one".
    return compareRuns(std::min(ids[0], ids[1]), std::max(ids[0], ids[1]));
}

bool RunsPanel::compareRuns(qint64 a, qint64 b)
{
    if (!m_store) {
        setError(tr("No run store is open."));
        return false;
    }
    auto c = ts::compareRuns(*m_store, a, b);
    if (!c.ok()) {
        setError(tr("Could not compare runs %1 and %2: %3").arg(a).arg(b).arg(qs(firstError(c.diagnostics))));
        return false;
    }
    setError({});
    showComparison(*c);
    return true;
}

void RunsPanel::showComparison(const RunComparison& c)
{
    const RunInfo& a = c.a;
    const RunInfo& b = c.b;
    const LatencyFormat fa = formatOf(a), fb = formatOf(b);
    const bool sameUnit = a.unit == b.unit && (a.unit != "cycles" || a.clockHz == b.clockHz);
    QString html = QString("<h3>%1</h3>").arg(esc(tr("Run %1 (a) against run %2 (b)").arg(a.id).arg(b.id)));

    html += QString("<p><b>%1</b></p>").arg(esc(tr("Schedule differences")));
    if (c.scheduleDifferences.empty()) {
        html += QString("<p>%1</p>").arg(esc(tr("none: both runs used the same schedule document")));
    } else {
        html += "<ul>";
        for (const std::string& d : c.scheduleDifferences)
            html += QString("<li><code>%1</code></li>").arg(esc(d));
        html += "</ul>";
    }

    html += QString("<p><b>%1</b></p><table cellspacing=\"0\" cellpadding=\"3\">").arg(esc(tr("Latency")));
    auto median = [](const RunInfo& r, const LatencyFormat& f) {
        return r.samples > 0 ? f.text(r.median) + QObject::tr(" (%1 inferences)").arg(r.samples) : QObject::tr("no samples");
    };
    html += row(tr("median a"), esc(median(a, fa)));
    html += row(tr("median b"), esc(median(b, fb)));
    if (!sameUnit)
        html += row(tr("b ÷ a"), esc(tr("not comparable: a is in %1, b in %2").arg(unitText(a), unitText(b))));
    else if (c.medianRatio > 0)
        html += row(tr("b ÷ a"),
                    esc(tr("%1 (%2)").arg(QString::number(c.medianRatio, 'f', 3),
                                          c.medianRatio < 1 ? tr("b is %1 % faster").arg((1 - c.medianRatio) * 100, 0, 'f', 1)
                                          : c.medianRatio > 1 ? tr("b is %1 % slower").arg((c.medianRatio - 1) * 100, 0, 'f', 1)
                                                              : tr("the same"))));
    else
        html += row(tr("b ÷ a"), esc(tr("— (a has no samples)")));
    html += "</table>";

    html += QString("<p><b>%1</b></p><table cellspacing=\"0\" cellpadding=\"3\">").arg(esc(tr("Sizes")));
    html += QString("<tr><th></th><th>a</th><th>b</th><th>%1</th></tr>").arg(esc(tr("b − a")));
    auto sizeRow = [](const QString& name, int64_t va, int64_t vb) {
        const int64_t d = vb - va;
        return QString("<tr><td><b>%1</b></td><td align=\"right\">%2</td><td align=\"right\">%3</td><td align=\"right\">%4</td></tr>")
            .arg(esc(name), esc(formatBytes(va)), esc(formatBytes(vb)),
                 esc(d == 0 ? QString("0 B") : (d > 0 ? "+" : "−") + formatBytes(d < 0 ? -d : d)));
    };
    html += sizeRow(tr("flash: runtime"), a.build.flashRuntime, b.build.flashRuntime);
    html += sizeRow(tr("flash: weights"), a.build.flashWeights, b.build.flashWeights);
    html += sizeRow(tr("flash: C library"), a.build.flashLibc, b.build.flashLibc);
    html += sizeRow(tr("flash: total"), a.build.flashTotal, b.build.flashTotal);
    html += sizeRow(tr("RAM: arena"), a.build.ramArena, b.build.ramArena);
    html += sizeRow(tr("RAM: stack"), a.build.ramStack, b.build.ramStack);
    html += sizeRow(tr("RAM: total"), a.build.ramTotal, b.build.ramTotal);
    if (a.stackPeak > 0 || b.stackPeak > 0)
        html += sizeRow(tr("stack peak (measured)"), a.stackPeak, b.stackPeak);
    html += "</table>";
    m_details->setHtml(html);

    m_layers->clear();
    m_layers->setHorizontalHeaderLabels({tr("#"), tr("op"), tr("output"), tr("a: %1").arg(fa.countHeader()),
                                         tr("b: %1").arg(fb.countHeader()), tr("b ÷ a")});
    for (const LayerComparison& l : c.layers) {
        const bool both = l.a > 0 && l.b >= 0;
        const double ratio = both ? double(l.b) / double(l.a) : 0;
        m_layers->appendRow({cell(QString::number(l.index), l.index, true), cell(qs(l.op)), cell(qs(l.name)),
                             cell(l.a >= 0 ? fa.countText(double(l.a)) : tr("absent"), qlonglong(l.a), true),
                             cell(l.b >= 0 ? fb.countText(double(l.b)) : tr("absent"), qlonglong(l.b), true),
                             cell(both && sameUnit ? QString::number(ratio, 'f', 3) : tr("—"), ratio, true)});
    }
    m_layersView->sortByColumn(0, Qt::AscendingOrder);
    m_layersView->resizeColumnsToContents();
}

bool RunsPanel::exportCsv(qint64 run, const QString& path, QString* error)
{
    auto fail = [&](const QString& text) {
        if (error)
            *error = text;
        setError(text);
        return false;
    };
    if (!m_store)
        return fail(tr("No run store is open: nothing to export."));
    auto csv = m_store->exportCsv(run);
    if (!csv.ok())
        return fail(tr("Could not export run %1: %2").arg(run).arg(qs(firstError(csv.diagnostics))));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(tr("Could not write %1: %2").arg(path, file.errorString()));
    const QByteArray bytes = QByteArray::fromStdString(*csv);
    if (file.write(bytes) != bytes.size() || !file.commit())
        return fail(tr("Could not write %1: %2").arg(path, file.errorString()));
    setError({});
    if (error)
        error->clear();
    return true;
}

void RunsPanel::exportClicked()
{
    const std::vector<qint64> ids = selectedRuns();
    const qint64 run = ids.size() == 1 ? ids.front() : (ids.empty() ? m_opened : -1);
    if (run < 0) {
        setError(tr("Select one run to export."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Export run %1 as CSV").arg(run),
                                                      QString("run-%1.csv").arg(run), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    exportCsv(run, path, &error); // errors are shown in the panel
}

} // namespace ts
