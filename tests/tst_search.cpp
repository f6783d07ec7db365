// Model search (issue 13): search spaces as data, candidates as int8 models, exact figures that the
// pipeline reproduces, zoo ranking, search-space optimization, evolution (deterministic), the
// evaluator hook, the cost model fit, export, the CLI, and a searched candidate run on QEMU.

#include "analysis/opfacts.h"
#include "build/deploy.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "search/costmodel.h"
#include "search/evaluator_hook.h"
#include "search/search.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ts;

namespace {

// A space small enough to compute by hand: 16×16×3 input, stem 3×3/2 to 8 channels, one stage of
// one inverted-residual block (expand 2, 3×3 depthwise, stride 2) to 16 channels, 2 classes.
const char* kTinySpace = R"({
  "format": 1, "name": "tiny", "family": "inverted-residual", "classes": 2,
  "resolutions": [16, 32], "widths": [1.0, 0.5],
  "stem": {"channels": 8, "kernel": 3, "stride": 2},
  "stages": [{"channels": 16, "stride": 2, "depth": [1, 2], "kernel": [3, 5], "expand": [2, 4]}]
})";

SearchSpace tinySpace()
{
    auto s = parseSearchSpace(kTinySpace, "tiny.json");
    if (!s.ok())
        qFatal("%s", firstError(s.diagnostics).c_str());
    return *s;
}

const Board& board(const char* id) { return *tstest::boards().find(id); }

bool toolsPresent()
{
    return !QStandardPaths::findExecutable("qemu-system-arm").isEmpty() &&
           !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty();
}

QString writeScript(const QTemporaryDir& dir, const QString& name, const QByteArray& body)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write("#!/bin/sh\n" + body);
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    return path;
}

} // namespace

class TestSearch : public QObject {
    Q_OBJECT
private slots:
    void builtinSpacesLoad();
    void badSpacesAreNamed_data();
    void badSpacesAreNamed();
    void architectureJsonRoundTrip();
    void candidateMacsByHand();
    void candidateShapesFollowWidth();
    void figuresMatchPipeline_data();
    void figuresMatchPipeline();
    void zooRanking();
    void spaceOptimization();
    void evolutionDeterministic();
    void evaluatorHook();
    void evolutionWithEvaluator();
    void costModelFit();
    void exportMarksUntrained();
    void cliSearch();
    void bestCandidateRunsOnQemu();
};

void TestSearch::builtinSpacesLoad()
{
    const auto names = builtinSearchSpaces();
    QVERIFY(names.size() >= 2);
    for (const char* name : {"mcunet", "resnet"}) {
        auto s = loadSearchSpace(name);
        QVERIFY2(s.ok(), firstError(s.diagnostics).c_str());
        QVERIFY(s->stages.size() >= 4);
        QVERIFY(s->resolutions.front() == 48 && s->resolutions.back() == 224); // the issue's ranges
        // The JSON written back parses to the same space.
        auto again = parseSearchSpace(QJsonDocument(searchSpaceToJson(*s)).toJson(), "again");
        QVERIFY2(again.ok(), firstError(again.diagnostics).c_str());
        QCOMPARE(again->stages.size(), s->stages.size());
    }
    auto mc = loadSearchSpace("mcunet");
    QCOMPARE(mc->family, BlockFamily::InvertedResidual);
    QCOMPARE(mc->stages[0].kernels, (std::vector<int>{3, 5, 7}));
    QCOMPARE(mc->stages[0].expands, (std::vector<double>{3, 4, 6}));
    QCOMPARE(mc->widths.front(), 0.3);
    QCOMPARE(mc->widths.back(), 1.0);
    QCOMPARE(loadSearchSpace("resnet")->family, BlockFamily::BasicBlock);
}

