// The live views of Build & Run: the latency plot is redrawn at most 25 times a second however the
// samples arrive, its figures and the per-layer shares match hand computations, cycles are shown in
// ms at the board clock; the Runs panel lists, compares and exports runs from a real run store; the
// build log stays capped and Cancel is reported.

#include "views/buildlog.h"
#include "views/livepanel.h"
#include "store/runstore.h"
#include "views/runspanel.h"

#include <qcustomplot.h>

#include <QElapsedTimer>
#include <QFile>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <vector>

using namespace ts;

Q_DECLARE_METATYPE(std::vector<qint64>)

class TestLiveViews : public QObject {
    Q_OBJECT
private slots:
    void replotRate_data();
    void replotRate();
    void figures_data();
    void figures();
    void repeatedSamplesDropped();
    void layerShares();
    void cyclesInMs_data();
    void cyclesInMs();
    void runsPanel();
    void runsPanelErrors();
    void buildLogCapped();
    void buildLogFollowsUnlessScrolledUp();
    void buildLogCancelAndProgress();
};

namespace {

std::vector<LiveSample> batch(int64_t firstInference, int n, int64_t value)
{
    std::vector<LiveSample> out;
    for (int i = 0; i < n; ++i)
        out.push_back(LiveSample{firstInference + i, value + 1000 * i, 0.01 * double(firstInference + i)});
    return out;
}

} // namespace

// 300 samples in 30 calls, `gapMs` apart: the plot is drawn from the timer, at most once per 40 ms
// (25 Hz), never inside addSamples, and ends up holding all 300 points.
void TestLiveViews::replotRate_data()
{
    QTest::addColumn<int>("gapMs");
    QTest::newRow("all at once") << 0;
    QTest::newRow("2 ms apart") << 2;
    QTest::newRow("7 ms apart") << 7;
}

void TestLiveViews::replotRate()
{
    QFETCH(int, gapMs);
    LivePanel p;
    p.resize(800, 500);
    p.beginRun("demo on QEMU", "instructions", 0);
    QTest::qWait(50); // anything beginRun scheduled is over
    int replots = 0;
    connect(p.plot(), &QCustomPlot::afterReplot, this, [&replots] { ++replots; });
    const int before = p.replotCount();
    QElapsedTimer clock;
    clock.start();
    for (int call = 0; call < 30; ++call) {
        const int drawn = replots;
        p.addSamples(batch(1 + call * 10, 10, 2'000'000));
        QCOMPARE(replots, drawn); // never drawn from inside addSamples
        if (gapMs > 0)
            QTest::qWait(gapMs);
    }
    if (gapMs == 0)
        QCOMPARE(replots, 0); // 30 calls without the event loop: nothing drawn yet
    QTest::qWait(3 * LivePanel::kMinReplotIntervalMs); // the last pending update
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(replots >= 1, "the samples were never drawn");
    QVERIFY2(replots <= elapsed / 40 + 2, qPrintable(QString("%1 replots in %2 ms").arg(replots).arg(elapsed)));
    QCOMPARE(p.replotCount() - before, replots);
    QCOMPARE(p.sampleCount(), 300);
    QCOMPARE(p.plotPointCount(), 300);
    // The last point: inference 300 = call 29's tenth sample, 2,000,000 + 9·1000 instructions = 2.009 M.
    const auto last = p.latencyGraph()->data()->at(299);
    QCOMPARE(last->key, 300.0);
    QCOMPARE(last->value, 2.009);
}

// Figures above the plot, values written out by hand.
void TestLiveViews::figures_data()
{
    QTest::addColumn<std::vector<qint64>>("values");
    QTest::addColumn<QString>("median");
    QTest::addColumn<QString>("min");
    QTest::addColumn<QString>("max");
    QTest::addColumn<QString>("last");
    // sorted: 1,100,000 1,200,000 [1,300,000] 1,400,000 1,500,000 → the middle one
    QTest::newRow("odd") << std::vector<qint64>{1'400'000, 1'100'000, 1'300'000, 1'500'000, 1'200'000}
                         << "1,300,000 instructions" << "1,100,000 instructions" << "1,500,000 instructions"
                         << "1,200,000 instructions";
    // sorted: 1,100,000 1,150,000 [1,200,000 1,250,000] 1,300,000 1,400,000 → (1,200,000 + 1,250,000) / 2
    QTest::newRow("even") << std::vector<qint64>{1'300'000, 1'100'000, 1'250'000, 1'400'000, 1'200'000, 1'150'000}
                          << "1,225,000 instructions" << "1,100,000 instructions" << "1,400,000 instructions"
                          << "1,150,000 instructions";
    // sorted: 7 [8 9] 10 → 8.5
    QTest::newRow("half") << std::vector<qint64>{10, 7, 9, 8} << "8.5 instructions" << "7 instructions"
                          << "10 instructions" << "8 instructions";
}

