// The Search panel (views/searchpanel.h) on the STM32F746G-DISCO: a zoo folder of two real models
// and a garbage file ranked in the table (the garbage last, with its import error); a small space
// run drawn as CDF curves; a small evolution drawn as a scatter with the best table; exports that
// read back; Cancel and closing mid-run; and the main window's Tools › Model Search… wiring.
// Figures shown are compared with independent core calls (evaluateCandidate, importTfliteFile).

#include "app/mainwindow.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "search/costmodel.h"
#include "search/search.h"
#include "testsupport.h"
#include "views/searchpanel.h"

#include <qcustomplot.h>

#include <QAction>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>

using namespace ts;

namespace {
constexpr int kWaitMs = 300000; // worker completion (no timing is asserted)
const char* kBoard = "stm32f746g-disco";

QString cell(const QTableWidget* t, int row, int col) { return t->item(row, col) ? t->item(row, col)->text() : QString(); }

int rowOf(const QTableWidget* t, int col, const QString& text)
{
    for (int r = 0; r < t->rowCount(); ++r)
        if (cell(t, r, col) == text)
            return r;
    return -1;
}

QString kibText(int64_t bytes) { return QString::number(double(bytes) / 1024.0, 'f', 1); }
// Millions as the panel writes them: two decimals from 1 M, three significant digits below.
QString megaText(double v)
{
    const double m = v / 1e6;
    return m >= 1 || m == 0 ? QString::number(m, 'f', 2) : QString::number(m, 'g', 3);
}
} // namespace

class TestSearchPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void zooRanksFolder();
    void spaceDrawsCdf();
    void evolveDrawsScatter();
    void evaluatorScores();
    void spaceFiles();
    void cancelEndsCleanly();
    void closeWhileRunning();
    void mainWindowWiring();

private:
    const Board* m_board = nullptr;
    SearchSpace m_mcunet;
};

void TestSearchPanel::initTestCase()
{
    m_board = tstest::boards().find(kBoard);
    QVERIFY(m_board);
    auto s = loadSearchSpace("mcunet");
    QVERIFY2(s.ok(), firstError(s.diagnostics).c_str());
    m_mcunet = *s;
}

