// The ST-Link driver against a simulated bench behind its libstlink seam (tests/stlink_sim.h):
// scan, the chip and flash-size checks before writing, flash/verify byte for byte, and the faults
// (unplug mid-flash, verify mismatch, read failure while running, permission denied, cancel).
// Plus the real plugin: it loads through the PluginManager and, with no probe attached, scans to
// nothing without crashing. No ST-Link hardware was attached when these were written: the
// libstlink path itself is only exercised up to "no probe found".

#include "boards/board.h"
#include "probe/pluginmanager.h"
#include "stlink_driver.h"
#include "stlink_sim.h"

#include <QtTest>

#include <algorithm>

using namespace ts;
using ts::sim::SimBench;
using ts::sim::SimTarget;

namespace {

const BoardSet& boards()
{
    static const BoardSet set = loadBoards({std::string(TINYSTUDIO_SOURCE_DIR) + "/boards"});
    return set;
}

const Board& board(const std::string& id)
{
    const Board* b = boards().find(id);
    if (!b)
        qFatal("board profile %s missing from boards/", id.c_str());
    return *b;
}

std::string allText(const Diagnostics& d)
{
    std::string s;
    for (const Diagnostic& x : d)
        s += x.toString() + "\n";
    return s;
}

bool contains(const std::string& hay, const std::string& needle)
{
    return hay.find(needle) != std::string::npos;
}

// Bytes that differ from the erased value and from each other's neighbours.
std::vector<uint8_t> pattern(size_t n, uint32_t seed)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = uint8_t((i * 7 + seed * 31 + 3) % 251); // never 0xFF (251 > max value 250)
    return v;
}

FirmwareImage image(std::vector<FlashSegment> segs)
{
    FirmwareImage img;
    img.elfPath = "/tmp/sim-firmware.elf";
    img.segments = std::move(segs);
    img.entry = 0x08000000;
    return img;
}

uint8_t flashAt(const SimTarget& t, uint32_t address)
{
    return t.flash.at(address - t.flashBase);
}

} // namespace

class TestStlink : public QObject {
    Q_OBJECT

private slots:
    void scanListsProbe_data();
    void scanListsProbe();
    void scanSmallerVariant();
    void scanSilentTarget();
    void scanNothingAttached();
    void scanPermissionDenied();
    void openRefuses_data();
    void openRefuses();
    void openPermissionDenied();
    void openNoProbe();
    void openAmbiguous();
    void flashWritesExactlyTheImage();
    void flashRefusesSegmentOutsideFlash();
    void unplugMidFlash();
    void verifyMismatchNamesAddress();
    void readFailureWhileRunning();
    void memoryRoundTrip_data();
    void memoryRoundTrip();
    void cancelStopsWrite();
    void faultsMidSession_data();
    void faultsMidSession();
    void realPluginLoads();
    void realBackendWithoutProbe();
};

void TestStlink::scanListsProbe_data()
{
    QTest::addColumn<uint>("chipId");
    QTest::addColumn<int>("flashKiB");
    QTest::addColumn<QString>("chipName");
    QTest::addColumn<QStringList>("boards");
    // Device ids from the reference manuals' DBGMCU_IDCODE sections; board ids are the profiles in
    // boards/ whose mcu is that chip.
    // Flash sizes of the parts on those boards (datasheets: F411RE 512 KiB, F412ZG 1 MiB, ...).
    QTest::newRow("F411") << 0x431u << 512 << "STM32F411xC/E" << QStringList{"nucleo-f411re"};
    QTest::newRow("F412") << 0x441u << 1024 << "STM32F412" << QStringList{"nucleo-f412zg"};
    QTest::newRow("F446") << 0x421u << 512 << "STM32F446" << QStringList{"nucleo-f446re"};
    QTest::newRow("F74x") << 0x449u << 1024 << "STM32F74x/F75x" << QStringList{"stm32f746g-disco"};
    QTest::newRow("F76x") << 0x451u << 2048 << "STM32F76x/F77x" << QStringList{"nucleo-f767zi"};
    QTest::newRow("H74x") << 0x450u << 2048 << "STM32H74x/H75x" << QStringList{"nucleo-h743zi2", "openmv-cam-h7"};
    QTest::newRow("L47x") << 0x415u << 1024 << "STM32L47x/L48x" << QStringList{"nucleo-l476rg"};
    QTest::newRow("U575") << 0x482u << 2048 << "STM32U575/U585" << QStringList{"nucleo-u575zi-q"};
    QTest::newRow("F401 (no board)") << 0x423u << 256 << "STM32F401xB/C" << QStringList{};
}