void TestLiveViews::figures()
{
    QFETCH(std::vector<qint64>, values);
    QFETCH(QString, median);
    QFETCH(QString, min);
    QFETCH(QString, max);
    QFETCH(QString, last);
    LivePanel p;
    p.beginRun("demo", "instructions", 0);
    std::vector<LiveSample> s;
    for (size_t i = 0; i < values.size(); ++i)
        s.push_back(LiveSample{int64_t(i + 1), values[i], 0});
    p.addSamples(s);
    QTRY_COMPARE_WITH_TIMEOUT(p.figureText(LivePanel::Figure::Median), "median: " + median, 1000);
    QCOMPARE(p.figureText(LivePanel::Figure::Min), "min: " + min);
    QCOMPARE(p.figureText(LivePanel::Figure::Max), "max: " + max);
    QCOMPARE(p.figureText(LivePanel::Figure::Last), "last: " + last);
    QCOMPARE(p.figureText(LivePanel::Figure::Count), QString("inferences: %1").arg(values.size()));
    // QEMU counts instructions, and the axis says so.
    QVERIFY2(p.plot()->yAxis->label().contains("instructions (QEMU, not cycles)"), qPrintable(p.plot()->yAxis->label()));
    QCOMPARE(p.plot()->xAxis->label(), QString("inference"));
}

void TestLiveViews::repeatedSamplesDropped()
{
    LivePanel p;
    p.beginRun("demo", "instructions", 0);
    p.addSamples({{1, 100, 0}, {2, 200, 0}, {3, 300, 0}});
    p.addSamples({{2, 200, 0}, {3, 300, 0}, {4, 400, 0}}); // the ring overlapped: 2 and 3 again
    QCOMPARE(p.sampleCount(), 4);
    QCOMPARE(p.plotPointCount(), 4);
    p.endRun("output matches the reference", true);
    // sorted 100 [200 300] 400 → 250
    QCOMPARE(p.figureText(LivePanel::Figure::Median), QString("median: 250 instructions"));
    QCOMPARE(p.verdictText(), QString("output matches the reference"));
    // A new run starts empty.
    p.beginRun("again", "instructions", 0);
    QCOMPARE(p.sampleCount(), 0);
    QCOMPARE(p.plotPointCount(), 0);
    QCOMPARE(p.figureText(LivePanel::Figure::Median), QString("median: —"));
    QVERIFY(p.verdictText().isEmpty());
}

