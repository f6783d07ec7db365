// The Search panel: construction, the board, the workers' progress and Cancel, and the Zoo tab.
// The Space tab is in searchpanel_space.cpp, the Evolve tab in searchpanel_evolve.cpp.

#include "views/searchpanel.h"
#include "views/searchpanel_p.h"

#include "search/costmodel.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace ts {

using namespace searchui;

SearchPanel::SearchPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName("searchPanel");
    // One thread per tab: the searches never queue the studio's pipeline (global pool) behind them.
    m_pool.setMaxThreadCount(3);

    for (const std::string& name : builtinSearchSpaces()) {
        auto s = loadSearchSpace(name);
        if (s.ok())
            m_spaces.push_back(std::move(*s.value));
        else
            qWarning("search space %s: %s", name.c_str(), firstError(s.diagnostics).c_str());
    }

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    m_header = new QLabel(this);
    m_header->setObjectName("searchHeader");
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    layout->addWidget(m_header);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildZooTab(), tr("Zoo"));
    m_tabs->addTab(buildSpaceTab(), tr("Space"));
    m_tabs->addTab(buildEvolveTab(), tr("Evolve"));
    layout->addWidget(m_tabs, 1);

    m_progressTimer = new QTimer(this);
    m_progressTimer->setInterval(100);
    connect(m_progressTimer, &QTimer::timeout, this, &SearchPanel::updateProgress);
    updateHeader();
}

SearchPanel::~SearchPanel()
{
    // The workers hold copies of everything but `this` (the Evolve tab posts its generations
    // here): cancel them and wait, so nothing reaches a half-destroyed panel.
    for (auto* w : std::initializer_list<QFutureWatcherBase*>{m_zooWatcher, m_spaceWatcher, m_evoWatcher})
        disconnect(w, nullptr, this, nullptr);
    cancelAll();
    m_pool.waitForDone();
}

void SearchPanel::setBoard(const Board* board, const BoardSet* boards)
{
    if (board && boards) {
        m_board = *board;
        m_boards = std::make_shared<const BoardSet>(*boards);
        // The built-in cost model of the board's core (an emulated board names its machine).
        auto cost = builtinCostModel(board->emulated() ? board->id : board->core);
        if (cost.ok()) {
            m_cost = std::make_shared<const CostModel>(std::move(*cost.value));
            m_costNote = tr("latency estimated from the %1 cost model (QEMU instructions, per-model error up to %2 %)")
                             .arg(QString::fromStdString(m_cost->machine))
                             .arg(m_cost->modelMaxAbsErrorPercent, 0, 'f', 1);
        } else {
            m_cost.reset();
            m_costNote = tr("no latency estimate: %1").arg(QString::fromStdString(firstError(cost.diagnostics)));
        }
    } else {
        m_board.reset();
        m_boards.reset();
        m_cost.reset();
        m_costNote.clear();
    }
    updateHeader();
}

QString SearchPanel::boardId() const { return m_board ? QString::fromStdString(m_board->id) : QString(); }

void SearchPanel::updateHeader()
{
    if (!m_board) {
        m_header->setText(tr("<b>No board selected.</b> Pick one in the studio's Board panel."));
        for (Task* t : {&m_zooTask, &m_spaceTask, &m_evoTask})
            if (t->run)
                t->run->setEnabled(false);
        return;
    }
    m_header->setText(tr("Searching for <b>%1</b> (%2, %3 KiB RAM, %4 KiB flash in all); %5.")
                          .arg(QString::fromStdString(m_board->name).toHtmlEscaped(),
                               QString::fromStdString(m_board->core).toHtmlEscaped(), kib(int64_t(m_board->totalRam())),
                               kib(int64_t(m_board->totalFlash())), m_costNote.toHtmlEscaped()));
    for (Task* t : {&m_zooTask, &m_spaceTask, &m_evoTask})
        if (t->run)
            t->run->setEnabled(!t->running());
}

// ---------------------------------------------------------------- tasks