void TestSearchPanel::zooRanksFolder()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Model demo = buildDemoModel();
    SearchRng rng(7);
    const Model small = buildCandidateModel(m_mcunet, sampleArchitecture(m_mcunet, 48, 0.3, rng), true);
    QVERIFY(!hasErrors(writeTfliteFile(demo, dir.filePath("demo.tflite").toStdString())));
    QVERIFY(!hasErrors(writeTfliteFile(small, dir.filePath("small.tflite").toStdString())));
    {
        // First by name: ranked last only because it cannot run.
        QFile garbage(dir.filePath("0_garbage.tflite"));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("this is not a flatbuffer, just text in a .tflite file");
    }

    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QCOMPARE(panel.boardId(), QString(kBoard));
    panel.setZooFolder(dir.path());
    QVERIFY(panel.runZoo());
    QVERIFY(panel.busy());
    QVERIFY(!panel.runZoo()); // one zoo run at a time
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);

    QTableWidget* t = panel.zooTable();
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(panel.zooEntries().size(), size_t(3));
    // Rank 3 is the garbage file, with its import error.
    QCOMPARE(cell(t, 2, 0), QString("3"));
    QCOMPARE(cell(t, 2, 1), QString("0_garbage.tflite"));
    QCOMPARE(cell(t, 2, 2), QString("error"));
    QVERIFY2(cell(t, 2, 9).contains("cannot import"), qPrintable(cell(t, 2, 9)));
    QCOMPARE(cell(t, 2, 3), QString::fromUtf8("\u2013"));

    // The two models' figures are those of an independent evaluation with the zoo's options.
    EvalOptions eval;
    eval.maxPatchN = 8;
    for (const auto& [name, model] : {std::pair<QString, const Model*>{"demo.tflite", &demo}, {"small.tflite", &small}}) {
        const int row = rowOf(t, 1, name);
        QVERIFY2(row >= 0 && row < 2, qPrintable(name));
        const CandidateFigures f = evaluateCandidate(*model, *m_board, tstest::boards(), eval);
        QVERIFY2(f.ok(), f.error.c_str());
        QCOMPARE(cell(t, row, 2), f.fits ? QString("yes") : QString("no"));
        QCOMPARE(cell(t, row, 3), kibText(f.peakBytes));
        QCOMPARE(cell(t, row, 4), kibText(f.wholePeakBytes));
        QCOMPARE(cell(t, row, 6), kibText(f.flashBytes));
        QCOMPARE(cell(t, row, 7), megaText(double(f.macs)));
        QCOMPARE(cell(t, row, 5), f.patch ? QString("%1x%2 @ tensor %3").arg(f.patch->nh).arg(f.patch->nw).arg(f.patch->splitTensor)
                                          : QString::fromUtf8("\u2013"));
    }
    // Latency: the estimate of the board core's shipped cost model (M7: an500), or "–" without one.
    auto cost = builtinCostModel(m_board->core);
    QCOMPARE(panel.hasCostModel(), cost.ok());
    for (const auto& [name, model] : {std::pair<QString, const Model*>{"demo.tflite", &demo}, {"small.tflite", &small}}) {
        EvalOptions withCost = eval;
        withCost.cost = cost.ok() ? &*cost : nullptr;
        const CandidateFigures f = evaluateCandidate(*model, *m_board, tstest::boards(), withCost);
        QCOMPARE(cell(t, rowOf(t, 1, name), 8),
                 cost.ok() ? megaText(double(f.latency)) : QString::fromUtf8("\u2013"));
    }
    // The tiny candidate fits the F746 with whole tensors.
    QCOMPARE(cell(t, rowOf(t, 1, "small.tflite"), 2), QString("yes"));
    QVERIFY2(panel.zooStatus().contains("3 models ranked"), qPrintable(panel.zooStatus()));

    // Double-click opens the model.
    QSignalSpy open(&panel, &SearchPanel::openModelFile);
    emit t->cellDoubleClicked(rowOf(t, 1, "small.tflite"), 1);
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.at(0).at(0).toString(), QDir(dir.path()).absoluteFilePath("small.tflite"));

    // A folder without models: a clear error, no rows lost.
    QTemporaryDir empty;
    panel.setZooFolder(empty.path());
    QVERIFY(panel.runZoo());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY2(panel.zooStatus().contains("no .tflite"), qPrintable(panel.zooStatus()));
}

void TestSearchPanel::spaceDrawsCdf()
{
    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QVERIFY(panel.selectSpace("mcunet"));
    SpaceOptOptions o;
    o.samplesPerPair = 20;
    o.resolutions = {48, 64};
    o.widths = {0.3, 0.5};
    QVERIFY(panel.runSpace(o));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY(panel.spaceResult());
    const SpaceOptResult& r = *panel.spaceResult();
    QCOMPARE(r.pairs.size(), size_t(4));
    QCOMPARE(r.evaluated, int64_t(80));
    QCOMPARE(panel.pairTable()->rowCount(), 4);
    // These small pairs fit the F746's RAM: a pair is recommended, named in the label.
    QVERIFY(r.recommended >= 0);
    const SpacePair& rec = r.pairs[size_t(r.recommended)];
    QVERIFY2(panel.recommendationText().contains(QString("%1\u00d7%1").arg(rec.resolution)), qPrintable(panel.recommendationText()));

    // Default filter: the recommended pair's width, one curve per resolution; the recommended
    // curve drawn thickest, its CDF rising to 1 over its fitting candidates.
    QCustomPlot* plot = panel.cdfPlot();
    int expected = 0;
    for (const SpacePair& p : r.pairs)
        expected += p.width == rec.width && p.fitting > 0;
    QCOMPARE(plot->graphCount(), expected);
    QCPGraph* thickest = nullptr;
    for (int i = 0; i < plot->graphCount(); ++i)
        if (!thickest || plot->graph(i)->pen().widthF() > thickest->pen().widthF())
            thickest = plot->graph(i);
    QVERIFY(thickest->name().contains("recommended"));
    QCOMPARE(thickest->dataCount(), rec.fitting + 1);
    QCOMPARE((thickest->data()->constEnd() - 1)->value, 1.0);
    QCOMPARE((thickest->data()->constEnd() - 1)->key, double(rec.fittingMacs.back()) / 1e6);
    QVERIFY(plot->legend->visible());

    // All widths: every pair with a fitting candidate has its curve; the legend gives way to hover.
    panel.setWidthFilter(0);
    int fitting = 0;
    for (const SpacePair& p : r.pairs)
        fitting += p.fitting > 0;
    QCOMPARE(plot->graphCount(), fitting);
    QVERIFY(!plot->legend->visible());

    // The Evolve tab starts from the recommendation.
    const EvolutionOptions e = panel.evolveOptions();
    QCOMPARE(e.resolution, rec.resolution);
    QCOMPARE(e.width, rec.width);
}