// Layers of 1,000,000 + 2,500,000 + 1,500,000 = 5,000,000 instructions: 20 %, 50 %, 30 %.
void TestLiveViews::layerShares()
{
    LivePanel p;
    p.beginRun("demo", "instructions", 0);
    p.setLayers({{0, "CONV_2D", "conv1", 1'000'000, 3'000'000},
                 {1, "DEPTHWISE_CONV_2D", "dw1", 2'500'000, 500'000},
                 {2, "FULLY_CONNECTED", "logits", 1'500'000, 0}});
    LiveLayerModel* m = p.layerModel();
    QCOMPARE(m->rowCount(), 3);
    QCOMPARE(m->total(), qint64(5'000'000));
    double sum = 0;
    for (int r = 0; r < m->rowCount(); ++r)
        sum += m->index(r, LiveLayerModel::ColShare).data(LiveLayerModel::SortRole).toDouble();
    QCOMPARE(sum, 100.0);
    QCOMPARE(m->sharePercent(1), 50.0); // 2,500,000 / 5,000,000
    QCOMPARE(m->index(1, LiveLayerModel::ColShare).data().toString(), QString("50.0 %"));
    QCOMPARE(m->index(0, LiveLayerModel::ColShare).data().toString(), QString("20.0 %"));
    QCOMPARE(m->index(0, LiveLayerModel::ColCount).data().toString(), QString("1,000,000"));
    // MACs per instruction: 3,000,000 / 1,000,000 = 3; 500,000 / 2,500,000 = 0.2; none for no MACs.
    QCOMPARE(m->index(0, LiveLayerModel::ColMacsPer).data().toString(), QString("3.000"));
    QCOMPARE(m->index(1, LiveLayerModel::ColMacsPer).data().toString(), QString("0.200"));
    QCOMPARE(m->index(2, LiveLayerModel::ColMacsPer).data().toString(), QString("—"));
    QCOMPARE(m->headerData(LiveLayerModel::ColMacsPer, Qt::Horizontal).toString(), QString("MACs per instruction"));
    QCOMPARE(m->headerData(LiveLayerModel::ColCount, Qt::Horizontal).toString(), QString("instructions (QEMU)"));
    QCOMPARE(m->headerData(LiveLayerModel::ColName, Qt::Horizontal).toString(), QString("output"));
    // Sorting by share (numeric, not as text) puts dw1 first, then logits, then conv1.
    QTableView* t = p.layerTable();
    t->sortByColumn(LiveLayerModel::ColShare, Qt::DescendingOrder);
    QCOMPARE(t->model()->index(0, LiveLayerModel::ColName).data().toString(), QString("dw1"));
    QCOMPARE(t->model()->index(1, LiveLayerModel::ColName).data().toString(), QString("logits"));
    QCOMPARE(t->model()->index(2, LiveLayerModel::ColName).data().toString(), QString("conv1"));
    // A zero total gives no shares rather than a division by zero.
    p.setLayers({{0, "ADD", "sum", 0, 0}});
    QCOMPARE(m->sharePercent(0), 0.0);
    QCOMPARE(m->index(0, LiveLayerModel::ColShare).data().toString(), QString("—"));
}

// Cycles at the board clock in ms: cycles / Hz · 1000.
void TestLiveViews::cyclesInMs_data()
{
    QTest::addColumn<qint64>("clockHz");
    QTest::addColumn<qint64>("cycles");
    QTest::addColumn<double>("ms");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("clock");
    // 1,000,000 / 100,000,000 s = 0.01 s = 10 ms
    QTest::newRow("100 MHz") << qint64(100'000'000) << qint64(1'000'000) << 10.0 << "10.000 ms" << "100 MHz";
    // 2,500,000 / 216,000,000 s = 0.0115740… s = 11.574 ms
    QTest::newRow("216 MHz") << qint64(216'000'000) << qint64(2'500'000) << 2'500'000.0 / 216'000.0 << "11.574 ms"
                             << "216 MHz";
}

void TestLiveViews::cyclesInMs()
{
    QFETCH(qint64, clockHz);
    QFETCH(qint64, cycles);
    QFETCH(double, ms);
    QFETCH(QString, shown);
    QFETCH(QString, clock);
    LivePanel p;
    p.beginRun("demo on NUCLEO", "cycles", clockHz);
    p.addSamples({{1, cycles, 0.1}});
    p.setLayers({{0, "CONV_2D", "conv1", cycles, 2 * cycles}});
    p.setStackPeak(1536);
    p.endRun("output matches the reference", true); // draws what is pending at once
    QCOMPARE(p.figureText(LivePanel::Figure::Last), "last: " + shown);
    QCOMPARE(p.figureText(LivePanel::Figure::Median), "median: " + shown);
    QCOMPARE(p.plotPointCount(), 1);
    QVERIFY(qAbs(p.latencyGraph()->data()->at(0)->value - ms) < 1e-9);
    QCOMPARE(p.plot()->yAxis->label(), "latency, ms at " + clock);
    LiveLayerModel* m = p.layerModel();
    QCOMPARE(m->index(0, LiveLayerModel::ColCount).data().toString(), shown.chopped(3)); // without " ms"
    QCOMPARE(m->headerData(LiveLayerModel::ColCount, Qt::Horizontal).toString(), "time (ms at " + clock + ")");
    QCOMPARE(m->headerData(LiveLayerModel::ColMacsPer, Qt::Horizontal).toString(), QString("MACs per cycle"));
    QCOMPARE(m->index(0, LiveLayerModel::ColMacsPer).data().toString(), QString("2.000"));
    QCOMPARE(p.stackText(), QString("stack peak: 1.5 KiB (1,536 B, measured)")); // 1536 / 1024 = 1.5
    // Without a clock, cycles stay cycles (in millions on the axis).
    p.beginRun("no clock", "cycles", 0);
    p.addSamples({{1, cycles, 0.1}});
    p.endRun("done", true);
    QVERIFY(p.figureText(LivePanel::Figure::Last).endsWith(" cycles"));
    QCOMPARE(p.latencyGraph()->data()->at(0)->value, double(cycles) / 1e6);
}

namespace {

RunStart runStart(const std::string& planner)
{
    RunStart s;
    s.model = {std::string(64, 'a'), "demo.tflite", 12'345};
    s.board = {"qemu-mps2-an386", "QEMU MPS2 AN386 (Cortex-M4)", ""};
    s.documentJson = R"({"board": "qemu-mps2-an386", "schedule": {"planner": ")" + planner
        + R"(", "patch": null, "reorder": false}})";
    s.build.toolchain = "arm-none-eabi-gcc 12.2.1";
    s.build.flashRuntime = 10'240;
    s.build.flashWeights = 20'480;
    s.build.flashLibc = 2'048;
    s.build.flashTotal = 32'768;
    s.build.ramArena = 8'192;
    s.build.ramStack = 4'096;
    s.build.ramTotal = 12'288;
    s.probe = "qemu";
    s.unit = "instructions";
    return s;
}

} // namespace

