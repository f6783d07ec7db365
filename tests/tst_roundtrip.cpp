// import → export → import gives the same graph, on every shared model and on the demo model;
// exporting twice gives the same bytes (deterministic output).

#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "testsupport.h"

#include <QTemporaryDir>

using namespace ts;

class TestRoundTrip : public QObject {
    Q_OBJECT
private slots:
    void sharedModels_data();
    void sharedModels();
    void demoModel();
    void writeFileIsAtomic();
    void stringsWithNulBytesSurvive();
};

void TestRoundTrip::sharedModels_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& n : tstest::sharedModels())
        QTest::newRow(qPrintable(n)) << n;
    if (tstest::sharedModels().isEmpty())
        QTest::newRow("no shared models") << QString();
}

void TestRoundTrip::sharedModels()
{
    QFETCH(QString, name);
    if (name.isEmpty())
        TS_REQUIRE_SHARED();
    auto a = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY2(a.ok(), firstError(a.diagnostics).c_str());
    auto bytes = exportTflite(*a);
    QVERIFY(bytes.ok());
    auto b = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "exported.tflite");
    QVERIFY2(b.ok(), firstError(b.diagnostics).c_str());
    std::string diff;
    QVERIFY2(sameGraph(*a, *b, &diff), diff.c_str());
    auto again = exportTflite(*b);
    QVERIFY(again.ok());
    QVERIFY(*again == *bytes);
}

void TestRoundTrip::demoModel()
{
    const Model demo = buildDemoModel();
    auto bytes = exportTflite(demo);
    QVERIFY(bytes.ok());
    auto back = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "demo.tflite");
    QVERIFY2(back.ok(), firstError(back.diagnostics).c_str());
    QVERIFY(back.diagnostics.empty());
    std::string diff;
    QVERIFY2(sameGraph(demo, *back, &diff), diff.c_str());
}

void TestRoundTrip::writeFileIsAtomic()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("demo.tflite").toStdString();
    QVERIFY(writeTfliteFile(buildDemoModel(), path).empty());
    auto r = importTfliteFile(path);
    QVERIFY(r.ok());
    // Writing into a folder that does not exist fails cleanly and names the path.
    const auto diags = writeTfliteFile(buildDemoModel(), dir.filePath("missing/dir/x.tflite").toStdString());
    QCOMPARE(diags.size(), size_t(1));
    QVERIFY(diags[0].toString().find("missing/dir/x.tflite") != std::string::npos);
}

// Regression (found by fuzz_import): names holding NUL bytes were cut at the NUL on export, so a
// metadata name no longer matched after re-import. Every string the exporter writes is covered.
void TestRoundTrip::stringsWithNulBytesSurvive()
{
    Model m = buildDemoModel();
    const std::string nul("a\0b", 3);
    static const uint8_t payload[4] = {1, 2, 3, 4};
    m.description = "demo" + nul;
    m.main().name = "main" + nul;
    m.main().tensors[0].name = "input" + nul;
    m.metadata.push_back(MetadataEntry{"meta" + nul, ByteView{payload, sizeof payload}});
    Op custom;
    custom.kind = OpKind::Custom;
    custom.customCode = "Vendor" + nul;
    custom.inputs = {m.main().outputs[0]};
    const int out = int(m.main().tensors.size());
    m.main().tensors.push_back(m.main().tensors[size_t(m.main().outputs[0])]);
    m.main().tensors.back().name = "custom_out";
    custom.outputs = {out};
    m.main().ops.push_back(custom);
    m.main().outputs = {out};
    auto bytes = exportTflite(m);
    QVERIFY(bytes.ok());
    auto back = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "nul.tflite");
    QVERIFY2(back.ok(), firstError(back.diagnostics).c_str());
    std::string diff;
    QVERIFY2(sameGraph(m, *back, &diff), diff.c_str());
    QCOMPARE(back->metadata.back().name.size(), size_t(7));
}

QTEST_GUILESS_MAIN(TestRoundTrip)
#include "tst_roundtrip.moc"
