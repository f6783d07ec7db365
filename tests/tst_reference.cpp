// The reference interpreter: TFLite's fixed-point helpers on hand-checked values, the golden input
// generator, and bit-exact agreement with TFLM on every model in ../shared/golden.

#include "model/tflite_import.h"
#include "passes/legalize.h"
#include "reference/fixedpoint.h"
#include "reference/golden.h"
#include "reference/interpreter.h"
#include "testsupport.h"

#include <algorithm>
#include <set>

using namespace ts;

class TestReference : public QObject {
    Q_OBJECT
private slots:
    void quantizeMultiplier_data();
    void quantizeMultiplier();
    void fixedPointHelpers();
    void goldenInputGenerator();
    void golden_data();
    void golden();
    void everyTensor_data();
    void everyTensor();
    void legalizationKeepsResults_data();
    void legalizationKeepsResults();
    void unsupportedOpStopsBeforeRunning();
    void badInputSize();
};

void TestReference::quantizeMultiplier_data()
{
    QTest::addColumn<double>("real");
    QTest::addColumn<int>("multiplier");
    QTest::addColumn<int>("shift");
    // real = m × 2^(shift-31), m in [2^30, 2^31).
    QTest::newRow("0.5") << 0.5 << (1 << 30) << 0;
    QTest::newRow("0.25") << 0.25 << (1 << 30) << -1;
    QTest::newRow("1.0") << 1.0 << (1 << 30) << 1;
    QTest::newRow("0.75") << 0.75 << 1610612736 << 0;
    QTest::newRow("3.0") << 3.0 << 1610612736 << 2;
    QTest::newRow("zero") << 0.0 << 0 << 0;
    QTest::newRow("rounds up to 2^31") << 0.99999999999 << (1 << 30) << 1;
}

void TestReference::quantizeMultiplier()
{
    QFETCH(double, real);
    QFETCH(int, multiplier);
    QFETCH(int, shift);
    int32_t m = 0;
    int s = 0;
    ref::quantizeMultiplier(real, &m, &s);
    QCOMPARE(m, multiplier);
    QCOMPARE(s, shift);
}

void TestReference::fixedPointHelpers()
{
    using namespace ref;
    // Rounding doubling high multiply: (a·b·2 + 2^31) >> 32, saturating only at INT_MIN².
    QCOMPARE(saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
    QCOMPARE(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
    QCOMPARE(saturatingRoundingDoublingHighMul(-(1 << 30), 1 << 30), -(1 << 29));
    // Rounding divide by a power of two: half away from zero.
    QCOMPARE(roundingDivideByPOT(5, 1), 3);
    QCOMPARE(roundingDivideByPOT(-5, 1), -3);
    QCOMPARE(roundingDivideByPOT(4, 1), 2);
    QCOMPARE(roundingDivideByPOT(-7, 2), -2);
    QCOMPARE(roundingDivideByPOT(6, 2), 2);
    // x × 0.5 with the multiplier from quantizeMultiplier.
    int32_t m;
    int s;
    ref::quantizeMultiplier(0.5, &m, &s);
    QCOMPARE(multiplyByQuantizedMultiplier(int32_t(101), m, s), 51);
    // The doubling high multiply rounds ties towards +infinity (gemmlowp): -50.5 → -50.
    QCOMPARE(multiplyByQuantizedMultiplier(int32_t(-101), m, s), -50);
    ref::quantizeMultiplier(3.0, &m, &s);
    QCOMPARE(multiplyByQuantizedMultiplier(int32_t(7), m, s), 21);
    QCOMPARE(roundHalfAway(2.5f), 3.0f);
    QCOMPARE(roundHalfAway(-2.5f), -3.0f);
    QCOMPARE(clampTo<int8_t>(300), int8_t(127));
    QCOMPARE(clampTo<int8_t>(-300), int8_t(-128));
}

// shared/golden/README.md: for seed 1 the first int8 bytes are 21 01 c5 4f d1 d0.
void TestReference::goldenInputGenerator()
{
    Graph g;
    Tensor t;
    t.shape = {1, 6};
    t.dtype = DType::Int8;
    g.tensors.push_back(t);
    g.inputs = {0};
    QCOMPARE(goldenInput(g, 1), (std::vector<uint8_t>{0x21, 0x01, 0xc5, 0x4f, 0xd1, 0xd0}));
    const QString path = tstest::sharedDir() + "/golden/tflm_person_detect/input_1.bin";
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(tstest::modelPath("tflm_person_detect").toStdString());
    QVERIFY(model.ok());
    QCOMPARE(goldenInput(model->main(), 1), *tstest::readBytes(path));
}

void TestReference::golden_data()
{
    QTest::addColumn<QString>("name");
    const QStringList names = QDir(tstest::sharedDir() + "/golden").entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& n : names)
        if (n != "tflm_audio_preprocessor_int8")
            QTest::newRow(qPrintable(n)) << n;
    if (names.isEmpty())
        QTest::newRow("no golden data") << QString();
}

void TestReference::golden()
{
    QFETCH(QString, name);
    if (name.isEmpty())
        QSKIP(qPrintable("no golden data in " + tstest::sharedDir() + "/golden (set TINYSTUDIO_SHARED_DIR)"));
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto model = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY(model.ok());
    const GoldenReport r = checkAgainstGolden(*model, (tstest::sharedDir() + "/golden/" + name).toStdString());
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.cases.size(), size_t(3));
    for (const auto& c : r.cases)
        QVERIFY2(c.match, qPrintable(QString("seed %1: %2; first differing op %3: %4")
                                         .arg(c.seed)
                                         .arg(QString::fromStdString(c.detail))
                                         .arg(r.firstBadOp)
                                         .arg(QString::fromStdString(r.firstBadDetail))));
}

