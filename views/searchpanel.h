#pragma once
// The Search panel: model search for the current board over core/search, in three tabs.
//  - Zoo: every .tflite of a folder ranked for the board (fits, peak SRAM, patch grid, flash,
//    MACs, estimated latency); double-click opens a model in the studio.
//  - Space: per (width, resolution) pair of a search space, the CDF of the MACs of the sampled
//    candidates that fit; the recommended pair (highest mean MACs, MCUNet's criterion) highlighted.
//  - Evolve: evolutionary search in one pair; every evaluated candidate on a peak-SRAM / score
//    scatter with the Pareto front and the board's arena budget; the best candidates can be opened
//    in the studio or exported (.tflite with pseudo-random weights marked untrained, architecture JSON).
// Every search runs on a worker (its own thread pool, so the studio's pipeline is never queued
// behind it) with progress and Cancel; the panel holds copies of the board, so a board change in
// the studio never reaches a running search.

#include "schedule/schedule_doc.h"
#include "boards/board.h"
#include "common/job.h"
#include "model/graph.h"
#include "search/search.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QThreadPool>
#include <QWidget>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace ts {

class SearchPanel : public QWidget {
    Q_OBJECT
public:
    explicit SearchPanel(QWidget* parent = nullptr);
    ~SearchPanel() override; // cancels every search and waits for its worker

    // The board searches run for (copied; nullptr clears). Loads the board core's cost model for
    // latency estimates when one is shipped (otherwise latency shows "–").
    void setBoard(const Board* board, const BoardSet* boards);
    QString boardId() const;
    bool hasCostModel() const { return bool(m_cost); }

    QTabWidget* tabs() const { return m_tabs; }
    bool busy() const;   // any search running
    void cancelAll();

    // Search spaces offered by the Space and Evolve tabs (built-ins first). Adds a JSON file's
    // space and selects it in both tabs; false with the loader's error otherwise.
    bool addSpaceFile(const QString& path, QString* error = nullptr);
    bool selectSpace(const QString& name); // in both tabs
    QStringList spaceNames() const;

    // ---- Zoo
    void setZooFolder(const QString& dir);
    bool runZoo(); // false when it cannot start (no board, no folder, already running)
    QTableWidget* zooTable() const { return m_zooTable; }
    const std::vector<ZooEntry>& zooEntries() const { return m_zoo; }
    QString zooStatus() const;

    // ---- Space
    bool runSpace();                               // options from the tab's widgets
    bool runSpace(const SpaceOptOptions& options); // the selected space; widgets ignored
    SpaceOptOptions spaceOptions() const;
    const std::optional<SpaceOptResult>& spaceResult() const { return m_space; }
    QCustomPlot* cdfPlot() const { return m_cdf; }
    QTableWidget* pairTable() const { return m_pairTable; }
    // Which curves the CDF shows: 0 = every width, > 0 = that width, < 0 = the recommended pair's width.
    void setWidthFilter(double width);
    QString spaceStatus() const;
    QString recommendationText() const;

    // ---- Evolve
    bool runEvolve();                                  // options from the tab's widgets
    bool runEvolve(const EvolutionOptions& options);   // the selected space; widgets ignored
    EvolutionOptions evolveOptions() const;
    void setEvolvePair(int resolution, double width);  // selects the pair in the Evolve tab
    const std::optional<EvolutionResult>& evolution() const { return m_evo; }
    QCustomPlot* scatterPlot() const { return m_scatter; }
    QTableWidget* bestTable() const { return m_bestTable; }
    QString evolveStatus() const;
    // The candidate the buttons act on (index in evolution()->candidates; -1 = none).
    void selectCandidate(int index);
    int selectedCandidate() const { return m_selected; }
    // The selected candidate as a model with pseudo-random weights (marked untrained).
    std::shared_ptr<const Model> selectedModel(QString* error = nullptr) const;
    bool exportSelectedTflite(const QString& path, QString* error = nullptr) const;
    bool exportSelectedArchitecture(const QString& path, QString* error = nullptr) const;

signals:
    void openModelFile(const QString& path);
    // A search candidate to open as the studio's document, for board `boardId`; `schedule` is the
    // schedule its figures are for (planner, patch stage), so the studio shows the same figures.
    void openCandidate(std::shared_ptr<const ts::Model> model, const QString& boardId, const QString& name,
                       const ts::ScheduleDoc& schedule);
    void searchFinished(); // any search ended (finished, failed or cancelled), its views updated

private:
    // One tab's running search: buttons, progress and the job the worker checks.
    struct Progress {
        std::mutex mutex;
        int64_t done = 0, total = 0;
        std::string what;
    };
    struct Task {
        QPushButton* run = nullptr;
        QPushButton* cancel = nullptr;
        QProgressBar* bar = nullptr;
        QLabel* status = nullptr;
        std::shared_ptr<JobControl> job;
        std::shared_ptr<Progress> progress;
        QElapsedTimer clock;
        bool running() const { return bool(job); }
    };

