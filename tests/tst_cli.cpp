// tinystudio-cli as a user runs it: JSON shape and figures, text table, errors on stderr with a
// non-zero exit.

#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace {
struct Run {
    int code = -1;
    QByteArray out, err;
};

Run cli(const QStringList& args)
{
    QProcess p;
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), args);
    Run r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// The length of a vector field of subgraph 0, read from the .tflite FlatBuffer by hand (schema:
// Model.subgraphs is field 2; SubGraph.tensors field 0, SubGraph.operators field 3), independently
// of the importer. -1 when the bytes do not hold it.
constexpr int kSubgraphTensors = 0, kSubgraphOperators = 3;
int flatbufferVectorLength(const std::vector<uint8_t>& b, int subgraphField)
{
    auto u32 = [&](size_t o) -> int64_t {
        if (o + 4 > b.size())
            return -1;
        return int64_t(b[o]) | int64_t(b[o + 1]) << 8 | int64_t(b[o + 2]) << 16 | int64_t(b[o + 3]) << 24;
    };
    auto u16 = [&](size_t o) -> int64_t { return o + 2 > b.size() ? -1 : int64_t(b[o]) | int64_t(b[o + 1]) << 8; };
    // Where field `i` of the table at `t` is (its vtable at t − soffset), or -1.
    auto field = [&](int64_t t, int i) -> int64_t {
        const int64_t soffset = u32(size_t(t));
        if (t < 0 || soffset < 0)
            return -1;
        const int64_t vt = t - int64_t(int32_t(uint32_t(soffset)));
        const int64_t vtSize = u16(size_t(vt));
        if (vt < 0 || vtSize < 4 + 2 * (i + 1))
            return -1;
        const int64_t off = u16(size_t(vt + 4 + 2 * i));
        return off > 0 ? t + off : -1;
    };
    auto deref = [&](int64_t at) -> int64_t { return at < 0 || u32(size_t(at)) < 0 ? -1 : at + u32(size_t(at)); };
    const int64_t model = u32(0);
    const int64_t subgraphs = deref(field(model, 2));
    if (subgraphs < 0 || u32(size_t(subgraphs)) < 1)
        return -1;
    const int64_t subgraph0 = deref(subgraphs + 4);
    const int64_t vec = deref(field(subgraph0, subgraphField));
    return vec < 0 ? -1 : int(u32(size_t(vec)));
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void inspectJson();
    void inspectText();
    void errors_data();
    void errors();
    void boardsJson();
    void demoModelAndRoundtrip();
    void analyzeJson();
    void fitVerdictAgainstTflm();
    void regressionGuard_vwwNoWorseThanBefore();
    void analyzeErrors_data();
    void analyzeErrors();
};

