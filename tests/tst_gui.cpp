// The real studio window, driven offscreen: open models, pick boards, toggle in-place, set a patch
// grid through the schedule panel's widgets, press Auto, undo — and check that the headline, the
// chart and the views follow, with the same figures `tinystudio-cli analyze/schedule --json` prints.

#include "mainwindow.h"
#include "testsupport.h"
#include "views/arenaview.h"
#include "views/boardpanel.h"
#include "views/layerchart.h"
#include "views/optablemodel.h"
#include "views/patchview.h"
#include "views/schedulepanel.h"

#include <qcustomplot.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QTabBar>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QProcess>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QThreadPool>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>

using namespace ts;

namespace {
QJsonObject cliJson(const QStringList& args)
{
    QProcess p;
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), args);
    p.waitForFinished(120000);
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

double maxOf(const QVector<double>& v)
{
    double m = 0;
    for (double x : v)
        m = std::max(m, x);
    return m;
}
} // namespace

class TestGui : public QObject {
    Q_OBJECT
private slots:
    void autoSearchCancelAndStale();
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void opensDemoByDefault();
    void personDetectOnABoard();
    void vwwInplacePatchesAutoUndo();
    void boardPicker();
    void badFileKeepsModel();
    void fitsSmallScreens();
    void welcomeOnFirstRun();
    void helpWithoutDisplay();
    void sessionsAndExports();
};

void TestGui::opensDemoByDefault()
{
    MainWindow w;
    w.openDemoModel();
    w.waitForIdle();
    QVERIFY(w.model());
    QVERIFY(w.analysis());
    QCOMPARE(w.opTable()->rowCount(), int(w.model()->main().ops.size()));
    QVERIFY(w.windowTitle().contains("tinystudio_demo"));
    QVERIFY(w.headline().startsWith("Peak "));
}

void TestGui::personDetectOnABoard()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    MainWindow w;
    QAbstractItemModelTester tester(w.opTable(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    w.resize(1366, 768);
    w.show();
    QVERIFY(w.selectBoard("stm32f746g-disco"));
    QVERIFY(w.openModel(path));
    w.waitForIdle();
    QCOMPARE(w.opTable()->rowCount(), 31);
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColOp)).toString(), QString("CONV_2D"));
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColMacs), OpTableModel::SortRole).toLongLong(),
             qint64(294912));
    // Op 2 is the 1×1 8→16 convolution at 48×48, run in place (expanding): its 48×48×16 output
    // holds the input at its tail, plus an int16 copy of an input pixel pair as scratch (4 * 8 = 32 B).
    QCOMPARE(w.opTable()->data(w.opTable()->index(2, OpTableModel::ColWorkingSet), OpTableModel::SortRole).toLongLong(),
             qint64(48 * 48 * 16 + 32));
    // The same figures as the CLI.
    const QJsonObject cli = cliJson({"analyze", path, "--board", "stm32f746g-disco", "--quantized-io", "--json"});
    QCOMPARE(qint64(w.analysis()->plan.peakBytes), cli["peak_bytes"].toInteger());
    QCOMPARE(qint64(w.analysis()->fit.sramBudget), cli["sram_budget_bytes"].toInteger());
    // The peak: the next depthwise (stride 2) over the 48×48×16 tensor in place, with one 48×48
    // input channel of scratch: 36,864 + 2,304 = 39,168 B.
    QVERIFY2(w.headline().contains("Peak 38.3 KiB (39,168 B)"), qPrintable(w.headline()));
    // F746 DTCM+SRAM1+SRAM2 = 320 KiB, less the 8 KiB reserve and the peak.
    QVERIFY2(w.headline().contains("fits DTCM+SRAM1+SRAM2 by 280,320 B"), qPrintable(w.headline()));
    // The chart: one bar per step, the tallest at the peak.
    QCOMPARE(w.layerChart()->totals().size(), 31);
    QCOMPARE(maxOf(w.layerChart()->totals()), 39168.0 / 1024.0);
    QCOMPARE(w.arenaView()->rectangleCount() > 0, true);
    QVERIFY(w.windowTitle().startsWith("tflm_person_detect.tflite"));
    // Selecting in the table selects in the views; sorting by MACs is numeric.
    w.opView()->sortByColumn(OpTableModel::ColMacs, Qt::DescendingOrder);
    QCOMPARE(w.opView()->model()->data(w.opView()->model()->index(0, OpTableModel::ColMacs), OpTableModel::SortRole).toLongLong(),
             qint64(589824));
}