void TestStlink::scanListsProbe()
{
    QFETCH(uint, chipId);
    QFETCH(int, flashKiB);
    QFETCH(QString, chipName);
    QFETCH(QStringList, boards);
    SimBench bench;
    auto t = SimTarget::f411();
    t->chipId = chipId;
    t->reportedFlashBytes = int64_t(flashKiB) * 1024;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    const auto r = driver.scan(::boards());
    QVERIFY2(r.ok(), allText(r.diagnostics).c_str());
    QCOMPARE(r->size(), size_t(1));
    const ProbeInfo& p = r->front();
    QCOMPARE(p.driver, std::string("stlink"));
    QCOMPARE(p.serial, std::string("066DFF485457725187092435"));
    QCOMPARE(p.chipId, uint32_t(chipId));
    QCOMPARE(QString::fromStdString(p.chipName), chipName);
    QCOMPARE(p.description, "ST-LINK/V2-1 on " + chipName.toStdString());
    QCOMPARE(p.flashBytes, int64_t(flashKiB) * 1024);
    QCOMPARE(p.ramBytes, int64_t(128 * 1024));
    QStringList got;
    for (const std::string& b : p.boards)
        got << QString::fromStdString(b);
    got.sort();
    QCOMPARE(got, boards);
    QVERIFY(!t->open); // scanning leaves no probe open
}

void TestStlink::scanSmallerVariant()
{
    // An STM32F411xC has 256 KiB of flash: the chip of nucleo-f411re, but too small for its profile
    // (512 KiB), so the profile is not offered.
    SimBench bench;
    bench.targets.push_back(SimTarget::f411xc());
    StlinkDriver driver(bench.factory());
    const auto r = driver.scan(boards());
    QVERIFY(r.ok());
    QCOMPARE(r->size(), size_t(1));
    QCOMPARE(r->front().flashBytes, int64_t(256 * 1024));
    QCOMPARE(r->front().chipName, std::string("STM32F411xC/E"));
    QVERIFY(r->front().boards.empty());
}

void TestStlink::scanSilentTarget()
{
    SimBench bench;
    auto t = SimTarget::f411();
    t->silent = true;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    const auto r = driver.scan(boards());
    QVERIFY(r.ok());
    QCOMPARE(r->size(), size_t(1));
    QCOMPARE(r->front().chipId, 0u);
    QVERIFY(r->front().boards.empty());
    QVERIFY2(contains(r->front().description, "target not responding"), r->front().description.c_str());
}

void TestStlink::scanNothingAttached()
{
    SimBench bench;
    StlinkDriver driver(bench.factory());
    const auto r = driver.scan(boards());
    QVERIFY(r.ok());
    QVERIFY(r->empty());
    QVERIFY(!hasErrors(r.diagnostics));
    QVERIFY2(contains(allText(r.diagnostics), "no ST-Link probe found"), allText(r.diagnostics).c_str());
}

void TestStlink::scanPermissionDenied()
{
    SimBench bench;
    bench.targets.push_back(SimTarget::f411());
    bench.permissionDenied = true;
    StlinkDriver driver(bench.factory());
    const auto r = driver.scan(boards());
    QVERIFY(!r.ok());
    const std::string text = allText(r.diagnostics);
    QVERIFY2(contains(text, "permission denied"), text.c_str());
    QVERIFY2(contains(text, "udev rules of stlink-tools"), text.c_str());
    QVERIFY2(contains(text, "sudo udevadm control --reload-rules"), text.c_str());
    QVERIFY2(contains(text, "plugdev"), text.c_str());
}