QWidget* SearchPanel::taskRow(Task& t, QWidget* parent)
{
    auto* row = new QWidget(parent);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    t.run = new QPushButton(tr("Run"), row);
    t.cancel = new QPushButton(tr("Cancel"), row);
    t.cancel->setEnabled(false);
    t.bar = new QProgressBar(row);
    t.bar->setMaximumWidth(220);
    t.bar->setTextVisible(true);
    t.bar->setRange(0, 1);
    t.bar->setValue(0);
    t.status = new QLabel(row);
    t.status->setWordWrap(true);
    t.status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    t.status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    h->addWidget(t.run);
    h->addWidget(t.cancel);
    h->addWidget(t.bar);
    h->addWidget(t.status, 1);
    connect(t.cancel, &QPushButton::clicked, this, [this, &t] { cancelTask(t); });
    return row;
}

std::shared_ptr<const JobControl> SearchPanel::startTask(Task& t)
{
    auto progress = std::make_shared<Progress>();
    t.progress = progress;
    t.job = std::make_shared<JobControl>([progress](int64_t done, int64_t total, const std::string& what) {
        const std::lock_guard<std::mutex> lock(progress->mutex);
        progress->done = done;
        progress->total = total;
        progress->what = what;
    });
    t.clock.start();
    t.run->setEnabled(false);
    t.cancel->setEnabled(true);
    t.bar->setRange(0, 0); // busy until the first report
    t.status->setText(tr("running…"));
    m_progressTimer->start();
    return t.job;
}

void SearchPanel::cancelTask(Task& t)
{
    if (!t.job)
        return;
    t.job->cancel();
    t.cancel->setEnabled(false);
    t.status->setText(tr("cancelling…"));
}

void SearchPanel::endTask(Task& t, const QString& status)
{
    const bool cancelled = t.job && t.job->cancelled();
    t.job.reset();
    t.progress.reset();
    t.run->setEnabled(bool(m_board));
    t.cancel->setEnabled(false);
    t.bar->setRange(0, 1);
    t.bar->setValue(cancelled ? 0 : 1);
    t.status->setText(cancelled ? tr("%1 after %2 s").arg(QLatin1String(kCancelledMessage)).arg(t.clock.elapsed() / 1000.0, 0, 'f', 1)
                                : status);
    if (!busy())
        m_progressTimer->stop();
}

void SearchPanel::updateProgress()
{
    for (Task* t : {&m_zooTask, &m_spaceTask, &m_evoTask}) {
        if (!t->running() || !t->progress || t->job->cancelled())
            continue;
        int64_t done, total;
        QString what;
        {
            const std::lock_guard<std::mutex> lock(t->progress->mutex);
            done = t->progress->done;
            total = t->progress->total;
            what = QString::fromStdString(t->progress->what);
        }
        if (total <= 0)
            continue;
        // QProgressBar holds ints: scale to per mille.
        t->bar->setRange(0, 1000);
        t->bar->setValue(int(1000 * std::min<int64_t>(done, total) / total));
        t->status->setText(tr("%1 — %2 of %3, %4 s").arg(what).arg(done).arg(total).arg(t->clock.elapsed() / 1000));
    }
}

bool SearchPanel::busy() const { return m_zooTask.running() || m_spaceTask.running() || m_evoTask.running(); }

void SearchPanel::cancelAll()
{
    for (Task* t : {&m_zooTask, &m_spaceTask, &m_evoTask})
        if (t->job)
            t->job->cancel();
}

// ---------------------------------------------------------------- zoo

