// Build & Run in the real studio window, driven offscreen on the emulated board: F5's action
// generates, builds, flashes and profiles through the QEMU probe plugin; live samples arrive in the
// Live panel, the output check passes, the run lands in the run store and the Runs panel; a second
// run with another schedule (Auto's patch plan) compares against the first. Set
// TINYSTUDIO_SCREENSHOT_DIR to keep screenshots of the run in progress and of the comparison.

#include "mainwindow.h"
#include "profile/live.h"
#include "schedule/patch.h"
#include "store/runstore.h"
#include "testsupport.h"
#include "views/buildlog.h"
#include "views/livepanel.h"
#include "views/runspanel.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QDirIterator>
#include <QProcess>
#include <QtTest>

#include <csignal>

using namespace ts;

namespace {

bool toolsPresent()
{
    return !QStandardPaths::findExecutable("qemu-system-arm").isEmpty()
        && !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty();
}

void screenshot(QWidget& w, const char* name)
{
    const QString dir = qEnvironmentVariable("TINYSTUDIO_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        w.grab().save(dir + "/" + name + ".png");
}

} // namespace

class TestBuildRun : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void buildAndRunTwice();
    void noProbeForRealBoard();
    void killedStudioLeavesNoEmulator();

private:
    QTemporaryDir m_dir;
};

void TestBuildRun::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("TINYSTUDIO_DB", m_dir.filePath("runs.sqlite").toUtf8());
}

void TestBuildRun::buildAndRunTwice()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    MainWindow w;
    w.resize(1366, 768);
    w.show();
    w.openDemoModel();
    QVERIFY(w.selectBoard("qemu-mps2-an386"));
    w.waitForIdle();
    QVERIFY(w.runStore());
    // The docks Build & Run adds still let the window fit a 1366×768 screen.
    QVERIFY2(w.minimumSizeHint().width() <= 1366, qPrintable(QString::number(w.minimumSizeHint().width())));
    // The probe selector offers the emulator for the emulated board.
    QVERIFY2(w.probeSelector()->currentData().toString() == "qemu|qemu:mps2-an386",
             qPrintable(w.probeSelector()->currentData().toString()));
    auto* action = w.findChild<QAction*>("buildRunAction");
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(Qt::Key_F5));
    w.setRunInferences(6);

    // Run 1: the whole-graph schedule, started from the action (what F5 and the toolbar trigger).
    QSignalSpy finished(&w, &MainWindow::runFinished);
    action->trigger();
    QVERIFY(w.running());
    QTRY_VERIFY_WITH_TIMEOUT(w.livePanel()->sampleCount() >= 2 || !w.running(), 300000);
    screenshot(w, "buildrun-in-progress");
    QTRY_VERIFY_WITH_TIMEOUT(!w.running(), 300000);
    QCOMPARE(finished.count(), 1);
    QVERIFY2(w.minimumSizeHint().width() <= 1366, qPrintable(QString::number(w.minimumSizeHint().width())));
    const Result<LiveResult>* r1 = w.lastRun();
    QVERIFY2(r1 && r1->ok(), r1 ? firstError(r1->diagnostics).c_str() : "no result");
    QCOMPARE(w.livePanel()->sampleCount(), 6);
    QCOMPARE(w.livePanel()->plotPointCount(), 6);
    QCOMPARE((*r1)->outputMatches, 1);
    QVERIFY2(w.livePanel()->verdictText().contains("matches the reference"), qPrintable(w.livePanel()->verdictText()));
    QCOMPARE(w.livePanel()->layerModel()->rowCount(), int((*r1)->deploy.pipeline->legal().graph.ops.size()));
    QVERIFY(w.buildLog()->text().contains("== building"));
    const int64_t first = w.lastRunId();
    QVERIFY(first > 0);
    auto run1 = w.runStore()->run(first);
    QVERIFY(run1.ok());
    QCOMPARE(run1->status, std::string("ok"));
    QCOMPARE(run1->samples, int64_t(6));
    QCOMPARE(run1->board, std::string("qemu-mps2-an386"));
    QCOMPARE(run1->unit, std::string("instructions"));
    const auto listed = w.runsPanel()->listedRuns();
    QVERIFY(std::find(listed.begin(), listed.end(), first) != listed.end());

    // Run 2: another schedule (the patch search's smallest-peak plan), then the two side by side.
    auto search = searchPatches(w.computation()->legal(), w.analysis()->memory.order, w.document().schedule.patchOptions(), 1 << 30);
    QVERIFY(search.ok() && !search->pareto.empty());
    const PatchPlan& plan = search->pareto.front();
    ScheduleDoc s = w.schedule();
    s.patch = PatchStage{plan.split.tensor, plan.nh, plan.nw, false};
    w.applySchedule(s);
    w.waitForIdle();
    QVERIFY(w.patchPlan());
    QVERIFY(w.buildAndRun(true));
    const Result<LiveResult>* r2 = w.lastRun();
    QVERIFY2(r2 && r2->ok(), r2 ? firstError(r2->diagnostics).c_str() : "no result");
    QCOMPARE((*r2)->outputMatches, 1);
    const int64_t second = w.lastRunId();
    QVERIFY(second > first);
    QVERIFY(w.runsPanel()->compareRuns(first, second));
    const QString details = w.runsPanel()->detailsText();
    QVERIFY2(details.contains("patch"), qPrintable(details.left(2000)));
    if (auto* d = w.findChild<QDockWidget*>("runsDock"))
        d->raise();
    screenshot(w, "buildrun-compare");
}

