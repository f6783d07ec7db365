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
    QCOMPARE(m["ops"].toInt(), 31);
    QCOMPARE(m["tensors"].toInt(), 89);
    QCOMPARE(m["macs"].toInteger(), qint64(7157888));
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
    QCOMPARE(l2["macs"].toInteger(), qint64(294912));
    QCOMPARE(l2["weight_bytes"].toInteger(), qint64(128));
    QCOMPARE(l2["supported"].toBool(), true);
    QVERIFY(r.err.isEmpty());
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
    QCOMPARE(o["peak_bytes"].toInteger(), qint64(89600));
    QCOMPARE(o["lower_bound_bytes"].toInteger(), qint64(89600));
    QCOMPARE(o["planner"].toString(), QString("hill-climb"));
    QCOMPARE(o["board"].toString(), QString("stm32f746g-disco"));
    QCOMPARE(o["fits"].toBool(), true);
    QCOMPARE(o["sram_budget_bytes"].toInteger(), qint64(320 * 1024));
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
    QCOMPARE(maxWs, qint64(89600));
    QCOMPARE(maxAt, peakOp);
    const QJsonArray buffers = o["buffers"].toArray();
    QVERIFY(!buffers.isEmpty());
    for (const auto& v : buffers) {
        const QJsonObject b = v.toObject();
        QVERIFY(b["offset"].toInteger() >= 0);
        QVERIFY(b["offset"].toInteger() + b["size"].toInteger() <= 89600);
        QVERIFY(b["first"].toInt() <= b["last"].toInt());
        QVERIFY(b.contains("tensor"));
    }

    const Run greedy = cli({"analyze", path, "--board", "stm32f746g-disco", "--quantized-io", "--planner", "tflm-greedy",
                            "--json"});
    QCOMPARE(greedy.code, 0);
    QCOMPARE(QJsonDocument::fromJson(greedy.out).object()["peak_bytes"].toInteger(), qint64(96000));
    const Run text = cli({"analyze", path, "--board", "nucleo-f411re", "--quantized-io"});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("FITS") || text.out.contains("DOES NOT FIT"));
    QVERIFY(text.out.contains("← peak"));
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
