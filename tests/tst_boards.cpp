// Board profiles: every bundled profile loads cleanly with the vendors' figures; bad JSON gives
// the field and the expected value; user profiles override bundled ones by id.

#include "boards/board.h"
#include "testsupport.h"

#include <QTemporaryDir>

using namespace ts;

namespace {
BoardSet bundled() { return loadBoards({TINYSTUDIO_SOURCE_DIR "/boards"}); }

QByteArray validJson()
{
    return R"({"format": 1, "id": "my-board", "name": "My Board", "vendor": "Me", "mcu": "STM32F446RET6",
      "core": "cortex-m4", "clock_hz": 180000000, "fpu": "fpv4-sp-d16", "dsp": true,
      "flash": [{"name": "FLASH", "base": "0x08000000", "size": 524288, "kind": "internal"}],
      "ram": [{"name": "SRAM1", "base": "0x20000000", "size": 114688, "kind": "SRAM"}],
      "probe": {"type": "stlink"}, "source": "RM0390"})";
}

QByteArray edited(const QString& key, const QString& replacement)
{
    // Replace the value of one top-level field (good enough for these fixtures).
    QString s = QString::fromUtf8(validJson());
    const QRegularExpression re("\"" + key + "\":\\s*(\"[^\"]*\"|\\[[^\\]]*\\]|\\{[^}]*\\}|[^,}]+)");
    s.replace(re, "\"" + key + "\": " + replacement);
    return s.toUtf8();
}
} // namespace

class TestBoards : public QObject {
    Q_OBJECT
private slots:
    void bundledLoadCleanly();
    void vendorFigures_data();
    void vendorFigures();
    void emulatedBoardsEnforceRealOnes();
    void badJson_data();
    void badJson();
    void fileNameMustMatchId();
    void userBoardsOverride();
};

void TestBoards::bundledLoadCleanly()
{
    const BoardSet set = bundled();
    for (const auto& d : set.diagnostics)
        QVERIFY2(false, d.toString().c_str());
    const char* required[] = {"stm32f746g-disco", "nucleo-f767zi", "nucleo-h743zi2", "nucleo-f412zg", "nucleo-f411re",
                              "nucleo-f446re", "nucleo-l476rg", "openmv-cam-h7", "nucleo-u575zi-q", "qemu-mps2-an386",
                              "qemu-mps2-an500"};
    for (const char* id : required)
        QVERIFY2(set.find(id), id);
    QVERIFY(set.find(kDefaultBoardId));
    for (const Board& b : set.boards)
        QVERIFY2(!b.source.empty(), b.id.c_str());
}

void TestBoards::vendorFigures_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("core");
    QTest::addColumn<qint64>("flash");
    QTest::addColumn<qint64>("sramOnBus"); // main system SRAM (no TCM/backup/ITCM) as the datasheet states it
    QTest::addColumn<qint64>("clock");
    // Datasheet headline figures.
    QTest::newRow("F746") << "stm32f746g-disco" << "cortex-m7" << qint64(1024 * 1024) << qint64(320 * 1024) << qint64(216000000);
    QTest::newRow("F767") << "nucleo-f767zi" << "cortex-m7" << qint64(2048 * 1024) << qint64(512 * 1024) << qint64(216000000);
    QTest::newRow("F412") << "nucleo-f412zg" << "cortex-m4" << qint64(1024 * 1024) << qint64(256 * 1024) << qint64(100000000);
    QTest::newRow("F411") << "nucleo-f411re" << "cortex-m4" << qint64(512 * 1024) << qint64(128 * 1024) << qint64(100000000);
    QTest::newRow("F446") << "nucleo-f446re" << "cortex-m4" << qint64(512 * 1024) << qint64(128 * 1024) << qint64(180000000);
    QTest::newRow("L476") << "nucleo-l476rg" << "cortex-m4" << qint64(1024 * 1024) << qint64(128 * 1024) << qint64(80000000);
    // H743: DTCM 128 + AXI 512 + SRAM1-3 288 + SRAM4 64 (the "1 MB" also counts ITCM 64 and backup 4)
    QTest::newRow("H743") << "nucleo-h743zi2" << "cortex-m7" << qint64(2048 * 1024) << qint64(992 * 1024) << qint64(480000000);
    QTest::newRow("U575") << "nucleo-u575zi-q" << "cortex-m33" << qint64(2048 * 1024) << qint64(784 * 1024) << qint64(160000000);
}

void TestBoards::vendorFigures()
{
    QFETCH(QString, id);
    QFETCH(QString, core);
    QFETCH(qint64, flash);
    QFETCH(qint64, sramOnBus);
    QFETCH(qint64, clock);
    const BoardSet set = bundled();
    const Board* b = set.find(id.toStdString());
    QVERIFY(b);
    QCOMPARE(QString::fromStdString(b->core), core);
    QCOMPARE(qint64(b->totalFlash()), flash);
    QCOMPARE(b->clockHz, clock);
    qint64 sram = 0;
    for (const auto& r : b->ram)
        if (r.kind != "ITCM" && r.kind != "BACKUP")
            sram += qint64(r.size);
    QCOMPARE(sram, sramOnBus);
    QVERIFY(!b->emulated());
    QCOMPARE(QString::fromStdString(b->probe.type), QString("stlink"));
}

