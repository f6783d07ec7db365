// The reference interpreter: TFLite's fixed-point helpers on hand-checked values, the golden input
// generator, and bit-exact agreement with TFLM on every model in ../shared/golden.

#include "model/tflite_import.h"
#include "passes/legalize.h"
#include "reference/fixedpoint.h"
#include "reference/golden.h"
#include "reference/interpreter.h"
#include "testsupport.h"

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