void TestSearch::badSpacesAreNamed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("where");
    const QByteArray ok = kTinySpace;
    QTest::newRow("not json") << QByteArray("{nope") << QString("not valid JSON");
    QTest::newRow("unknown key") << QByteArray(ok).replace("\"classes\": 2", "\"classes\": 2, \"colour\": 1") << QString("colour: unknown key");
    QTest::newRow("even kernel") << QByteArray(ok).replace("[3, 5]", "[3, 4]") << QString("stages[0].kernel");
    QTest::newRow("bad family") << QByteArray(ok).replace("inverted-residual", "dense") << QString("family");
    QTest::newRow("no stages") << QByteArray(ok).replace("\"stages\"", "\"stagez\"") << QString("stages: missing");
    QTest::newRow("fractional depth") << QByteArray(ok).replace("[1, 2]", "[1.5]") << QString("stages[0].depth[0]");
    QTest::newRow("duplicate width") << QByteArray(ok).replace("[1.0, 0.5]", "[1.0, 1.0]") << QString("widths: lists a value twice");
}

void TestSearch::badSpacesAreNamed()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, where);
    auto s = parseSearchSpace(json, "space.json");
    QVERIFY(!s.ok());
    const QString e = QString::fromStdString(firstError(s.diagnostics));
    QVERIFY2(e.startsWith("space.json") && e.contains(where), qPrintable(e));
    // A missing file names the file and the built-in spaces.
    auto missing = loadSearchSpace("/nonexistent/space.json");
    QVERIFY(!missing.ok());
    QVERIFY(QString::fromStdString(firstError(missing.diagnostics)).contains("mcunet"));
}

void TestSearch::architectureJsonRoundTrip()
{
    auto mc = loadSearchSpace("mcunet");
    SearchRng rng(5);
    for (int k = 0; k < 20; ++k) {
        const Architecture a = sampleArchitecture(*mc, 96, 0.5, rng);
        auto b = architectureFromJson(architectureToJson(a), *mc, "a.json");
        QVERIFY2(b.ok(), firstError(b.diagnostics).c_str());
        QVERIFY(*b == a);
        // Mutation and crossover stay inside the space.
        const Architecture m = mutateArchitecture(*mc, a, 0.5, rng);
        QVERIFY(architectureFromJson(architectureToJson(m), *mc, "m.json").ok());
        const Architecture c = crossoverArchitectures(a, m, rng);
        QVERIFY(architectureFromJson(architectureToJson(c), *mc, "c.json").ok());
    }
    // A choice the space does not offer is an error naming the place.
    QJsonObject o = architectureToJson(sampleArchitecture(*mc, 96, 0.5, rng));
    QJsonArray stages = o["stages"].toArray();
    QJsonObject s0 = stages[0].toObject();
    QJsonArray blocks = s0["blocks"].toArray();
    QJsonObject b0 = blocks[0].toObject();
    b0["kernel"] = 9;
    blocks[0] = b0;
    s0["blocks"] = blocks;
    stages[0] = s0;
    o["stages"] = stages;
    auto bad = architectureFromJson(o, *mc, "arch.json");
    QVERIFY(!bad.ok());
    QVERIFY(QString::fromStdString(firstError(bad.diagnostics)).contains("stages[0].blocks[0].kernel"));
}

void TestSearch::candidateMacsByHand()
{
    const SearchSpace s = tinySpace();
    Architecture a;
    a.space = "tiny";
    a.resolution = 16;
    a.width = 1.0;
    a.stages = {StageChoice{2, {BlockChoice{3, 2}}}};
    const Model m = buildCandidateModel(s, a, true);
    // By hand: stem 3×3×3 → 8 on 8×8 outputs: 8·8·8·27 = 13,824; expand 1×1 8 → 16 on 8×8: 64·16·8 =
    // 8,192; depthwise 3×3 stride 2 on 16 channels → 4×4: 16·16·9 = 2,304; project 1×1 16 → 16 on
    // 4×4: 16·16·16 = 4,096; pool 0; classifier 16 → 2: 32. Total 28,448.
    QCOMPARE(computeTotals(m.main()).macs, int64_t(28448));
    // The zero-weight model has the same figures.
    const Model z = buildCandidateModel(s, a, false);
    QCOMPARE(computeTotals(z.main()).macs, int64_t(28448));
    QCOMPARE(computeTotals(z.main()).weightBytes, computeTotals(m.main()).weightBytes);
    // Weights by hand: stem 8·27 + 8·4 bias; expand 16·8 + 64; depthwise 9·16 + 64; project 16·16 +
    // 64; classifier 2·16 + 8 = 216+32 + 128+64 + 144+64 + 256+64 + 32+8 = 1,008 bytes.
    QCOMPARE(computeTotals(m.main()).weightBytes, int64_t(1008));
    const auto& out = m.main().tensors[size_t(m.main().outputs[0])];
    QCOMPARE(out.shape, (std::vector<int32_t>{1, 2}));
}