// A real board without an attached ST-Link: Build & Run does not start and says why.
void TestBuildRun::noProbeForRealBoard()
{
    MainWindow w;
    w.openDemoModel();
    QVERIFY(w.selectBoard("nucleo-f767zi"));
    w.waitForIdle();
    QVERIFY(!w.buildAndRun());
    QVERIFY(!w.running());
    QVERIFY2(w.buildLog()->text().contains("ST-Link"), qPrintable(w.buildLog()->text()));
}

// The studio killed with SIGKILL in the middle of Build & Run takes its emulator with it.
void TestBuildRun::killedStudioLeavesNoEmulator()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    QTemporaryDir home;
    const QString model = home.filePath("demo.tflite");
    QProcess cli;
    cli.start(QString::fromUtf8(TINYSTUDIO_CLI), {"demo-model", model});
    QVERIFY(cli.waitForFinished(60000) && cli.exitCode() == 0);
    QProcess studio;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", home.path());
    env.insert("XDG_CACHE_HOME", home.filePath("cache"));
    env.insert("TINYSTUDIO_DB", home.filePath("runs.sqlite"));
    env.insert("QT_QPA_PLATFORM", "offscreen");
    studio.setProcessEnvironment(env);
    studio.setProcessChannelMode(QProcess::ForwardedChannels);
    studio.start(QString::fromUtf8(TINYSTUDIO_GUI_BIN), {model, "--board", "qemu-mps2-an386", "--run"});
    QVERIFY(studio.waitForStarted());
    // The emulator of this studio: a qemu-system-arm whose firmware lies under this HOME's cache.
    auto emulators = [&] {
        int n = 0;
        QDirIterator it("/proc", QDir::Dirs | QDir::NoDotAndDotDot);
        while (it.hasNext()) {
            QFile f(it.next() + "/cmdline");
            if (f.open(QIODevice::ReadOnly)) {
                const QByteArray c = f.readAll();
                n += c.startsWith("qemu-system-arm") || c.contains("/qemu-system-arm") ? c.contains(home.path().toUtf8()) : 0;
            }
        }
        return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(emulators() >= 1, 300000);
    ::kill(pid_t(studio.processId()), SIGKILL);
    QVERIFY(studio.waitForFinished(10000));
    QTRY_COMPARE_WITH_TIMEOUT(emulators(), 0, 10000);
}

QTEST_MAIN(TestBuildRun)
#include "tst_buildrun.moc"
