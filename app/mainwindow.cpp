#include "mainwindow.h"
#include "mainwindow_run.h"

#include "analysis/opfacts.h"
#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "report/analyze_report.h"
#include "report/inspect_report.h"
#include "session/session.h"
#include "views/arenaview.h"
#include "views/boardpanel.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"
#include "views/patchview.h"
#include "views/searchpanel.h"

#include <flatbuffers/base.h>
#include <qcustomplot.h>

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace ts {

namespace {
constexpr int kOpRole = Qt::UserRole + 10;
constexpr int kStateVersion = 2; // dock layout: chart central, op table in a dock

// One undoable schedule edit.
class ScheduleCommand : public QUndoCommand {
public:
    ScheduleCommand(MainWindow* w, std::function<void(const ScheduleDoc&)> apply, ScheduleDoc before,
                    ScheduleDoc after, const QString& text)
        : QUndoCommand(text), m_apply(std::move(apply)), m_before(std::move(before)), m_after(std::move(after))
    {
        (void)w;
    }
    void undo() override { m_apply(m_before); }
    void redo() override { m_apply(m_after); }

private:
    std::function<void(const ScheduleDoc&)> m_apply;
    ScheduleDoc m_before, m_after;
};

QString describeChange(const ScheduleDoc& a, const ScheduleDoc& b)
{
    if (a.planner != b.planner)
        return QObject::tr("Planner %1").arg(QString::fromStdString(b.planner));
    if (a.inplace != b.inplace)
        return QObject::tr("In-place kernels changed");
    if (a.reorder != b.reorder)
        return b.reorder ? QObject::tr("Reorder on") : QObject::tr("Reorder off");
    if (a.quantizedIo != b.quantizedIo)
        return QObject::tr("Quantized I/O %1").arg(b.quantizedIo ? "on" : "off");
    if (!b.patch)
        return QObject::tr("No patch stage");
    return QObject::tr("Patches %1×%2 at tensor %3").arg(b.patch->nh).arg(b.patch->nw).arg(b.patch->splitTensor);
}

// The pipeline for one document: runs on a worker thread, touches no widget.
Computation compute(int generation, std::shared_ptr<const Model> model, BoardSet boards, Session doc,
                    std::shared_ptr<const JobControl> job)
{
    Computation c;
    c.generation = generation;
    auto r = runPipeline(*model, doc, boards, job.get());
    c.diagnostics = r.diagnostics;
    if (r.ok())
        c.result = std::move(*r.value);
    return c;
}
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName("MainWindow");
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    m_undo = new QUndoStack(this);
    connect(m_undo, &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);

    m_opTable = new OpTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_opTable);
    m_proxy->setSortRole(OpTableModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    // The central area is the memory chart, under the headline and the banners (an error that
    // needs attention, the first-run welcome); the op table, arena, patches and issues are docks.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(3);
    m_headline = new QLabel(central);
    m_headline->setObjectName("headline");
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_headline->setWordWrap(true); // a long overflow headline wraps instead of widening the window
    m_headline->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_errorBanner = makeBanner(central, "errorBanner", "#fdecea", "#b3261e", tr("Dismiss"));
    m_welcome = makeBanner(central, "welcomeBanner", "#e8f0fe", "#1a4fa0", tr("Got it"));
    connect(m_welcome->findChild<QPushButton*>(), &QPushButton::clicked, this, [] { QSettings().setValue("welcomed", true); });
    auto* ops = new QWidget(this);
    auto* opsLayout = new QVBoxLayout(ops);
    opsLayout->setContentsMargins(2, 2, 2, 2);
    m_filter = new QLineEdit(ops);
    m_filter->setObjectName("opFilter");
    m_filter->setPlaceholderText(tr("Filter ops (kind, shape, dtype)…"));
    m_filter->setClearButtonEnabled(true);
    m_opView = new QTableView(ops);
    m_opView->setObjectName("opTable");
    m_opView->setModel(m_proxy);
    m_opView->setSortingEnabled(true);
    m_opView->sortByColumn(OpTableModel::ColIndex, Qt::AscendingOrder);
    m_opView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_opView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_opView->verticalHeader()->hide();
    m_opView->verticalHeader()->setDefaultSectionSize(22);
    m_opView->horizontalHeader()->setStretchLastSection(true);
    m_opView->setAlternatingRowColors(true);
    opsLayout->addWidget(m_filter);
    opsLayout->addWidget(m_opView);
    m_ops = ops;
    m_chart = new LayerChart(central);
    m_chart->setObjectName("memoryChart");
    m_chart->setMinimumHeight(120);
    layout->addWidget(m_headline);
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_welcome);
    layout->addWidget(m_chart, 1);
    setCentralWidget(central);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_opView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& cur) {
        if (!cur.isValid())
            return;
        const int op = m_proxy->mapToSource(cur).row();
        m_chart->selectOp(op);
        m_arena->selectOp(op);
    });

    m_watcher = new QFutureWatcher<Computation>(this);
    connect(m_watcher, &QFutureWatcher<Computation>::finished, this, [this] {
        Computation c = m_watcher->result();
        if (c.generation == m_generation)
            applyComputation(std::move(c));
        if (m_recomputeQueued) {
            m_recomputeQueued = false;
            recompute();
        }
    });

    m_boards = loadDefaultBoards();
    buildDocks();
    buildRunUi();
    buildActions();
    m_statusFigures = new QLabel(this);
    statusBar()->addPermanentWidget(m_statusFigures);

    // The document's defaults, the same as the CLI's (documentFor()): the whole graph as TFLM runs
    // it, float I/O included; "quantized I/O" is a schedule option the user turns on.
    m_schedulePanel->setSchedule(m_doc.schedule);

    QSettings settings;
    resize(1366, 768);
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray(), kStateVersion);
    const QString board = settings.value("board", QString::fromLatin1(kDefaultBoardId)).toString();
    if (!m_boardPanel->selectBoard(board))
        m_boardPanel->selectBoard(QString::fromLatin1(kDefaultBoardId));
    showDiagnostics();
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow()
{
    // Child widgets outlive this body (QWidget deletes them afterwards): nothing they emit while
    // being destroyed may reach this object, and no view may keep a pointer into our data.
    for (QObject* child : findChildren<QObject*>())
        QObject::disconnect(child, nullptr, this, nullptr);
    stopRun(); // a live run stops its target and closes its probe; its events find no window
    if (m_searchJob) {
        m_searchJob->cancel();
        QThreadPool::globalInstance()->waitForDone(); // the search reports to this window
    }
    detachViews();
    m_boardPanel->setBoards(nullptr);
}