void TestStlink::openRefuses_data()
{
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("board");
    QTest::addColumn<QString>("message");
    QTest::newRow("wrong chip") << "f446" << "nucleo-f411re"
                                << "the probe's target is STM32F446 (0x421, 512 KiB flash); the board profile "
                                   "'nucleo-f411re' expects STM32F411 (0x431)";
    QTest::newRow("flash too small") << "f411xc" << "nucleo-f411re"
                                     << "the probe's target is STM32F411xC/E (0x431, 256 KiB flash); the board "
                                        "profile 'nucleo-f411re' expects 512 KiB of flash";
    QTest::newRow("target silent") << "silent" << "nucleo-f411re"
                                   << "does not reach its target while reading the target's chip id";
    QTest::newRow("chip libstlink 1.7 cannot flash") << "u575" << "nucleo-u575zi-q"
                                                     << "libstlink 1.7 has no flash parameters for STM32U575/U585 (0x482)";
    QTest::newRow("not an ST-Link board") << "f411" << "qemu-mps2-an386"
                                          << "the board profile 'qemu-mps2-an386' uses the 'qemu' probe, not an ST-Link";
}

void TestStlink::openRefuses()
{
    QFETCH(QString, target);
    QFETCH(QString, board);
    QFETCH(QString, message);
    SimBench bench;
    std::shared_ptr<SimTarget> t;
    if (target == "f446")
        t = SimTarget::f446();
    else if (target == "f411xc")
        t = SimTarget::f411xc();
    else
        t = SimTarget::f411();
    if (target == "silent")
        t->silent = true;
    if (target == "u575") {
        t->chipId = 0x482;
        t->chipKnown = false;
    }
    bench.targets.push_back(t);
    const std::vector<uint8_t> before = t->flash;
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, ::board(board.toStdString()));
    QVERIFY(!r.ok());
    const std::string text = allText(r.diagnostics);
    QVERIFY2(contains(text, message.toStdString()), text.c_str());
    // Nothing written, nothing erased, the probe released.
    QCOMPARE(t->flashWrites, 0);
    QCOMPARE(t->pagesErased, 0);
    QVERIFY(t->flash == before);
    QVERIFY(!t->open);
}

void TestStlink::openPermissionDenied()
{
    SimBench bench;
    bench.targets.push_back(SimTarget::f411());
    bench.permissionDenied = true;
    StlinkDriver driver(bench.factory());
    auto r = driver.open("066DFF485457725187092435", board("nucleo-f411re"));
    QVERIFY(!r.ok());
    const std::string text = allText(r.diagnostics);
    QVERIFY2(contains(text, "permission denied"), text.c_str());
    QVERIFY2(contains(text, "udev"), text.c_str());
    QVERIFY2(contains(text, "(USB 0483:374b on bus 1 device 7; libusb: LIBUSB_ERROR_ACCESS)"), text.c_str());
}

void TestStlink::openNoProbe()
{
    SimBench bench;
    StlinkDriver driver(bench.factory());
    auto r = driver.open("", board("nucleo-f411re"));
    QVERIFY(!r.ok());
    QVERIFY2(contains(allText(r.diagnostics), "no ST-Link probe found"), allText(r.diagnostics).c_str());
    auto r2 = driver.open("0670FF000000000000000000", board("nucleo-f411re"));
    QVERIFY(!r2.ok());
    QVERIFY2(contains(allText(r2.diagnostics), "no ST-Link probe found"), allText(r2.diagnostics).c_str());
}

void TestStlink::openAmbiguous()
{
    SimBench bench;
    auto a = SimTarget::f411(), b = SimTarget::f411();
    b->serial = "0670FF383133464257193425";
    bench.targets = {a, b};
    StlinkDriver driver(bench.factory());
    auto r = driver.open("", board("nucleo-f411re"));
    QVERIFY(!r.ok());
    const std::string text = allText(r.diagnostics);
    QVERIFY2(contains(text, "2 ST-Link probes are attached (066DFF485457725187092435, 0670FF383133464257193425)"), text.c_str());
    auto wrong = driver.open("0670FF000000000000000000", board("nucleo-f411re"));
    QVERIFY(!wrong.ok());
    QVERIFY2(contains(allText(wrong.diagnostics), "no ST-Link probe with serial '0670FF000000000000000000'"),
             allText(wrong.diagnostics).c_str());
    b->halted = true;
    auto right = driver.open(b->serial, board("nucleo-f411re"));
    QVERIFY2(right.ok(), allText(right.diagnostics).c_str());
    QVERIFY(b->open && !a->open);
    QVERIFY(!(*right)->isRunning()); // the core behind b was halted when it was opened
    QCOMPARE((*right)->info().serial, b->serial);
    QCOMPARE((*right)->info().boards, std::vector<std::string>{"nucleo-f411re"});
}