void TestCli::inspectJson()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    const Run r = cli({"inspect", path, "--json"});
    QCOMPARE(r.code, 0);
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(r.out, &pe).object();
    QCOMPARE(pe.error, QJsonParseError::NoError);
    const QJsonObject m = o["model"].toObject();
    QCOMPARE(m["sha256"].toString(), QString("808cfdfc0cf3a6fa6f6fa26bfa379ea97c16d5db7334637766e39c3408502e9d"));
    QCOMPARE(m["ops"].toInt(), 31); // PROVENANCE.md: 31 ops
    const auto file = tstest::readBytes(path);
    QVERIFY(file);
    QCOMPARE(m["ops"].toInt(), flatbufferVectorLength(*file, kSubgraphOperators));
    QCOMPARE(m["tensors"].toInt(), flatbufferVectorLength(*file, kSubgraphTensors)); // 89
    QVERIFY(m["weight_bytes"].toInteger() > 200000);
    const QJsonObject in = m["inputs"].toArray()[0].toObject();
    QCOMPARE(in["dtype"].toString(), QString("int8"));
    QCOMPARE(in["shape"].toArray(), (QJsonArray{1, 96, 96, 1}));
    QCOMPARE(in["zero_point"].toInt(), -1);
    QVERIFY(qAbs(in["scale"].toDouble() - 0.0078431377) < 1e-9);
    QVERIFY(!in["name"].toString().isEmpty());
    const QJsonArray layers = o["layers"].toArray();
    QCOMPARE(layers.size(), 31);
    const QJsonObject l2 = layers[2].toObject();
    QCOMPARE(l2["index"].toInt(), 2);
    QCOMPARE(l2["op"].toString(), QString("CONV_2D"));
    QCOMPARE(l2["inputs"].toArray()[0].toArray(), (QJsonArray{1, 48, 48, 8}));
    QCOMPARE(l2["outputs"].toArray()[0].toArray(), (QJsonArray{1, 48, 48, 16}));
    QCOMPARE(l2["macs"].toInteger(), qint64(48 * 48 * 16 * 8)); // 1×1 conv: output elements × Cin = 294,912
    QCOMPARE(l2["weight_bytes"].toInteger(), qint64(16 * 8));    // 16 filters of 1×1×8 int8
    QCOMPARE(l2["supported"].toBool(), true);
    QVERIFY(r.err.isEmpty());

    // MobileNetV1's MACs by hand (TFLite convention: one multiply-accumulate per filter tap and
    // output element): every DEPTHWISE_CONV_2D is 3×3 (output elements × 9), every CONV_2D is 1×1
    // (output elements × input channels); pooling, RESHAPE and SOFTMAX count none. Summed over the
    // 31 layers' shapes this is 7,157,888; the first depthwise layer (multiplier 8 on the 96×96×1
    // image, stride 2) is 48·48·8·9 = 165,888.
    qint64 byHand = 0;
    for (const auto& v : layers) {
        const QJsonObject l = v.toObject();
        const QJsonArray out = l["outputs"].toArray()[0].toArray();
        const QJsonArray inShape = l["inputs"].toArray()[0].toArray();
        qint64 outElements = 1;
        for (const auto& d : out)
            outElements *= d.toInteger();
        if (l["op"].toString() == "DEPTHWISE_CONV_2D")
            byHand += outElements * 9;
        else if (l["op"].toString() == "CONV_2D")
            byHand += outElements * inShape.last().toInteger();
    }
    QCOMPARE(byHand, qint64(7157888));
    QCOMPARE(m["macs"].toInteger(), byHand);
    QCOMPARE(layers[0].toObject()["macs"].toInteger(), qint64(48 * 48 * 8 * 9));
}

void TestCli::inspectText()
{
    const QString path = tstest::modelPath("tflm_person_detect_vela");
    TS_REQUIRE_MODEL(path);
    const Run r = cli({"inspect", path});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("CUSTOM(ethos-u)"));
    QVERIFY(r.out.contains("no: CUSTOM op 'ethos-u' has no TinyStudio kernel"));
    QVERIFY(r.out.contains("metadata 'OfflineMemoryAllocation'"));
}

void TestCli::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("expect");
    QTest::newRow("no args") << QStringList{} << 2 << "usage:";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2 << "unknown command 'frobnicate'";
    QTest::newRow("unknown option") << QStringList{"inspect", "x.tflite", "--yaml"} << 2 << "unknown option --yaml";
    QTest::newRow("missing file") << QStringList{"inspect", "/nonexistent/m.tflite"} << 1
                                  << "/nonexistent/m.tflite: no such file";
    QTest::newRow("directory") << QStringList{"inspect", "/tmp"} << 1 << "is a directory";
    QTest::newRow("not a model") << QStringList{"inspect", TINYSTUDIO_SOURCE_DIR "/CMakeLists.txt"} << 1
                                 << "expected 'TFL3'";
}

void TestCli::errors()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, expect);
    const Run r = cli(args);
    QCOMPARE(r.code, code);
    QVERIFY2(QString::fromUtf8(r.err).contains(expect), r.err.constData());
    QVERIFY(r.out.isEmpty());
}