void MainWindow::detachViews()
{
    // Views hold shared snapshots: nothing dangles, but a closing window frees them at once.
    m_watcher->waitForFinished();
    m_opTable->setResult(nullptr);
    m_opTable->setModel(nullptr);
    m_chart->setModel(nullptr);
    m_arena->setResult(nullptr);
    m_patchView->setResult(nullptr);
}

QDockWidget* MainWindow::addDock(const QString& title, const char* name, QWidget* w, Qt::DockWidgetArea area)
{
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(w);
    addDockWidget(area, d);
    return d;
}

void MainWindow::buildDocks()
{
    auto dock = [this](const QString& title, const char* name, QWidget* w, Qt::DockWidgetArea area) { return addDock(title, name, w, area); };
    // Panels scroll rather than force the window taller or wider than a 1366×768 (or 1024×600) screen.
    auto scrolled = [this](QWidget* w) {
        auto* area = new QScrollArea(this);
        area->setWidget(w);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        area->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
        return area;
    };
    m_boardPanel = new BoardPanel(this);
    m_boardPanel->setBoards(&m_boards);
    auto* boardDock = dock(tr("Board"), "boardDock", scrolled(m_boardPanel), Qt::RightDockWidgetArea);
    connect(m_boardPanel, &BoardPanel::boardChanged, this, [this](const QString& id) {
        QSettings().setValue("board", id);
        if (m_doc.boardId != id.toStdString()) {
            m_doc.boardId = id.toStdString();
            m_doc.region.clear(); // a region names one board's RAM
        }
        cancelSearch();
        m_search.reset();
        m_schedulePanel->setPareto(nullptr);
        recompute();
    });
    m_schedulePanel = new SchedulePanel(this);
    auto* scheduleDock = dock(tr("Schedule"), "scheduleDock", scrolled(m_schedulePanel), Qt::RightDockWidgetArea);
    tabifyDockWidget(boardDock, scheduleDock);
    boardDock->raise();
    connect(m_schedulePanel, &SchedulePanel::edited, this, &MainWindow::applySchedule);
    connect(m_schedulePanel, &SchedulePanel::autoRequested, this, [this] { autoSchedule(false); });
    connect(m_schedulePanel, &SchedulePanel::cancelRequested, this, &MainWindow::cancelSearch);

    connect(m_chart, &LayerChart::opClicked, this, &MainWindow::selectOp);
    auto* opsDock = dock(tr("Ops"), "opsDock", m_ops, Qt::BottomDockWidgetArea);
    m_arena = new ArenaView(this);
    auto* arenaDock = dock(tr("Arena"), "arenaDock", m_arena, Qt::BottomDockWidgetArea);
    connect(m_arena, &ArenaView::opClicked, this, &MainWindow::selectOp);
    m_patchView = new PatchView(this);
    auto* patchDock = dock(tr("Patches"), "patchDock", scrolled(m_patchView), Qt::BottomDockWidgetArea);
    m_issues = new QListWidget(this);
    m_issues->setObjectName("issuesList");
    auto* issuesDock = dock(tr("Issues"), "issuesDock", m_issues, Qt::BottomDockWidgetArea);
    tabifyDockWidget(opsDock, arenaDock);
    tabifyDockWidget(arenaDock, patchDock);
    tabifyDockWidget(patchDock, issuesDock);
    opsDock->raise();
    resizeDocks({boardDock}, {370}, Qt::Horizontal);
    resizeDocks({opsDock}, {250}, Qt::Vertical);
    connect(m_issues, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const int op = item->data(kOpRole).toInt();
        if (op >= 0)
            selectOp(op);
    });
}