void TestStlink::flashWritesExactlyTheImage()
{
    SimBench bench;
    auto t = SimTarget::f411(0x5A);
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY2(r.ok(), allText(r.diagnostics).c_str());
    ProbeSession& s = **r;
    QVERIFY(s.isRunning()); // opening (hot plug) leaves the old firmware running

    // Two touching unaligned segments (.text, .data's load image), one crossing the sector 3/4
    // boundary at 0x08010000, one inside sector 5.
    const FirmwareImage img = image({{0x08000000, pattern(600, 1)},
                                     {0x08000258, pattern(100, 2)},
                                     {0x0800FFF0, pattern(40, 3)},
                                     {0x08020010, pattern(70000, 4)}});
    std::vector<std::string> phases;
    int64_t lastDone = -1, lastTotal = -1;
    const Diagnostics d = s.flash(img, [&](int64_t done, int64_t total, const std::string& what) {
        if (phases.empty() || phases.back() != what)
            phases.push_back(what);
        lastDone = done;
        lastTotal = total;
        return true;
    });
    QVERIFY2(d.empty(), allText(d).c_str());
    QCOMPARE(phases, (std::vector<std::string>{"erasing", "writing", "verifying"}));
    QCOMPARE(lastDone, lastTotal);
    QVERIFY(!s.isRunning()); // flashing leaves the core halted

    // STM32F411xE sectors (RM0383 table 5): 0-3 16 KiB from 0x08000000, 4 64 KiB at 0x08010000,
    // 5-7 128 KiB at 0x08020000, 0x08040000, 0x08060000. The image touches sectors 0, 3, 4, 5.
    struct Sector { uint32_t base, size; bool erased; };
    const Sector sectors[] = {{0x08000000, 0x4000, true},   {0x08004000, 0x4000, false}, {0x08008000, 0x4000, false},
                              {0x0800C000, 0x4000, true},   {0x08010000, 0x10000, true}, {0x08020000, 0x20000, true},
                              {0x08040000, 0x20000, false}, {0x08060000, 0x20000, false}};
    QCOMPARE(t->pagesErased, 4);
    std::vector<int> expected(t->flash.size(), -1);
    for (const Sector& sec : sectors)
        for (uint32_t i = 0; i < sec.size; ++i)
            expected[sec.base - 0x08000000 + i] = sec.erased ? 0xFF : 0x5A;
    for (const FlashSegment& seg : img.segments)
        for (size_t i = 0; i < seg.bytes.size(); ++i)
            expected[seg.address - 0x08000000 + i] = seg.bytes[i];
    for (size_t i = 0; i < t->flash.size(); ++i) {
        if (t->flash[i] != expected[i])
            QFAIL(qPrintable(QString("flash at 0x%1: expected 0x%2, found 0x%3")
                                 .arg(0x08000000 + i, 8, 16, QChar('0'))
                                 .arg(expected[i], 2, 16, QChar('0'))
                                 .arg(t->flash[i], 2, 16, QChar('0'))));
    }
    // Reset and run as the studio would.
    QVERIFY(s.reset().empty());
    QVERIFY(t->halted);
    QVERIFY(s.run().empty());
    QVERIFY(!t->halted && s.isRunning());
    s.close();
    s.close(); // idempotent
    QVERIFY(!t->open);
}