void TestGui::vwwInplacePatchesAutoUndo()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    MainWindow w;
    w.resize(1366, 768);
    w.show();
    QVERIFY(w.selectBoard("stm32f746g-disco"));
    QVERIFY(w.openModel(path));
    w.waitForIdle();
    // The studio opens with the CLI's defaults: the whole graph, float input and output included.
    const QJsonObject defaults = cliJson({"analyze", path, "--board", "stm32f746g-disco", "--json"});
    QVERIFY(!w.schedule().quantizedIo);
    QCOMPARE(qint64(w.computation()->peakBytes), defaults["peak_bytes"].toInteger());
    // The deployed int8 body: quantized I/O on (one undoable edit, then a clean start).
    auto* quantizedIo = w.schedulePanel()->findChild<QCheckBox*>("quantizedIoCheck");
    QVERIFY(quantizedIo && !quantizedIo->isChecked());
    quantizedIo->click();
    w.waitForIdle();
    QVERIFY(w.schedule().quantizedIo);
    w.undoStack()->clear();
    // 40×40×48 expanded in place, plus one 40×40 depthwise channel of scratch.
    QCOMPARE(w.analysis()->plan.peakBytes, int64_t(40 * 40 * 48 + 40 * 40));

    // In-place off through the panel's checkbox: TFLM-style whole tensors.
    auto* inplace = w.schedulePanel()->findChild<QCheckBox*>("inplaceCheck");
    QVERIFY(inplace && inplace->isChecked());
    inplace->click();
    w.waitForIdle();
    QCOMPARE(w.analysis()->plan.peakBytes, int64_t(96000));
    QCOMPARE(maxOf(w.layerChart()->totals()), 96000.0 / 1024.0);
    QVERIFY(w.headline().contains("93.8 KiB"));
    QCOMPARE(w.undoStack()->count(), 1);
    // Hovering a step lists its live tensors; the chart can overlay TFLM's plan for comparison.
    QVERIFY(w.layerChart()->describeStep(w.analysis()->memory.peakStep).contains("live:"));
    QVERIFY(w.layerChart()->describeStep(-1).isEmpty());
    w.layerChart()->setCompareWithTflm(true);
    QCPGraph* tflm = nullptr;
    for (int i = 0; i < w.layerChart()->plot()->graphCount(); ++i)
        if (w.layerChart()->plot()->graph(i)->name().startsWith("TFLM"))
            tflm = w.layerChart()->plot()->graph(i);
    QVERIFY(tflm && tflm->visible());
    QCOMPARE(tflm->dataCount(), int(w.analysis()->memory.steps.size()));
    w.layerChart()->setCompareWithTflm(false);
    w.undoStack()->undo();
    w.waitForIdle();
    QVERIFY(inplace->isChecked());
    QCOMPARE(w.analysis()->plan.peakBytes, int64_t(40 * 40 * 48 + 40 * 40));
    // TFLM's per-step working sets peak at its 96,000 B plan.
    QCOMPARE(*std::max_element(w.analysis()->tflmWorkingSets.begin(), w.analysis()->tflmWorkingSets.end()), int64_t(96000));

    // A 3×3 patch grid at the 20×20×16 split through the combo and spin boxes.
    auto* split = w.schedulePanel()->findChild<QComboBox*>("splitCombo");
    auto* nh = w.schedulePanel()->findChild<QSpinBox*>("nhSpin");
    auto* nw = w.schedulePanel()->findChild<QSpinBox*>("nwSpin");
    QVERIFY(split && nh && nw);
    const int index = split->findData(121);
    QVERIFY(index > 0);
    split->setCurrentIndex(index);
    nh->setValue(3);
    nw->setValue(3);
    w.waitForIdle();
    QVERIFY(w.patchPlan());
    QCOMPARE(w.patchPlan()->nh, 3);
    QCOMPARE(w.patchPlan()->nw, 3);
    const QJsonObject cli = cliJson({"schedule", path, "--board", "stm32f746g-disco", "--quantized-io", "--split", "121",
                                     "--patches", "3x3", "--json"});
    QCOMPARE(qint64(w.patchPlan()->peak), cli["peak_bytes"].toInteger());
    QCOMPARE(w.patchPlan()->peak, int64_t(26000));
    QVERIFY(qAbs(w.patchPlan()->extraMacsPercent - cli["extra_macs_percent"].toDouble()) < 1e-9);
    QVERIFY2(w.headline().contains("Peak 25.4 KiB (26,000 B)") && w.headline().contains("3×3 patches, +2.85 % MACs")
                 && w.headline().contains("whole-tensor 76.6 KiB"),
             qPrintable(w.headline()));
    // One figure everywhere: the CLI, the headline, the memory chart's marked peak, the arena view's
    // peak (the stage that holds it opens first) and the board's arena bar.
    QCOMPARE(qint64(w.computation()->peakBytes), cli["peak_bytes"].toInteger());
    QCOMPARE(w.layerChart()->peakKiB() * 1024.0, double(w.computation()->peakBytes));
    QCOMPARE(maxOf(w.layerChart()->totals()) * 1024.0, double(w.computation()->peakBytes));
    QCOMPARE(w.arenaView()->shownPeakBytes(), w.computation()->peakBytes);
    QVERIFY2(w.layerChart()->peakText().contains("25.4 KiB"), qPrintable(w.layerChart()->peakText()));
    // The peak layer is the one selected in the table.
    QVERIFY(w.opView()->selectionModel()->hasSelection());
    // The table's working sets are what runs too (per patch in stage 1): its largest is the peak.
    qint64 tableMax = 0;
    for (int row = 0; row < w.opTable()->rowCount(); ++row)
        tableMax = std::max(tableMax, w.opTable()->data(w.opTable()->index(row, OpTableModel::ColWorkingSet),
                                                        OpTableModel::SortRole).toLongLong());
    QCOMPARE(tableMax, qint64(w.computation()->peakBytes));
    // The chart shows stage 1 per patch distinctly; the patch view has the plan.
    QVERIFY(!w.computation()->stage1.empty());
    QCOMPARE(int64_t(w.computation()->stage1.size()), int64_t(w.patchPlan()->split.step + 1));
    QVERIFY(*std::max_element(w.computation()->stage1.begin(), w.computation()->stage1.end()) <= w.patchPlan()->stage1Peak);
    const int editsBeforeAuto = w.undoStack()->count();

    // Auto: the recommended schedule of the search is applied (as one undoable edit).
    w.autoSchedule(true);
    const QJsonObject rec = cliJson({"schedule", path, "--board", "stm32f746g-disco", "--quantized-io", "--json"});
    const auto& s = w.schedule();
    const QJsonArray patches = rec["patches"].toArray();
    if (patches[0].toInt() * patches[1].toInt() == 1)
        QVERIFY(!s.patch); // the model fits whole: no patches needed
    else
        QCOMPARE(s.patch->splitTensor, rec["split"].toObject()["tensor"].toInt());
    QCOMPARE(w.undoStack()->count(), editsBeforeAuto + 1);
    QVERIFY(w.schedulePanel()->paretoPlot()->graph(0)->dataCount() >= 2);

    // Undo returns to the 3×3 schedule and its figures.
    w.undoStack()->undo();
    w.waitForIdle();
    QVERIFY(w.schedule().patch && w.schedule().patch->nh == 3);
    QCOMPARE(w.patchPlan()->peak, int64_t(26000));
    QCOMPARE(nh->value(), 3);
    QVERIFY(w.isWindowModified());
}

