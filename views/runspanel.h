#pragma once
// The Runs panel: the runs kept in the run store (of this model and board, or all), newest first.
// Double-click opens one (its schedule document, sizes and per-layer figures); two selected can be
// compared side by side (schedule differences, flash and RAM sizes, median latency a vs b and their
// ratio, per-layer a / b / b÷a); one can be exported as CSV. Store errors are shown as text in the
// panel. The panel reads the store only; it never writes to it.

#include <QString>
#include <QWidget>

#include <string>
#include <vector>

class QLabel;
class QPushButton;
class QStandardItemModel;
class QTableView;
class QTextBrowser;

namespace ts {

class RunStore;
struct RunComparison;
struct RunInfo;

class RunsPanel : public QWidget {
    Q_OBJECT
public:
    // The runs table's columns.
    enum Column {
        ColId, ColStarted, ColStatus, ColBoard, ColProbe, ColSamples, ColMedian, ColUnit, ColOutput, ColSizes,
        ColumnCount
    };
    static constexpr int IdRole = Qt::UserRole + 1;   // the run id (column ColId)
    static constexpr int SortRole = Qt::UserRole + 2; // raw numbers for numeric sorting

    explicit RunsPanel(QWidget* parent = nullptr);

    // The store to read (not owned; nullptr: none). Refreshes.
    void setStore(RunStore* store);
    RunStore* store() const { return m_store; }
    // Only runs of this model (sha256) and board; empty strings match everything. Refreshes.
    void setFilter(const std::string& modelSha256, const std::string& board);
    // Re-reads the list from the store, keeping the selection where the runs are still listed.
    void refresh();

    // Selected run ids, in the table's order (newest first unless the user sorted otherwise).
    std::vector<qint64> selectedRuns() const;
    void setSelectedRuns(const std::vector<qint64>& ids);
    // Ids in the table's order.
    std::vector<qint64> listedRuns() const;

    // Shows one run's details and emits runOpened; false (and the error shown) when the store fails.
    bool openRun(qint64 id);
    // Exactly two runs selected: shows them side by side (the older as a, the newer as b).
    bool compareSelected();
    bool compareRuns(qint64 a, qint64 b);
    // Writes the run's samples and layers as CSV (RunStore::exportCsv) to `path`, atomically.
    bool exportCsv(qint64 run, const QString& path, QString* error);

    // For tests and the window.
    QString errorText() const;                 // empty when the last action succeeded
    QString detailsText() const;               // the details or comparison shown, as plain text
    QStandardItemModel* runsModel() const { return m_runs; }
    QStandardItemModel* layersModel() const { return m_layers; } // the opened run's or the comparison's layers
    QTableView* runsView() const { return m_runsView; }
    qint64 openedRun() const { return m_opened; }

signals:
    void runOpened(qint64 id);

private:
    void setError(const QString& text);
    void updateButtons();
    void exportClicked();
    void showRun(const RunInfo& run);
    void showComparison(const RunComparison& c);

    RunStore* m_store = nullptr;
    std::string m_model, m_board;
    qint64 m_opened = -1;
    QLabel* m_filterLabel = nullptr;
    QLabel* m_error = nullptr;
    QPushButton* m_refresh = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_export = nullptr;
    QStandardItemModel* m_runs = nullptr;
    QTableView* m_runsView = nullptr;
    QTextBrowser* m_details = nullptr;
    QStandardItemModel* m_layers = nullptr;
    QTableView* m_layersView = nullptr;
};

} // namespace ts