void TestSearch::candidateShapesFollowWidth()
{
    auto mc = loadSearchSpace("mcunet");
    // MobileNetV2's rounding: width 0.3 × 32 = 9.6 → 8 (not below 90 %: 8 < 8.64, so 16); × 24 = 7.2 → 8.
    QCOMPARE(mc->scaled(32, 0.3), 16);
    QCOMPARE(mc->scaled(24, 0.3), 8);
    QCOMPARE(mc->scaled(320, 0.5), 160);
    QCOMPARE(mc->scaled(40, 1.0), 40);
    SearchRng rng(3);
    const Architecture a = sampleArchitecture(*mc, 64, 0.5, rng);
    const Model m = buildCandidateModel(*mc, a, false);
    const auto& in = m.main().tensors[size_t(m.main().inputs[0])];
    QCOMPARE(in.shape, (std::vector<int32_t>{1, 64, 64, 3}));
    // Every op of a candidate is one the studio can run.
    for (const Op& op : m.main().ops)
        QVERIFY2(opSupport(m.main(), op).supported, opKindName(op.kind).c_str());
}

void TestSearch::figuresMatchPipeline_data()
{
    QTest::addColumn<QString>("space");
    QTest::addColumn<QString>("board");
    QTest::newRow("mcunet F412") << "mcunet" << "nucleo-f412zg";
    QTest::newRow("mcunet F746") << "mcunet" << "stm32f746g-disco";
    QTest::newRow("resnet F412") << "resnet" << "nucleo-f412zg";
}

// The memory you see is the memory you get: a candidate's figures are exactly what the pipeline
// computes for the candidate's document (same planner, reserve and patch stage), which is the plan
// the generated code executes.
void TestSearch::figuresMatchPipeline()
{
    QFETCH(QString, space);
    QFETCH(QString, board);
    auto s = loadSearchSpace(space.toStdString());
    const Board& b = ::board(board.toLatin1().constData());
    EvalOptions eval;
    SearchRng rng(11);
    int patched = 0, fits = 0;
    for (int k = 0; k < 24; ++k) {
        const int res = s->resolutions[size_t(k) % 8 + 2];
        const double w = s->widths[size_t(k) % s->widths.size()];
        const Architecture a = sampleArchitecture(*s, res, w, rng);
        const Model zero = buildCandidateModel(*s, a, false);
        const CandidateFigures f = evaluateCandidate(zero, b, tstest::boards(), eval);
        QVERIFY2(f.ok(), f.error.c_str());
        // The pipeline on the real (random-weight) model through a .tflite round trip, as a user opens it.
        const Model real = buildCandidateModel(*s, a, true);
        auto bytes = exportTflite(real);
        QVERIFY(bytes.ok());
        auto imported = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "candidate.tflite");
        QVERIFY2(imported.ok(), firstError(imported.diagnostics).c_str());
        const Session doc = candidateSession(*imported, b.id, f, eval);
        auto p = runPipeline(*imported, doc, tstest::boards());
        QVERIFY2(p.ok(), firstError(p.diagnostics).c_str());
        const PipelineResult& r = **p;
        QCOMPARE(r.peakBytes, f.peakBytes);
        QCOMPARE(r.analysis.arenaBytes(), f.wholePeakBytes);
        QCOMPARE(r.fit.fits, f.fits);
        QCOMPARE(r.fit.flash.total(), f.flashBytes);
        QCOMPARE(r.fit.arenaBudget(), f.arenaBudget);
        if (f.patch) {
            QVERIFY(r.patch.has_value());
            QCOMPARE(r.patch->extraMacs, f.extraMacs);
            QVERIFY(f.peakBytes <= f.arenaBudget); // a patch schedule is chosen only when it fits
            ++patched;
        }
        fits += f.fits;
    }
    qInfo("%s on %s: 24 candidates, %d fit, %d with a patch schedule", qPrintable(space), qPrintable(board), fits, patched);
    if (space == "mcunet")
        QVERIFY(patched > 0); // the check above covered patch schedules
}

