// Build & Run (F5): generate → cross build (log dock, progress, Cancel) → flash and start on the
// selected probe → live latency plot and per-layer table, every run recorded in the run store and
// listed in the Runs panel. The live loop (profile/live.h) runs on a worker thread; its events come
// back to the GUI thread, where the recorder commits them to the store in small transactions.

#include "mainwindow.h"
#include "mainwindow_run.h"

#include "probe/pluginmanager.h"
#include "profile/live.h"
#include "profile/record.h"
#include "store/runstore.h"
#include "views/buildlog.h"
#include "views/livepanel.h"
#include "views/runspanel.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFutureWatcher>
#include <QLabel>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QtConcurrent>

namespace ts {


void MainWindow::buildRunUi()
{
    m_run = std::make_unique<RunState>();
    m_live = new LivePanel(this);
    m_live->setObjectName("livePanel");
    m_runs = new RunsPanel(this);
    m_runs->setObjectName("runsPanel");
    m_buildLog = new BuildLogView(this);
    m_buildLog->setObjectName("buildLog");
    m_liveDock = addDock(tr("Live"), "liveDock", m_live, Qt::RightDockWidgetArea);
    m_runsDock = addDock(tr("Runs"), "runsDock", m_runs, Qt::BottomDockWidgetArea);
    m_buildDock = addDock(tr("Build Log"), "buildDock", m_buildLog, Qt::BottomDockWidgetArea);
    if (auto* ops = findChild<QDockWidget*>("opsDock")) {
        tabifyDockWidget(ops, m_runsDock);
        tabifyDockWidget(ops, m_buildDock);
        ops->raise();
    }
    if (auto* board = findChild<QDockWidget*>("boardDock")) {
        tabifyDockWidget(board, m_liveDock);
        board->raise();
    }
    connect(m_buildLog, &BuildLogView::cancelRequested, this, &MainWindow::stopRun);

    // The run store: $TINYSTUDIO_DB, the "runStore" setting, or the user's data folder.
    const QString path = QSettings().value("runStore").toString();
    auto store = RunStore::open(path.isEmpty() ? RunStore::defaultPath() : path.toStdString());
    if (store.ok()) {
        m_run->store = std::move(*store);
        m_runs->setStore(m_run->store.get());
    } else {
        m_run->storeError = QString::fromStdString(firstError(store.diagnostics));
        m_buildLog->appendLog(tr("The run store could not be opened; runs will not be kept: %1").arg(m_run->storeError));
    }

    auto* bar = addToolBar(tr("Run"));
    bar->setObjectName("runToolBar");
    bar->addWidget(new QLabel(tr(" Probe: "), bar));
    m_probeBox = new QComboBox(bar);
    m_probeBox->setObjectName("probeSelector");
    m_probeBox->setMinimumContentsLength(28);
    m_probeBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    bar->addWidget(m_probeBox);
    m_buildRunAction = bar->addAction(tr("Build && Run"), this, [this] { buildAndRun(); });
    m_buildRunAction->setObjectName("buildRunAction");
    m_buildRunAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_buildRunAction->setToolTip(tr("Generate, build, flash and profile the current schedule on the selected probe (F5)"));
    m_stopAction = bar->addAction(tr("Stop"), this, &MainWindow::stopRun);
    m_stopAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stopAction->setEnabled(false);
    bar->addAction(tr("Rescan"), this, &MainWindow::scanProbes)->setToolTip(tr("Look for attached probes again"));
    scanProbes();
}

QMenu* MainWindow::runMenuActions(QMenu* menu)
{
    menu->addAction(m_buildRunAction);
    menu->addAction(m_stopAction);
    return menu;
}

void MainWindow::scanProbes()
{
    const QString previous = m_probeBox->currentData().toString();
    m_probeBox->clear();
    PluginManager& plugins = probePlugins();
    QStringList problems;
    for (const Diagnostic& d : plugins.diagnostics())
        problems << QString::fromStdString(d.toString());
    for (ProbeDriver* d : plugins.drivers()) {
        auto found = d->scan(m_boards);
        for (const Diagnostic& x : found.diagnostics)
            problems << QString::fromStdString(x.message);
        if (!found.ok())
            continue;
        for (const ProbeInfo& p : *found) {
            QStringList boards;
            for (const auto& b : p.boards)
                boards << QString::fromStdString(b);
            const QString key = QString::fromStdString(p.driver + "|" + p.serial);
            m_probeBox->addItem(QString::fromStdString(p.description), key);
            m_probeBox->setItemData(m_probeBox->count() - 1, boards, Qt::UserRole + 1);
            m_probeBox->setItemData(m_probeBox->count() - 1,
                                    tr("%1 %2 — boards: %3").arg(QString::fromStdString(p.driver), QString::fromStdString(p.serial),
                                                              boards.join(", ")),
                                    Qt::ToolTipRole);
        }
    }
    if (m_probeBox->count() == 0)
        m_probeBox->addItem(tr("no probe found"), QString());
    m_probeBox->setToolTip(problems.isEmpty() ? tr("The probe Build & Run uses") : problems.join("\n"));
    const int i = m_probeBox->findData(previous);
    if (i >= 0)
        m_probeBox->setCurrentIndex(i);
    refreshRunTarget();
}

// The probe follows the board: the first probe whose target matches the current board.
void MainWindow::refreshRunTarget()
{
    if (!m_probeBox)
        return;
    const QString board = QString::fromStdString(m_doc.boardId);
    const QStringList current = m_probeBox->currentData(Qt::UserRole + 1).toStringList();
    if (!current.contains(board))
        for (int i = 0; i < m_probeBox->count(); ++i)
            if (m_probeBox->itemData(i, Qt::UserRole + 1).toStringList().contains(board)) {
                m_probeBox->setCurrentIndex(i);
                break;
            }
    if (m_runs && m_run) {
        if (m_run->hashedModel != m_model.get()) {
            m_run->hashedModel = m_model.get();
            m_run->modelHash = m_model ? storeModelSha256(*m_model) : std::string();
        }
        m_runs->setFilter(m_run->modelHash, m_doc.boardId);
    }
}

bool MainWindow::buildAndRun(bool wait)
{
    if (running())
        return false;
    const Board* board = m_boards.find(m_doc.boardId);
    if (!m_model || !board) {
        statusBar()->showMessage(tr("Open a model and choose a board first"), 6000);
        return false;
    }
    const QString key = m_probeBox->currentData().toString();
    const QStringList matches = m_probeBox->currentData(Qt::UserRole + 1).toStringList();
    m_buildLog->clear();
    m_buildDock->show();
    m_buildDock->raise();
    if (key.isEmpty() || !matches.contains(QString::fromStdString(board->id))) {
        const QString why = board->emulated()
                                ? tr("No QEMU probe for %1: is qemu-system-arm installed? (scripts/setup.sh installs it)").arg(QString::fromStdString(board->id))
                                : tr("No ST-Link probe with a %1 attached. Attach the board (and check the udev rules of stlink-tools), "
                                     "press Rescan, or choose an emulated board.").arg(QString::fromStdString(board->mcu));
        m_buildLog->appendLog(why);
        m_buildLog->setPhase(tr("not started"), 0);
        statusBar()->showMessage(why, 10000);
        return false;
    }
    const std::string driver = key.section('|', 0, 0).toStdString();
    LiveOptions options;
    options.probe = driver;
    options.serial = key.section('|', 1).toStdString();
    options.inferences = m_runInferences;
    options.deploy.dir = (QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/builds/"
                          + QFileInfo(m_displayName).completeBaseName() + "-" + QString::fromStdString(board->id))
                             .toStdString();
    options.deploy.name.clear();
    m_run->job = std::make_shared<JobControl>();
    m_run->recorder = std::make_unique<RunRecorder>(m_run->store.get(), *m_model, m_doc, *board, driver);
    m_run->recorder->setModelName(m_displayName.toStdString());
    m_run->lastRunId = 0;
    m_live->beginRun(tr("%1 on %2").arg(m_displayName, QString::fromStdString(board->id)),
                     board->emulated() ? QStringLiteral("instructions") : QStringLiteral("cycles"), board->clockHz);
    m_liveDock->show();
    m_liveDock->raise();
    // Room for the plot and the per-layer table beside the memory chart.
    if (!m_liveDock->isFloating() && m_liveDock->width() < width() * 45 / 100)
        resizeDocks({m_liveDock}, {width() * 45 / 100}, Qt::Horizontal);
    m_buildLog->setRunning(true);
    m_buildLog->setPhase(tr("generating"), -1);
    m_buildRunAction->setEnabled(false);
    m_stopAction->setEnabled(true);

    auto model = m_model;
    const Session doc = m_doc;
    const BoardSet boards = m_boards;
    auto job = m_run->job;
    QPointer<MainWindow> self(this);
    auto deliver = [self](LiveEvent e) {
        QMetaObject::invokeMethod(
            qApp, [self, e = std::move(e)] {
                if (self)
                    self->onLiveEvent(e);
            },
            Qt::QueuedConnection);
    };
    m_run->watcher = new QFutureWatcher<Result<LiveResult>>(this);
    connect(m_run->watcher, &QFutureWatcher<Result<LiveResult>>::finished, this, &MainWindow::onRunFinished);
    m_run->watcher->setFuture(QtConcurrent::run([model, doc, boards, options, job, deliver] {
        return runLive(*model, doc, boards, options, probePlugins(), *job, [&](const LiveEvent& e) {
            LiveEvent copy = e;
            // The build pointers are only valid during the call: the recorder needs them now.
            if (e.built) {
                copy.builtCopy = std::make_shared<DeployResult>(*e.built);
                copy.optionsCopy = std::make_shared<DeployOptions>(*e.options);
            }
            deliver(std::move(copy));
        });
    }));
    if (wait) {
        while (running())
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

void MainWindow::onLiveEvent(const LiveEvent& incoming)
{
    LiveEvent e = incoming;
    if (e.builtCopy) {
        e.built = e.builtCopy.get();
        e.options = e.optionsCopy.get();
        e.board = m_boards.find(m_doc.boardId);
    }
    if (m_run->recorder)
        if (Diagnostics d = m_run->recorder->onEvent(e); !d.empty())
            m_buildLog->appendLog(tr("run store: %1").arg(QString::fromStdString(firstError(d))));
    switch (e.kind) {
    case LiveEvent::Kind::Phase: {
        const QString p = QString::fromStdString(e.text);
        const int percent = p == "generating" ? 5 : p == "building" ? 10 : p == "flashing" ? 80 : 90;
        m_buildLog->setPhase(p, p == "building" ? -1 : percent);
        m_buildLog->appendLog("== " + p);
        m_live->setStatus(p);
        if (p == "running")
            m_buildLog->setPhase(tr("running on %1").arg(m_probeBox->currentText()), 100);
        break;
    }
    case LiveEvent::Kind::Log:
        m_buildLog->appendLog(QString::fromStdString(e.text));
        break;
    case LiveEvent::Kind::Samples:
        m_live->addSamples(e.samples);
        break;
    case LiveEvent::Kind::Layers:
        m_live->setLayers(e.layers);
        break;
    case LiveEvent::Kind::Stack:
        m_live->setStackPeak(e.stackPeak);
        break;
    }
}

void MainWindow::onRunFinished()
{
    // Events queued before the result must reach the views and the store first.
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    m_run->last = m_run->watcher->result();
    m_run->watcher->deleteLater();
    m_run->watcher = nullptr;
    const Result<LiveResult>& r = m_run->last;
    if (m_run->recorder) {
        if (Diagnostics d = m_run->recorder->finish(r); !d.empty())
            m_buildLog->appendLog(tr("run store: %1").arg(QString::fromStdString(firstError(d))));
        m_run->lastRunId = m_run->recorder->runId();
    }
    m_run->recorder.reset();
    m_run->job.reset();
    m_buildLog->setRunning(false);
    m_buildRunAction->setEnabled(true);
    m_stopAction->setEnabled(false);
    if (!r.ok()) {
        const QString why = QString::fromStdString(firstError(r.diagnostics));
        m_buildLog->appendLog(tr("failed: %1").arg(why));
        m_buildLog->setPhase(tr("failed"), 0);
        m_live->endRun(tr("failed: %1").arg(why), false);
        statusBar()->showMessage(tr("Build & Run failed: %1").arg(why.left(200)), 10000);
    } else if (r->cancelled) {
        m_buildLog->setPhase(tr("stopped"), 0);
        m_live->endRun(tr("stopped by the user"), true);
        statusBar()->showMessage(tr("Build & Run stopped"), 5000);
    } else {
        const QString verdict = QString::fromStdString(r->outputCheck);
        m_buildLog->appendLog(verdict);
        m_buildLog->setPhase(tr("done"), 100);
        m_live->endRun(verdict, r->outputMatches != 0);
        statusBar()->showMessage(verdict, 8000);
    }
    m_runs->refresh();
    emit runFinished(m_run->lastRunId);
}

void MainWindow::stopRun()
{
    if (m_run && m_run->job)
        m_run->job->cancel();
}

bool MainWindow::running() const { return m_run && m_run->watcher; }
int64_t MainWindow::lastRunId() const { return m_run ? m_run->lastRunId : 0; }
RunStore* MainWindow::runStore() const { return m_run ? m_run->store.get() : nullptr; }
const Result<LiveResult>* MainWindow::lastRun() const { return m_run ? &m_run->last : nullptr; }

void MainWindow::finishRunOnClose()
{
    if (!running())
        return;
    stopRun();
    while (running())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
}

} // namespace ts