void TestStlink::flashRefusesSegmentOutsideFlash()
{
    SimBench bench;
    auto t = SimTarget::f411();
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    const Diagnostics d = (*r)->flash(image({{0x08000000, pattern(64, 1)}, {0x20000000, pattern(64, 2)}}), {});
    QVERIFY(hasErrors(d));
    QVERIFY2(contains(allText(d), "64 bytes at 0x20000000 lie outside the target's flash (0x08000000 to 0x0807ffff)"),
             allText(d).c_str());
    QCOMPARE(t->pagesErased, 0);
    QCOMPARE(t->flashWrites, 0);
}

void TestStlink::unplugMidFlash()
{
    SimBench bench;
    auto t = SimTarget::f411();
    t->unplugAfterFlashBytes = 5000;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    ProbeSession& s = **r;
    const Diagnostics d = s.flash(image({{0x08000000, pattern(8192, 1)}}), {});
    QVERIFY(hasErrors(d));
    // The 5001st byte is at 0x08000000 + 5000 = 0x08001388.
    const std::string text = allText(d);
    QVERIFY2(contains(text, "was unplugged (libusb: LIBUSB_ERROR_NO_DEVICE) while writing flash at 0x08001388"),
             text.c_str());
    QCOMPARE(t->flashBytesWritten, int64_t(5000));
    QVERIFY(!t->open); // the session released the probe
    QVERIFY(!s.isRunning());
    // Every later call is refused with the reason, without touching the seam.
    const size_t calls = sim::SimStlinkApi::log().size();
    const auto read = s.readMemory(0x20000000, 4);
    QVERIFY(!read.ok());
    QVERIFY2(contains(allText(read.diagnostics), "the ST-Link session has ended (the probe was unplugged)"),
             allText(read.diagnostics).c_str());
    QVERIFY(hasErrors(s.run()));
    QVERIFY(hasErrors(s.halt()));
    QVERIFY(hasErrors(s.reset()));
    QVERIFY(hasErrors(s.writeMemory(0x20000000, {1, 2, 3, 4})));
    QVERIFY(hasErrors(s.flash(image({{0x08000000, pattern(32, 1)}}), {})));
    QCOMPARE(sim::SimStlinkApi::log().size(), calls);
    s.close();
    s.close();
}

void TestStlink::verifyMismatchNamesAddress()
{
    SimBench bench;
    auto t = SimTarget::f411();
    t->corruptAddress = 0x08000123;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    const std::vector<uint8_t> bytes = pattern(1024, 5);
    const Diagnostics d = (*r)->flash(image({{0x08000000, bytes}}), {});
    QVERIFY(hasErrors(d));
    // pattern(1024, 5)[0x123] = (0x123 * 7 + 5 * 31 + 3) % 251 = (2037 + 158) % 251 = 2195 % 251 = 187 = 0xbb;
    // the sim stores it XOR 0x10 = 0xab.
    QCOMPARE(bytes[0x123], uint8_t(0xbb));
    const std::string text = allText(d);
    QVERIFY2(contains(text, "verify failed: the first differing byte is at 0x08000123: expected 0xbb, found 0xab"),
             text.c_str());
    QCOMPARE(d.front().file, std::string("/tmp/sim-firmware.elf"));
}

void TestStlink::readFailureWhileRunning()
{
    SimBench bench;
    auto t = SimTarget::f411();
    t->readFailsWhileRunning = true;
    t->ram[0x100] = 0x42;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    ProbeSession& s = **r;
    QVERIFY(s.run().empty());
    const auto bad = s.readMemory(0x20000100, 16);
    QVERIFY(!bad.ok());
    const std::string text = allText(bad.diagnostics);
    QVERIFY2(contains(text, "reading 16 bytes at 0x20000100 failed (SWD transfer FAULT; libstlink returned -1): the core was running"), text.c_str());
    QVERIFY2(contains(text, "halt the core and read again"), text.c_str());
    QVERIFY(s.isRunning()); // a failed read does not end the session
    QVERIFY(s.halt().empty());
    const auto good = s.readMemory(0x20000100, 16);
    QVERIFY2(good.ok(), allText(good.diagnostics).c_str());
    QCOMPARE(good->at(0), uint8_t(0x42));
}

