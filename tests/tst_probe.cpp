// The probe layer: the plugin manager finds the probe plugins by their metadata and reports one
// that does not load; the QEMU probe (a Qt plugin over QEMU's gdbstub) flashes, verifies, runs and
// reads memory; the live loop (profile/live.h) streams per-inference and per-layer counts from the
// firmware's mailbox and checks the output against the reference interpreter. Counts on QEMU are
// instructions (-icount shift=0), not cycles.

#include "build/deploy.h"
#include "model/demo_model.h"
#include "probe/pluginmanager.h"
#include "profile/live.h"
#include "testsupport.h"

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace ts;

namespace {

bool toolsPresent()
{
    return !QStandardPaths::findExecutable("qemu-system-arm").isEmpty()
        && !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty();
}

void putWord(std::vector<uint8_t>& b, int word, uint32_t v) { std::memcpy(b.data() + size_t(word) * 4, &v, 4); }

} // namespace

class TestProbe : public QObject {
    Q_OBJECT
private slots:
    void pluginsFound();
    void brokenPluginReported();
    void elfImage();
    void crc32Reference();
    void mailboxDecode();
    void mailboxFaultDecoded();
    void liveOnQemu_data();
    void liveOnQemu();
    void qemuSessionMemory();
    void wrongBoardRefused();
    void noProbeFailsBeforeBuilding();
    void differenceLocatedByOp();
};

void TestProbe::pluginsFound()
{
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    ProbeDriver* q = pm.driver("qemu");
    QVERIFY2(q, "the qemu probe plugin was not found in " TINYSTUDIO_PLUGIN_DIR);
    QCOMPARE(q->name(), std::string("qemu"));
    auto it = std::find_if(pm.plugins().begin(), pm.plugins().end(), [](const PluginRecord& p) { return p.name == "qemu"; });
    QVERIFY(it != pm.plugins().end());
    QCOMPARE(it->version, 1); // from plugin.json, read before loading
    QVERIFY(!it->description.empty());
    if (!QStandardPaths::findExecutable("qemu-system-arm").isEmpty()) {
        auto probes = q->scan(tstest::boards());
        QVERIFY(probes.ok());
        // One virtual probe per emulated machine, each naming the profiles it runs.
        auto an386 = std::find_if(probes->begin(), probes->end(), [](const ProbeInfo& p) { return p.serial == "qemu:mps2-an386"; });
        QVERIFY(an386 != probes->end());
        QVERIFY(std::find(an386->boards.begin(), an386->boards.end(), "qemu-mps2-an386") != an386->boards.end());
    }
}

void TestProbe::brokenPluginReported()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("libbroken_probe.so"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a shared library");
    f.close();
    PluginManager pm({dir.path().toStdString()});
    pm.load();
    QCOMPARE(int(pm.plugins().size()), 1);
    QVERIFY(!pm.plugins()[0].loaded);
    const Diagnostics d = pm.diagnostics();
    QCOMPARE(int(d.size()), 1);
    QVERIFY2(d[0].file.find("libbroken_probe.so") != std::string::npos && d[0].message.find("did not load") != std::string::npos,
             d[0].toString().c_str());
}