void TestSearch::zooRanking()
{
    QTemporaryDir dir;
    const SearchSpace tiny = tinySpace();
    Architecture a{"tiny", BlockFamily::InvertedResidual, 16, 1.0, {StageChoice{2, {BlockChoice{3, 2}}}}};
    QVERIFY(!hasErrors(writeTfliteFile(buildCandidateModel(tiny, a, true), dir.filePath("a_tiny.tflite").toStdString())));
    QVERIFY(!hasErrors(writeTfliteFile(buildDemoModel(), dir.filePath("b_demo.tflite").toStdString())));
    auto mc = loadSearchSpace("mcunet");
    SearchRng rng(1);
    // Far too big for an F412: 224 px, width 1.0.
    QVERIFY(!hasErrors(writeTfliteFile(buildCandidateModel(*mc, sampleArchitecture(*mc, 224, 1.0, rng), false),
                                       dir.filePath("c_big.tflite").toStdString())));
    QFile junk(dir.filePath("d_junk.tflite"));
    junk.open(QIODevice::WriteOnly);
    junk.write("this is not a flatbuffer");
    junk.close();
    EvalOptions eval;
    eval.maxPatchN = 8;
    eval.exhaustivePatches = true;
    auto r = rankZoo(dir.path().toStdString(), board("nucleo-f412zg"), tstest::boards(), eval);
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QCOMPARE(int(r->size()), 4);
    // Fitting models first (smallest peak first), then the one that does not fit, then the one that cannot run.
    QCOMPARE(QString::fromStdString((*r)[0].name), QString("a_tiny.tflite"));
    QCOMPARE(QString::fromStdString((*r)[1].name), QString("b_demo.tflite"));
    QVERIFY((*r)[0].figures.fits && (*r)[1].figures.fits);
    QCOMPARE(QString::fromStdString((*r)[2].name), QString("c_big.tflite"));
    QVERIFY(!(*r)[2].figures.fits);
    QVERIFY2(QString::fromStdString((*r)[2].figures.reason).contains("flash") ||
                 QString::fromStdString((*r)[2].figures.reason).contains("SRAM"),
             (*r)[2].figures.reason.c_str());
    QCOMPARE(QString::fromStdString((*r)[3].name), QString("d_junk.tflite"));
    QVERIFY(QString::fromStdString((*r)[3].error).startsWith("cannot import"));
    // The demo model's row is the pipeline's own figure for it.
    auto demo = importTfliteFile(dir.filePath("b_demo.tflite").toStdString());
    auto p = runPipeline(*demo, documentFor(*demo, "nucleo-f412zg"), tstest::boards());
    QCOMPARE((*r)[1].figures.wholePeakBytes, (*p)->peakBytes);
    // An empty folder is an error naming it.
    QTemporaryDir empty;
    auto e = rankZoo(empty.path().toStdString(), board("nucleo-f412zg"), tstest::boards(), eval);
    QVERIFY(!e.ok());
    QVERIFY(QString::fromStdString(firstError(e.diagnostics)).contains("no .tflite"));
}