void TestSearchPanel::evolveDrawsScatter()
{
    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QVERIFY(panel.selectSpace("mcunet"));
    EvolutionOptions o;
    o.resolution = 48;
    o.width = 0.3;
    o.population = 8;
    o.generations = 2;
    o.seed = 3;
    QVERIFY(panel.runEvolve(o));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY2(panel.evolution(), qPrintable(panel.evolveStatus()));
    const EvolutionResult& r = *panel.evolution();
    QCOMPARE(r.generations, 2);
    int feasible = 0, infeasible = 0;
    for (const Candidate& c : r.candidates)
        (c.figures.ok() && c.figures.fits ? feasible : infeasible) += c.figures.ok();
    QVERIFY(feasible > 0);

    // The scatter: one point per evaluated candidate, feasible and infeasible apart; the front;
    // the budget line; the proxy said in the axis label.
    QCustomPlot* plot = panel.scatterPlot();
    auto graphNamed = [&](const QString& prefix) -> QCPGraph* {
        for (int i = 0; i < plot->graphCount(); ++i)
            if (plot->graph(i)->name().startsWith(prefix))
                return plot->graph(i);
        return nullptr;
    };
    QVERIFY(graphNamed("feasible"));
    QCOMPARE(graphNamed("feasible")->dataCount(), feasible);
    QCOMPARE(graphNamed("infeasible")->dataCount(), infeasible);
    QCOMPARE(graphNamed("Pareto front")->dataCount(), int(r.pareto.size()));
    QVERIFY(!r.pareto.empty());
    QVERIFY2(plot->yAxis->label().contains("proxy"), qPrintable(plot->yAxis->label()));
    bool budgetLine = false;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(i)))
            budgetLine = line->visible() && line->point1->coords().x() == double(r.candidates[0].figures.arenaBudget) / 1024.0;
    QVERIFY(budgetLine);

    // The best table, best first; the first row selected for the buttons.
    QTableWidget* best = panel.bestTable();
    QCOMPARE(best->rowCount(), int(r.best.size()));
    QVERIFY(best->rowCount() > 0);
    const Candidate& top = r.candidates[size_t(r.best[0])];
    QCOMPARE(best->item(0, 2)->text(), megaText(double(top.figures.macs)));
    QCOMPARE(best->item(0, 8)->text(), QString::fromStdString(top.arch.key()));
    QCOMPARE(panel.selectedCandidate(), r.best[0]);

    // Exports read back: the .tflite imports, marked untrained, with the candidate's figures; the
    // architecture JSON parses back to the same architecture.
    QTemporaryDir dir;
    QString error;
    const QString tflite = dir.filePath("cand.tflite"), json = dir.filePath("cand.json");
    QVERIFY2(panel.exportSelectedTflite(tflite, &error), qPrintable(error));
    auto imported = importTfliteFile(tflite.toStdString());
    QVERIFY2(imported.ok(), firstError(imported.diagnostics).c_str());
    const MetadataEntry* untrained = imported->findMetadata("tinystudio_untrained");
    QVERIFY(untrained);
    const CandidateFigures f = evaluateCandidate(*imported, *m_board, tstest::boards(), EvalOptions{});
    QCOMPARE(f.peakBytes, top.figures.peakBytes);
    QCOMPARE(f.macs, top.figures.macs);
    QVERIFY2(panel.exportSelectedArchitecture(json, &error), qPrintable(error));
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    auto arch = architectureFromJson(QJsonDocument::fromJson(jf.readAll()).object(), m_mcunet, json.toStdString());
    QVERIFY2(arch.ok(), firstError(arch.diagnostics).c_str());
    QVERIFY(*arch == top.arch);
    QVERIFY(!panel.exportSelectedTflite(dir.filePath("no/such/dir/x.tflite"), &error));
    QVERIFY(!error.isEmpty());

    // Open in studio: the candidate model, for the board the search ran on.
    QSignalSpy open(&panel, &SearchPanel::openCandidate);
    panel.findChild<QPushButton*>("openCandidate")->click();
    QCOMPARE(open.count(), 1);
    QCOMPARE(open.at(0).at(1).toString(), QString(kBoard));
    // With the schedule the search's figures are for (its patch stage).
    const auto schedule = open.at(0).at(3).value<ts::ScheduleDoc>();
    QVERIFY(schedule.patch == top.figures.patch);
}