// Two runs written through the store API: newest first, compared (schedule, medians), exported.
void TestLiveViews::runsPanel()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto opened = RunStore::open((dir.path() + "/runs.sqlite").toStdString());
    QVERIFY2(opened.ok(), firstError(opened.diagnostics).c_str());
    RunStore& store = **opened;

    auto first = store.beginRun(runStart("greedy-by-size"));
    QVERIFY2(first.ok(), firstError(first.diagnostics).c_str());
    QVERIFY(!hasErrors(store.addSamples(*first, {{1, 1'000'000, 0.5}, {2, 1'200'000, 1.0}, {3, 1'100'000, 1.5}})));
    QVERIFY(!hasErrors(store.setLayers(*first, {{0, "CONV_2D", "conv1", 600'000, 1'200'000}, {1, "FULLY_CONNECTED", "logits", 400'000, 100'000}})));
    QVERIFY(!hasErrors(store.finishRun(*first, "ok", "output matches", 1)));
    auto second = store.beginRun(runStart("hill-climb"));
    QVERIFY2(second.ok(), firstError(second.diagnostics).c_str());
    QVERIFY(!hasErrors(store.addSamples(*second, {{1, 1'650'000, 0.5}, {2, 1'650'000, 1.0}})));
    QVERIFY(!hasErrors(store.setLayers(*second, {{0, "CONV_2D", "conv1", 900'000, 1'200'000}, {1, "FULLY_CONNECTED", "logits", 400'000, 100'000}})));
    QVERIFY(!hasErrors(store.finishRun(*second, "ok", "output matches", 1)));

    RunsPanel panel;
    panel.resize(1200, 700);
    panel.setStore(&store);
    QVERIFY2(panel.errorText().isEmpty(), qPrintable(panel.errorText()));
    QCOMPARE(panel.listedRuns(), (std::vector<qint64>{*second, *first})); // newest first
    QStandardItemModel* runs = panel.runsModel();
    QCOMPARE(runs->index(1, RunsPanel::ColStatus).data().toString(), QString("ok"));
    QCOMPARE(runs->index(1, RunsPanel::ColSamples).data().toString(), QString("3"));
    // sorted 1,000,000 [1,100,000] 1,200,000
    QCOMPARE(runs->index(1, RunsPanel::ColMedian).data().toString(), QString("1,100,000 instructions"));
    QCOMPARE(runs->index(1, RunsPanel::ColOutput).data().toString(), QString("matches the reference"));
    QCOMPARE(runs->index(1, RunsPanel::ColSizes).data().toString(), QString("flash 32.0 KiB / RAM 12.0 KiB"));
    // Another board's filter lists nothing; the demo's lists both.
    panel.setFilter({}, "nucleo-f411re");
    QVERIFY(panel.listedRuns().empty());
    panel.setFilter(std::string(64, 'a'), "qemu-mps2-an386");
    QCOMPARE(panel.listedRuns().size(), size_t(2));

    // Open one: the signal, its details and its layers.
    QSignalSpy openedSpy(&panel, &RunsPanel::runOpened);
    QVERIFY(panel.openRun(*first));
    QCOMPARE(openedSpy.count(), 1);
    QCOMPARE(openedSpy.at(0).at(0).toLongLong(), qint64(*first));
    QVERIFY(panel.detailsText().contains("planner: greedy-by-size"));
    QVERIFY(panel.detailsText().contains("weights 20.0 KiB"));
    QCOMPARE(panel.layersModel()->rowCount(), 2);
    // 600,000 of 1,000,000 = 60 %
    QCOMPARE(panel.layersModel()->index(0, 4).data().toString(), QString("60.0 %"));

    // Compare the two: the changed planner, medians 1,100,000 vs 1,650,000 (ratio 1.5), per layer 900,000 / 600,000 = 1.5.
    QVERIFY(!panel.compareSelected()); // nothing selected
    QVERIFY(panel.errorText().contains("two runs"));
    panel.setSelectedRuns({*first, *second});
    QCOMPARE(panel.selectedRuns(), (std::vector<qint64>{*second, *first}));
    QVERIFY2(panel.compareSelected(), qPrintable(panel.errorText()));
    QVERIFY(panel.errorText().isEmpty());
    const QString details = panel.detailsText();
    QVERIFY2(details.contains("planner") && details.contains("greedy-by-size") && details.contains("hill-climb"),
             qPrintable(details));
    QVERIFY2(details.contains("1.500 (b is 50.0 % slower)"), qPrintable(details));
    QStandardItemModel* layers = panel.layersModel();
    QCOMPARE(layers->rowCount(), 2);
    QCOMPARE(layers->index(0, 3).data().toString(), QString("600,000"));
    QCOMPARE(layers->index(0, 4).data().toString(), QString("900,000"));
    QCOMPARE(layers->index(0, 5).data().toString(), QString("1.500"));
    QCOMPARE(layers->index(1, 5).data().toString(), QString("1.000"));

    // CSV: a header naming the columns, one row per sample (and per layer).
    const QString csvPath = dir.path() + "/run.csv";
    QString error;
    QVERIFY2(panel.exportCsv(*first, csvPath, &error), qPrintable(error));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split(QRegularExpression("\r?\n"), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 3 + 2); // header, 3 samples, 2 layers
    const QStringList header = lines[0].split(',');
    const int inference = int(header.indexOf("inference"));
    const int value = int(header.indexOf("instructions"));
    QVERIFY2(inference >= 0 && value >= 0, qPrintable(lines[0]));
    bool found = false;
    for (const QString& line : lines) {
        const QStringList f = line.split(',');
        if (f.size() == header.size() && f[inference] == "2") {
            QCOMPARE(f[value], QString("1200000")); // inference 2 took 1,200,000 instructions
            found = true;
        }
    }
    QVERIFY2(found, qPrintable(lines.join('\n')));
    // Exporting into a folder that does not exist is an error naming the path.
    const QString bad = dir.path() + "/no/such/folder/run.csv";
    QVERIFY(!panel.exportCsv(*first, bad, &error));
    QVERIFY2(error.contains(bad), qPrintable(error));
    QCOMPARE(panel.errorText(), error);
}

// Without a store, or with an unknown run, the panel says so and does not crash.
void TestLiveViews::runsPanelErrors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RunsPanel panel;
    panel.setStore(nullptr);
    QVERIFY(panel.errorText().contains("No run store"));
    QVERIFY(panel.listedRuns().empty());
    QVERIFY(!panel.openRun(1));
    QVERIFY(!panel.compareSelected());
    QString error;
    QVERIFY(!panel.exportCsv(1, dir.path() + "/never-written.csv", &error));
    QVERIFY(error.contains("No run store"));
    QVERIFY(!QFile::exists(dir.path() + "/never-written.csv"));
    auto opened = RunStore::open((dir.path() + "/runs.sqlite").toStdString());
    QVERIFY2(opened.ok(), firstError(opened.diagnostics).c_str());
    panel.setStore(opened->get());
    QVERIFY(panel.errorText().isEmpty());
    QVERIFY(!panel.openRun(4242));
    QVERIFY2(panel.errorText().contains("4242"), qPrintable(panel.errorText()));
    QVERIFY(!panel.exportCsv(4242, dir.path() + "/x.csv", &error));
    QVERIFY(!QFile::exists(dir.path() + "/x.csv"));
    panel.setStore(nullptr); // the store goes away before the panel
}

// 250 lines into a log capped at 100 keep lines 150..249.
void TestLiveViews::buildLogCapped()
{
    BuildLogView log;
    QCOMPARE(log.maxLines(), BuildLogView::kDefaultMaxLines);
    log.setMaxLines(100);
    for (int i = 0; i < 250; ++i)
        log.appendLog(QString("line %1\n").arg(i));
    QCOMPARE(log.lineCount(), 100);
    const QStringList lines = log.text().split('\n');
    QCOMPARE(lines.size(), 100);
    QCOMPARE(lines.front(), QString("line 150"));
    QCOMPARE(lines.back(), QString("line 249"));
    // Several lines at once count as several lines (CRLF too); the cap still holds.
    log.clear();
    QCOMPARE(log.lineCount(), 0);
    log.appendLog("a\r\nb\nc\n");
    QCOMPARE(log.lineCount(), 3);
    QCOMPARE(log.text(), QString("a\nb\nc"));
    QString many;
    for (int i = 0; i < 500; ++i)
        many += QString("x%1\n").arg(i);
    log.appendLog(many);
    QCOMPARE(log.lineCount(), 100);
    QVERIFY(log.text().endsWith("x499"));
    QVERIFY(log.logEdit()->isReadOnly());
    QVERIFY(log.logEdit()->font().fixedPitch() || QFontInfo(log.logEdit()->font()).fixedPitch());
}

void TestLiveViews::buildLogFollowsUnlessScrolledUp()
{
    BuildLogView log;
    log.resize(500, 200);
    log.show();
    QVERIFY(QTest::qWaitForWindowExposed(&log));
    for (int i = 0; i < 200; ++i)
        log.appendLog(QString("cc -c kernel_%1.c").arg(i));
    QScrollBar* bar = log.logEdit()->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), bar->maximum()); // followed the output
    bar->setValue(10);                      // the user scrolls up to read an error
    log.appendLog("more output");
    QCOMPARE(bar->value(), 10);
    bar->setValue(bar->maximum()); // back at the end: following again
    log.appendLog("the end");
    QCOMPARE(bar->value(), bar->maximum());
}

void TestLiveViews::buildLogCancelAndProgress()
{
    BuildLogView log;
    QSignalSpy cancel(&log, &BuildLogView::cancelRequested);
    QVERIFY(!log.cancelButton()->isEnabled()); // nothing runs yet
    log.setRunning(true);
    QVERIFY(log.cancelButton()->isEnabled());
    log.cancelButton()->click();
    QCOMPARE(cancel.count(), 1);
    log.setPhase("building", -1);
    QCOMPARE(log.progressBar()->maximum(), 0); // busy indicator
    QCOMPARE(log.phase(), QString("building"));
    log.setPhase("flashing", 40);
    QCOMPARE(log.progressBar()->maximum(), 100);
    QCOMPARE(log.progressBar()->value(), 40);
    QCOMPARE(log.percent(), 40);
    log.setRunning(false);
    QVERIFY(!log.cancelButton()->isEnabled());
    log.cancelButton()->click(); // disabled: no signal
    QCOMPARE(cancel.count(), 1);
}

QTEST_MAIN(TestLiveViews)
#include "tst_liveviews.moc"