void TestSearch::spaceOptimization()
{
    auto mc = loadSearchSpace("mcunet");
    SpaceOptOptions o;
    o.samplesPerPair = 20;
    o.resolutions = {64, 128, 224};
    o.widths = {0.3, 0.6, 1.0};
    auto r = optimizeSearchSpace(*mc, board("nucleo-f412zg"), tstest::boards(), o);
    QVERIFY(r.ok());
    QCOMPARE(int(r->pairs.size()), 9);
    QCOMPARE(r->evaluated, int64_t(180));
    for (const SpacePair& p : r->pairs) {
        QCOMPARE(p.samples, 20);
        QCOMPARE(int(p.fittingMacs.size()), p.fitting);
        QVERIFY(std::is_sorted(p.fittingMacs.begin(), p.fittingMacs.end()));
    }
    // 224 px at width 1.0 never fits 256 KiB; 64 px at width 0.3 always does (MobileNetV2 224/1.0 alone
    // needs more than a MiB of weights).
    const SpacePair& big = r->pairs[8];
    QCOMPARE(big.resolution, 224);
    QCOMPARE(big.width, 1.0);
    QCOMPARE(big.fitting, 0);
    QCOMPARE(r->pairs[0].fitting, 20);
    // The recommendation is the eligible pair with the highest mean MACs.
    QVERIFY(r->recommended >= 0);
    for (const SpacePair& p : r->pairs)
        if (p.fitFraction() >= o.minFitFraction)
            QVERIFY(p.meanMacs <= r->pairs[size_t(r->recommended)].meanMacs);
    // Deterministic for a seed.
    auto again = optimizeSearchSpace(*mc, board("nucleo-f412zg"), tstest::boards(), o);
    for (size_t i = 0; i < r->pairs.size(); ++i)
        QCOMPARE(again->pairs[i].fittingMacs, r->pairs[i].fittingMacs);
    // Cancel stops it with the cancelled error.
    JobControl job;
    job.cancel();
    auto c = optimizeSearchSpace(*mc, board("nucleo-f412zg"), tstest::boards(), o, &job);
    QVERIFY(!c.ok());
    QCOMPARE(QString::fromStdString(firstError(c.diagnostics)).right(9), QString("cancelled"));
}

void TestSearch::evolutionDeterministic()
{
    auto mc = loadSearchSpace("mcunet");
    EvolutionOptions o;
    o.resolution = 128;
    o.width = 0.5;
    o.population = 16;
    o.generations = 4;
    o.seed = 42;
    int generations = 0;
    auto r = runEvolution(*mc, board("nucleo-f412zg"), tstest::boards(), o, nullptr, [&](const EvolutionResult&) { ++generations; });
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QCOMPARE(generations, 4);
    QVERIFY(!r->best.empty());
    QVERIFY(QString::fromStdString(r->scoreName).contains("proxy"));
    double last = 1e300;
    for (int i : r->best) {
        const Candidate& c = r->candidates[size_t(i)];
        QVERIFY(c.figures.fits && c.scored);
        QCOMPARE(c.score, double(c.figures.macs));
        QVERIFY(c.score <= last);
        last = c.score;
        QVERIFY(c.figures.peakBytes <= c.figures.arenaBudget && c.figures.flashBytes <= c.figures.flashBudget);
    }
    // The Pareto front: no scored candidate has both less peak and more score than a front member.
    for (int f : r->pareto)
        for (const Candidate& c : r->candidates)
            if (c.scored)
                QVERIFY(!(c.figures.peakBytes < r->candidates[size_t(f)].figures.peakBytes &&
                          c.score > r->candidates[size_t(f)].score));
    // Evolution improves on (or keeps) the best random initial candidate.
    double bestInitial = 0;
    for (const Candidate& c : r->candidates)
        if (c.generation == 0 && c.scored)
            bestInitial = std::max(bestInitial, c.score);
    QVERIFY(r->candidates[size_t(r->best.front())].score >= bestInitial);
    // Same seed, same search.
    auto again = runEvolution(*mc, board("nucleo-f412zg"), tstest::boards(), o);
    QCOMPARE(again->candidates.size(), r->candidates.size());
    for (size_t i = 0; i < r->candidates.size(); ++i)
        QCOMPARE(again->candidates[i].arch.key(), r->candidates[i].arch.key());
    // A latency limit is a hard constraint.
    auto cost = builtinCostModel("qemu-mps2-an386");
    if (cost.ok()) {
        EvolutionOptions l = o;
        l.eval.cost = &*cost;
        auto free = runEvolution(*mc, board("nucleo-f412zg"), tstest::boards(), l);
        QVERIFY(free.ok() && !free->best.empty());
        const int64_t winner = free->candidates[size_t(free->best.front())].figures.latency;
        QVERIFY(winner > 0);
        l.eval.latencyLimit = winner * 3 / 4; // the unconstrained winner is now too slow
        auto lr = runEvolution(*mc, board("nucleo-f412zg"), tstest::boards(), l);
        QVERIFY(lr.ok());
        QVERIFY(!lr->best.empty());
        for (int i : lr->best)
            QVERIFY(lr->candidates[size_t(i)].figures.latency <= l.eval.latencyLimit);
    }
}