void TestGui::boardPicker()
{
    MainWindow w;
    w.openDemoModel();
    QVERIFY(w.selectBoard("stm32f746g-disco"));
    QCOMPARE(w.boardPanel()->currentBoardId(), QString("stm32f746g-disco"));
    QVERIFY(!w.selectBoard("no-such-board"));
    auto* picker = w.boardPanel()->findChild<QComboBox*>("boardPicker");
    QVERIFY(picker && picker->count() >= 11);
    QSignalSpy spy(w.boardPanel(), &BoardPanel::boardChanged);
    picker->setCurrentIndex(picker->findData("nucleo-f412zg"));
    QCOMPARE(spy.count(), 1);
    w.waitForIdle();
    QCOMPARE(w.analysis()->fit.limitsBoard, std::string("nucleo-f412zg"));
    QCOMPARE(w.boardPanel()->currentBoard()->name, std::string("NUCLEO-F412ZG"));
}

void TestGui::badFileKeepsModel()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("bad.tflite"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a model at all");
    f.close();
    MainWindow w;
    w.openDemoModel();
    w.waitForIdle();
    const int rows = w.opTable()->rowCount();
    QStringList issuesBefore;
    for (int i = 0; i < w.issuesList()->count(); ++i)
        issuesBefore << w.issuesList()->item(i)->text();
    const QString headline = w.headline();
    QString error;
    QVERIFY(!w.openModel(f.fileName(), &error));
    QVERIFY(error.contains("expected 'TFL3'"));
    // The failure is in front (the banner over the chart) and names the file and the reason ...
    QVERIFY2(w.openError().contains("bad.tflite") && w.openError().contains("TFL3"), qPrintable(w.openError()));
    // ... and the open document, its figures and its issues are untouched (no stale entry).
    QCOMPARE(w.opTable()->rowCount(), rows);
    QCOMPARE(w.headline(), headline);
    QStringList issuesAfter;
    for (int i = 0; i < w.issuesList()->count(); ++i)
        issuesAfter << w.issuesList()->item(i)->text();
    QCOMPARE(issuesAfter, issuesBefore);
    // A session that fails to load, likewise.
    QFile bad(dir.filePath("bad.tinystudio"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"format\": 2, \"model\": 7}");
    bad.close();
    QVERIFY(!w.openSession(bad.fileName(), &error));
    QVERIFY2(w.openError().contains("bad.tinystudio"), qPrintable(w.openError()));
    QCOMPARE(w.opTable()->rowCount(), rows);
    // Opening a model clears the failure.
    w.openDemoModel();
    w.waitForIdle();
    QVERIFY(w.openError().isEmpty());
}

// Every shared model on the board it is largest for: the window fits a 1366×768 screen (its
// minimum size, every dock's title bar, the headline and the status bar inside it), and still
// fits 1024×600 (panels scroll instead of forcing the window larger).
void TestGui::fitsSmallScreens()
{
    QStringList models = tstest::sharedModels();
    if (models.isEmpty())
        models << QString();
    for (const QString& model : models) {
        for (const char* board : {"nucleo-h743zi2", "stm32f746g-disco"}) {
            MainWindow w;
            QVERIFY(w.selectBoard(board));
            if (model.isEmpty())
                w.openDemoModel();
            else
                QVERIFY2(w.openModel(tstest::modelPath(model)), qPrintable(model));
            w.resize(1366, 768);
            w.show();
            w.waitForIdle();
            QApplication::processEvents();
            const QString what = (model.isEmpty() ? QString("demo") : model) + " on " + board;
            const QSize min = w.minimumSizeHint().expandedTo(w.minimumSize());
            QVERIFY2(min.width() <= 1024 && min.height() <= 600,
                     qPrintable(what + QString(": minimum size %1x%2").arg(min.width()).arg(min.height())));
            QVERIFY2(w.width() <= 1366 && w.height() <= 768,
                     qPrintable(what + QString(": window %1x%2").arg(w.width()).arg(w.height())));
            const QRect screen(0, 0, w.width(), w.height());
            // A dock is either drawn, its title bar inside the window, or a tab behind a drawn dock of
            // its group (whose tab bar must then be inside the window too).
            const auto docks = w.findChildren<QDockWidget*>();
            auto drawn = [](QDockWidget* d) { return d->isVisible() && !d->visibleRegion().isEmpty(); };
            for (QDockWidget* d : docks) {
                if (!d->isVisible())
                    continue;
                if (!drawn(d)) {
                    const auto group = w.tabifiedDockWidgets(d);
                    QVERIFY2(std::any_of(group.begin(), group.end(), drawn),
                             qPrintable(what + ": dock " + d->windowTitle() + " is neither drawn nor a tab of a drawn dock"));
                    continue;
                }
                const QRect title(d->mapTo(&w, QPoint(0, 0)), QSize(d->width(), 16));
                QVERIFY2(screen.contains(title), qPrintable(what + ": dock " + d->windowTitle()
                                                            + QString(" at %1,%2 %3x%4 outside the window %5x%6")
                                                                  .arg(title.x()).arg(title.y()).arg(title.width())
                                                                  .arg(title.height()).arg(w.width()).arg(w.height())));
            }
            for (QTabBar* tabs : w.findChildren<QTabBar*>(QString(), Qt::FindDirectChildrenOnly))
                if (tabs->isVisible())
                    QVERIFY2(screen.contains(QRect(tabs->mapTo(&w, QPoint(0, 0)), tabs->size())),
                             qPrintable(what + ": a dock tab bar lies outside the window"));
            for (QWidget* part : {static_cast<QWidget*>(w.statusBar()), w.findChild<QWidget*>("headline")}) {
                const QRect r(part->mapTo(&w, QPoint(0, 0)), part->size());
                QVERIFY2(part->isVisible() && screen.contains(r), qPrintable(what + ": " + part->objectName() + " off-screen"));
            }
        }
    }
}

// --help, --version and a bad option are answered without any display (no DISPLAY, no platform
// plugin asked for): the studio must not abort before it can say how to use it.
void TestGui::helpWithoutDisplay()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    env.remove("WAYLAND_DISPLAY");
    env.remove("QT_QPA_PLATFORM");
    auto run = [&env](const QStringList& args, int* code) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QString::fromUtf8(TINYSTUDIO_GUI_BIN), args);
        p.waitForFinished(30000);
        *code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
    };
    int code = 0;
    const QString help = run({"--help"}, &code);
    QCOMPARE(code, 0);
    QVERIFY2(help.contains("--board") && help.contains("--view"), qPrintable(help));
    const QString version = run({"--version"}, &code);
    QCOMPARE(code, 0);
    QVERIFY2(version.startsWith("tinystudio " TINYSTUDIO_VERSION), qPrintable(version));
    const QString bad = run({"--no-such-option"}, &code);
    QCOMPARE(code, 2);
    QVERIFY2(bad.contains("no-such-option"), qPrintable(bad));
}