void TestSearchPanel::evaluatorScores()
{
#ifdef Q_OS_UNIX
    // A user's evaluator scores the feasible candidates: the scatter's y is its accuracy.
    QTemporaryDir dir;
    const QString script = dir.filePath("eval.sh");
    QFile f(script);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("#!/bin/sh\necho 'training...'\necho '{\"accuracy\": 0.625}'\n");
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QVERIFY(panel.selectSpace("mcunet"));
    EvolutionOptions o;
    o.resolution = 48;
    o.width = 0.3;
    o.population = 4;
    o.generations = 1;
    o.evaluator = script.toStdString();
    o.evaluatorProcesses = 2;
    QVERIFY(panel.runEvolve(o));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY2(panel.evolution(), qPrintable(panel.evolveStatus()));
    QCOMPARE(panel.scatterPlot()->yAxis->label(), QString("accuracy (evaluator)"));
    QVERIFY(panel.bestTable()->rowCount() > 0);
    QCOMPARE(panel.bestTable()->item(0, 1)->text(), QString("0.6250"));
    QCPGraph* feasible = panel.scatterPlot()->graph(1);
    QVERIFY(feasible->dataCount() > 0);
    QCOMPARE(feasible->data()->constBegin()->value, 0.625);
#else
    QSKIP("the evaluator script is a POSIX shell script");
#endif
}

void TestSearchPanel::spaceFiles()
{
    // "Open JSON…": a space file joins both tabs' selectors; a bad one is refused with its name.
    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QTemporaryDir dir;
    QJsonObject o = searchSpaceToJson(m_mcunet);
    o["name"] = "tiny";
    o["resolutions"] = QJsonArray{48};
    o["widths"] = QJsonArray{0.3};
    QFile good(dir.filePath("tiny.json"));
    QVERIFY(good.open(QIODevice::WriteOnly));
    good.write(QJsonDocument(o).toJson());
    good.close();
    QString error;
    QVERIFY2(panel.addSpaceFile(good.fileName(), &error), qPrintable(error));
    QVERIFY(panel.spaceNames().contains("tiny"));
    QCOMPARE(panel.evolveOptions().resolution, 48);
    QCOMPARE(panel.evolveOptions().width, 0.3);
    o["widths"] = "wide";
    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(QJsonDocument(o).toJson());
    bad.close();
    QVERIFY(!panel.addSpaceFile(bad.fileName(), &error));
    QVERIFY2(error.contains("bad.json") && error.contains("widths"), qPrintable(error));
    QVERIFY(!panel.spaceNames().contains("bad"));
    // The tiny space's single pair: a space run of it has one pair.
    SpaceOptOptions so;
    so.samplesPerPair = 5;
    QVERIFY(panel.runSpace(so));
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY(panel.spaceResult());
    QCOMPARE(panel.spaceResult()->pairs.size(), size_t(1));
}

void TestSearchPanel::cancelEndsCleanly()
{
    SearchPanel panel;
    panel.setBoard(m_board, &tstest::boards());
    QVERIFY(panel.selectSpace("mcunet"));
    SpaceOptOptions o;
    o.samplesPerPair = 100000; // hours: only Cancel ends it
    QVERIFY(panel.runSpace(o));
    auto* cancel = panel.findChild<QPushButton*>("spaceCancel");
    QVERIFY(cancel->isEnabled());
    cancel->click();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QVERIFY2(panel.spaceStatus().startsWith("cancelled"), qPrintable(panel.spaceStatus()));
    QVERIFY(!panel.spaceResult());
    QVERIFY(panel.findChild<QPushButton*>("spaceRun")->isEnabled());

    // An evolution that only Cancel ends: its generations reach the scatter while it runs, and
    // the last one stays after Cancel.
    EvolutionOptions e;
    e.resolution = 48;
    e.width = 0.3;
    e.population = 8;
    e.generations = 100000;
    QSignalSpy done(&panel, &SearchPanel::searchFinished);
    QVERIFY(panel.runEvolve(e));
    QVERIFY(!panel.findChild<QPushButton*>("evolveRun")->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(panel.evolution() && panel.evolution()->generations >= 2, kWaitMs);
    QVERIFY(panel.busy());
    QVERIFY(panel.scatterPlot()->graph(1)->dataCount() > 0); // feasible points, live
    QVERIFY(panel.bestTable()->rowCount() > 0);
    panel.findChild<QPushButton*>("evolveCancel")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.busy(), kWaitMs);
    QCOMPARE(done.count(), 1);
    QVERIFY2(panel.evolveStatus().startsWith("cancelled"), qPrintable(panel.evolveStatus()));
    QVERIFY(panel.evolution());
    QVERIFY(panel.evolution()->generations >= 2);
    QVERIFY(panel.findChild<QPushButton*>("evolveRun")->isEnabled());
}