    QWidget* buildZooTab();
    QWidget* buildSpaceTab();
    QWidget* buildEvolveTab();
    QWidget* taskRow(Task& t, QWidget* parent);
    std::shared_ptr<const JobControl> startTask(Task& t);
    void endTask(Task& t, const QString& status);
    void updateProgress();
    void updateHeader();
    void cancelTask(Task& t);

    void showZoo();
    void onZooFinished();

    int spaceIndex(const QComboBox* box) const; // index in m_spaces, -1 = none
    void onSpaceBoxActivated(QComboBox* box, int row);
    void fillPairBoxes();
    void onSpaceFinished();
    void showSpace();
    void rebuildCdf();
    void cdfHover(QMouseEvent* e);

    void onEvolveFinished();
    void postGeneration(const EvolutionResult& r); // from the worker thread
    void scheduleScatter();
    void showEvolution();
    void redrawScatter();
    void fillBestTable();
    void scatterHover(QMouseEvent* e);
    void scatterClick(QMouseEvent* e);
    int nearestCandidate(const QPointF& pos, double maxPixels) const;
    void updateSelection();

    std::optional<Board> m_board;
    std::shared_ptr<const BoardSet> m_boards;
    std::shared_ptr<const CostModel> m_cost;
    QString m_costNote;
    QThreadPool m_pool;
    QTimer* m_progressTimer = nullptr;
    QTabWidget* m_tabs = nullptr;
    QLabel* m_header = nullptr;
    std::vector<SearchSpace> m_spaces;

    // Zoo
    Task m_zooTask;
    QLineEdit* m_zooDir = nullptr;
    QTableWidget* m_zooTable = nullptr;
    QFutureWatcher<Result<std::vector<ZooEntry>>>* m_zooWatcher = nullptr;
    std::vector<ZooEntry> m_zoo;
    QString m_zooBoard;
    bool m_zooLatency = false;

    // Space
    Task m_spaceTask;
    QComboBox* m_spaceBox = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_spaceSeed = nullptr;
    QComboBox* m_widthFilter = nullptr;
    QLabel* m_recommendation = nullptr;
    QCustomPlot* m_cdf = nullptr;
    QTableWidget* m_pairTable = nullptr;
    QPushButton* m_usePair = nullptr;
    QFutureWatcher<Result<SpaceOptResult>>* m_spaceWatcher = nullptr;
    std::optional<SpaceOptResult> m_space;
    SearchSpace m_spaceOf;           // the space m_space was run on
    QString m_spaceBoard;
    double m_filterWidth = -1;
    std::vector<std::pair<QCPGraph*, int>> m_cdfGraphs; // graph → pair index

    // Evolve
    Task m_evoTask;
    QComboBox* m_evoSpaceBox = nullptr;
    QComboBox* m_evoRes = nullptr;
    QComboBox* m_evoWidth = nullptr;
    QSpinBox* m_population = nullptr;
    QSpinBox* m_generations = nullptr;
    QSpinBox* m_evoSeed = nullptr;
    QLineEdit* m_evaluator = nullptr;
    QSpinBox* m_processes = nullptr;
    QSpinBox* m_timeout = nullptr;
    QCustomPlot* m_scatter = nullptr;
    QCPGraph* m_gInfeasible = nullptr;
    QCPGraph* m_gFeasible = nullptr;
    QCPGraph* m_gPareto = nullptr;
    QCPGraph* m_gSelected = nullptr;
    QCPItemStraightLine* m_budgetLine = nullptr;
    QCPItemText* m_budgetLabel = nullptr;
    QTableWidget* m_bestTable = nullptr;
    QLabel* m_selectedLabel = nullptr;
    QPushButton* m_openCandidate = nullptr;
    QPushButton* m_exportTflite = nullptr;
    QPushButton* m_exportJson = nullptr;
    QFutureWatcher<Result<EvolutionResult>>* m_evoWatcher = nullptr;
    std::optional<EvolutionResult> m_evo;
    SearchSpace m_evoOf;             // the space m_evo was run on
    QString m_evoBoard;
    int m_selected = -1;
    QTimer* m_scatterTimer = nullptr;
    QElapsedTimer m_lastScatter;
};

} // namespace ts