void TestSearch::evaluatorHook()
{
    QTemporaryDir dir;
    // The score: the resolution in the architecture JSON / 1000, printed after some log lines.
    const QString good = writeScript(dir, "good.sh",
                                     "echo training...\n"
                                     "test -s \"$2\" || exit 9\n"
                                     "r=$(tr -d ' \\n' < \"$1\" | sed 's/.*\"resolution\":\\([0-9]*\\).*/\\1/')\n"
                                     "echo \"{\\\"accuracy\\\": 0.$r}\"\n");
    const QString fails = writeScript(dir, "fails.sh", "echo broken >&2\nexit 3\n");
    const QString slow = writeScript(dir, "slow.sh", "sleep 20\n");
    const QString silent = writeScript(dir, "silent.sh", "echo no json here\n");
    const Model m = buildDemoModel();
    std::vector<HookInput> in;
    for (int k = 0; k < 3; ++k)
        in.push_back({QJsonObject{{"resolution", 100 + k}}, &m, "c" + std::to_string(k)});
    auto r = runEvaluatorHook(good.toStdString(), in, dir.filePath("work").toStdString(), 2, 30000);
    QCOMPARE(int(r.size()), 3);
    for (int k = 0; k < 3; ++k) {
        QVERIFY2(r[size_t(k)].ok, r[size_t(k)].error.c_str());
        QCOMPARE(r[size_t(k)].accuracy, 0.1 + k / 1000.0);
    }
    auto f = runEvaluatorHook(fails.toStdString(), in, dir.filePath("work2").toStdString(), 2, 30000);
    QVERIFY(!f[0].ok);
    QVERIFY2(QString::fromStdString(f[0].error).contains("status 3") && QString::fromStdString(f[0].error).contains("broken"),
             f[0].error.c_str());
    auto t = runEvaluatorHook(slow.toStdString(), {in[0]}, dir.filePath("work3").toStdString(), 1, 300);
    QVERIFY(!t[0].ok);
    QVERIFY2(QString::fromStdString(t[0].error).contains("timed out"), t[0].error.c_str());
    auto s = runEvaluatorHook(silent.toStdString(), {in[0]}, dir.filePath("work4").toStdString(), 1, 30000);
    QVERIFY(!s[0].ok);
    QVERIFY(QString::fromStdString(s[0].error).contains("accuracy"));
    auto missing = runEvaluatorHook("/nonexistent/evaluator", {in[0]}, dir.filePath("work5").toStdString(), 1, 30000);
    QVERIFY(!missing[0].ok);
    QVERIFY(QString::fromStdString(missing[0].error).contains("did not start"));
}

void TestSearch::evolutionWithEvaluator()
{
    QTemporaryDir dir;
    // Accuracy rises with the number of blocks (counts "kernel" in the JSON): a stand-in for training.
    const QString script = writeScript(dir, "eval.sh",
                                       "n=$(grep -o kernel \"$1\" | wc -l)\n"
                                       "echo \"{\\\"accuracy\\\": $n}\"\n");
    const SearchSpace s = tinySpace();
    EvolutionOptions o;
    o.resolution = 32;
    o.width = 1.0;
    o.population = 6;
    o.generations = 2;
    o.evaluator = script.toStdString();
    o.evaluatorProcesses = 2;
    o.workDir = dir.filePath("work").toStdString();
    auto r = runEvolution(s, board("nucleo-f412zg"), tstest::boards(), o);
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QVERIFY(QString::fromStdString(r->scoreName).contains("evaluator"));
    QVERIFY(!r->best.empty());
    const Candidate& best = r->candidates[size_t(r->best.front())];
    QVERIFY2(best.evaluatorError.empty(), best.evaluatorError.c_str());
    int blocks = 0;
    for (const StageChoice& st : best.arch.stages)
        blocks += int(st.blocks.size());
    QCOMPARE(best.accuracy, double(blocks));
    QCOMPARE(best.score, best.accuracy);
    QCOMPARE(blocks, 2); // the space's deepest stage wins a score that counts blocks
}

