#pragma once
// The studio's main window: arranges the views around one open model and one chosen board.

#include "boards/board.h"
#include "common/diagnostic.h"
#include "model/graph.h"
#include "pipeline/analysis.h"

#include <QMainWindow>

#include <memory>

class QLineEdit;
class QListWidget;
class QMenu;
class QSortFilterProxyModel;
class QTableView;
class QLabel;

namespace ts {

class BoardPanel;
class LayerChart;
class OpTableModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a .tflite; on failure the current model stays and the error is shown (and returned).
    bool openModel(const QString& path, QString* error = nullptr);
    void openDemoModel();
    bool selectBoard(const QString& id);

    const Model* model() const { return m_model.get(); }
    const Analysis* analysis() const { return m_analysis ? &*m_analysis : nullptr; }
    OpTableModel* opTable() const { return m_opTable; }
    QTableView* opView() const { return m_opView; }
    BoardPanel* boardPanel() const { return m_boardPanel; }
    QListWidget* issuesList() const { return m_issues; }
    LayerChart* layerChart() const { return m_chart; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildDocks();
    void setModel(std::unique_ptr<Model> model, const Diagnostics& diags, const QString& displayName);
    void showDiagnostics(const Diagnostics& diags);
    void addRecent(const QString& path);
    void refreshRecentMenu();
    void updateStatus();
    void recompute(); // analysis of the current model on the current board
    void selectOp(int index);
    void openDialog();
    void about();

    std::unique_ptr<Model> m_model;
    std::optional<Analysis> m_analysis;
    Diagnostics m_importDiagnostics;
    BoardSet m_boards;
    QString m_displayName;
    OpTableModel* m_opTable = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_opView = nullptr;
    QLineEdit* m_filter = nullptr;
    BoardPanel* m_boardPanel = nullptr;
    QListWidget* m_issues = nullptr;
    LayerChart* m_chart = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_statusFigures = nullptr;
};

} // namespace ts
