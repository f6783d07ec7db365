#include "mainwindow.h"

#include "analysis/opfacts.h"
#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "report/inspect_report.h"
#include "views/boardpanel.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"

#include <flatbuffers/base.h>
#include <qcustomplot.h>

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace ts {

namespace {
constexpr int kMaxRecent = 8;
constexpr int kOpRole = Qt::UserRole + 10;
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName("MainWindow");
    setAcceptDrops(true);
    setDockNestingEnabled(true);

    m_opTable = new OpTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_opTable);
    m_proxy->setSortRole(OpTableModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_filter = new QLineEdit(central);
    m_filter->setObjectName("opFilter");
    m_filter->setPlaceholderText(tr("Filter ops (kind, shape, dtype)…"));
    m_filter->setClearButtonEnabled(true);
    m_opView = new QTableView(central);
    m_opView->setObjectName("opTable");
    m_opView->setModel(m_proxy);
    m_opView->setSortingEnabled(true);
    m_opView->sortByColumn(OpTableModel::ColIndex, Qt::AscendingOrder);
    m_opView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_opView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_opView->verticalHeader()->hide();
    m_opView->horizontalHeader()->setStretchLastSection(true);
    m_opView->setAlternatingRowColors(true);
    layout->addWidget(m_filter);
    layout->addWidget(m_opView);
    setCentralWidget(central);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_opView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& cur) {
        if (cur.isValid())
            m_chart->selectOp(m_proxy->mapToSource(cur).row());
    });

    m_boards = loadDefaultBoards();
    buildDocks();
    buildActions();
    m_statusFigures = new QLabel(this);
    statusBar()->addPermanentWidget(m_statusFigures);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    const QString board = settings.value("board", QString::fromLatin1(kDefaultBoardId)).toString();
    if (!m_boardPanel->selectBoard(board))
        m_boardPanel->selectBoard(QString::fromLatin1(kDefaultBoardId));
    showDiagnostics({});
    updateStatus();
}

MainWindow::~MainWindow()
{
    // Child widgets outlive the members (QWidget deletes them after this body and the members
    // are gone), so detach every view from the model and the boards before those are destroyed.
    m_opTable->setModel(nullptr);
    m_chart->setModel(nullptr);
    m_boardPanel->setBoards(nullptr);
}

void MainWindow::buildDocks()
{
    auto* boardDock = new QDockWidget(tr("Board"), this);
    boardDock->setObjectName("boardDock");
    m_boardPanel = new BoardPanel(boardDock);
    m_boardPanel->setBoards(&m_boards);
    boardDock->setWidget(m_boardPanel);
    addDockWidget(Qt::RightDockWidgetArea, boardDock);
    connect(m_boardPanel, &BoardPanel::boardChanged, this, [this](const QString& id) {
        QSettings().setValue("board", id);
        recompute();
    });

    auto* chartDock = new QDockWidget(tr("Layers"), this);
    chartDock->setObjectName("chartDock");
    m_chart = new LayerChart(chartDock);
    m_chart->setMinimumHeight(180);
    chartDock->setWidget(m_chart);
    addDockWidget(Qt::BottomDockWidgetArea, chartDock);
    connect(m_chart, &LayerChart::opClicked, this, &MainWindow::selectOp);

    auto* issuesDock = new QDockWidget(tr("Issues"), this);
    issuesDock->setObjectName("issuesDock");
    m_issues = new QListWidget(issuesDock);
    m_issues->setObjectName("issuesList");
    issuesDock->setWidget(m_issues);
    addDockWidget(Qt::BottomDockWidgetArea, issuesDock);
    tabifyDockWidget(chartDock, issuesDock);
    chartDock->raise();
    connect(m_issues, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const int op = item->data(kOpRole).toInt();
        if (op >= 0)
            selectOp(op);
    });
}

void MainWindow::buildActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Demo Model"), this, &MainWindow::openDemoModel);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    refreshRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    QAction* find = view->addAction(tr("&Filter Ops"), this, [this] { m_filter->setFocus(); m_filter->selectAll(); });
    find->setShortcut(QKeySequence::Find);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About TinyStudio"), this, &MainWindow::about);
}

void MainWindow::openDialog()
{
    const QString dir = QSettings().value("lastDir").toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open TFLite model"), dir,
                                                      tr("TFLite models (*.tflite);;All files (*)"));
    if (path.isEmpty())
        return;
    QSettings().setValue("lastDir", QFileInfo(path).absolutePath());
    QString error;
    if (!openModel(path, &error))
        QMessageBox::warning(this, tr("Cannot open model"), error);
}

bool MainWindow::openModel(const QString& path, QString* error)
{
    auto r = importTfliteFile(path.toStdString());
    if (!r.ok()) {
        showDiagnostics(r.diagnostics);
        if (error)
            *error = QString::fromStdString(firstError(r.diagnostics));
        statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), 8000);
        return false;
    }
    setModel(std::make_unique<Model>(std::move(*r.value)), r.diagnostics, QFileInfo(path).fileName());
    addRecent(QFileInfo(path).absoluteFilePath());
    return true;
}

