// The generated firmware on QEMU's emulated Cortex-M4 (mps2-an386) and Cortex-M7 (mps2-an500):
// generate → cross-build with arm-none-eabi-gcc (-O2, LTO, --gc-sections) → run under -icount →
// output bytes identical to TFLM's goldens (and to the reference interpreter), instruction counts
// per inference and per layer reported, the size report consistent with the plan.
// Instruction counts are figures, not test conditions (performance lives in tinystudio-bench).

#include "build/deploy.h"
#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "testsupport.h"

#include <QStandardPaths>
#include <QtTest>

using namespace ts;

namespace {

bool toolsPresent()
{
    return !QStandardPaths::findExecutable("qemu-system-arm").isEmpty()
        && !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty();
}

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestDeploy : public QObject {
    Q_OBJECT
private slots:
    void goldenOnQemu_data();
    void goldenOnQemu();
    void demoOnBothMachines_data();
    void demoOnBothMachines();
    void optimizeLevels_data();
    void optimizeLevels();
    void realBoardRefused();
    void firmwareForEveryProfile();
    void faultIsReported();
};

void TestDeploy::goldenOnQemu_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("board");
    QTest::addColumn<QString>("patch"); // "split NxM" or ""
    QTest::addColumn<bool>("portable"); // TS_NO_DSP: the portable C path on a DSP core
    for (const char* m : {"tflm_hello_world_int8", "tflm_simple_add", "tflm_micro_speech", "tflm_keyword_scrambled_8bit",
                          "tinyengine_lenet_300_100", "tflm_person_detect", "tinyengine_vww"})
        QTest::newRow(qPrintable(QString(m) + " an386")) << QString(m) << QString("qemu-mps2-an386") << QString() << false;
    QTest::newRow("tflm_person_detect an500") << QString("tflm_person_detect") << QString("qemu-mps2-an500") << QString() << false;
    QTest::newRow("tflm_person_detect an386 portable") << QString("tflm_person_detect") << QString("qemu-mps2-an386") << QString()
                                                         << true;
    QTest::newRow("tflm_micro_speech an500 portable") << QString("tflm_micro_speech") << QString("qemu-mps2-an500") << QString()
                                                        << true;
    QTest::newRow("tinyengine_vww 3x3 patches an386") << QString("tinyengine_vww") << QString("qemu-mps2-an386")
                                                       << QString("121 3x3") << false;
}

void TestDeploy::goldenOnQemu()
{
    QFETCH(QString, model);
    QFETCH(QString, board);
    QFETCH(QString, patch);
    QFETCH(bool, portable);
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    TS_REQUIRE_MODEL(tstest::modelPath(model));
    auto m = importTfliteFile(tstest::modelPath(model).toStdString());
    QVERIFY(m.ok());
    Session doc = documentFor(*m, board.toStdString());
    if (!patch.isEmpty()) {
        const QStringList f = patch.split(' ');
        const QStringList g = f[1].split('x');
        doc.schedule.patch = PatchStage{f[0].toInt(), g[0].toInt(), g[1].toInt(), false};
    }
    const QString golden = tstest::sharedDir() + "/golden/" + model;
    const QByteArray in = fileBytes(golden + "/input_1.bin"), expected = fileBytes(golden + "/output_1.bin");
    QVERIFY(!in.isEmpty() && !expected.isEmpty());
    DeployOptions o;
    o.dir = (QDir::currentPath() + "/deploy-" + QString(QTest::currentDataTag()).replace(' ', '_')).toStdString();
    o.input.assign(in.begin(), in.end());
    o.portable = portable;
    auto d = deployOnQemu(*m, doc, tstest::boards(), o);
    QVERIFY2(d.ok(), firstError(d.diagnostics).c_str());
    const QByteArray got(reinterpret_cast<const char*>(d->run.output.data()), int(d->run.output.size()));
    QCOMPARE(got, expected);
    QVERIFY2(d->matchesReference, d->mismatch.c_str());
    QVERIFY(d->run.instructions > 0);
    QVERIFY(!d->run.layers.empty());
    // The linker's arena section is the plan's arena, byte for byte.
    QCOMPARE(d->build.size.arena, d->arenaBytes);
    // The analysis's flash figure (constants + code estimate) is never below what the linker placed:
    // a plan the analysis says fits must link.
    const int64_t linked = d->build.size.runtime + d->build.size.weights + d->build.size.libc;
    QVERIFY2(linked <= d->pipeline->fit.flash.total(),
             qPrintable(QString("linked %1 B > estimated %2 B").arg(linked).arg(d->pipeline->fit.flash.total())));
    if (model != "tflm_simple_add") // the one model without constants
        QVERIFY(d->build.size.weights > 0);
    qInfo("%s on %s: %lld instructions per inference (QEMU -icount: instructions, not cycles); arena %lld B, stack peak "
          "%lld B; flash runtime %lld B, weights %lld B, libc %lld B",
          qPrintable(model), qPrintable(board), (long long)d->run.instructions, (long long)d->build.size.arena,
          (long long)d->run.stackPeak, (long long)d->build.size.runtime, (long long)d->build.size.weights,
          (long long)d->build.size.libc);
}

void TestDeploy::demoOnBothMachines_data()
{
    QTest::addColumn<QString>("board");
    QTest::newRow("an386") << QString("qemu-mps2-an386");
    QTest::newRow("an500") << QString("qemu-mps2-an500");
}