void TestReference::everyTensor_data()
{
    QTest::addColumn<QString>("name");
    const QStringList names = QDir(tstest::sharedDir() + "/golden").entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& n : names)
        if (QFileInfo::exists(tstest::sharedDir() + "/golden/" + n + "/tensors_1/index.tsv"))
            QTest::newRow(qPrintable(n)) << n;
    if (names.isEmpty())
        QTest::newRow("no golden data") << QString();
}

// Every intermediate tensor TFLM dumped for seed 1 (golden/<model>/tensors_1/), not only the
// outputs, byte for byte: the reference interpreter runs the stored graph once (each tensor keeps its
// own bytes, nothing is overwritten), then each dumped tensor is compared. A mismatch names the
// first differing tensor in execution order and the op that wrote it.
void TestReference::everyTensor()
{
    QFETCH(QString, name);
    if (name.isEmpty())
        QSKIP(qPrintable("no golden data in " + tstest::sharedDir() + "/golden (set TINYSTUDIO_SHARED_DIR)"));
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto model = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY(model.ok());
    const Graph& g = model->main();
    const std::string dir = (tstest::sharedDir() + "/golden/" + name).toStdString();
    const TensorDump dump = loadTensorDump(dir);
    QVERIFY2(dump.error.empty(), dump.error.c_str());
    QVERIFY(!dump.tensors.empty());

    auto interp = ReferenceInterpreter::create(g);
    QVERIFY2(interp.ok(), firstError(interp.diagnostics).c_str());
    const auto input = tstest::readBytes(tstest::sharedDir() + "/golden/" + name + "/input_1.bin");
    QVERIFY(input);
    QVERIFY(interp->setInputsFromConcatenated(*input).empty());
    const Diagnostics ran = interp->run();
    QVERIFY2(ran.empty(), firstError(ran).c_str());

    // Where each dumped tensor sits in execution: its producer's index; a graph input before
    // every op; a variable (SVDF state, dumped after the run) at the first op that reads it.
    auto position = [&](const DumpedTensor& d) {
        if (d.producerOp >= 0)
            return d.producerOp;
        for (size_t o = 0; o < g.ops.size(); ++o)
            if (std::count(g.ops[o].inputs.begin(), g.ops[o].inputs.end(), d.tensor))
                return d.producer == "VARIABLE" ? int(o) : -1;
        return -1;
    };
    std::vector<const DumpedTensor*> order;
    for (const DumpedTensor& d : dump.tensors)
        order.push_back(&d);
    std::stable_sort(order.begin(), order.end(),
                     [&](const DumpedTensor* a, const DumpedTensor* b) { return position(*a) < position(*b); });

    std::set<int> dumped;
    for (const DumpedTensor* d : order) {
        dumped.insert(d->tensor);
        const Tensor* t = g.tensor(d->tensor);
        const QString what = QString("tensor t%1 '%2' (%3)")
                                 .arg(d->tensor)
                                 .arg(QString::fromStdString(d->name))
                                 .arg(d->producerOp >= 0 ? QString("output of op %1 %2").arg(d->producerOp).arg(QString::fromStdString(d->producer))
                                                         : QString::fromStdString(d->producer));
        QVERIFY2(t, qPrintable(what + ": no such tensor in the imported model"));
        QVERIFY2(QString::fromStdString(d->dtype).compare(dtypeName(t->dtype), Qt::CaseInsensitive) == 0,
                 qPrintable(what + ": TFLM dtype " + QString::fromStdString(d->dtype) + ", ours " + dtypeName(t->dtype)));
        QVERIFY2(d->shape == t->shape, qPrintable(what + ": TFLM shape differs from the imported one"));
        if (d->producerOp >= 0) {
            QVERIFY2(size_t(d->producerOp) < g.ops.size() && opKindName(g.ops[size_t(d->producerOp)].kind) == d->producer,
                     qPrintable(what + ": the imported model has another op there"));
        }
        const std::vector<uint8_t>& ours = interp->tensorBytes(d->tensor);
        QVERIFY2(ours == d->bytes,
                 qPrintable("first tensor that differs from TFLM, in execution order: " + what + ": "
                            + QString::fromStdString(describeDifference(*t, ours, d->bytes))));
    }
    // The dump covers every op: each op's outputs were compared.
    for (size_t o = 0; o < g.ops.size(); ++o)
        for (int out : g.ops[o].outputs)
            QVERIFY2(dumped.count(out), qPrintable(QString("op %1 %2: output t%3 is not in TFLM's dump")
                                                       .arg(o).arg(QString::fromStdString(opKindName(g.ops[o].kind))).arg(out)));
}