void TestSearch::costModelFit()
{
    // Synthetic layers from known coefficients: the fit recovers them.
    std::vector<CostSample> samples;
    for (int k = 1; k <= 12; ++k) {
        const int64_t macs = 1000 * k * k, outputs = 50 * k + 7 * (k % 3);
        samples.push_back({"m" + std::to_string(k % 3), "conv1x1", macs, outputs,
                           int64_t(std::llround(1.5 * macs + 20.0 * outputs + 300))});
        samples.push_back({"m" + std::to_string(k % 3), "add", 0, outputs, 70 * outputs + 200});
    }
    auto m = fitCostModel(samples, "qemu-test", "synthetic");
    QVERIFY(m.ok());
    QVERIFY(std::fabs(m->classes.at("conv1x1").perMac - 1.5) < 1e-3);
    QVERIFY(std::fabs(m->classes.at("conv1x1").perOutput - 20.0) < 0.05);
    QVERIFY(std::fabs(m->classes.at("conv1x1").perOp - 300.0) < 2.0);
    QVERIFY(std::fabs(m->classes.at("add").perOutput - 70.0) < 1e-6);
    QVERIFY(m->layerMeanAbsErrorPercent < 0.1);
    QCOMPARE(m->models, 3);
    // JSON round trip.
    auto back = costModelFromJson(QJsonDocument(costModelToJson(*m)).toJson(), "cm.json");
    QVERIFY(back.ok());
    QCOMPARE(back->classes.at("conv1x1").perMac, m->classes.at("conv1x1").perMac);
    auto bad = costModelFromJson(R"({"format": 1, "classes": {"warp": {}}})", "cm.json");
    QVERIFY(!bad.ok());
    QVERIFY(QString::fromStdString(firstError(bad.diagnostics)).contains("classes.warp"));
    // The shipped models: fitted to QEMU measurements, held-out models within 15 %.
    for (const char* machine : {"qemu-mps2-an386", "qemu-mps2-an500"}) {
        auto shipped = builtinCostModel(machine);
        QVERIFY2(shipped.ok(), firstError(shipped.diagnostics).c_str());
        QVERIFY(shipped->classes.count("conv1x1") && shipped->classes.count("depthwise"));
        QVERIFY(!shipped->holdout.empty());
        for (const HoldoutCheck& h : shipped->holdout)
            QVERIFY2(std::fabs(h.errorPercent) < 15.0, h.model.c_str());
        qInfo("%s: per-layer mean |error| %.1f %%, held-out models %zu", machine, shipped->layerMeanAbsErrorPercent,
              shipped->holdout.size());
    }
    QCOMPARE(QString::fromStdString(builtinCostModel("cortex-m7")->machine), QString("qemu-mps2-an500"));
}

void TestSearch::exportMarksUntrained()
{
    auto mc = loadSearchSpace("mcunet");
    SearchRng rng(9);
    const Architecture a = sampleArchitecture(*mc, 48, 0.3, rng);
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.tflite").toStdString();
    QVERIFY(!hasErrors(writeTfliteFile(buildCandidateModel(*mc, a, true), path)));
    auto m = importTfliteFile(path);
    QVERIFY2(m.ok(), firstError(m.diagnostics).c_str());
    const MetadataEntry* untrained = m->findMetadata("tinystudio_untrained");
    QVERIFY(untrained && untrained->data.size == 1 && untrained->data.data[0] == '1');
    const MetadataEntry* arch = m->findMetadata("tinystudio_architecture");
    QVERIFY(arch);
    const QByteArray json(reinterpret_cast<const char*>(arch->data.data), int(arch->data.size));
    auto back = architectureFromJson(QJsonDocument::fromJson(json).object(), *mc, "metadata");
    QVERIFY2(back.ok(), firstError(back.diagnostics).c_str());
    QVERIFY(*back == a);
    QVERIFY(QString::fromStdString(m->description).contains("untrained"));
}

