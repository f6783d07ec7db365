// The CLI's live loop and the run store together, as a user drives them: `tinystudio-cli deploy
// --probe qemu` keeps every run in the store and `runs list --json` reports it; a CLI killed with
// SIGKILL in the middle of a run loses no committed sample, leaves no emulator behind, and its run
// is marked interrupted the next time the store is opened.

#include "store/runstore.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace ts;

namespace {

bool toolsPresent()
{
    return !QStandardPaths::findExecutable("qemu-system-arm").isEmpty()
        && !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty();
}

struct CliResult {
    int code = -1;
    QByteArray out, err;
};

CliResult cli(const QStringList& args, int timeoutMs = 600000)
{
    QProcess p;
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), args);
    CliResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// A demo model file written by the CLI itself (the bundled default model).
QString demoModel(const QTemporaryDir& dir)
{
    const QString path = dir.filePath("demo.tflite");
    if (!QFileInfo::exists(path))
        cli({"demo-model", path});
    return path;
}

QString sha256Of(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex());
}

// Processes whose command line mentions `needle` (the emulator of one project folder).
int processesMentioning(const QString& needle)
{
    int n = 0;
    QDirIterator it("/proc", QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        const QString d = it.next();
        bool numeric = false;
        QFileInfo(d).fileName().toInt(&numeric);
        if (!numeric)
            continue;
        QFile f(d + "/cmdline");
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle.toUtf8()))
            ++n;
    }
    return n;
}