// A fresh install opens the demo model with a welcome that says what it is and what to try.
void TestGui::welcomeOnFirstRun()
{
    QSettings().remove("welcomed");
    MainWindow w;
    QVERIFY(w.selectBoard("qemu-mps2-an386"));
    w.openDemoModel();
    w.waitForIdle();
    QVERIFY(w.welcomeShown());
    auto* text = w.findChild<QLabel*>("welcomeBannerText");
    QVERIFY(text);
    for (const char* what : {"demo model", "QEMU mps2-an386", "emulated", "Auto", "in-place", "Build"})
        QVERIFY2(text->text().contains(what), what);
    auto* gotIt = w.findChild<QWidget*>("welcomeBanner")->findChild<QPushButton*>();
    gotIt->click();
    QVERIFY(!w.welcomeShown());
    MainWindow again;
    again.openDemoModel();
    QVERIFY(!again.welcomeShown()); // once only; Help › Welcome brings it back
    again.showWelcome();
    QVERIFY(again.welcomeShown());
}

void TestGui::sessionsAndExports()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    QTemporaryDir dir;
    ScheduleDoc s;
    {
        MainWindow w;
        QVERIFY(w.selectBoard("nucleo-f446re"));
        QVERIFY(w.openModel(path));
        w.waitForIdle();
        s = w.schedule();
        s.patch = PatchStage{121, 2, 2, false};
        w.applySchedule(s);
        w.waitForIdle();
        QVERIFY(w.isWindowModified());
        QString error;
        QVERIFY2(w.saveSession(dir.filePath("vww.tinystudio"), &error), qPrintable(error));
        QVERIFY(!w.isWindowModified());
        QVERIFY(w.windowTitle().startsWith("vww.tinystudio"));
        // Exports.
        for (const char* name : {"chart.png", "chart.svg", "chart.pdf"}) {
            QVERIFY2(w.exportChart(dir.filePath(name), &error), qPrintable(error));
            QVERIFY(QFileInfo(dir.filePath(name)).size() > 1000);
        }
        QVERIFY(w.exportTableCsv(dir.filePath("ops.csv"), &error));
        QFile csv(dir.filePath("ops.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 63 + 1);
        QVERIFY(w.exportAnalysisJson(dir.filePath("analysis.json"), &error));
        QFile json(dir.filePath("analysis.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(json.readAll()).object();
        // The figures of what will run: the patch schedule, and the whole-tensor plan beside it.
        QCOMPARE(o["peak_bytes"].toInteger(), qint64(w.patchPlan()->peak));
        QCOMPARE(o["whole_tensor_peak_bytes"].toInteger(), qint64(w.analysis()->plan.peakBytes));
        QCOMPARE(o["patches"].toArray(), (QJsonArray{2, 2}));
    }
    // Every field of the document changed by hand (the GUI shows only some of them), then opened
    // in the studio and saved again: byte-identical.
    {
        QFile f(dir.filePath("vww.tinystudio"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        o["reserve_bytes"] = 4096;
        o["region"] = "SRAM1+SRAM2"; // F446: the arena regions are the merged SRAM1+SRAM2
        o["notes"] = "every field \"changed\" é";
        o["codegen"] = QJsonObject{{"optimize", "O3"}, {"user_arena", true}, {"layer_hook", true}};
        o["target"] = QJsonObject{{"probe", "qemu"}, {"runs", 5}};
        QJsonObject sched = o["schedule"].toObject();
        sched["inplace"] = QJsonObject{{"depthwise", true}, {"pointwise_shrink", false}, {"pointwise_expand", true}, {"elementwise", false}};
        sched["planner"] = "greedy-by-size";
        sched["mac_cap_percent"] = 7.5;
        sched["alignment"] = 8;
        sched["patch"] = QJsonObject{{"split_tensor", 121}, {"grid", QJsonArray{3, 2}}, {"input_resident", true}};
        o["schedule"] = sched;
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    }
    MainWindow again;
    QString error;
    QVERIFY2(again.openSession(dir.filePath("vww.tinystudio"), &error), qPrintable(error));
    again.waitForIdle();
    QCOMPARE(again.boardPanel()->currentBoardId(), QString("nucleo-f446re"));
    QVERIFY(again.schedule().patch);
    QCOMPARE(again.schedule().patch->splitTensor, 121);
    QVERIFY(again.patchPlan());
    QCOMPARE(again.patchPlan()->nh, 3);
    QVERIFY(!again.isWindowModified());
    QCOMPARE(again.document().reserveBytes, int64_t(4096));
    QCOMPARE(again.document().region, std::string("SRAM1+SRAM2"));
    QCOMPARE(again.document().codegen.optimize, std::string("O3"));
    QCOMPARE(again.document().target.runs, 5);
    QVERIFY(!again.document().schedule.inplace.elementwise);
    QVERIFY2(again.saveSession(dir.filePath("vww-again.tinystudio"), &error), qPrintable(error));
    QFile first(dir.filePath("vww.tinystudio")), second(dir.filePath("vww-again.tinystudio"));
    QVERIFY(first.open(QIODevice::ReadOnly) && second.open(QIODevice::ReadOnly));
    QCOMPARE(second.readAll(), first.readAll());

    // One serializer: the studio's JSON export and `tinystudio-cli analyze --json` of the same
    // document are the same bytes.
    QVERIFY2(again.exportAnalysisJson(dir.filePath("again.json"), &error), qPrintable(error));
    QFile exported(dir.filePath("again.json"));
    QVERIFY(exported.open(QIODevice::ReadOnly));
    QProcess cli;
    cli.start(QString::fromUtf8(TINYSTUDIO_CLI), {"analyze", dir.filePath("vww-again.tinystudio"), "--json"});
    QVERIFY(cli.waitForFinished(120000));
    QCOMPARE(cli.exitCode(), 0);
    const QByteArray fromCli = cli.readAllStandardOutput();
    QVERIFY(fromCli.size() > 1000);
    QCOMPARE(exported.readAll(), fromCli);
}

// Auto runs as a job: Cancel stops it and nothing is applied; a search still running when the
// model changes never applies its split to the new model.
void TestGui::autoSearchCancelAndStale()
{
    const QString vww = tstest::modelPath("tinyengine_vww");
    const QString person = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(vww);
    TS_REQUIRE_MODEL(person);
    MainWindow w;
    QVERIFY(w.selectBoard("stm32f746g-disco"));
    QVERIFY(w.openModel(vww));
    w.waitForIdle();
    const int edits = w.undoStack()->count();
    auto* button = w.schedulePanel()->findChild<QPushButton*>("autoButton");
    QVERIFY(button);
    w.autoSchedule(false);
    QVERIFY(w.searching());
    QVERIFY(button->text().startsWith("Cancel"));
    button->click(); // Cancel
    QVERIFY(!w.searching());
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    QVERIFY(button->text().startsWith("Auto"));
    QCOMPARE(w.undoStack()->count(), edits);
    QVERIFY(!w.schedule().patch);

    w.autoSchedule(false);
    QVERIFY(w.searching());
    QVERIFY(w.openModel(person)); // the document changes under the running search
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    w.waitForIdle();
    QVERIFY(!w.searching());
    QVERIFY(!w.schedule().patch);
    QCOMPARE(w.model()->main().ops.size(), size_t(31));

    // A schedule edit while the search runs: the search's answer was for the old document.
    QVERIFY(w.openModel(vww));
    w.waitForIdle();
    w.autoSchedule(false);
    QVERIFY(w.searching());
    ScheduleDoc edited = w.schedule();
    edited.planner = "greedy-by-size";
    w.applySchedule(edited);
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::processEvents();
    w.waitForIdle();
    QVERIFY(!w.searching());
    QCOMPARE(w.schedule().planner, std::string("greedy-by-size"));
    QVERIFY(!w.schedule().patch);
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