void MainWindow::buildActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Model or Session…"), QKeySequence::Open, this, &MainWindow::openDialog);
    file->addAction(tr("Open &Demo Model"), this, &MainWindow::openDemoModel);
    m_recentModels = file->addMenu(tr("Recent &Models"));
    m_recentSessions = file->addMenu(tr("Recent &Sessions"));
    refreshRecentMenus();
    file->addSeparator();
    file->addAction(tr("&Save Session"), QKeySequence::Save, this, [this] { saveSessionDialog(false); });
    file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, this, [this] { saveSessionDialog(true); });
    file->addAction(tr("&Export…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportDialog);
    file->addAction(tr("&Generate Project…"), QKeySequence(tr("Ctrl+G")), this, &MainWindow::generateProjectDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence::Redo});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("&Auto Schedule"), QKeySequence(Qt::Key_F6), this, [this] { autoSchedule(false); });
    edit->addAction(tr("&Filter Ops"), QKeySequence::Find, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());

    runMenuActions(menuBar()->addMenu(tr("&Run")));
    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("Model &Search…"), this, &MainWindow::showModelSearch)->setObjectName("modelSearchAction");
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Welcome"), this, &MainWindow::showWelcome);
    help->addAction(tr("&About TinyStudio"), this, &MainWindow::about);
}