int64_t committedSamples(const QString& db, int64_t run)
{
    const QString name = "probe-count-" + QString::number(run);
    int64_t n = 0;
    {
        QSqlDatabase c = QSqlDatabase::addDatabase("QSQLITE", name);
        c.setDatabaseName(db);
        c.setConnectOptions("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000");
        if (c.open()) {
            QSqlQuery q(c);
            if (q.exec("SELECT COUNT(*) FROM samples WHERE run_id = " + QString::number(run)) && q.next())
                n = q.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return n;
}

} // namespace

class TestRuns : public QObject {
    Q_OBJECT
private slots:
    void deployIsStored();
    void sigkillMidRun();
    void badDatabaseRefused();
};

void TestRuns::deployIsStored()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    QTemporaryDir dir;
    const QString model = demoModel(dir);
    const QString db = dir.filePath("runs.sqlite");
    auto d = cli({"deploy", model, "--board", "qemu-mps2-an386", "--probe", "qemu", "--runs", "4", "--db", db, "-o",
                  QDir::currentPath() + "/runs-demo", "--json"});
    QVERIFY2(d.code == 0, d.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(d.out).object();
    QVERIFY(o["output_matches_reference"].toBool());
    QCOMPARE(o["samples"].toArray().size(), 4);
    const qint64 perInference = o["instructions_per_inference"].toVariant().toLongLong();
    QVERIFY(perInference > 0);
    auto l = cli({"runs", "list", "--db", db, "--json"});
    QVERIFY2(l.code == 0, l.err.constData());
    const QJsonArray runs = QJsonDocument::fromJson(l.out).array();
    QCOMPARE(runs.size(), 1);
    const QJsonObject r = runs[0].toObject();
    QCOMPARE(r["id"].toInt(), o["run_id"].toInt());
    QCOMPARE(r["status"].toString(), QString("ok"));
    QCOMPARE(r["model_sha256"].toString(), sha256Of(model)); // the file's hash, computed here
    QCOMPARE(r["board"].toString(), QString("qemu-mps2-an386"));
    QCOMPARE(r["probe"].toString(), QString("qemu"));
    QCOMPARE(r["samples"].toInt(), 4);
    QCOMPARE(qint64(r["median_instructions"].toDouble()), perInference);
    // Filtered by the model file (its hash) and by another board.
    QCOMPARE(QJsonDocument::fromJson(cli({"runs", "list", "--db", db, "--json", "--model", model}).out).array().size(), 1);
    QCOMPARE(QJsonDocument::fromJson(cli({"runs", "list", "--db", db, "--json", "--board", "qemu-mps2-an500"}).out).array().size(), 0);
    auto show = cli({"runs", "show", QString::number(r["id"].toInt()), "--db", db, "--json"});
    QVERIFY2(show.code == 0, show.err.constData());
    QCOMPARE(QJsonDocument::fromJson(show.out).object()["layers"].toArray().size(), o["layers"].toArray().size());
    auto missing = cli({"runs", "show", "999", "--db", db});
    QCOMPARE(missing.code, 1);
    // A second run with a patch stage given on the command line; `runs compare` names the change.
    auto patched = cli({"deploy", model, "--board", "qemu-mps2-an386", "--probe", "qemu", "--runs", "2", "--db", db, "--split", "37",
                        "--patches", "2x2", "-o", QDir::currentPath() + "/runs-demo-patched", "--json"});
    QVERIFY2(patched.code == 0, patched.err.constData());
    const int second = QJsonDocument::fromJson(patched.out).object()["run_id"].toInt();
    auto cmp = cli({"runs", "compare", QString::number(r["id"].toInt()), QString::number(second), "--db", db, "--json"});
    QVERIFY2(cmp.code == 0, cmp.err.constData());
    const QJsonArray diffs = QJsonDocument::fromJson(cmp.out).object()["schedule_differences"].toArray();
    QCOMPARE(diffs.size(), 1);
    QVERIFY2(diffs[0].toString().startsWith("schedule.patch: null -> ") && diffs[0].toString().contains("\"split_tensor\":37"),
             qPrintable(diffs[0].toString()));
}

void TestRuns::sigkillMidRun()
{
    if (!toolsPresent())
        QSKIP("qemu-system-arm or arm-none-eabi-gcc is not installed (scripts/setup.sh installs them)");
    QTemporaryDir dir;
    const QString model = demoModel(dir);
    const QString db = dir.filePath("runs.sqlite");
    const QString project = QDir::currentPath() + "/runs-sigkill";
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), {"deploy", model, "--board", "qemu-mps2-an386", "--probe", "qemu", "--runs", "0",
                                               "--db", db, "-o", project});
    QVERIFY(p.waitForStarted());
    // Wait until the endless run has committed a few samples.
    QElapsedTimer t;
    t.start();
    int64_t before = 0;
    while (t.elapsed() < 300000 && p.state() == QProcess::Running) {
        before = committedSamples(db, 1);
        if (before >= 3)
            break;
        QTest::qWait(200);
    }
    QVERIFY2(before >= 3, "the run did not reach 3 committed samples");
    QVERIFY(processesMentioning(project + "/build-arm/firmware.elf") >= 1); // the emulator runs
    ::kill(pid_t(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished(10000));
    // The emulator dies with its parent.
    QTRY_COMPARE_WITH_TIMEOUT(processesMentioning(project + "/build-arm/firmware.elf"), 0, 10000);
    // Nothing committed is lost; the database is sound; the run is marked interrupted on open.
    auto store = RunStore::open(db.toStdString());
    QVERIFY2(store.ok(), firstError(store.diagnostics).c_str());
    auto run = (*store)->run(1);
    QVERIFY(run.ok());
    QCOMPARE(run->status, std::string("interrupted"));
    QVERIFY2(run->samples >= before, qPrintable(QString("%1 stored, %2 seen before the kill").arg(run->samples).arg(before)));
    {
        QSqlDatabase c = QSqlDatabase::addDatabase("QSQLITE", "integrity");
        c.setDatabaseName(db);
        QVERIFY(c.open());
        QSqlQuery q(c);
        QVERIFY(q.exec("PRAGMA integrity_check") && q.next());
        QCOMPARE(q.value(0).toString(), QString("ok"));
    }
    QSqlDatabase::removeDatabase("integrity");
}

// A file that is not a run store is refused with its name, and left as it was.
void TestRuns::badDatabaseRefused()
{
    QTemporaryDir dir;
    const QString db = dir.filePath("notes.sqlite");
    QFile f(db);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("these are my notes, not a database");
    f.close();
    auto r = cli({"runs", "list", "--db", db});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("notes.sqlite"), r.err.constData());
    QFile again(db);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), QByteArray("these are my notes, not a database"));
}

QTEST_GUILESS_MAIN(TestRuns)
#include "tst_runs.moc"
