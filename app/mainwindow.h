#pragma once
// The studio's main window: one model, one board and one schedule; every change re-runs the
// pipeline off the GUI thread (a stale run is discarded) and updates every view.

#include "boards/board.h"
#include "common/diagnostic.h"
#include "model/graph.h"
#include "common/job.h"
#include "pipeline/pipeline.h"
#include "schedule/patch.h"
#include "session/session.h"
#include "views/schedulepanel.h"

#include <QFutureWatcher>
#include <QMainWindow>

#include <memory>
#include <optional>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QSortFilterProxyModel;
class QTableView;
class QUndoStack;

namespace ts {

class ArenaView;
class BoardPanel;
class BuildLogView;
class LivePanel;
class RunStore;
class RunsPanel;
class SearchPanel;
struct LiveEvent;
struct LiveResult;
class LayerChart;
class OpTableModel;
class PatchView;

// One pipeline run: the shared immutable result (or the diagnostics of a failure).
struct Computation {
    int generation = 0;
    PipelineSnapshot result;
    Diagnostics diagnostics;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    bool openModel(const QString& path, QString* error = nullptr);
    void openDemoModel();
    bool selectBoard(const QString& id);
    bool openSession(const QString& path, QString* error = nullptr);
    bool saveSession(const QString& path, QString* error = nullptr);

    // Applies a schedule as a user edit (undoable) and recomputes.
    void applySchedule(const ScheduleDoc& s);
    const ScheduleDoc& schedule() const { return m_doc.schedule; }
    // The project document: the one live state every edit changes.
    const Session& document() const { return m_doc; }
    // Runs the patch search and applies the recommended schedule (undoable); blocks until done
    // when `wait` is set (tests, CLI-like use).
    void autoSchedule(bool wait = false);
    // Blocks until the pending recomputation has been applied to the views.
    void waitForIdle();

    const Model* model() const { return m_model.get(); }
    const Analysis* analysis() const { return m_result ? &m_result->analysis : nullptr; }
    const PatchPlan* patchPlan() const { return m_result && m_result->patch ? &*m_result->patch : nullptr; }
    const PipelineResult* computation() const { return m_result.get(); }
    PipelineSnapshot result() const { return m_result; }
    // Cancels a running Auto search (its result is dropped).
    void cancelSearch();
    bool searching() const { return bool(m_searchJob); }
    QString headline() const;
    QUndoStack* undoStack() const { return m_undo; }
    OpTableModel* opTable() const { return m_opTable; }
    QTableView* opView() const { return m_opView; }
    BoardPanel* boardPanel() const { return m_boardPanel; }
    SchedulePanel* schedulePanel() const { return m_schedulePanel; }
    QListWidget* issuesList() const { return m_issues; }
    LayerChart* layerChart() const { return m_chart; }
    ArenaView* arenaView() const { return m_arena; }
    PatchView* patchView() const { return m_patchView; }
    // The failure of the last open, shown in front (rich text), or empty once something opened.
    QString openError() const;
    // The first-run welcome (shown when the demo model opens on a fresh install; Help › Welcome).
    bool welcomeShown() const;
    void showWelcome();

    // Build & Run (F5): generate, build, flash and profile on the selected probe; `wait` blocks
    // (processing events) until the run ends. False when it could not start (no model/probe, busy).
    bool buildAndRun(bool wait = false);
    void stopRun();
    bool running() const;
    void scanProbes();
    void setRunInferences(int n) { m_runInferences = n; }
    int64_t lastRunId() const;
    const Result<LiveResult>* lastRun() const;
    RunStore* runStore() const;
    LivePanel* livePanel() const { return m_live; }
    RunsPanel* runsPanel() const { return m_runs; }
    BuildLogView* buildLog() const { return m_buildLog; }
    QComboBox* probeSelector() const { return m_probeBox; }

    // Tools › Model Search…: the search window (made on first use), for the current board.
    SearchPanel* modelSearch();
    void showModelSearch();

signals:
    void runFinished(qint64 runId);

public:
    // Exports (also behind File › Export).
    bool exportChart(const QString& path, QString* error = nullptr);
    bool exportTableCsv(const QString& path, QString* error = nullptr);
    bool exportAnalysisJson(const QString& path, QString* error = nullptr);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildDocks();
    void setModel(std::shared_ptr<const Model> model, const Diagnostics& diags, const QString& displayName);
    void detachViews(); // finish any computation; views drop their snapshots
    void setScheduleNoUndo(const ScheduleDoc& s);
    void recompute();
    void applyComputation(Computation c);
    void showDiagnostics();
    void addRecent(const QString& key, const QString& path);
    void refreshRecentMenus();
    void updateTitle();
    void updateStatus();
    void selectOp(int index);
    void openDialog();
    void saveSessionDialog(bool saveAs);
    void exportDialog();
    void generateProjectDialog();
    void buildRunUi();
    QDockWidget* addDock(const QString& title, const char* name, QWidget* w, Qt::DockWidgetArea area);
    QMenu* runMenuActions(QMenu* menu);
    void refreshRunTarget();
    void onLiveEvent(const LiveEvent& e);
    void onRunFinished();
    void finishRunOnClose();

public:
    // The C project of the current plan into `dir` (File › Generate Project… without dialogs).
    bool generateProjectTo(const QString& dir, bool force, QString* error);

private:
    void about();
    QWidget* makeBanner(QWidget* parent, const char* name, const char* background, const char* border,
                        const QString& button);
    void showOpenError(const QString& path, const QString& why);

    std::shared_ptr<const Model> m_model;
    QString m_modelPath;
    BoardSet m_boards;
    QString m_displayName;
    QString m_sessionPath;
    Session m_doc;
    Diagnostics m_importDiagnostics;
    PipelineSnapshot m_result;
    Diagnostics m_resultDiagnostics;
    std::shared_ptr<JobControl> m_searchJob;
    std::shared_ptr<JobControl> m_pipelineJob; // the running pipeline: cancelled when superseded
    std::optional<PatchSearchResult> m_search;
    int m_generation = 0;
    QFutureWatcher<Computation>* m_watcher = nullptr;
    bool m_recomputeQueued = false;

    QUndoStack* m_undo = nullptr;
    OpTableModel* m_opTable = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_opView = nullptr;
    QLineEdit* m_filter = nullptr;
    BoardPanel* m_boardPanel = nullptr;
    SchedulePanel* m_schedulePanel = nullptr;
    QListWidget* m_issues = nullptr;
    LayerChart* m_chart = nullptr;
    ArenaView* m_arena = nullptr;
    PatchView* m_patchView = nullptr;
    QLabel* m_headline = nullptr;
    QWidget* m_errorBanner = nullptr;
    QWidget* m_welcome = nullptr;
    QWidget* m_ops = nullptr;
    QMenu* m_recentModels = nullptr;
    QMenu* m_recentSessions = nullptr;
    QLabel* m_statusFigures = nullptr;

    struct RunState;
    std::unique_ptr<RunState> m_run;
    LivePanel* m_live = nullptr;
    RunsPanel* m_runs = nullptr;
    BuildLogView* m_buildLog = nullptr;
    QDockWidget* m_liveDock = nullptr;
    QDockWidget* m_runsDock = nullptr;
    QDockWidget* m_buildDock = nullptr;
    QComboBox* m_probeBox = nullptr;
    QAction* m_buildRunAction = nullptr;
    QAction* m_stopAction = nullptr;
    int m_runInferences = 20;
    SearchPanel* m_modelSearch = nullptr;
};

} // namespace ts