void TestBoards::emulatedBoardsEnforceRealOnes()
{
    const BoardSet set = bundled();
    for (const char* id : {"qemu-mps2-an386", "qemu-mps2-an500"}) {
        const Board* b = set.find(id);
        QVERIFY(b && b->emulated());
        const Board* real = set.limitsOf(*b);
        QVERIFY(real && !real->emulated());
        QCOMPARE(b->core, real->core);
    }
    QCOMPARE(set.find("qemu-mps2-an386")->probe.machine, std::string("mps2-an386"));
    QCOMPARE(set.find("qemu-mps2-an500")->probe.machine, std::string("mps2-an500"));
}

void TestBoards::badJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expect");
    QTest::newRow("valid") << validJson() << QString();
    QTest::newRow("not json") << QByteArray("{ nope") << "not valid JSON";
    QTest::newRow("array") << QByteArray("[]") << "JSON object";
    QTest::newRow("format") << edited("format", "2") << "format: found 2; expected 1..1";
    QTest::newRow("missing id") << edited("id", "null") << "id: expected a non-empty string, found null";
    QTest::newRow("bad id") << edited("id", "\"My Board\"") << "id: found \"My Board\"";
    QTest::newRow("core") << edited("core", "\"cortex-a53\"") << "core: found \"cortex-a53\"; expected one of cortex-m4";
    QTest::newRow("clock string") << edited("clock_hz", "\"fast\"") << "clock_hz: expected a whole number";
    QTest::newRow("clock range") << edited("clock_hz", "5") << "clock_hz: found 5; expected 1000000..";
    QTest::newRow("fpu") << edited("fpu", "\"yes\"") << "fpu: found \"yes\"";
    QTest::newRow("dsp") << edited("dsp", "1") << "dsp: expected true or false";
    QTest::newRow("flash empty") << edited("flash", "[]") << "flash: expected a non-empty array";
    QTest::newRow("ram base") << edited("ram", R"([{"name": "SRAM1", "base": "20000000", "size": 1024, "kind": "SRAM"}])")
                              << "ram[0].base: found \"20000000\"; expected a 32-bit hex address";
    QTest::newRow("ram size") << edited("ram", R"([{"name": "SRAM1", "base": "0x20000000", "size": -1, "kind": "SRAM"}])")
                              << "ram[0].size: found -1";
    QTest::newRow("ram kind") << edited("ram", R"([{"name": "SRAM1", "base": "0x20000000", "size": 1024, "kind": "DRAM"}])")
                              << "ram[0].kind: found \"DRAM\"";
    QTest::newRow("overlap") << edited("ram", R"([{"name": "A", "base": "0x20000000", "size": 4096, "kind": "SRAM"}, {"name": "B", "base": "0x20000800", "size": 4096, "kind": "SRAM"}])")
                             << "ram[1].base: region 'B' overlaps region 'A'";
    QTest::newRow("past 4 GiB") << edited("ram", R"([{"name": "A", "base": "0xFFFFF000", "size": 8192, "kind": "SRAM"}])")
                                << "runs past the 4 GiB";
    QTest::newRow("probe") << edited("probe", R"({"type": "jlink"})") << "probe.type: found \"jlink\"";
    QTest::newRow("qemu without machine") << edited("probe", R"({"type": "qemu"})") << "probe.machine";
    QTest::newRow("source") << edited("source", "\"\"") << "source: expected a non-empty string";
}

void TestBoards::badJson()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expect);
    auto r = parseBoard(json, "my-board.json");
    if (expect.isEmpty()) {
        QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
        QCOMPARE(r->totalRam(), uint64_t(114688));
        return;
    }
    QVERIFY(!r.ok());
    const QString msg = QString::fromStdString(firstError(r.diagnostics));
    QVERIFY2(msg.contains(expect), qPrintable(msg));
    QVERIFY(msg.startsWith("my-board.json: "));
}

void TestBoards::fileNameMustMatchId()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("other-name.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(validJson());
    f.close();
    auto r = loadBoardFile(f.fileName().toStdString());
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(firstError(r.diagnostics)).contains("expected \"other-name\""));
}

void TestBoards::userBoardsOverride()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("nucleo-f446re.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(edited("id", "\"nucleo-f446re\"").replace("\"My Board\"", "\"My F446\""));
    f.close();
    QFile bad(dir.filePath("broken.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{");
    bad.close();
    const BoardSet set = loadBoards({TINYSTUDIO_SOURCE_DIR "/boards", dir.path().toStdString()});
    const Board* b = set.find("nucleo-f446re");
    QVERIFY(b);
    QCOMPARE(b->name, std::string("My F446"));
    QVERIFY(b->user);
    // The broken user file is reported and skipped; the bundled boards are all still there.
    QCOMPARE(set.diagnostics.size(), size_t(1));
    QVERIFY(set.diagnostics[0].file.find("broken.json") != std::string::npos);
    QVERIFY(set.find("stm32f746g-disco"));
}

QTEST_GUILESS_MAIN(TestBoards)
#include "tst_boards.moc"