void TestCli::boardsJson()
{
    const Run r = cli({"boards", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonArray boards = QJsonDocument::fromJson(r.out).object()["boards"].toArray();
    QVERIFY(boards.size() >= 11);
    bool sawF746 = false;
    for (const auto& v : boards) {
        const QJsonObject b = v.toObject();
        if (b["id"].toString() == "stm32f746g-disco") {
            sawF746 = true;
            QCOMPARE(b["flash_bytes"].toInteger(), qint64(1048576));
            QCOMPARE(b["core"].toString(), QString("cortex-m7"));
        }
        if (b["id"].toString() == "qemu-mps2-an500")
            QCOMPARE(b["enforces"].toString(), QString("stm32f746g-disco"));
    }
    QVERIFY(sawF746);
}

void TestCli::demoModelAndRoundtrip()
{
    QTemporaryDir dir;
    const QString demo = dir.filePath("demo.tflite");
    QCOMPARE(cli({"demo-model", demo}).code, 0);
    const Run inspect = cli({"inspect", demo, "--json"});
    QCOMPARE(inspect.code, 0);
    const QJsonObject m = QJsonDocument::fromJson(inspect.out).object()["model"].toObject();
    QCOMPARE(m["inputs"].toArray()[0].toObject()["shape"].toArray(), (QJsonArray{1, 96, 96, 3}));
    QCOMPARE(m["unsupported_ops"].toInt(), 0);
    const Run rt = cli({"roundtrip", demo, dir.filePath("again.tflite")});
    QCOMPARE(rt.code, 0);
    QVERIFY(rt.err.contains("holds the same graph"));
}

void TestCli::analyzeJson()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    const Run r = cli({"analyze", path, "--board", "stm32f746g-disco", "--quantized-io", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    const qint64 peak = o["peak_bytes"].toInteger();
    // No plan beats the largest working set, and the default planner does no worse than TFLM's own
    // plan of the stored graph (161,472 B, shared/golden/README.md; the int8 body is a subset).
    QVERIFY(peak >= o["lower_bound_bytes"].toInteger());
    QVERIFY2(peak <= 161472, qPrintable(QString::number(peak)));
    QCOMPARE(o["planner"].toString(), QString("hill-climb"));
    QCOMPARE(o["board"].toString(), QString("stm32f746g-disco"));
    // STM32F746: 320 KB of contiguous data RAM (DTCM 64 + SRAM1 240 + SRAM2 16 KB, RM0385).
    QCOMPARE(o["sram_budget_bytes"].toInteger(), qint64(320 * 1024));
    // So it fits in SRAM with the default 8 KiB reserve: 161,472 + 8,192 < 327,680; the weights
    // (at most the 613,840-byte file) fit the 1 MB of flash.
    QCOMPARE(o["fits"].toBool(), true);
    QVERIFY(o["flash_bytes"].toInteger() > 400 * 1024);
    const int peakOp = o["peak_op"].toInt();
    const QJsonArray layers = o["layers"].toArray();
    QCOMPARE(layers.size(), 63 - 4 - 2); // PADs folded, QUANTIZE/DEQUANTIZE removed
    qint64 maxWs = 0;
    int maxAt = -1;
    for (const auto& v : layers) {
        const QJsonObject l = v.toObject();
        QVERIFY(l.contains("index") && l.contains("op") && l.contains("scratch_bytes"));
        if (l["working_set_bytes"].toInteger() > maxWs) {
            maxWs = l["working_set_bytes"].toInteger();
            maxAt = l["index"].toInt();
        }
    }
    // The lower bound is the largest working set, at the peak op.
    QCOMPARE(maxWs, o["lower_bound_bytes"].toInteger());
    QCOMPARE(maxAt, peakOp);
    const QJsonArray buffers = o["buffers"].toArray();
    QVERIFY(!buffers.isEmpty());
    for (const auto& v : buffers) {
        const QJsonObject b = v.toObject();
        QVERIFY(b["offset"].toInteger() >= 0);
        QVERIFY(b["offset"].toInteger() + b["size"].toInteger() <= peak);
        QVERIFY(b["first"].toInt() <= b["last"].toInt());
        QVERIFY(b.contains("tensor"));
    }
}

// The fit verdict against figures the tool does not compute: TFLM's own arena "head" for vww
// (161,472 B, shared/golden/README.md) and each board's RAM as its profile states it. With TFLM's
// configuration (its greedy planner, no in-place, the graph as stored) the peak is TFLM's figure:
// the PAD at op 6 holds its input [1,40,40,48] = 76,800 B and its output [1,42,42,48] = 84,672 B
// (shapes from TFLM's dump, golden/tinyengine_vww/tensors_1/index.tsv), 161,472 B together.
void TestCli::fitVerdictAgainstTflm()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    const qint64 tflmHead = 161472;
    auto ramOf = [](const QString& board, const QString& region) {
        QFile f(TINYSTUDIO_SOURCE_DIR "/boards/" + board + ".json");
        if (!f.open(QIODevice::ReadOnly))
            return qint64(-1);
        for (const auto& v : QJsonDocument::fromJson(f.readAll()).object()["ram"].toArray())
            if (v.toObject()["name"].toString() == region)
                return v.toObject()["size"].toInteger();
        return qint64(-1);
    };
    const QStringList tflmConfig{"--planner", "tflm-greedy", "--no-inplace", "--no-legalize", "--reserve", "0"};

    // NUCLEO-F411RE: one 128 KiB SRAM. 161,472 − 131,072 = 30,400 B too many.
    const qint64 f411 = ramOf("nucleo-f411re", "SRAM1");
    QCOMPARE(f411, qint64(128 * 1024)); // RM0383: 128 KB SRAM
    const Run json = cli(QStringList{"analyze", path, "--board", "nucleo-f411re", "--json"} + tflmConfig);
    QCOMPARE(json.code, 0);
    const QJsonObject o = QJsonDocument::fromJson(json.out).object();
    QCOMPARE(o["peak_bytes"].toInteger(), tflmHead);
    QCOMPARE(o["lower_bound_bytes"].toInteger(), tflmHead); // the PAD step: no plan does better
    QCOMPARE(o["peak_op"].toInt(), 6);
    QCOMPARE(o["sram_budget_bytes"].toInteger(), f411);
    QCOMPARE(o["fits"].toBool(), false);
    const Run small = cli(QStringList{"analyze", path, "--board", "nucleo-f411re"} + tflmConfig);
    QCOMPARE(small.code, 0);
    QVERIFY2(small.out.contains(qPrintable(QString("DOES NOT FIT: SRAM overflows by %1 B").arg(tflmHead - f411))),
             small.out.constData());
    QVERIFY(small.out.contains("← peak"));

    // NUCLEO-H743ZI2, arena in its 512 KiB AXI SRAM: 524,288 − 161,472 = 362,816 B to spare; the
    // weights (at most the 613,840-byte file) are far below its 2 MB of flash.
    const qint64 axi = ramOf("nucleo-h743zi2", "AXI_SRAM");
    QCOMPARE(axi, qint64(512 * 1024)); // RM0433: 512 KB AXI SRAM
    const Run big = cli(QStringList{"analyze", path, "--board", "nucleo-h743zi2", "--region", "AXI_SRAM"} + tflmConfig);
    QCOMPARE(big.code, 0);
    QVERIFY2(big.out.contains(qPrintable(QString("FITS: SRAM fits with %1 B to spare").arg(axi - tflmHead))),
             big.out.constData());
}

// Regression guard only: 89,600 B (default planner) and 96,000 B (tflm-greedy) are the tool's own
// earlier figures for vww's int8 body, not checked against an independent source. A change may
// lower them (better in-place kernels); one that raises them is a regression to explain.
void TestCli::regressionGuard_vwwNoWorseThanBefore()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    const Run r = cli({"analyze", path, "--board", "stm32f746g-disco", "--quantized-io", "--json"});
    QCOMPARE(r.code, 0);
    const qint64 peak = QJsonDocument::fromJson(r.out).object()["peak_bytes"].toInteger();
    QVERIFY2(peak > 0 && peak <= 89600, qPrintable(QString::number(peak)));
    const Run greedy = cli({"analyze", path, "--board", "stm32f746g-disco", "--quantized-io", "--planner", "tflm-greedy",
                            "--json"});
    QCOMPARE(greedy.code, 0);
    const qint64 greedyPeak = QJsonDocument::fromJson(greedy.out).object()["peak_bytes"].toInteger();
    QVERIFY2(greedyPeak > 0 && greedyPeak <= 96000, qPrintable(QString::number(greedyPeak)));
}

void TestCli::analyzeErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("expect");
    const QString model = tstest::modelPath("tflm_micro_speech");
    QTest::newRow("no board") << QStringList{"analyze", model} << 2 << "needs --board";
    QTest::newRow("unknown board") << QStringList{"analyze", model, "--board", "arduino-uno"} << 1
                                   << "unknown board 'arduino-uno'; expected one of: ";
    QTest::newRow("unknown planner") << QStringList{"analyze", model, "--board", "nucleo-f446re", "--planner", "magic"} << 1
                                     << "unknown planner 'magic'; expected one of: tflm-greedy";
    QTest::newRow("bad reserve") << QStringList{"analyze", model, "--board", "nucleo-f446re", "--reserve", "lots"} << 2
                                 << "--reserve takes";
    QTest::newRow("unknown region") << QStringList{"analyze", model, "--board", "nucleo-f446re", "--region", "CCM"} << 1
                                    << "no RAM region named 'CCM'";
    QTest::newRow("board without value") << QStringList{"analyze", model, "--board"} << 2 << "--board (needs a value)";
}

void TestCli::analyzeErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, expect);
    TS_REQUIRE_MODEL(tstest::modelPath("tflm_micro_speech"));
    const Run r = cli(args);
    QCOMPARE(r.code, code);
    QVERIFY2(QString::fromUtf8(r.err).contains(expect), r.err.constData());
    if (expect.contains("expected one of: ") && expect.contains("board"))
        QVERIFY(r.err.contains("stm32f746g-disco"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