QWidget* SearchPanel::buildZooTab()
{
    auto* tab = new QWidget(this);
    auto* v = new QVBoxLayout(tab);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(new QLabel(tr("Folder of .tflite models:"), tab));
    m_zooDir = new QLineEdit(tab);
    m_zooDir->setObjectName("zooFolder");
    m_zooDir->setPlaceholderText(tr("a folder holding .tflite files"));
    folderRow->addWidget(m_zooDir, 1);
    auto* browse = new QPushButton(tr("Browse…"), tab);
    folderRow->addWidget(browse);
    v->addLayout(folderRow);
    v->addWidget(taskRow(m_zooTask, tab));
    m_zooTask.run->setObjectName("zooRun");
    m_zooTask.cancel->setObjectName("zooCancel");

    m_zooTable = new QTableWidget(0, 10, tab);
    m_zooTable->setObjectName("zooTable");
    m_zooTable->setHorizontalHeaderLabels({tr("Rank"), tr("Model"), tr("Fits"), tr("Peak SRAM\n(KiB)"),
                                           tr("Whole-tensor\npeak (KiB)"), tr("Patch grid"), tr("Flash\n(KiB)"),
                                           tr("MACs\n(M)"), tr("Latency (M QEMU\ninstr., estimated)"), tr("Reason / error")});
    m_zooTable->horizontalHeaderItem(3)->setToolTip(tr("Arena peak of what runs: patched when a patch schedule is needed to fit"));
    m_zooTable->horizontalHeaderItem(4)->setToolTip(tr("Arena peak with whole tensors (no patch schedule)"));
    m_zooTable->horizontalHeaderItem(8)->setToolTip(
        tr("QEMU instructions per inference, estimated by the per-kernel cost model (not measured, not cycles)"));
    m_zooTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_zooTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_zooTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_zooTable->verticalHeader()->setVisible(false);
    m_zooTable->horizontalHeader()->setStretchLastSection(true);
    m_zooTable->setSortingEnabled(true);
    m_zooTable->setWordWrap(false);
    m_zooTable->verticalHeader()->setDefaultSectionSize(m_zooTable->fontMetrics().height() + 6);
    m_zooTable->setToolTip(tr("Double-click a model to open it in the studio"));
    v->addWidget(m_zooTable, 1);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of .tflite models"), m_zooDir->text());
        if (!dir.isEmpty())
            m_zooDir->setText(dir);
    });
    connect(m_zooDir, &QLineEdit::returnPressed, this, [this] { runZoo(); });
    connect(m_zooTask.run, &QPushButton::clicked, this, [this] { runZoo(); });
    connect(m_zooTable, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (QTableWidgetItem* item = m_zooTable->item(row, 1))
            emit openModelFile(item->data(Qt::UserRole).toString());
    });
    m_zooWatcher = new QFutureWatcher<Result<std::vector<ZooEntry>>>(this);
    connect(m_zooWatcher, &QFutureWatcherBase::finished, this, &SearchPanel::onZooFinished);
    return tab;
}

void SearchPanel::setZooFolder(const QString& dir) { m_zooDir->setText(dir); }

QString SearchPanel::zooStatus() const { return m_zooTask.status->text(); }

bool SearchPanel::runZoo()
{
    const QString dir = m_zooDir->text().trimmed();
    if (m_zooTask.running() || !m_board)
        return false;
    if (dir.isEmpty()) {
        m_zooTask.status->setText(tr("Choose a folder of .tflite models first."));
        return false;
    }
    EvalOptions eval;
    eval.maxPatchN = 8; // the pipeline's own patch search range: the zoo's figures are the studio's
    eval.exhaustivePatches = true;
    eval.cost = m_cost.get();
    auto job = startTask(m_zooTask);
    m_zooBoard = QString::fromStdString(m_board->name);
    m_zooLatency = bool(m_cost);
    m_zooWatcher->setFuture(QtConcurrent::run(&m_pool, [path = QDir(dir).absolutePath().toStdString(), board = *m_board,
                                                         boards = m_boards, cost = m_cost, eval, job] {
        return rankZoo(path, board, *boards, eval, job.get());
    }));
    return true;
}