void TestStlink::memoryRoundTrip_data()
{
    QTest::addColumn<uint>("address");
    QTest::addColumn<uint>("length");
    QTest::newRow("aligned") << 0x20000100u << 16u;
    QTest::newRow("unaligned start") << 0x20000101u << 5u;
    QTest::newRow("unaligned both ends") << 0x20000203u << 6u;
    QTest::newRow("inside one word") << 0x20000301u << 2u;
    QTest::newRow("one byte") << 0x20000403u << 1u;
    QTest::newRow("long, unaligned") << 0x20001002u << 1001u;
}

void TestStlink::memoryRoundTrip()
{
    QFETCH(uint, address);
    QFETCH(uint, length);
    SimBench bench;
    auto t = SimTarget::f411();
    for (size_t i = 0; i < t->ram.size(); ++i)
        t->ram[i] = uint8_t(i ^ 0xA5);
    const std::vector<uint8_t> before = t->ram;
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    ProbeSession& s = **r;

    // Reading gives exactly the bytes in RAM.
    const auto read = s.readMemory(address, length);
    QVERIFY2(read.ok(), allText(read.diagnostics).c_str());
    QCOMPARE(read->size(), size_t(length));
    for (uint i = 0; i < length; ++i)
        QCOMPARE(read->at(i), before[address - 0x20000000 + i]);

    // Writing changes exactly [address, address + length).
    std::vector<uint8_t> data(length);
    for (uint i = 0; i < length; ++i)
        data[i] = uint8_t(i * 13 + 1);
    const Diagnostics d = s.writeMemory(address, data);
    QVERIFY2(d.empty(), allText(d).c_str());
    const uint off = address - 0x20000000;
    for (uint i = 0; i < t->ram.size(); ++i) {
        const uint8_t want = (i >= off && i < off + length) ? data[i - off] : before[i];
        if (t->ram[i] != want)
            QFAIL(qPrintable(QString("RAM byte %1: expected %2, found %3").arg(i).arg(want).arg(t->ram[i])));
    }
    const auto back = s.readMemory(address, length);
    QVERIFY(back.ok());
    QVERIFY(*back == data);
}

void TestStlink::cancelStopsWrite()
{
    SimBench bench;
    auto t = SimTarget::f411();
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    sim::SimStlinkApi::log().clear();
    const Diagnostics d = (*r)->flash(image({{0x08000000, pattern(3 * 4096, 1)}}),
                                      [](int64_t done, int64_t, const std::string& what) {
                                          return !(what == "writing" && done >= 4096);
                                      });
    QVERIFY(hasErrors(d));
    QVERIFY2(contains(allText(d), "flashing cancelled while writing (at 0x08001000)"), allText(d).c_str());
    // One chunk of kWriteChunk (4096) bytes went out, then the loader was stopped; no verify.
    QCOMPARE(StlinkDriver::kWriteChunk, 4096u);
    QCOMPARE(t->flashBytesWritten, int64_t(4096));
    QCOMPARE(flashAt(*t, 0x08000FFF), uint8_t((0xFFF * 7 + 31 + 3) % 251));
    QCOMPARE(flashAt(*t, 0x08001000), uint8_t(0xFF)); // erased, never written
    const auto& log = sim::SimStlinkApi::log();
    QVERIFY(std::find(log.begin(), log.end(), "loader stop") != log.end());
    QVERIFY(std::none_of(log.begin(), log.end(), [](const std::string& c) { return c.rfind("verify", 0) == 0; }));
    // The session is still usable.
    QVERIFY((*r)->readMemory(0x20000000, 4).ok());
}

void TestStlink::faultsMidSession_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("message");
    QTest::addColumn<bool>("sessionEnds");
    QTest::newRow("unplugged during a read")
        << "unplug" << "was unplugged (libusb: LIBUSB_ERROR_NO_DEVICE) while reading 4 bytes at 0x20000000" << true;
    QTest::newRow("target stops answering")
        << "silent"
        << "does not reach its target while starting the core (target voltage 0.00 V; libstlink returned -1): check the "
           "board's power"
        << false;
    QTest::newRow("flash write fails")
        << "write" << "flash write failed at 0x08000400 (FLASH_SR: WRPERR; libstlink returned -1)" << false;
}