SearchPanel* MainWindow::modelSearch()
{
    if (m_modelSearch)
        return m_modelSearch;
    // A window of its own: three tabs of tables and charts need more room than a dock.
    auto* window = new QWidget(this, Qt::Window);
    window->setObjectName("modelSearchWindow");
    window->setWindowTitle(tr("Model Search — TinyStudio"));
    auto* layout = new QVBoxLayout(window);
    layout->setContentsMargins(0, 0, 0, 0);
    m_modelSearch = new SearchPanel(window);
    layout->addWidget(m_modelSearch);
    const QRect screen = this->screen()->availableGeometry();
    window->resize(std::min(1240, screen.width() - 40), std::min(720, screen.height() - 60));
    m_modelSearch->setBoard(m_boardPanel->currentBoard(), &m_boards);
    connect(m_boardPanel, &BoardPanel::boardChanged, this,
            [this] { m_modelSearch->setBoard(m_boardPanel->currentBoard(), &m_boards); });
    connect(m_modelSearch, &SearchPanel::openModelFile, this, [this](const QString& path) {
        if (openModel(path))
            activateWindow();
    });
    connect(m_modelSearch, &SearchPanel::openCandidate, this,
            [this](std::shared_ptr<const Model> model, const QString& boardId, const QString& name,
                   const ScheduleDoc& schedule) {
                m_sessionPath.clear();
                m_modelPath.clear();
                selectBoard(boardId);
                setModel(std::move(model), {}, name);
                // The schedule the search's figures are for (its patch stage and planner): the
                // studio then shows, and generates, exactly what the search showed.
                ScheduleDoc s = m_doc.schedule;
                s.patch = schedule.patch;
                s.planner = schedule.planner;
                s.macCapPercent = schedule.macCapPercent;
                setScheduleNoUndo(s);
                recompute();
                activateWindow();
            });
    return m_modelSearch;
}

void MainWindow::showModelSearch()
{
    QWidget* w = modelSearch()->window();
    w->show();
    w->raise();
    w->activateWindow();
}

QWidget* MainWindow::makeBanner(QWidget* parent, const char* name, const char* background, const char* border,
                                const QString& button)
{
    auto* frame = new QFrame(parent);
    frame->setObjectName(name);
    frame->setStyleSheet(QString("QFrame#%1 { background: %2; border: 1px solid %3; border-radius: 3px; }")
                             .arg(name, background, border));
    auto* row = new QHBoxLayout(frame);
    row->setContentsMargins(8, 4, 4, 4);
    auto* text = new QLabel(frame);
    text->setObjectName(QString(name) + "Text");
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* close = new QPushButton(button, frame);
    connect(close, &QPushButton::clicked, frame, &QWidget::hide);
    row->addWidget(text, 1);
    row->addWidget(close, 0, Qt::AlignTop);
    frame->hide();
    return frame;
}

void MainWindow::showOpenError(const QString& path, const QString& why)
{
    auto* text = m_errorBanner->findChild<QLabel*>();
    text->setText(tr("<b>Could not open %1</b>: %2<br><small>%3 is still open, unchanged.</small>")
                      .arg(QFileInfo(path).fileName().toHtmlEscaped(), why.toHtmlEscaped(),
                           m_model ? m_displayName.toHtmlEscaped() : tr("Nothing")));
    text->setToolTip(QFileInfo(path).absoluteFilePath());
    m_errorBanner->show();
    statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
}

QString MainWindow::openError() const
{
    return m_errorBanner->isVisible() || !m_errorBanner->isHidden() ? m_errorBanner->findChild<QLabel*>()->text() : QString();
}

bool MainWindow::welcomeShown() const { return !m_welcome->isHidden(); }