void TestProbe::elfImage()
{
    QTemporaryDir dir;
    QFile f(dir.filePath("x.elf"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x7f" "ELF\x02\x01", 6); // 64-bit: not a Cortex-M image
    f.write(QByteArray(64, '\0'));
    f.close();
    auto img = loadFirmwareImage(f.fileName().toStdString());
    QVERIFY(!img.ok());
    QVERIFY2(firstError(img.diagnostics).find("32-bit little-endian") != std::string::npos, firstError(img.diagnostics).c_str());
    auto none = loadFirmwareImage(dir.filePath("absent.elf").toStdString());
    QVERIFY(!none.ok());
}

// CRC-32 check value of the IEEE polynomial: "123456789" -> 0xCBF43926 (the published check value).
void TestProbe::crc32Reference()
{
    const char* s = "123456789";
    QCOMPARE(crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
    QCOMPARE(crc32(nullptr, 0), 0u);
}

// A mailbox written by hand in the firmware's word order: 2 layers, per_tick 40.
void TestProbe::mailboxDecode()
{
    const int layers = 2;
    std::vector<uint8_t> b(mailboxBytes(layers), 0);
    QCOMPARE(int(b.size()), (17 + 7 + 9 + 32 + 2) * 4 + 64);
    putWord(b, 0, kMailboxMagicWord);
    putWord(b, 1, kMailboxLayoutVersion);
    putWord(b, 2, uint32_t(b.size()));
    putWord(b, 3, 6);           // sequence: even, consistent
    putWord(b, 4, 1);           // running
    putWord(b, 6, 0);           // instructions
    putWord(b, 7, 40);          // per tick
    putWord(b, 8, 3);           // 3 inferences
    putWord(b, 9, 100);         // last: 100 ticks = 4000 instructions
    putWord(b, 10, 99);
    putWord(b, 11, 101);
    putWord(b, 12, 512);        // stack peak
    putWord(b, 14, 2);          // output bytes
    putWord(b, 15, 2);          // layer count
    putWord(b, 16, 1);          // layer runs
    putWord(b, 33 + 2, 101);    // ring[2]
    putWord(b, 65, 30);         // layer 0: 1200 instructions
    putWord(b, 66, 70);         // layer 1: 2800
    b[67 * 4] = 0x7f;           // output[0]
    b[67 * 4 + 1] = 0x80;
    bool torn = true;
    auto m = decodeMailbox(b, layers, &torn);
    QVERIFY2(m.ok(), firstError(m.diagnostics).c_str());
    QVERIFY(!torn);
    QCOMPARE(m->unit, std::string("instructions"));
    QCOMPARE(m->inferences, int64_t(3));
    QCOMPARE(m->last, int64_t(4000));
    QCOMPARE(m->min, int64_t(3960));
    QCOMPARE(m->ring[2], int64_t(4040));
    QCOMPARE(m->layers, (std::vector<int64_t>{1200, 2800}));
    QCOMPARE(m->output, (std::vector<uint8_t>{0x7f, 0x80}));
    putWord(b, 3, 7); // odd: the firmware is writing
    auto t = decodeMailbox(b, layers, &torn);
    QVERIFY(t.ok() && torn);
    putWord(b, 0, 0);
    auto bad = decodeMailbox(b, layers);
    QVERIFY(!bad.ok());
    QVERIFY(firstError(bad.diagnostics).find("magic") != std::string::npos);
    putWord(b, 0, kMailboxMagicWord);
    auto wrongLayers = decodeMailbox(b, 3);
    QVERIFY(!wrongLayers.ok());
}

// A precise BusFault escalated to HardFault: HFSR.FORCED (bit 30), CFSR.PRECISERR (bit 9) +
// BFARVALID (bit 15), BFAR = the address.
void TestProbe::mailboxFaultDecoded()
{
    std::vector<uint8_t> b(mailboxBytes(1), 0);
    putWord(b, 0, kMailboxMagicWord);
    putWord(b, 1, kMailboxLayoutVersion);
    putWord(b, 2, uint32_t(b.size()));
    putWord(b, 4, 4); // fault
    putWord(b, 15, 1);
    const uint32_t fault[7] = {3, 0x00001234u, 0x00000567u, (1u << 9) | (1u << 15), 1u << 30, 0, 0xF0000000u};
    for (int i = 0; i < 7; ++i)
        putWord(b, 17 + i, fault[i]);
    auto m = decodeMailbox(b, 1);
    QVERIFY(m.ok());
    QCOMPARE(int(m->status), int(MailboxStatus::Fault));
    const std::string t = m->faultText();
    QVERIFY2(t.find("HardFault") != std::string::npos && t.find("pc=0x00001234") != std::string::npos
                 && t.find("FORCED") != std::string::npos && t.find("precise data bus error at 0xF0000000") != std::string::npos,
             t.c_str());
}

void TestProbe::liveOnQemu_data()
{
    QTest::addColumn<QString>("board");
    QTest::newRow("an386") << QString("qemu-mps2-an386");
    QTest::newRow("an500") << QString("qemu-mps2-an500");
}

// The demo model through the whole live loop on the emulated board: samples for every timed
// inference, per-layer counts, the output check against the reference interpreter; and the same
// model's one-shot semihosting firmware (build/deploy.h) measures the same instruction count.
void TestProbe::liveOnQemu()
{
    QFETCH(QString, board);
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    QVERIFY(pm.driver("qemu"));
    const Model m = buildDemoModel();
    const Session doc = documentFor(m, board.toStdString());
    LiveOptions o;
    o.inferences = 6;
    o.deploy.name = "demo";
    o.deploy.dir = (QDir::currentPath() + "/live-demo-" + board).toStdString();
    JobControl job;
    std::vector<std::string> phases;
    std::vector<LiveSample> samples;
    int layerEvents = 0;
    auto r = runLive(m, doc, tstest::boards(), o, pm, job, [&](const LiveEvent& e) {
        if (e.kind == LiveEvent::Kind::Phase)
            phases.push_back(e.text);
        else if (e.kind == LiveEvent::Kind::Samples)
            samples.insert(samples.end(), e.samples.begin(), e.samples.end());
        else if (e.kind == LiveEvent::Kind::Layers)
            ++layerEvents;
    });
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QCOMPARE(phases, (std::vector<std::string>{"generating", "building", "flashing", "running"}));
    QCOMPARE(r->unit, std::string("instructions"));
    QCOMPARE(int(samples.size()), 6);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(samples[size_t(i)].inference, int64_t(i));
    QVERIFY(layerEvents >= 1);
    QCOMPARE(r->outputMatches, 1);
    QVERIFY2(r->outputCheck.find("matches") != std::string::npos, r->outputCheck.c_str());
    QCOMPARE(int(r->layers.size()), int(r->deploy.pipeline->legal().graph.ops.size()));
    QVERIFY(r->stackPeak > 0 && r->stackPeak < 8192);
    // The emulator is deterministic: every timed inference of the same input counts the same
    // (to one timer tick, 40 instructions).
    for (const LiveSample& s : samples)
        QVERIFY2(std::llabs(s.value - samples[0].value) <= kQemuInstructionsPerTick,
                 qPrintable(QString("%1 vs %2").arg(s.value).arg(samples[0].value)));
    // The one-shot firmware (semihosting, a different main.c) times the same model code: the counts
    // agree to 1.5% (LTO inlines the model's calls differently into the two mains: measured 0.1% on
    // an386 and 0.8% on an500).
    DeployOptions d;
    d.name = "demo";
    d.dir = (QDir::currentPath() + "/live-demo-oneshot-" + board).toStdString();
    auto once = deployOnQemu(m, doc, tstest::boards(), d);
    QVERIFY2(once.ok(), firstError(once.diagnostics).c_str());
    QVERIFY2(std::llabs(once->run.instructions - samples[0].value) * 1000 <= 15 * once->run.instructions,
             qPrintable(QString("one-shot %1, live %2").arg(once->run.instructions).arg(samples[0].value)));
}

// The QEMU session's memory access through the gdbstub: the flash holds the image (verified on
// flash), a RAM word written while the core runs reads back.
void TestProbe::qemuSessionMemory()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    const QString elf = QDir::currentPath() + "/live-demo-qemu-mps2-an386/build-arm/firmware.elf";
    if (!QFileInfo::exists(elf))
        QSKIP("needs the firmware liveOnQemu builds");
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    const Board* b = tstest::boards().find("qemu-mps2-an386");
    auto s = pm.driver("qemu")->open("", *b);
    QVERIFY2(s.ok(), firstError(s.diagnostics).c_str());
    auto img = loadFirmwareImage(elf.toStdString());
    QVERIFY(img.ok());
    int64_t last = 0;
    QVERIFY((*s)->flash(*img, [&](int64_t done, int64_t, const std::string&) { last = done; return true; }).empty());
    QCOMPARE(last, int64_t(img->totalBytes()));
    auto vectors = (*s)->readMemory(img->segments[0].address, 8);
    QVERIFY(vectors.ok());
    QVERIFY(std::equal(vectors->begin(), vectors->end(), img->segments[0].bytes.begin()));
    QVERIFY((*s)->run().empty());
    QVERIFY((*s)->isRunning());
    auto mb = findElfSymbol(elf.toStdString(), "ts_mailbox");
    QVERIFY(mb.ok());
    const std::vector<uint8_t> pattern{1, 2, 3, 4, 5};
    QVERIFY((*s)->writeMemory(mb->address + mb->size - 5, pattern).empty()); // inside output[] copy: harmless
    auto back = (*s)->readMemory(mb->address + mb->size - 5, 5);
    QVERIFY(back.ok());
    QVERIFY((*s)->isRunning());
    (*s)->close();
    (*s)->close(); // twice is fine
    auto after = (*s)->readMemory(mb->address, 4);
    QVERIFY(!after.ok());
}

void TestProbe::wrongBoardRefused()
{
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    const Board* real = tstest::boards().find("nucleo-f411re");
    QVERIFY(real);
    auto s = pm.driver("qemu")->open("", *real);
    QVERIFY(!s.ok());
    QVERIFY2(firstError(s.diagnostics).find("real board") != std::string::npos, firstError(s.diagnostics).c_str());
}

// With no ST-Link attached, the live loop stops before generating or building anything and says why.
void TestProbe::noProbeFailsBeforeBuilding()
{
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    if (!pm.driver("stlink"))
        QSKIP("the stlink plugin is not built (libstlink-dev missing)");
    auto probes = pm.driver("stlink")->scan(tstest::boards());
    if (probes.ok() && !probes->empty())
        QSKIP("an ST-Link probe is attached to this machine");
    const Model m = buildDemoModel();
    LiveOptions o;
    o.probe = "stlink";
    JobControl job;
    std::vector<std::string> phases;
    auto r = runLive(m, documentFor(m, "nucleo-f411re"), tstest::boards(), o, pm, job, [&](const LiveEvent& e) {
        if (e.kind == LiveEvent::Kind::Phase)
            phases.push_back(e.text);
    });
    QVERIFY(!r.ok());
    QVERIFY(phases.empty());
    QVERIFY2(firstError(r.diagnostics).find("no ST-Link probe found") != std::string::npos, firstError(r.diagnostics).c_str());
    // The wrong driver for the board is named as such.
    o.probe = "qemu";
    auto q = runLive(m, documentFor(m, "nucleo-f411re"), tstest::boards(), o, pm, job, {});
    QVERIFY(!q.ok());
    QVERIFY2(firstError(q.diagnostics).find("programmed through 'stlink'") != std::string::npos, firstError(q.diagnostics).c_str());
}

// A firmware whose output differs from the reference (here: op 3's bias corrupted in the generated
// weights, a stand-in for a kernel bug) is reported with the first op, in run order, whose output
// differs on the target.
void TestProbe::differenceLocatedByOp()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    PluginManager pm({TINYSTUDIO_PLUGIN_DIR});
    pm.load();
    const Model m = buildDemoModel();
    LiveOptions o;
    o.inferences = 2;
    o.deploy.name = "demo";
    o.deploy.dir = (QDir::currentPath() + "/live-demo-corrupt").toStdString();
    int patched = 0;
    o.deploy.beforeBuild = [&](const std::string& dir) {
        QFile f(QString::fromStdString(dir) + "/src/demo_weights.c");
        if (!f.open(QIODevice::ReadOnly))
            return;
        QString text = QString::fromUtf8(f.readAll());
        f.close();
        const int at = text.indexOf("demo_w_op3_bias_folded[");
        const int open = text.indexOf('{', at);
        const int close = text.indexOf('}', open);
        if (at < 0 || open < 0 || close < 0)
            return;
        QStringList values; // every channel of op 3's output saturated, alternately high and low
        for (int i = 0; i < 24; ++i)
            values << (i % 2 ? "-2000000000" : "2000000000");
        text.replace(open + 1, close - open - 1, values.join(", "));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            f.write(text.toUtf8());
            ++patched;
        }
    };
    JobControl job;
    auto r = runLive(m, documentFor(m, "qemu-mps2-an386"), tstest::boards(), o, pm, job, {});
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QVERIFY2(patched == 2, r->outputCheck.c_str()); // the timed firmware and the check firmware
    QCOMPARE(r->outputMatches, 0);
    QVERIFY2(r->outputCheck.find("first difference on the target at op #3 CONV_2D") != std::string::npos, r->outputCheck.c_str());
    QVERIFY2(r->outputCheck.find("the 3 complete tensors before it match") != std::string::npos, r->outputCheck.c_str());
}

QTEST_GUILESS_MAIN(TestProbe)
#include "tst_probe.moc"