// The bundled demo model on both emulated boards, against the reference interpreter.
void TestDeploy::demoOnBothMachines()
{
    QFETCH(QString, board);
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    const Model m = buildDemoModel();
    DeployOptions o;
    o.name = "demo";
    o.runs = 2;
    o.dir = (QDir::currentPath() + "/deploy-demo-" + board).toStdString();
    auto d = deployOnQemu(m, documentFor(m, board.toStdString()), tstest::boards(), o);
    QVERIFY2(d.ok(), firstError(d.diagnostics).c_str());
    QVERIFY2(d->matchesReference, d->mismatch.c_str());
    QCOMPARE(d->build.size.arena, d->arenaBytes);
    // Per-layer counts add up to about the whole (the hook's own instructions and the glue between
    // layers make the difference); every op that runs code has a count.
    int64_t sum = 0;
    for (const auto& l : d->run.layers)
        sum += l.instructions;
    QVERIFY2(sum > d->run.instructions / 2 && sum < d->run.instructions * 2,
             qPrintable(QString("layers %1, whole %2").arg(sum).arg(d->run.instructions)));
    QVERIFY(d->run.stackPeak > 0 && d->run.stackPeak < 8192);
}

void TestDeploy::optimizeLevels_data()
{
    QTest::addColumn<QString>("optimize");
    QTest::addColumn<QString>("board");
    QTest::newRow("-O3 an386") << QString("-O3") << QString("qemu-mps2-an386");
    QTest::newRow("-Os an386") << QString("-Os") << QString("qemu-mps2-an386");
    QTest::newRow("-Os an500") << QString("-Os") << QString("qemu-mps2-an500");
}

// The document's optimisation level reaches the compiler, and the firmware stays byte-exact.
void TestDeploy::optimizeLevels()
{
    QFETCH(QString, optimize);
    QFETCH(QString, board);
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    const Model m = buildDemoModel();
    DeployOptions o;
    o.name = "demo";
    o.optimize = optimize.toStdString();
    o.dir = (QDir::currentPath() + "/deploy-demo" + optimize + "-" + board).toStdString();
    auto d = deployOnQemu(m, documentFor(m, board.toStdString()), tstest::boards(), o);
    QVERIFY2(d.ok(), firstError(d.diagnostics).c_str());
    QVERIFY2(d->matchesReference, d->mismatch.c_str());
    const QByteArray cmake = fileBytes(QString::fromStdString(d->dir) + "/CMakeLists.txt");
    QVERIFY(cmake.contains(("target_compile_options(demo_model PRIVATE " + optimize).toUtf8()));
    qInfo("%s on %s: %lld instructions per inference (QEMU, not cycles), flash %lld B", qPrintable(optimize), qPrintable(board),
          static_cast<long long>(d->run.instructions), static_cast<long long>(d->build.size.flash));
}

void TestDeploy::realBoardRefused()
{
    const Model m = buildDemoModel();
    auto d = deployOnQemu(m, documentFor(m, "nucleo-h743zi2"), tstest::boards(), DeployOptions{});
    QVERIFY(!d.ok());
    QVERIFY2(firstError(d.diagnostics).find("real board") != std::string::npos, firstError(d.diagnostics).c_str());
}

// The same generator serves every bundled profile (F4, F7, H7, L4, U5, MPS2): the demo model's
// firmware cross-builds for each, with the profile's core flags and memory map, and the linker
// places exactly the planned arena.
void TestDeploy::firmwareForEveryProfile()
{
    if (!toolsPresent())
        QSKIP("arm-none-eabi-gcc is not installed (scripts/setup.sh installs it)");
    const Model m = buildDemoModel();
    int built = 0;
    for (const Board& b : tstest::boards().boards) {
        DeployOptions o;
        o.name = "demo";
        o.dir = (QDir::currentPath() + "/firmware-" + QString::fromStdString(b.id)).toStdString();
        auto d = buildFirmware(m, documentFor(m, b.id), tstest::boards(), o);
        QVERIFY2(d.ok(), qPrintable(QString::fromStdString(b.id + ": " + firstError(d.diagnostics))));
        QCOMPARE(d->build.size.arena, d->arenaBytes);
        QVERIFY(QFileInfo::exists(QString::fromStdString(d->build.elf)));
        ++built;
    }
    QVERIFY(built >= 10);
}

// A firmware that faults ends with an error naming the fault and its registers, not a hang.
void TestDeploy::faultIsReported()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    const Model m = buildDemoModel();
    DeployOptions o;
    o.name = "demo";
    o.dir = (QDir::currentPath() + "/deploy-fault").toStdString();
    auto d = buildFirmware(m, documentFor(m, "qemu-mps2-an386"), tstest::boards(), o);
    QVERIFY2(d.ok(), firstError(d.diagnostics).c_str());
    // A write to an address no bus answers (a BusFault escalated to HardFault) at the start of main.
    const QString mainPath = QString::fromStdString(d->dir) + "/firmware/main.c";
    QFile f(mainPath);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QString text = QString::fromUtf8(f.readAll());
    f.close();
    QVERIFY(text.contains("initialise_monitor_handles();\n"));
    text.replace("initialise_monitor_handles();\n", "initialise_monitor_handles();\n    *(volatile uint32_t *)0xF0000000u = 1u;\n");
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.toUtf8());
    f.close();
    auto built = crossBuild(d->dir);
    QVERIFY2(built.ok(), firstError(built.diagnostics).c_str());
    auto q = runOnQemu(built->elf, "mps2-an386", "cortex-m4", std::vector<uint8_t>(16, 0), d->dir + "/run", 60000);
    QVERIFY(!q.ok());
    const QString e = QString::fromStdString(firstError(q.diagnostics));
    QVERIFY2(e.contains("faulted") && e.contains("cfsr=") && e.contains("pc=0x"), qPrintable(e));
}

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