void MainWindow::openDemoModel()
{
    setModel(std::make_unique<Model>(buildDemoModel()), {}, QString::fromLatin1(kDemoModelName));
}

bool MainWindow::selectBoard(const QString& id) { return m_boardPanel->selectBoard(id); }

void MainWindow::setModel(std::unique_ptr<Model> model, const Diagnostics& diags, const QString& displayName)
{
    // Views first drop their pointer into the old model, then it is replaced.
    m_opTable->setModel(nullptr);
    m_chart->setModel(nullptr);
    m_analysis.reset();
    m_model = std::move(model);
    m_importDiagnostics = diags;
    m_displayName = displayName;
    m_opTable->setModel(m_model.get());
    m_chart->setModel(m_model.get());
    m_opView->resizeColumnsToContents();
    m_boardPanel->setWeightBytes(m_model ? computeTotals(m_model->main()).weightBytes : 0);
    setWindowTitle(QString("%1 — TinyStudio").arg(displayName));
    recompute();
}

void MainWindow::recompute()
{
    m_analysis.reset();
    Diagnostics diags = m_importDiagnostics;
    const Board* board = m_boardPanel->currentBoard();
    if (m_model && board) {
        // Fast enough to run inline (≈20 ms on the largest shared model); the schedule panel
        // will move it off the GUI thread when it starts re-running on every tweak.
        // The studio plans the deployed int8 body: a float QUANTIZE/DEQUANTIZE at the ends is
        // taken to happen outside (the schedule panel will make this a toggle).
        AnalysisOptions options;
        options.legalize.quantizedIo = true;
        auto r = runAnalysis(*m_model, *board, m_boards, options);
        diags.insert(diags.end(), r.diagnostics.begin(), r.diagnostics.end());
        if (r.ok())
            m_analysis = std::move(*r.value);
    }
    if (m_analysis) {
        const Board* limits = m_boards.limitsOf(*board);
        const auto regions = arenaRegions(limits ? *limits : *board);
        for (const auto& region : regions)
            if (region.name == m_analysis->fit.region)
                m_boardPanel->setArena(region, m_analysis->arenaBytes(), m_analysis->fit.reserveBytes);
        m_chart->setAnalysis(&*m_analysis, m_analysis->fit.sramBudget - m_analysis->fit.reserveBytes);
    } else {
        m_boardPanel->clearArena();
        m_chart->setModel(m_model.get());
    }
    showDiagnostics(diags);
    updateStatus();
}

void MainWindow::showDiagnostics(const Diagnostics& diags)
{
    m_issues->clear();
    for (const Diagnostic& d : diags) {
        auto* item = new QListWidgetItem(QString("%1: %2").arg(severityName(d.severity), QString::fromStdString(d.toString())));
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
            auto* item = new QListWidgetItem(QString("unsupported: op %1: %2").arg(i).arg(QString::fromStdString(s.reason)));
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
    const QModelIndex src = m_opTable->index(index, 0);
    const QModelIndex proxied = m_proxy->mapFromSource(src);
    if (!proxied.isValid())
        return;
    m_opView->selectionModel()->setCurrentIndex(proxied, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_opView->scrollTo(proxied);
}

void MainWindow::updateStatus()
{
    const Board* b = m_boardPanel->currentBoard();
    QString text;
    if (m_model) {
        const ModelTotals t = computeTotals(m_model->main());
        text = tr("%1 ops · %2 MACs · weights %3").arg(m_model->main().ops.size()).arg(formatCount(t.macs), formatBytes(t.weightBytes));
        if (t.unsupportedOps)
            text += tr(" · %1 unsupported").arg(t.unsupportedOps);
        if (m_analysis)
            text += tr(" · peak %1 (lower bound %2) · %3")
                        .arg(formatBytes(m_analysis->plan.peakBytes), formatBytes(m_analysis->memory.lowerBound),
                             m_analysis->fit.fits ? tr("fits by %1").arg(formatBytes(std::min(m_analysis->fit.sramMargin, m_analysis->fit.flashMargin)))
                                                  : tr("DOES NOT FIT"));
    } else {
        text = tr("No model — File › Open or drop a .tflite here");
    }
    if (b)
        text += tr("  |  %1").arg(QString::fromStdString(b->name));
    m_statusFigures->setText(text);
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue("recentFiles", recent);
    refreshRecentMenu();
}

void MainWindow::refreshRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] {
            QString error;
            if (!openModel(path, &error))
                QMessageBox::warning(this, tr("Cannot open model"), error);
        })->setToolTip(path);
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls[0].isLocalFile() && urls[0].toLocalFile().endsWith(".tflite", Qt::CaseInsensitive))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty())
        return;
    QString error;
    if (!openModel(urls[0].toLocalFile(), &error))
        QMessageBox::warning(this, tr("Cannot open model"), error);
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
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