void TestStlink::faultsMidSession()
{
    QFETCH(QString, fault);
    QFETCH(QString, message);
    QFETCH(bool, sessionEnds);
    SimBench bench;
    auto t = SimTarget::f411();
    bench.targets.push_back(t);
    StlinkDriver driver(bench.factory());
    auto r = driver.open(t->serial, board("nucleo-f411re"));
    QVERIFY(r.ok());
    ProbeSession& s = **r;
    Diagnostics d;
    if (fault == "unplug") {
        t->unplugged = true;
        d = s.readMemory(0x20000000, 4).diagnostics;
    } else if (fault == "silent") {
        t->silent = true;
        d = s.run();
    } else {
        t->failWriteAt = 0x08000410;
        d = s.flash(image({{0x08000000, pattern(8192, 1)}}), {});
        QCOMPARE(t->flashBytesWritten, int64_t(0));
        QCOMPARE(flashAt(*t, 0x08000000), uint8_t(0xFF)); // erased, then the first write failed
    }
    QVERIFY(hasErrors(d));
    QVERIFY2(contains(allText(d), message.toStdString()), allText(d).c_str());
    const auto again = s.readMemory(0x20000000, 4);
    QCOMPARE(contains(allText(again.diagnostics), "the ST-Link session has ended"), sessionEnds);
    QCOMPARE(t->open, !sessionEnds);
}

void TestStlink::realPluginLoads()
{
    PluginManager manager({TINYSTUDIO_PLUGIN_DIR});
    manager.load();
    const PluginRecord* rec = nullptr;
    for (const PluginRecord& p : manager.plugins())
        if (p.name == "stlink")
            rec = &p;
    QVERIFY2(rec, allText(manager.diagnostics()).c_str());
    QVERIFY2(rec->loaded, rec->error.c_str());
    QCOMPARE(rec->version, 1);
    QVERIFY(contains(rec->file, "tinystudio_probe_stlink"));
    ProbeDriver* driver = manager.driver("stlink");
    QVERIFY(driver);
    QCOMPARE(driver->name(), std::string("stlink"));

    // The real libstlink path: with no probe attached it finds nothing and says so.
    const auto r = driver->scan(boards());
    const std::string text = allText(r.diagnostics);
    qInfo("real scan: %s", text.empty() ? "(no diagnostics)" : text.c_str());
    if (r.ok() && !r->empty())
        QSKIP("an ST-Link probe is attached here; the no-probe checks do not apply");
    QVERIFY2(r.ok() ? r->empty() : !text.empty(), text.c_str());
    QVERIFY2(contains(text, "no ST-Link probe found") || contains(text, "permission denied"), text.c_str());
    auto s = driver->open("", board("nucleo-f411re"));
    QVERIFY(!s.ok());
    QVERIFY2(!allText(s.diagnostics).empty(), "open without a probe must say why");
}

void TestStlink::realBackendWithoutProbe()
{
    // makeLibStlinkApi() straight: every call either reports "no probe" or "nothing open".
    std::unique_ptr<StlinkApi> api = makeLibStlinkApi();
    std::vector<StlinkTarget> probes;
    const StlinkStatus e = api->enumerate(probes);
    if (e.ok() && !probes.empty())
        QSKIP("an ST-Link probe is attached here; the no-probe checks do not apply");
    QVERIFY2(e.fault == StlinkFault::NoProbe || e.fault == StlinkFault::PermissionDenied, stlinkFaultName(e.fault));
    const StlinkStatus o = api->open("");
    QCOMPARE(int(o.fault), int(e.fault));
    uint8_t word[4] = {};
    StlinkTarget t;
    QCOMPARE(int(api->target(t).fault), int(StlinkFault::Failed));
    QCOMPARE(int(api->readMem32(0x20000000, 4, word).fault), int(StlinkFault::Failed));
    QCOMPARE(int(api->erasePage(0x08000000).fault), int(StlinkFault::Failed));
    QCOMPARE(api->run().detail, std::string("no probe is open"));
    api->close();
    api->close();
}

QTEST_GUILESS_MAIN(TestStlink)
#include "tst_stlink.moc"