void MainWindow::showWelcome()
{
    const Board* b = m_boardPanel->currentBoard();
    m_welcome->findChild<QLabel*>()->setText(
        tr("<b>Welcome to TinyStudio.</b> This is the built-in demo model, an MCUNet-style int8 CNN "
           "(96×96×3 input, inverted-residual blocks, %1 ops), planned for <b>%2</b>%3. "
           "The chart shows the activation memory of every layer against the board's budget. "
           "Try: pick your board (Board panel, right); toggle in-place kernels or quantized I/O (Schedule); "
           "press <b>Auto</b> for a patch schedule that fits. Open your own model with File › Open "
           "(or drop a .tflite here). Build &amp; Run on the emulated or a real board comes next.")
            .arg(m_model ? int(m_model->main().ops.size()) : 0)
            .arg(b ? QString::fromStdString(b->name).toHtmlEscaped() : tr("no board"))
            .arg(b && QString::fromStdString(b->id).startsWith("qemu")
                     ? tr(", an emulated Cortex-M board in QEMU (no hardware needed)")
                     : QString()));
    m_welcome->show();
}

void MainWindow::openDialog()
{
    const QString dir = QSettings().value("lastDir").toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open model or session"), dir,
                                                      tr("Models and sessions (*.tflite *.tinystudio);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue("lastDir", QFileInfo(path).absolutePath());
    path.endsWith(".tinystudio", Qt::CaseInsensitive) ? openSession(path) : openModel(path);
}

bool MainWindow::openModel(const QString& path, QString* error)
{
    auto r = importTfliteFile(path.toStdString());
    if (!r.ok()) {
        // The document and its issues stay as they were; the failure is shown in front.
        const QString why = QString::fromStdString(firstError(r.diagnostics));
        if (error)
            *error = why;
        showOpenError(path, why);
        return false;
    }
    m_sessionPath.clear();
    m_modelPath = QFileInfo(path).absoluteFilePath();
    setModel(std::make_shared<const Model>(std::move(*r.value)), r.diagnostics, QFileInfo(path).fileName());
    addRecent("recentFiles", m_modelPath);
    return true;
}

void MainWindow::openDemoModel()
{
    m_sessionPath.clear();
    m_modelPath.clear();
    setModel(std::make_shared<const Model>(buildDemoModel()), {}, QString::fromLatin1(kDemoModelName));
    if (!QSettings().value("welcomed", false).toBool())
        showWelcome(); // the first run: say what this is and what to try
}

bool MainWindow::selectBoard(const QString& id) { return m_boardPanel->selectBoard(id); }

void MainWindow::setModel(std::shared_ptr<const Model> model, const Diagnostics& diags, const QString& displayName)
{
    cancelSearch();
    detachViews();
    m_result.reset();
    m_resultDiagnostics.clear();
    m_search.reset();
    m_schedulePanel->setPareto(nullptr);
    m_model = std::move(model);
    m_importDiagnostics = diags;
    m_errorBanner->hide(); // an earlier failure to open is behind us
    m_welcome->hide();
    m_displayName = displayName;
    m_opTable->setModel(m_model);
    m_chart->setModel(m_model);
    m_doc.modelPath = m_modelPath.toStdString();
    m_doc.modelSha256 = m_model ? m_model->sha256 : std::string();
    m_opView->resizeColumnsToContents();
    m_boardPanel->setWeightBytes(m_model ? computeTotals(m_model->main()).weightBytes : 0);
    // A new model starts from the default schedule (its tensor indices mean nothing here).
    ScheduleDoc s = m_doc.schedule;
    s.patch.reset();
    s.order.clear();
    s.modelSha256 = m_doc.modelSha256;
    setScheduleNoUndo(s);
    m_undo->clear();
    updateTitle();
    recompute();
}

void MainWindow::applySchedule(const ScheduleDoc& s)
{
    if (s == m_doc.schedule)
        return;
    m_undo->push(new ScheduleCommand(
        this, [this](const ScheduleDoc& x) { setScheduleNoUndo(x); recompute(); }, m_doc.schedule, s,
        describeChange(m_doc.schedule, s)));
}

void MainWindow::setScheduleNoUndo(const ScheduleDoc& s)
{
    // Search figures (the Pareto front, each split's best grid) hold for the schedule they were
    // searched with: an edit of anything but the patch stage makes them stale.
    ScheduleDoc before = m_doc.schedule, after = s;
    before.patch.reset();
    after.patch.reset();
    before.modelSha256 = after.modelSha256;
    if (m_search && !(before == after)) {
        m_search.reset();
        m_schedulePanel->setPareto(nullptr);
    }
    m_doc.schedule = s;
    m_doc.schedule.modelSha256 = m_model ? m_model->sha256 : std::string();
    m_schedulePanel->setSchedule(s);
    updateTitle();
}

void MainWindow::recompute()
{
    const Board* board = m_boardPanel->currentBoard();
    if (!m_model || !board) {
        m_result.reset();
        showDiagnostics();
        updateStatus();
        return;
    }
    if (m_watcher->isRunning()) {
        // The running computation is stale now: it is cancelled at its next cancellation point, its
        // result dropped, and this one follows.
        ++m_generation;
        if (m_pipelineJob)
            m_pipelineJob->cancel();
        m_recomputeQueued = true;
        return;
    }
    const int generation = ++m_generation;
    m_doc.boardId = board->id;
    m_pipelineJob = std::make_shared<JobControl>();
    m_watcher->setFuture(QtConcurrent::run(compute, generation, m_model, m_boards, m_doc,
                                           std::shared_ptr<const JobControl>(m_pipelineJob)));
}

void MainWindow::waitForIdle()
{
    while (m_watcher->isRunning() || m_recomputeQueued) {
        m_watcher->waitForFinished();
        QCoreApplication::processEvents();
    }
    QCoreApplication::processEvents();
}

void MainWindow::applyComputation(Computation c)
{
    m_result = std::move(c.result);
    m_resultDiagnostics = std::move(c.diagnostics);
    refreshRunTarget();
    const PipelineResult* r = m_result.get();
    const Board* board = m_boardPanel->currentBoard();
    m_opTable->setResult(m_result);
    if (r && board) {
        const Analysis& a = r->analysis;
        const Board* limits = m_boards.limitsOf(*board);
        const int64_t scratch = !r->patched() && a.memory.peakStep >= 0 ? a.memory.steps[size_t(a.memory.peakStep)].scratch : 0;
        for (const auto& region : arenaRegions(limits ? *limits : *board))
            if (region.name == r->fit.region)
                m_boardPanel->setArena(region, r->peakBytes - scratch, scratch, r->fit.reserveBytes);
        m_boardPanel->setFlashUse(r->fit.flash);
        m_chart->setResult(m_result);
        m_arena->setResult(m_result);
        m_schedulePanel->setSplits(&r->legal(), r->splits);
        m_schedulePanel->setSchedule(m_doc.schedule);
        m_patchView->setResult(m_result);
    } else {
        m_boardPanel->clearArena();
        m_chart->setResult(nullptr);
        m_arena->setResult(nullptr);
        m_patchView->setResult(nullptr);
    }
    showDiagnostics();
    updateStatus();
    // The peak layer is selected (chart, table, arena view) until the user picks another.
    if (r && !m_opView->selectionModel()->hasSelection() && m_chart->peakOp() >= 0)
        selectOp(m_chart->peakOp());
}

void MainWindow::cancelSearch()
{
    if (!m_searchJob)
        return;
    m_searchJob->cancel();
    m_searchJob.reset();
    m_schedulePanel->setSearching(false);
    statusBar()->showMessage(tr("Auto search cancelled"), 4000);
}

void MainWindow::autoSchedule(bool wait)
{
    waitForIdle();
    const PipelineSnapshot snapshot = m_result;
    if (!snapshot || m_searchJob)
        return;
    // The search runs on this snapshot; its result applies only if the document still describes
    // the same graph and order when it lands (a model, board or schedule change cancels it).
    auto job = std::make_shared<JobControl>([this](int64_t done, int64_t total, const std::string&) {
        QMetaObject::invokeMethod(this, [this, done, total] {
            if (m_searchJob)
                m_schedulePanel->setSearchProgress(total > 0 ? int(100 * done / total) : 0);
        });
    });
    m_searchJob = job;
    m_schedulePanel->setSearching(true);
    auto run = [snapshot, po = m_doc.schedule.patchOptions(), cap = m_doc.schedule.macCapPercent, job] {
        return searchPatches(snapshot->legal(), snapshot->analysis.memory.order, po, snapshot->arenaBudget(), 8, cap,
                             job.get());
    };
    const Session started = m_doc;
    auto finish = [this, job, started](Result<PatchSearchResult> r) {
        if (m_searchJob != job || job->cancelled())
            return; // cancelled, or superseded
        m_searchJob.reset();
        m_schedulePanel->setSearching(false);
        Session now = m_doc;
        now.schedule.patch = started.schedule.patch;
        if (now != started) {
            statusBar()->showMessage(tr("Auto search result dropped: the document changed meanwhile"), 6000);
            return;
        }
        if (!r.ok() || r->recommended < 0) {
            statusBar()->showMessage(tr("No patch schedule found for this model"), 6000);
            return;
        }
        m_search = std::move(*r.value);
        m_schedulePanel->setPareto(&*m_search);
        const PatchPlan& rec = m_search->pareto[size_t(m_search->recommended)];
        ScheduleDoc s = m_doc.schedule;
        if (rec.nh * rec.nw == 1)
            s.patch.reset();
        else
            s.patch = PatchStage{rec.split.tensor, rec.nh, rec.nw, m_doc.schedule.patch && m_doc.schedule.patch->inputResident};
        applySchedule(s);
        statusBar()->showMessage(tr("Searched %1 schedules").arg(m_search->evaluated), 6000);
    };
    if (wait) {
        finish(run());
        waitForIdle();
        return;
    }
    auto* w = new QFutureWatcher<Result<PatchSearchResult>>(this);
    connect(w, &QFutureWatcher<Result<PatchSearchResult>>::finished, this, [w, finish] {
        finish(w->result());
        w->deleteLater();
    });
    w->setFuture(QtConcurrent::run(run));
}

QString MainWindow::headline() const
{
    const Analysis* a = analysis();
    if (!a)
        return m_model ? tr("Analysis failed: see Issues") : tr("No model — File › Open or drop a .tflite here");
    const PatchPlan* p = patchPlan();
    const int64_t peak = m_result->peakBytes;
    const int64_t margin = m_result->margin();
    QString text = tr("Peak %1 (%2 B)").arg(formatBytes(peak), formatCount(peak));
    if (p)
        text += tr(" · %1×%2 patches, +%3 % MACs (%4) · whole-tensor %5").arg(p->nh).arg(p->nw)
                    .arg(p->extraMacsPercent, 0, 'f', 2).arg(formatCount(p->extraMacs)).arg(formatBytes(a->arenaBytes()));
    else
        text += tr(" · lower bound %1").arg(formatBytes(a->memory.lowerBound));
    text += tr(" · TFLM %1").arg(formatBytes(a->tflmGreedyPeak + a->tflmPersistentBytes));
    const FitVerdict& fit = m_result->fit;
    text += margin >= 0 ? tr(" · fits %1 by %2 B").arg(QString::fromStdString(fit.region)).arg(formatCount(margin))
                        : tr(" · OVERFLOWS %1 by %2 B").arg(QString::fromStdString(fit.region)).arg(formatCount(-margin));
    if (fit.flashMargin < 0)
        text += tr(" · flash overflows by %1 B").arg(formatCount(-fit.flashMargin));
    return text;
}

void MainWindow::showDiagnostics()
{
    m_issues->clear();
    Diagnostics all = m_importDiagnostics;
    const Diagnostics& run = m_result ? m_result->diagnostics : m_resultDiagnostics;
    all.insert(all.end(), run.begin(), run.end());
    // Layers are named as in every other view: #<op index> <OP NAME>.
    auto layer = [this](int op) {
        if (!m_model || op < 0 || size_t(op) >= m_model->main().ops.size())
            return QString();
        return QString("#%1 %2 · ").arg(op).arg(QString::fromStdString(opKindName(m_model->main().ops[size_t(op)].kind)));
    };
    for (const Diagnostic& d : all) {
        auto* item = new QListWidgetItem(
            QString("%1: %2%3").arg(severityName(d.severity), layer(d.op), QString::fromStdString(d.toString())));
        item->setData(kOpRole, d.op);
        item->setIcon(style()->standardIcon(d.severity == Severity::Error     ? QStyle::SP_MessageBoxCritical
                                            : d.severity == Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                              : QStyle::SP_MessageBoxInformation));
        m_issues->addItem(item);
    }
    if (m_model) {
        const Graph& g = m_model->main();
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const OpSupport s = opSupport(g, g.ops[i]);
            if (s.supported)
                continue;
            auto* item = new QListWidgetItem(
                QString("unsupported: %1%2").arg(layer(int(i)), QString::fromStdString(s.reason)));
            item->setData(kOpRole, int(i));
            item->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
            m_issues->addItem(item);
        }
    }
    if (m_issues->count() == 0)
        m_issues->addItem(new QListWidgetItem(tr("No issues.")));
}