void TestReference::legalizationKeepsResults_data() { golden_data(); }

// Every legalization pass keeps the model's numerical results: the legalized graph (PADs folded
// into conv padding, RESHAPE/SQUEEZE aliased, activations fused) gives the same output bytes as the
// graph as stored, on TFLM's seeded inputs.
void TestReference::legalizationKeepsResults()
{
    QFETCH(QString, name);
    if (name.isEmpty())
        QSKIP(qPrintable("no golden data in " + tstest::sharedDir() + "/golden (set TINYSTUDIO_SHARED_DIR)"));
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto model = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY(model.ok());
    const LegalGraph lg = legalize(*model, LegalizeOptions{true, true, true, false});
    auto raw = ReferenceInterpreter::create(model->main());
    auto legal = ReferenceInterpreter::create(lg.graph);
    QVERIFY(raw.ok() && legal.ok());
    for (uint32_t seed : {1u, 2u}) {
        const auto input = goldenInput(model->main(), seed);
        raw->resetState();
        legal->resetState();
        QVERIFY(raw->setInputsFromConcatenated(input).empty());
        QVERIFY(legal->setInputsFromConcatenated(input).empty());
        QVERIFY(raw->run().empty());
        QVERIFY(legal->run().empty());
        QVERIFY2(raw->outputsConcatenated() == legal->outputsConcatenated(),
                 qPrintable(QString("seed %1 after %2 rewrites").arg(seed).arg(lg.log.size())));
        // And both equal TFLM's output for that seed (goldenInput(seed) is input_<seed>.bin).
        if (const auto tflm = tstest::readBytes(tstest::sharedDir() + QString("/golden/%1/output_%2.bin").arg(name).arg(seed)))
            QVERIFY2(legal->outputsConcatenated() == *tflm, qPrintable(QString("seed %1: legalized output differs from TFLM's").arg(seed)));

        // "Input arrives quantized": the int8 body, fed what the raw graph's QUANTIZE produced,
        // ends with exactly the tensors the raw graph's DEQUANTIZE reads (tensor indices persist).
        const LegalGraph body = legalize(*model, LegalizeOptions{true, true, true, true});
        if (body.graph.inputs == model->main().inputs && body.graph.outputs == model->main().outputs)
            continue; // nothing to strip
        auto bodyRun = ReferenceInterpreter::create(body.graph);
        QVERIFY(bodyRun.ok());
        for (int t : body.graph.inputs)
            bodyRun->tensorBytes(t) = raw->tensorBytes(t);
        QVERIFY(bodyRun->run().empty());
        for (int t : body.graph.outputs)
            QVERIFY2(bodyRun->tensorBytes(t) == raw->tensorBytes(t), qPrintable(QString("seed %1, tensor %2").arg(seed).arg(t)));
        // For seed 1, the body's int8 outputs against TFLM's dump of those tensors.
        if (seed == 1) {
            const TensorDump dump = loadTensorDump((tstest::sharedDir() + "/golden/" + name).toStdString());
            size_t compared = 0;
            for (const DumpedTensor& d : dump.tensors)
                if (std::count(body.graph.outputs.begin(), body.graph.outputs.end(), d.tensor)) {
                    QVERIFY2(bodyRun->tensorBytes(d.tensor) == d.bytes, qPrintable(QString("tensor %1 differs from TFLM's").arg(d.tensor)));
                    ++compared;
                }
            if (dump.error.empty())
                QCOMPARE(compared, body.graph.outputs.size());
        }
    }
}

void TestReference::unsupportedOpStopsBeforeRunning()
{
    const QString path = tstest::modelPath("tflm_audio_preprocessor_int8");
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(path.toStdString());
    QVERIFY(model.ok());
    auto interp = ReferenceInterpreter::create(model->main());
    QVERIFY(!interp.ok());
    const QString msg = QString::fromStdString(firstError(interp.diagnostics));
    QVERIFY2(msg.contains("CUSTOM 'SignalWindow'") && msg.contains("layer 0") && msg.contains("nothing was run"),
             qPrintable(msg));
}

void TestReference::badInputSize()
{
    const QString path = tstest::modelPath("tflm_micro_speech");
    TS_REQUIRE_MODEL(path);
    auto model = importTfliteFile(path.toStdString());
    auto interp = ReferenceInterpreter::create(model->main());
    QVERIFY(interp.ok());
    const auto d = interp->setInputsFromConcatenated(std::vector<uint8_t>(10, 0));
    QCOMPARE(d.size(), size_t(1));
    QVERIFY(QString::fromStdString(d[0].toString()).contains("holds 10 bytes; the model's inputs take 1960"));
}

QTEST_GUILESS_MAIN(TestReference)
#include "tst_reference.moc"