void SearchPanel::onZooFinished()
{
    auto r = m_zooWatcher->result();
    const qint64 ms = m_zooTask.clock.elapsed();
    if (!r.ok()) {
        endTask(m_zooTask, QString::fromStdString(firstError(r.diagnostics)));
        emit searchFinished();
        return;
    }
    m_zoo = std::move(*r.value);
    showZoo();
    int fits = 0, fail = 0;
    for (const ZooEntry& e : m_zoo) {
        fits += e.error.empty() && e.figures.fits;
        fail += !e.error.empty();
    }
    endTask(m_zooTask, tr("%1 models ranked for %2 in %3 s: %4 fit, %5 cannot run%6.")
                           .arg(m_zoo.size())
                           .arg(m_zooBoard)
                           .arg(ms / 1000.0, 0, 'f', 1)
                           .arg(fits)
                           .arg(fail)
                           .arg(m_zooLatency ? QString() : tr("; no cost model, so no latency estimate")));
    emit searchFinished();
}

void SearchPanel::showZoo()
{
    m_zooTable->setSortingEnabled(false);
    m_zooTable->clearContents();
    m_zooTable->setRowCount(int(m_zoo.size()));
    for (int row = 0; row < int(m_zoo.size()); ++row) {
        const ZooEntry& e = m_zoo[size_t(row)];
        const CandidateFigures& f = e.figures;
        const bool runs = e.error.empty();
        auto* name = textItem(QString::fromStdString(e.name));
        name->setData(Qt::UserRole, QString::fromStdString(e.path));
        name->setToolTip(QString::fromStdString(e.path));
        auto* fits = textItem(!runs ? tr("error") : f.fits ? tr("yes") : tr("no"));
        fits->setForeground(runs && f.fits ? QColor(30, 130, 60) : QColor(190, 50, 40));
        m_zooTable->setItem(row, 0, new NumberItem(QString::number(row + 1), row + 1));
        m_zooTable->setItem(row, 1, name);
        m_zooTable->setItem(row, 2, fits);
        if (runs) {
            m_zooTable->setItem(row, 3, new NumberItem(kib(f.peakBytes), double(f.peakBytes)));
            m_zooTable->setItem(row, 4, new NumberItem(kib(f.wholePeakBytes), double(f.wholePeakBytes)));
            m_zooTable->setItem(row, 5, textItem(patchText(f)));
            m_zooTable->setItem(row, 6, new NumberItem(kib(f.flashBytes), double(f.flashBytes)));
            m_zooTable->setItem(row, 7, new NumberItem(mega(double(f.macs)), double(f.macs)));
            m_zooTable->setItem(row, 8, f.latency > 0 ? new NumberItem(latencyText(f.latency), double(f.latency))
                                                      : NumberItem::none());
        } else {
            m_zooTable->setItem(row, 3, NumberItem::none());
            m_zooTable->setItem(row, 4, NumberItem::none());
            m_zooTable->setItem(row, 5, textItem(dash()));
            m_zooTable->setItem(row, 6, NumberItem::none());
            m_zooTable->setItem(row, 7, NumberItem::none());
            m_zooTable->setItem(row, 8, NumberItem::none());
        }
        QString reason = runs ? QString::fromStdString(f.reason) : QString::fromStdString(e.error);
        if (runs && f.fits && f.patch)
            reason = tr("fits with the patch schedule (+%1 M MACs recomputed)").arg(mega(double(f.extraMacs)));
        m_zooTable->setItem(row, 9, textItem(reason));
        for (const auto& [col, bytes] : {std::pair<int, int64_t>{3, f.peakBytes}, {4, f.wholePeakBytes}, {6, f.flashBytes}})
            if (runs)
                m_zooTable->item(row, col)->setToolTip(tr("%L1 B").arg(bytes));
    }
    m_zooTable->setSortingEnabled(true);
    m_zooTable->sortByColumn(0, Qt::AscendingOrder);
    m_zooTable->resizeColumnsToContents();
    // A long error or path must not push the table wider than the window.
    m_zooTable->setColumnWidth(1, std::min(m_zooTable->columnWidth(1), 260));
}

} // namespace ts