void TestSearch::cliSearch()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), {"search", "--space", "mcunet", "--board", "nucleo-f412zg", "--resolution", "96",
                                                "--width", "0.4", "--generations", "2", "--population", "8", "--seed", "3",
                                                "--export", dir.path(), "--json"});
    QVERIFY(p.waitForFinished(300000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    const QJsonArray best = o["best"].toArray();
    QVERIFY(!best.isEmpty());
    for (const QJsonValue& v : best) {
        const QJsonObject c = v.toObject();
        for (const char* key : {"peak_bytes", "flash_bytes", "macs", "latency_estimate", "architecture"})
            QVERIFY2(c.contains(key), key);
        QVERIFY(c["fits"].toBool());
    }
    QVERIFY(QFileInfo::exists(dir.filePath("best.tflite")));
    QVERIFY(QFileInfo::exists(dir.filePath("best.architecture.json")));
    QVERIFY(QFileInfo::exists(dir.filePath("best.tinystudio")));
    // The exported model's figures are the ones printed.
    auto m = importTfliteFile(dir.filePath("best.tflite").toStdString());
    QVERIFY(m.ok());
    QCOMPARE(qint64(computeTotals(m->main()).macs), best[0].toObject()["macs"].toInteger());

    // Zoo, and errors a user makes.
    QVERIFY(!hasErrors(writeTfliteFile(buildDemoModel(), dir.filePath("zoo/demo.tflite").toStdString())) ||
            QDir().mkpath(dir.filePath("zoo")));
    QDir().mkpath(dir.filePath("zoo"));
    QVERIFY(!hasErrors(writeTfliteFile(buildDemoModel(), dir.filePath("zoo/demo.tflite").toStdString())));
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), {"search", "--zoo", dir.filePath("zoo"), "--board", "nucleo-f412zg", "--json"});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonArray zoo = QJsonDocument::fromJson(p.readAllStandardOutput()).object()["models"].toArray();
    QCOMPARE(zoo.size(), 1);
    QVERIFY(zoo[0].toObject()["fits"].toBool());
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), {"search", "--space", "nosuch", "--board", "nucleo-f412zg"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardError().contains("nosuch"));
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), {"search", "--space", "mcunet", "--board", "nucleo-f412zg", "--resolution", "97", "--width", "0.4"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("not a pair"));
}

// A searched candidate with a patch schedule, generated, cross-built and run on the emulated board
// its search was for; the firmware's output equals the reference interpreter's.
void TestSearch::bestCandidateRunsOnQemu()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    auto mc = loadSearchSpace("mcunet");
    EvolutionOptions o;
    o.resolution = 144;
    o.width = 0.4;
    o.population = 8;
    o.generations = 2;
    o.seed = 7;
    const Board& qemu = board("qemu-mps2-an386"); // enforces the F412's limits
    auto r = runEvolution(*mc, qemu, tstest::boards(), o);
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QVERIFY(!r->best.empty());
    // The best candidate that needs patches (the search at 144 px on 256 KiB needs them), else the best.
    const Candidate* pick = &r->candidates[size_t(r->best.front())];
    for (int i : r->best)
        if (r->candidates[size_t(i)].figures.patch) {
            pick = &r->candidates[size_t(i)];
            break;
        }
    const Model m = buildCandidateModel(*mc, pick->arch, true);
    auto bytes = exportTflite(m);
    auto imported = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "best.tflite");
    QVERIFY(imported.ok());
    const Session doc = candidateSession(*imported, qemu.id, pick->figures, o.eval);
    DeployOptions d;
    d.dir = (QDir::currentPath() + "/deploy-search-best").toStdString();
    auto run = deployOnQemu(*imported, doc, tstest::boards(), d);
    QVERIFY2(run.ok(), firstError(run.diagnostics).c_str());
    QVERIFY2(run->matchesReference, run->mismatch.c_str());
    // The firmware's arena is the searched peak, byte for byte, and the searched flash figure is not
    // below what the linker placed (runtime, constants, C library).
    QCOMPARE(run->arenaBytes, pick->figures.peakBytes);
    QCOMPARE(run->build.size.arena, pick->figures.peakBytes);
    const int64_t linked = run->build.size.runtime + run->build.size.weights + run->build.size.libc;
    QVERIFY2(linked <= pick->figures.flashBytes,
             qPrintable(QString("linked %1 B > searched %2 B").arg(linked).arg(pick->figures.flashBytes)));
    qInfo("searched candidate %s: peak %lld B (%s), %lld MACs, %lld instructions per inference on QEMU (estimated %lld)",
          pick->arch.key().c_str(), (long long)pick->figures.peakBytes,
          pick->figures.patch ? "patched" : "whole tensors", (long long)pick->figures.macs, (long long)run->run.instructions,
          (long long)pick->figures.latency);
}

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