void MainWindow::selectOp(int index)
{
    const QModelIndex proxied = m_proxy->mapFromSource(m_opTable->index(index, 0));
    if (!proxied.isValid())
        return;
    m_opView->selectionModel()->setCurrentIndex(proxied, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_opView->scrollTo(proxied);
}

void MainWindow::updateStatus()
{
    m_headline->setText("<b>" + headline().toHtmlEscaped() + "</b>");
    QString text;
    if (m_model) {
        const ModelTotals t = computeTotals(m_model->main());
        text = tr("%1 ops · %2 MACs · weights %3").arg(m_model->main().ops.size()).arg(formatCount(t.macs), formatBytes(t.weightBytes));
        if (t.unsupportedOps)
            text += tr(" · %1 unsupported").arg(t.unsupportedOps);
        if (m_result)
            text += tr(" · updated in %1 ms").arg(m_result->milliseconds, 0, 'f', 1);
    }
    if (const Board* b = m_boardPanel->currentBoard())
        text += tr("  |  %1").arg(QString::fromStdString(b->name));
    m_statusFigures->setText(text);
}

void MainWindow::updateTitle()
{
    const QString name = !m_sessionPath.isEmpty() ? QFileInfo(m_sessionPath).fileName() : m_displayName;
    setWindowTitle(QString("%1[*] — TinyStudio").arg(name.isEmpty() ? tr("Untitled") : name));
    setWindowModified(!m_undo->isClean());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls[0].isLocalFile()
        && (urls[0].toLocalFile().endsWith(".tflite", Qt::CaseInsensitive)
            || urls[0].toLocalFile().endsWith(".tinystudio", Qt::CaseInsensitive)))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    const QString path = urls[0].toLocalFile();
    path.endsWith(".tinystudio", Qt::CaseInsensitive) ? openSession(path) : openModel(path); // errors show in front
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    finishRunOnClose(); // stops the target and closes the probe (the emulator ends with it)
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState(kStateVersion));
    QMainWindow::closeEvent(event);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About TinyStudio"),
                       tr("<b>TinyStudio %1</b><br>A design studio for int8 neural networks on microcontrollers."
                          "<br><br>Qt %2 · QCustomPlot %3 · FlatBuffers %4.%5.%6")
                           .arg(TINYSTUDIO_VERSION, qVersion(), QCUSTOMPLOT_VERSION_STR)
                           .arg(FLATBUFFERS_VERSION_MAJOR)
                           .arg(FLATBUFFERS_VERSION_MINOR)
                           .arg(FLATBUFFERS_VERSION_REVISION));
}

} // namespace ts