void TestSearchPanel::closeWhileRunning()
{
    // The panel goes away mid-run: its destructor cancels and waits; nothing reaches it afterwards.
    auto* panel = new SearchPanel;
    panel->setBoard(m_board, &tstest::boards());
    QVERIFY(panel->selectSpace("mcunet"));
    EvolutionOptions e;
    e.resolution = 48;
    e.width = 0.3;
    e.population = 20;
    e.generations = 100000;
    QVERIFY(panel->runEvolve(e));
    SpaceOptOptions o;
    o.samplesPerPair = 100000;
    QVERIFY(panel->runSpace(o));
    QTest::qWait(50); // let the workers start (not a timing assertion)
    delete panel;
    QCoreApplication::processEvents(); // any generation posted before the end is dropped
}

void TestSearchPanel::mainWindowWiring()
{
    MainWindow w;
    QVERIFY(w.selectBoard(kBoard));
    w.openDemoModel();
    w.waitForIdle();
    QAction* action = w.findChild<QAction*>("modelSearchAction");
    QVERIFY(action);
    action->trigger();
    SearchPanel* panel = w.modelSearch();
    QVERIFY(panel);
    QCOMPARE(panel->boardId(), QString(kBoard));
    // The studio's board change reaches the panel.
    QVERIFY(w.selectBoard("nucleo-f412zg"));
    QCOMPARE(panel->boardId(), QString("nucleo-f412zg"));
    QVERIFY(w.selectBoard(kBoard));

    // A candidate opened from the search becomes the studio's document, on the search's board.
    QVERIFY(panel->selectSpace("mcunet"));
    EvolutionOptions o;
    o.resolution = 48;
    o.width = 0.3;
    o.population = 4;
    o.generations = 1;
    QVERIFY(panel->runEvolve(o));
    QTRY_VERIFY_WITH_TIMEOUT(!panel->busy(), kWaitMs);
    QVERIFY(panel->selectedCandidate() >= 0);
    const Candidate c = panel->evolution()->candidates[size_t(panel->selectedCandidate())];
    QVERIFY(w.selectBoard("nucleo-f412zg")); // the studio moved on; the candidate keeps its board
    panel->findChild<QPushButton*>("openCandidate")->click();
    w.waitForIdle();
    QCOMPARE(QString::fromStdString(w.document().boardId), QString(kBoard));
    QVERIFY(w.model());
    QVERIFY(w.analysis());
    std::string difference;
    QVERIFY2(sameGraph(*w.model(), buildCandidateModel(m_mcunet, c.arch, true), &difference), difference.c_str());
    QVERIFY(w.windowTitle().contains("candidate"));
    // The studio shows the search's figures: the same schedule, the same peak.
    QVERIFY(w.document().schedule.patch == c.figures.patch);
    QCOMPARE(w.computation()->peakBytes, c.figures.peakBytes);

    // A zoo model opens through the studio's own open path.
    QTemporaryDir dir;
    const QString path = dir.filePath("demo.tflite");
    QVERIFY(!hasErrors(writeTfliteFile(buildDemoModel(), path.toStdString())));
    emit panel->openModelFile(path);
    w.waitForIdle();
    QCOMPARE(QString::fromStdString(w.document().modelPath), QFileInfo(path).absoluteFilePath());
}

QTEST_MAIN(TestSearchPanel)
#include "tst_searchpanel.moc"
