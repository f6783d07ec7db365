// The run store (core/store): schema, migrations, round trips, statistics, CSV, comparison, foreign
// and corrupt files left untouched, two writers at once, and a writer killed with SIGKILL.
//
// Expected values are written out here by hand (medians, CSV text, JSON paths, SQLite file header
// bytes from https://www.sqlite.org/fileformat.html), never taken from the store itself.

#include "store/runstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <sstream>
#include <unistd.h>

using namespace ts;

namespace {

const std::string kModelSha(64, 'a');

RunStart makeStart(const std::string& documentJson = "{\"schedule\":{\"patch\":{\"split\":63}}}")
{
    RunStart s;
    s.model = {kModelSha, "demo, \"small\".tflite", 123456};
    s.board = {"qemu-mps2-an386", "QEMU mps2-an386 (Cortex-M4)", "{\"id\":\"qemu-mps2-an386\"}"};
    s.documentJson = documentJson;
    s.build.toolchain = "arm-none-eabi-gcc 12.2.1";
    s.build.flags = "-mcpu=cortex-m4 -O2";
    s.build.optimize = "-O2";
    s.build.portable = true;
    s.build.text = 1000;
    s.build.data = 20;
    s.build.bss = 300;
    s.build.flashRuntime = 700;
    s.build.flashWeights = 250;
    s.build.flashLibc = 70;
    s.build.flashTotal = 1020;
    s.build.ramArena = 200;
    s.build.ramScratch = 10;
    s.build.ramStack = 60;
    s.build.ramHeap = 0;
    s.build.ramOther = 50;
    s.build.ramTotal = 320;
    s.build.elfSha256 = std::string(64, 'e');
    s.probe = "qemu";
    s.serial = "sim-1";
    s.unit = "instructions";
    s.clockHz = 25000000;
    return s;
}

QByteArray fileSha(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
}

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A plain connection of the test's own, for looking at (or preparing) a database file directly.
class Raw {
public:
    explicit Raw(const QString& path)
    {
        static int counter = 0;
        m_name = QStringLiteral("tst_store_raw_%1").arg(++counter);
        m_db = QSqlDatabase::addDatabase("QSQLITE", m_name);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions("QSQLITE_BUSY_TIMEOUT=5000");
        m_ok = m_db.open();
    }
    ~Raw()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool ok() const { return m_ok; }
    // Runs one statement; returns the first column of the first row (invalid when none). On a
    // failure `error` (when given) gets the message.
    QVariant one(const QString& sql, QString* error = nullptr)
    {
        QSqlQuery q(m_db);
        if (!q.exec(sql)) {
            if (error)
                *error = q.lastError().text();
            else
                qWarning("raw SQL failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return QVariant();
        }
        return q.next() ? q.value(0) : QVariant();
    }
    bool exec(const QString& sql)
    {
        QSqlQuery q(m_db);
        if (!q.exec(sql)) {
            qWarning("raw SQL failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return false;
        }
        return true;
    }
    QStringList column(const QString& sql)
    {
        QStringList out;
        QSqlQuery q(m_db);
        if (!q.exec(sql))
            return {QStringLiteral("error: ") + q.lastError().text()};
        while (q.next())
            out << q.value(0).toString();
        return out;
    }

private:
    QString m_name;
    QSqlDatabase m_db;
    bool m_ok = false;
};

// Field 22 of /proc/self/stat (process start time, clock ticks since boot): proc(5).
long long selfStartTicks()
{
    std::ifstream in("/proc/self/stat");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 1));
    std::string f;
    for (int i = 3; i <= 22; ++i)
        fields >> f;
    return std::atoll(f.c_str());
}

QString bootId()
{
    QFile f("/proc/sys/kernel/random/boot_id");
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readLine()).trimmed() : QString();
}

// "committed N" lines of store_child; the largest N seen so far in `text` (complete lines only).
long long lastCommitted(const QByteArray& text)
{
    long long last = -1;
    const QList<QByteArray> lines = text.split('\n');
    for (int i = 0; i + 1 < lines.size(); ++i) // the last piece has no newline yet
        if (lines[i].startsWith("committed "))
            last = std::max(last, lines[i].mid(10).toLongLong());
    return last;
}

long long runIdFrom(const QByteArray& text)
{
    for (const QByteArray& line : text.split('\n'))
        if (line.startsWith("run "))
            return line.mid(4).toLongLong();
    return -1;
}

} // namespace

class TestStore : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_counter = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("db%1/runs.sqlite").arg(++m_counter)); }

    std::unique_ptr<RunStore> openStore(const QString& path)
    {
        auto r = RunStore::open(path.toStdString());
        if (!r.ok()) {
            qWarning("RunStore::open failed: %s", firstError(r.diagnostics).c_str());
            return nullptr;
        }
        return std::move(*r);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void defaultPath()
    {
        const QByteArray oldDb = qgetenv("TINYSTUDIO_DB");
        const QByteArray oldXdg = qgetenv("XDG_DATA_HOME");
        qputenv("TINYSTUDIO_DB", "/somewhere/else/my runs.sqlite");
        QCOMPARE(QString::fromStdString(RunStore::defaultPath()), QString("/somewhere/else/my runs.sqlite"));
        // Without it: the XDG data home (XDG Base Directory spec) + TinyStudio/runs.sqlite.
        qunsetenv("TINYSTUDIO_DB");
        const QString xdg = m_dir.filePath("xdg-data");
        qputenv("XDG_DATA_HOME", xdg.toLocal8Bit());
        QCOMPARE(QString::fromStdString(RunStore::defaultPath()), xdg + "/TinyStudio/runs.sqlite");
        oldDb.isNull() ? qunsetenv("TINYSTUDIO_DB") : qputenv("TINYSTUDIO_DB", oldDb);
        oldXdg.isNull() ? qunsetenv("XDG_DATA_HOME") : qputenv("XDG_DATA_HOME", oldXdg);
    }

    void createsFreshStore()
    {
        // Folders that do not exist yet, and a name with characters that need care in an SQLite URI.
        const QString path = m_dir.filePath("fresh/deeper/runs #1 %20?.sqlite");
        {
            auto store = openStore(path);
            QVERIFY(store);
            QCOMPARE(store->schemaVersion(), 2);
            QCOMPARE(QString::fromStdString(store->path()), path);
        }
        // SQLite file format: magic at 0, write/read versions 2/2 (WAL) at 18/19, user_version
        // big-endian at 60, application_id at 68 ("TSDB").
        const QByteArray header = fileBytes(path).left(100);
        QCOMPARE(header.left(16), QByteArray("SQLite format 3\0", 16));
        QCOMPARE(int(header[18]), 2);
        QCOMPARE(int(header[19]), 2);
        QCOMPARE(header.mid(60, 4), QByteArray("\0\0\0\2", 4));
        QCOMPARE(header.mid(68, 4), QByteArray("TSDB"));
        {
            // Opening it again (closed: no -wal or -shm beside it) keeps it as it is.
            QCOMPARE(QDir(QFileInfo(path).absolutePath()).entryList(QDir::Files), QStringList({QFileInfo(path).fileName()}));
            auto again = openStore(path);
            QVERIFY(again);
            QCOMPARE(again->schemaVersion(), 2);
        }

        Raw raw(path);
        QVERIFY(raw.ok());
        QCOMPARE(raw.column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            QStringList({"boards", "builds", "documents", "layer_samples", "models", "runs", "samples"}));
        QCOMPARE(raw.one("PRAGMA integrity_check").toString(), QString("ok"));
        // runs refers to models, boards, documents and builds; samples and layers cascade with the run.
        QCOMPARE(raw.column("SELECT \"table\" FROM pragma_foreign_key_list('runs') ORDER BY \"table\""),
            QStringList({"boards", "builds", "documents", "models"}));
        QCOMPARE(raw.column("SELECT on_delete FROM pragma_foreign_key_list('samples')"), QStringList({"CASCADE"}));
        QCOMPARE(raw.column("SELECT on_delete FROM pragma_foreign_key_list('layer_samples')"), QStringList({"CASCADE"}));
    }

    void roundTrip()
    {
        const QString path = freshPath();
        auto store = openStore(path);
        QVERIFY(store);
        const RunStart start = makeStart();
        auto id = store->beginRun(start);
        QVERIFY2(id.ok(), firstError(id.diagnostics).c_str());
        {
            auto r = store->run(*id);
            QVERIFY(r.ok());
            QCOMPARE(r->status, std::string("running"));
            QVERIFY(r->ended.empty());
            QCOMPARE(r->samples, int64_t(0));
        }
        QVERIFY(!hasErrors(store->addSamples(*id, {{1, 100, 0.5}, {2, 104, 1.0}})));
        QVERIFY(!hasErrors(store->addSamples(*id, {{3, 98, 1.5}, {4, 101, 2.0}})));
        QVERIFY(!hasErrors(store->setLayers(*id, {{0, "CONV_2D", "conv0", 70, 5000}, {1, "SOFTMAX", "prob", 30, 0}})));
        QVERIFY(!hasErrors(store->setStackPeak(*id, 1536)));
        QVERIFY(!hasErrors(store->finishRun(*id, "ok", "output matches the reference", 1)));

        auto r = store->run(*id);
        QVERIFY(r.ok());
        QCOMPARE(r->id, *id);
        QCOMPARE(r->status, std::string("ok"));
        QCOMPARE(r->message, std::string("output matches the reference"));
        QCOMPARE(r->outputMatches, 1);
        QCOMPARE(r->modelSha256, kModelSha);
        QCOMPARE(r->modelName, std::string("demo, \"small\".tflite"));
        QCOMPARE(r->board, std::string("qemu-mps2-an386"));
        QCOMPARE(r->probe, std::string("qemu"));
        QCOMPARE(r->serial, std::string("sim-1"));
        QCOMPARE(r->unit, std::string("instructions"));
        QCOMPARE(r->clockHz, int64_t(25000000));
        QCOMPARE(r->stackPeak, int64_t(1536));
        QCOMPARE(r->documentJson, start.documentJson);
        // Samples 100, 104, 98, 101: sorted 98 100 101 104, median (100 + 101) / 2.
        QCOMPARE(r->samples, int64_t(4));
        QCOMPARE(r->median, 100.5);
        QCOMPARE(r->minValue, int64_t(98));
        QCOMPARE(r->maxValue, int64_t(104));
        const QDateTime started = QDateTime::fromString(QString::fromStdString(r->started), Qt::ISODateWithMs);
        const QDateTime ended = QDateTime::fromString(QString::fromStdString(r->ended), Qt::ISODateWithMs);
        QVERIFY2(started.isValid() && started.timeSpec() == Qt::UTC, r->started.c_str());
        QVERIFY2(ended.isValid() && ended >= started, r->ended.c_str());
        QVERIFY(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 120);
        // Every build field, as written above.
        const StoreBuild& b = r->build;
        QCOMPARE(b.toolchain, std::string("arm-none-eabi-gcc 12.2.1"));
        QCOMPARE(b.flags, std::string("-mcpu=cortex-m4 -O2"));
        QCOMPARE(b.optimize, std::string("-O2"));
        QCOMPARE(b.portable, true);
        QCOMPARE(std::vector<int64_t>({b.text, b.data, b.bss, b.flashRuntime, b.flashWeights, b.flashLibc, b.flashTotal,
                     b.ramArena, b.ramScratch, b.ramStack, b.ramHeap, b.ramOther, b.ramTotal}),
            std::vector<int64_t>({1000, 20, 300, 700, 250, 70, 1020, 200, 10, 60, 0, 50, 320}));
        QCOMPARE(b.elfSha256, std::string(64, 'e'));

        auto rows = store->samples(*id);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), size_t(4));
        const int64_t inf[] = {1, 2, 3, 4}, val[] = {100, 104, 98, 101};
        const double secs[] = {0.5, 1.0, 1.5, 2.0};
        for (size_t i = 0; i < 4; ++i) {
            QCOMPARE((*rows)[i].inference, inf[i]);
            QCOMPARE((*rows)[i].value, val[i]);
            QCOMPARE((*rows)[i].hostSeconds, secs[i]);
        }
        auto layers = store->layers(*id);
        QVERIFY(layers.ok());
        QCOMPARE(layers->size(), size_t(2));
        QCOMPARE((*layers)[0].index, 0);
        QCOMPARE((*layers)[0].op, std::string("CONV_2D"));
        QCOMPARE((*layers)[0].name, std::string("conv0"));
        QCOMPARE((*layers)[0].value, int64_t(70));
        QCOMPARE((*layers)[0].macs, int64_t(5000));
        QCOMPARE((*layers)[1].op, std::string("SOFTMAX"));
        // setLayers replaces the previous figures.
        QVERIFY(!hasErrors(store->setLayers(*id, {{0, "CONV_2D", "conv0", 65, 5000}})));
        layers = store->layers(*id);
        QCOMPARE(layers->size(), size_t(1));
        QCOMPARE((*layers)[0].value, int64_t(65));

        // listRuns: newest first, filters by model and board.
        auto second = store->beginRun(makeStart());
        QVERIFY(second.ok());
        RunStart other = makeStart();
        other.model.sha256 = std::string(64, 'b');
        other.board.id = "nucleo-h743zi2";
        other.unit = "cycles";
        auto third = store->beginRun(other);
        QVERIFY(third.ok());
        auto all = store->listRuns();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), size_t(3));
        QCOMPARE((*all)[0].id, *third);
        QCOMPARE((*all)[1].id, *second);
        QCOMPARE((*all)[2].id, *id);
        QCOMPARE((*all)[2].median, 100.5);
        QCOMPARE((*all)[2].samples, int64_t(4));
        QCOMPARE((*all)[1].samples, int64_t(0));
        auto byModel = store->listRuns(kModelSha);
        QVERIFY(byModel.ok());
        QCOMPARE(byModel->size(), size_t(2));
        auto byBoard = store->listRuns({}, "nucleo-h743zi2");
        QVERIFY(byBoard.ok());
        QCOMPARE(byBoard->size(), size_t(1));
        QCOMPARE(byBoard->front().id, *third);
        QCOMPARE(byBoard->front().unit, std::string("cycles"));
        auto none = store->listRuns(kModelSha, "nucleo-h743zi2");
        QVERIFY(none.ok());
        QVERIFY(none->empty());
    }

    void median_data()
    {
        QTest::addColumn<QList<qlonglong>>("values");
        QTest::addColumn<double>("median");
        QTest::addColumn<qlonglong>("minimum");
        QTest::addColumn<qlonglong>("maximum");
        QTest::newRow("none") << QList<qlonglong>{} << 0.0 << 0LL << 0LL;
        QTest::newRow("one") << QList<qlonglong>{42} << 42.0 << 42LL << 42LL;
        // 1 3 5 7 9 -> 5
        QTest::newRow("odd") << QList<qlonglong>{7, 3, 9, 1, 5} << 5.0 << 1LL << 9LL;
        // 2 4 8 10 -> (4 + 8) / 2
        QTest::newRow("even") << QList<qlonglong>{10, 2, 8, 4} << 6.0 << 2LL << 10LL;
        // 5 5 6 6 -> 5.5; duplicates count
        QTest::newRow("duplicates") << QList<qlonglong>{6, 5, 6, 5} << 5.5 << 5LL << 6LL;
        // Large instruction counts, half-way between two neighbours.
        QTest::newRow("large even") << QList<qlonglong>{16667201, 16667200} << 16667200.5 << 16667200LL << 16667201LL;
    }

    void median()
    {
        QFETCH(QList<qlonglong>, values);
        QFETCH(double, median);
        QFETCH(qlonglong, minimum);
        QFETCH(qlonglong, maximum);
        auto store = openStore(freshPath());
        QVERIFY(store);
        auto id = store->beginRun(makeStart());
        QVERIFY(id.ok());
        std::vector<SampleRow> rows;
        for (int i = 0; i < values.size(); ++i)
            rows.push_back({i + 1, values[i], 0.1 * (i + 1)});
        QVERIFY(!hasErrors(store->addSamples(*id, rows)));
        auto r = store->run(*id);
        QVERIFY(r.ok());
        QCOMPARE(r->samples, int64_t(values.size()));
        QCOMPARE(r->median, median);
        QCOMPARE(r->minValue, int64_t(minimum));
        QCOMPARE(r->maxValue, int64_t(maximum));
        auto list = store->listRuns();
        QVERIFY(list.ok());
        QCOMPARE(list->size(), size_t(1));
        QCOMPARE(list->front().median, median);
    }

    void identicalRowsReused()
    {
        const QString path = freshPath();
        auto store = openStore(path);
        QVERIFY(store);
        // sha256("abc") from FIPS 180-2, appendix B.1.
        RunStart s = makeStart("abc");
        QVERIFY(store->beginRun(s).ok());
        QVERIFY(store->beginRun(s).ok());
        auto r = store->listRuns();
        QVERIFY(r.ok());
        QCOMPARE(r->front().documentSha256, std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        s.build.text = 1004; // another build, same everything else
        QVERIFY(store->beginRun(s).ok());
        s.documentJson = "{\"other\":1}";
        QVERIFY(store->beginRun(s).ok());
        Raw raw(path);
        QCOMPARE(raw.one("SELECT count(*) FROM runs").toInt(), 4);
        QCOMPARE(raw.one("SELECT count(*) FROM models").toInt(), 1);
        QCOMPARE(raw.one("SELECT count(*) FROM boards").toInt(), 1);
        QCOMPARE(raw.one("SELECT count(*) FROM builds").toInt(), 2);
        QCOMPARE(raw.one("SELECT count(*) FROM documents").toInt(), 2);
        // Each run records who owns it.
        QCOMPARE(raw.one("SELECT count(DISTINCT owner_pid) FROM runs").toInt(), 1);
        QCOMPARE(raw.one("SELECT owner_pid FROM runs LIMIT 1").toLongLong(), qlonglong(::getpid()));
        QCOMPARE(raw.one("SELECT owner_host FROM runs LIMIT 1").toString(), QSysInfo::machineHostName());
    }

    void csvExport()
    {
        auto store = openStore(freshPath());
        QVERIFY(store);
        auto id = store->beginRun(makeStart());
        QVERIFY(id.ok());
        QVERIFY(!hasErrors(store->addSamples(*id, {{1, 100, 0.5}, {2, 102, 1.25}})));
        QVERIFY(!hasErrors(store->setLayers(*id, {{0, "CONV_2D", "conv,\"a\"", 70, 1000}, {1, "SOFTMAX", "prob", 30, 0}})));
        auto csv = store->exportCsv(*id);
        QVERIFY2(csv.ok(), firstError(csv.diagnostics).c_str());
        const std::string n = std::to_string(*id);
        // RFC 4180: CRLF line ends; the name with a comma and quotes is quoted, its quotes doubled.
        const std::string expected = "kind,run,inference,instructions,host_seconds,layer,op,name,macs\r\n"
                                     "sample," + n + ",1,100,0.5,,,,\r\n"
                                     "sample," + n + ",2,102,1.25,,,,\r\n"
                                     "layer," + n + ",,70,,0,CONV_2D,\"conv,\"\"a\"\"\",1000\r\n"
                                     "layer," + n + ",,30,,1,SOFTMAX,prob,0\r\n";
        QCOMPARE(QString::fromStdString(*csv), QString::fromStdString(expected));
    }

    void compare()
    {
        auto store = openStore(freshPath());
        QVERIFY(store);
        auto a = store->beginRun(makeStart(
            R"({"planner":"greedy","schedule":{"order":[0,1,2],"patch":{"n":3,"split":63}}})"));
        auto b = store->beginRun(makeStart(
            R"({"extra":true,"planner":"hill_climb","schedule":{"order":[0,2,1],"patch":{"n":3,"split":91}}})"));
        QVERIFY(a.ok() && b.ok());
        QVERIFY(!hasErrors(store->addSamples(*a, {{1, 100, 0}, {2, 200, 0}})));          // median 150
        QVERIFY(!hasErrors(store->addSamples(*b, {{1, 90, 0}, {2, 150, 0}, {3, 120, 0}}))); // median 120
        QVERIFY(!hasErrors(store->setLayers(*a, {{0, "CONV_2D", "c0", 100, 0}, {1, "ADD", "a1", 50, 0}})));
        QVERIFY(!hasErrors(store->setLayers(*b, {{0, "CONV_2D", "c0", 80, 0}, {1, "MUL", "m1", 40, 0}})));

        auto c = compareRuns(*store, *a, *b);
        QVERIFY2(c.ok(), firstError(c.diagnostics).c_str());
        QCOMPARE(c->a.id, *a);
        QCOMPARE(c->b.id, *b);
        const std::vector<std::string> expected = {
            "extra: (absent) -> true",
            "planner: \"greedy\" -> \"hill_climb\"",
            "schedule.order[1]: 1 -> 2",
            "schedule.order[2]: 2 -> 1",
            "schedule.patch.split: 63 -> 91",
        };
        QCOMPARE(c->scheduleDifferences, expected);
        QCOMPARE(c->layers.size(), size_t(3));
        QCOMPARE(c->layers[0].index, 0);
        QCOMPARE(c->layers[0].op, std::string("CONV_2D"));
        QCOMPARE(c->layers[0].a, int64_t(100));
        QCOMPARE(c->layers[0].b, int64_t(80));
        QCOMPARE(c->layers[1].op, std::string("ADD"));
        QCOMPARE(c->layers[1].name, std::string("a1"));
        QCOMPARE(c->layers[1].a, int64_t(50));
        QCOMPARE(c->layers[1].b, int64_t(-1));
        QCOMPARE(c->layers[2].op, std::string("MUL"));
        QCOMPARE(c->layers[2].a, int64_t(-1));
        QCOMPARE(c->layers[2].b, int64_t(40));
        QCOMPARE(c->medianRatio, 0.8); // 120 / 150

        // A run against itself: nothing differs.
        auto same = compareRuns(*store, *a, *a);
        QVERIFY(same.ok());
        QVERIFY(same->scheduleDifferences.empty());
        QCOMPARE(same->medianRatio, 1.0);
    }

    void missingRunIsAnError()
    {
        const QString path = freshPath();
        auto store = openStore(path);
        QVERIFY(store);
        auto id = store->beginRun(makeStart());
        QVERIFY(id.ok());
        const int64_t missing = *id + 41;
        std::vector<std::string> errors;
        errors.push_back(firstError(store->run(missing).diagnostics));
        errors.push_back(firstError(store->samples(missing).diagnostics));
        errors.push_back(firstError(store->layers(missing).diagnostics));
        errors.push_back(firstError(store->exportCsv(missing).diagnostics));
        errors.push_back(firstError(store->addSamples(missing, {{1, 1, 0}})));
        errors.push_back(firstError(store->setLayers(missing, {{0, "ADD", "x", 1, 0}})));
        errors.push_back(firstError(store->setStackPeak(missing, 10)));
        errors.push_back(firstError(store->finishRun(missing, "ok", "", -1)));
        errors.push_back(firstError(compareRuns(*store, *id, missing).diagnostics));
        for (const std::string& e : errors) {
            QVERIFY2(e.find("no run with id " + std::to_string(missing)) != std::string::npos, e.c_str());
            QVERIFY2(e.find(path.toStdString()) != std::string::npos, e.c_str());
        }
        QVERIFY(!store->run(missing).ok());
        QVERIFY(!compareRuns(*store, *id, missing).ok());
        Raw raw(path);
        QCOMPARE(raw.one("SELECT count(*) FROM samples").toInt(), 0);
    }

    void badArguments()
    {
        auto store = openStore(freshPath());
        QVERIFY(store);
        RunStart s = makeStart();
        s.model.sha256 = "ABC";
        auto r = store->beginRun(s);
        QVERIFY(!r.ok());
        QVERIFY2(firstError(r.diagnostics).find("model.sha256") != std::string::npos, firstError(r.diagnostics).c_str());
        s = makeStart();
        s.unit = "ms";
        r = store->beginRun(s);
        QVERIFY(!r.ok());
        QVERIFY2(firstError(r.diagnostics).find("\"instructions\" or \"cycles\"") != std::string::npos,
            firstError(r.diagnostics).c_str());

        auto id = store->beginRun(makeStart());
        QVERIFY(id.ok());
        Diagnostics d = store->finishRun(*id, "running", "", -1);
        QVERIFY(hasErrors(d));
        QVERIFY2(firstError(d).find("\"ok\", \"failed\" or \"cancelled\"") != std::string::npos, firstError(d).c_str());
        d = store->setLayers(*id, {{2, "ADD", "x", 1, 0}, {2, "MUL", "y", 1, 0}});
        QVERIFY2(firstError(d).find("layer index 2 appears more than once") != std::string::npos, firstError(d).c_str());
        QVERIFY(!hasErrors(store->finishRun(*id, "failed", "hard fault", 0)));
        d = store->finishRun(*id, "ok", "", 1);
        QVERIFY2(firstError(d).find("already ended (status \"failed\")") != std::string::npos, firstError(d).c_str());
        d = store->addSamples(*id, {{1, 1, 0}});
        QVERIFY2(firstError(d).find("the run has ended") != std::string::npos, firstError(d).c_str());
        auto info = store->run(*id);
        QCOMPARE(info->status, std::string("failed"));
        QCOMPARE(info->message, std::string("hard fault"));
        QCOMPARE(info->outputMatches, 0);
        QCOMPARE(info->samples, int64_t(0));
    }

    void refusesForeignFiles_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("text file") << "text" << "is not an SQLite database";
        QTest::newRow("corrupt store") << "corrupt" << "corrupt SQLite database";
        QTest::newRow("another application's database") << "foreign" << "SQLite database of another application";
        QTest::newRow("newer schema") << "newer" << "schema version 3, newer than this TinyStudio knows (2)";
        QTest::newRow("a folder") << "folder" << "is a folder";
    }

    void refusesForeignFiles()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        const QString path = freshPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        if (kind == "text") {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("id,name\n1,not a database\n");
        } else if (kind == "corrupt") {
            {
                auto store = openStore(path);
                QVERIFY(store);
                auto id = store->beginRun(makeStart());
                QVERIFY(id.ok());
                std::vector<SampleRow> rows;
                for (int i = 0; i < 2000; ++i)
                    rows.push_back({i, 1000 + i, i * 0.01});
                QVERIFY(!hasErrors(store->addSamples(*id, rows)));
            }
            // Overwrite the last page (a b-tree page of the samples) with garbage.
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.size() >= 8 * 4096);
            QVERIFY(f.seek(f.size() - 4096));
            f.write(QByteArray(4096, char(0xA5)));
        } else if (kind == "foreign") {
            Raw raw(path);
            QVERIFY(raw.ok());
            QVERIFY(raw.exec("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)"));
            QVERIFY(raw.exec("INSERT INTO contacts (name) VALUES ('Ada')"));
        } else if (kind == "newer") {
            QVERIFY(openStore(path));
            Raw raw(path);
            QVERIFY(raw.exec("PRAGMA user_version = 3"));
        } else if (kind == "folder") {
            QVERIFY(QDir().mkpath(path));
        }
        const QByteArray before = fileSha(path);
        const QStringList filesBefore = QDir(QFileInfo(path).absolutePath()).entryList(QDir::Files, QDir::Name);

        auto r = RunStore::open(path.toStdString());
        QVERIFY(!r.ok());
        const QString error = QString::fromStdString(firstError(r.diagnostics));
        QVERIFY2(error.contains(path), qPrintable(error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.contains("left untouched"), qPrintable(error));
        QCOMPARE(fileSha(path), before);
        // Nothing beside it either (no journal, no WAL left behind for a file that is not ours).
        QCOMPARE(QDir(QFileInfo(path).absolutePath()).entryList(QDir::Files, QDir::Name), filesBefore);
    }

    void emptySqliteFileIsAdopted()
    {
        // An SQLite file with no tables and no marker (e.g. made by "sqlite3 runs.sqlite VACUUM") is free to use.
        const QString path = freshPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        {
            Raw raw(path);
            QVERIFY(raw.exec("CREATE TABLE t (x)"));
            QVERIFY(raw.exec("DROP TABLE t"));
        }
        QCOMPARE(fileBytes(path).left(16), QByteArray("SQLite format 3\0", 16));
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), 2);
    }

    void migratesVersion1()
    {
        const QString path = freshPath();
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        {
            // The version 1 schema, spelled out: no runs.clock_hz, runs.stack_peak or layer_samples.macs.
            Raw raw(path);
            QVERIFY(raw.ok());
            const char* v1[] = {
                "CREATE TABLE models (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),"
                " name TEXT NOT NULL, bytes INTEGER NOT NULL CHECK (bytes >= 0))",
                "CREATE TABLE boards (id INTEGER PRIMARY KEY, profile TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
                " json TEXT NOT NULL DEFAULT '')",
                "CREATE TABLE documents (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),"
                " json TEXT NOT NULL)",
                "CREATE TABLE builds (id INTEGER PRIMARY KEY, toolchain TEXT NOT NULL, flags TEXT NOT NULL,"
                " optimize TEXT NOT NULL, portable INTEGER NOT NULL CHECK (portable IN (0, 1)),"
                " text_bytes INTEGER NOT NULL, data_bytes INTEGER NOT NULL, bss_bytes INTEGER NOT NULL,"
                " flash_runtime INTEGER NOT NULL, flash_weights INTEGER NOT NULL, flash_libc INTEGER NOT NULL,"
                " flash_total INTEGER NOT NULL, ram_arena INTEGER NOT NULL, ram_scratch INTEGER NOT NULL,"
                " ram_stack INTEGER NOT NULL, ram_heap INTEGER NOT NULL, ram_other INTEGER NOT NULL,"
                " ram_total INTEGER NOT NULL, elf_sha256 TEXT NOT NULL,"
                " UNIQUE (toolchain, flags, optimize, portable, text_bytes, data_bytes, bss_bytes, flash_runtime,"
                " flash_weights, flash_libc, flash_total, ram_arena, ram_scratch, ram_stack, ram_heap, ram_other,"
                " ram_total, elf_sha256))",
                "CREATE TABLE runs (id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL REFERENCES models(id),"
                " board_id INTEGER NOT NULL REFERENCES boards(id), document_id INTEGER NOT NULL REFERENCES documents(id),"
                " build_id INTEGER NOT NULL REFERENCES builds(id), probe TEXT NOT NULL, serial TEXT NOT NULL DEFAULT '',"
                " unit TEXT NOT NULL CHECK (unit IN ('instructions', 'cycles')), started TEXT NOT NULL,"
                " ended TEXT NOT NULL DEFAULT '',"
                " status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted', 'cancelled')),"
                " message TEXT NOT NULL DEFAULT '',"
                " output_matches INTEGER NOT NULL DEFAULT -1 CHECK (output_matches IN (-1, 0, 1)),"
                " owner_pid INTEGER NOT NULL, owner_host TEXT NOT NULL, owner_boot TEXT NOT NULL DEFAULT '',"
                " owner_start INTEGER NOT NULL DEFAULT 0)",
                "CREATE INDEX runs_by_model_board ON runs (model_id, board_id, started)",
                "CREATE INDEX runs_by_started ON runs (started)",
                "CREATE INDEX runs_by_status ON runs (status)",
                "CREATE TABLE samples (id INTEGER PRIMARY KEY,"
                " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, inference INTEGER NOT NULL,"
                " value INTEGER NOT NULL, host_seconds REAL NOT NULL DEFAULT 0)",
                "CREATE INDEX samples_by_run ON samples (run_id, inference)",
                "CREATE TABLE layer_samples (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                " layer INTEGER NOT NULL, op TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', value INTEGER NOT NULL,"
                " PRIMARY KEY (run_id, layer))",
                "INSERT INTO models VALUES (1, 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd', 'old.tflite', 5000)",
                "INSERT INTO boards VALUES (1, 'qemu-mps2-an386', 'QEMU mps2-an386', '')",
                "INSERT INTO documents VALUES (1, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', '{\"v\":1}')",
                "INSERT INTO builds VALUES (1, 'gcc', '-O2', '-O2', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, '')",
                "INSERT INTO runs VALUES (7, 1, 1, 1, 1, 'qemu', '', 'instructions', '2026-01-02T03:04:05.000Z',"
                " '2026-01-02T03:05:00.000Z', 'ok', 'old run', 1, 1, 'old-host', '', 0)",
                "INSERT INTO samples (run_id, inference, value, host_seconds) VALUES (7, 1, 300, 0.1), (7, 2, 100, 0.2),"
                " (7, 3, 200, 0.3)",
                "INSERT INTO layer_samples VALUES (7, 0, 'CONV_2D', 'c', 250)",
                "PRAGMA application_id = 1414743106", // "TSDB"
                "PRAGMA user_version = 1",
            };
            for (const char* sql : v1)
                QVERIFY2(raw.exec(sql), sql);
        }
        {
            auto store = openStore(path);
            QVERIFY(store);
            QCOMPARE(store->schemaVersion(), 2);
            auto r = store->run(7);
            QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
            QCOMPARE(r->status, std::string("ok"));
            QCOMPARE(r->message, std::string("old run"));
            QCOMPARE(r->modelName, std::string("old.tflite"));
            QCOMPARE(r->started, std::string("2026-01-02T03:04:05.000Z"));
            QCOMPARE(r->samples, int64_t(3));
            QCOMPARE(r->median, 200.0); // 100 200 300
            QCOMPARE(r->build.ramOther, int64_t(12));
            QCOMPARE(r->build.ramTotal, int64_t(13));
            QCOMPARE(r->clockHz, int64_t(0)); // new column, default
            QCOMPARE(r->stackPeak, int64_t(0));
            auto layers = store->layers(7);
            QVERIFY(layers.ok());
            QCOMPARE(layers->size(), size_t(1));
            QCOMPARE(layers->front().value, int64_t(250));
            QCOMPARE(layers->front().macs, int64_t(0));
            // The new columns work.
            QVERIFY(!hasErrors(store->setStackPeak(7, 2048)));
            QVERIFY(!hasErrors(store->setLayers(7, {{0, "CONV_2D", "c", 250, 9216}})));
            RunStart s = makeStart();
            s.clockHz = 168000000;
            auto id = store->beginRun(s);
            QVERIFY(id.ok());
            QCOMPARE(store->run(*id)->clockHz, int64_t(168000000));
            QCOMPARE(store->run(7)->stackPeak, int64_t(2048));
            QCOMPARE(store->layers(7)->front().macs, int64_t(9216));
        }
        Raw raw(path);
        QCOMPARE(raw.one("PRAGMA user_version").toInt(), 2);
        QCOMPARE(raw.one("SELECT count(*) FROM pragma_table_info('runs') WHERE name IN ('clock_hz', 'stack_peak')").toInt(), 2);
        QCOMPARE(raw.one("SELECT count(*) FROM pragma_table_info('layer_samples') WHERE name = 'macs'").toInt(), 1);
        QCOMPARE(raw.one("PRAGMA integrity_check").toString(), QString("ok"));
    }

    void ownerLiveness_data()
    {
        QTest::addColumn<QString>("owner");
        QTest::addColumn<QString>("status");
        QTest::newRow("this process") << "self" << "running";
        QTest::newRow("process gone") << "dead" << "interrupted";
        QTest::newRow("pid recycled") << "recycled" << "interrupted";
        QTest::newRow("machine rebooted") << "rebooted" << "interrupted";
        QTest::newRow("another host") << "otherhost" << "running";
    }

    void ownerLiveness()
    {
        QFETCH(QString, owner);
        QFETCH(QString, status);
        // A process that has ended and been reaped: its pid is free (store_child without arguments
        // prints its usage and exits).
        QProcess ended;
        ended.start(TINYSTUDIO_STORE_CHILD, {});
        QVERIFY(ended.waitForStarted(30000));
        const qlonglong exitedPid = ended.processId();
        QVERIFY(ended.waitForFinished(30000));
        QCOMPARE(ended.exitCode(), 2);
        QVERIFY(::kill(pid_t(exitedPid), 0) == -1 && errno == ESRCH);

        const QString path = freshPath();
        int64_t id = 0;
        {
            auto store = openStore(path);
            QVERIFY(store);
            auto r = store->beginRun(makeStart());
            QVERIFY(r.ok());
            id = *r;
        }
        qlonglong pid = ::getpid();
        QString host = QSysInfo::machineHostName();
        QString boot = bootId();
        qlonglong start = selfStartTicks();
        if (owner == "dead")
            pid = exitedPid;
        else if (owner == "recycled")
            start += 12345;
        else if (owner == "rebooted")
            boot = "00000000-0000-4000-8000-000000000000";
        else if (owner == "otherhost") {
            pid = exitedPid;
            host = "elsewhere.example.org";
        }
        {
            Raw raw(path);
            QVERIFY(raw.exec(QStringLiteral("UPDATE runs SET owner_pid = %1, owner_host = '%2', owner_boot = '%3',"
                                            " owner_start = %4 WHERE id = %5")
                                 .arg(pid).arg(host, boot).arg(start).arg(id)));
        }
        auto store = openStore(path);
        QVERIFY(store);
        auto r = store->run(id);
        QVERIFY(r.ok());
        QCOMPARE(QString::fromStdString(r->status), status);
        if (status == "interrupted") {
            QVERIFY2(r->message.find("interrupted") != std::string::npos, r->message.c_str());
            QVERIFY2(!r->ended.empty(), r->message.c_str());
        } else {
            QVERIFY(r->ended.empty());
        }
    }

    void twoStoresInOneProcess()
    {
        const QString path = freshPath();
        auto a = openStore(path);
        auto b = openStore(path);
        QVERIFY(a && b);
        auto ra = a->beginRun(makeStart());
        auto rb = b->beginRun(makeStart());
        QVERIFY(ra.ok() && rb.ok());
        for (int i = 0; i < 50; ++i) {
            QVERIFY(!hasErrors(a->addSamples(*ra, {{2 * i, 10, 0}, {2 * i + 1, 20, 0}})));
            QVERIFY(!hasErrors(b->addSamples(*rb, {{i, 30, 0}})));
        }
        QCOMPARE(b->run(*ra)->samples, int64_t(100));
        QCOMPARE(a->run(*rb)->samples, int64_t(50));
        QCOMPARE(a->listRuns()->size(), size_t(2));
        QCOMPARE(b->listRuns()->size(), size_t(2));
        QCOMPARE(a->run(*ra)->median, 15.0); // fifty 10s and fifty 20s
    }

    void writerInAnotherProcess()
    {
        // The studio and the CLI at once: store_child commits 300 batches of 4 while this process
        // writes its own run and, in between, holds the write lock for a second. The child must
        // wait (busy timeout), not fail with "database is locked".
        const QString path = freshPath();
        auto store = openStore(path);
        QVERIFY(store);
        auto mine = store->beginRun(makeStart());
        QVERIFY(mine.ok());
        QProcess child;
        child.start(TINYSTUDIO_STORE_CHILD, {path, "--batches", "300", "--batch-size", "4", "--sleep-ms", "1"});
        QVERIFY(child.waitForStarted(30000));
        QByteArray out;
        while (lastCommitted(out) < 40 && child.state() == QProcess::Running) {
            child.waitForReadyRead(1000);
            out += child.readAllStandardOutput();
        }
        QVERIFY2(lastCommitted(out) >= 40, out.constData());
        {
            Raw lock(path);
            QVERIFY(lock.exec("BEGIN IMMEDIATE"));
            QVERIFY(lock.exec("INSERT INTO samples (run_id, inference, value, host_seconds) VALUES (" +
                QString::number(*mine) + ", 0, 7, 0)"));
            QThread::msleep(1000);
            QVERIFY(lock.exec("COMMIT"));
        }
        for (int i = 1; i <= 300; ++i)
            QVERIFY(!hasErrors(store->addSamples(*mine, {{i, 5, 0}})));
        QVERIFY(child.waitForFinished(120000));
        out += child.readAllStandardOutput();
        const QByteArray err = child.readAllStandardError();
        QVERIFY2(err.isEmpty(), err.constData());
        QCOMPARE(child.exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.exitCode(), 0);
        QCOMPARE(lastCommitted(out), 1200LL);
        const long long childRun = runIdFrom(out);
        auto theirs = store->run(childRun);
        QVERIFY(theirs.ok());
        QCOMPARE(theirs->status, std::string("ok"));
        QCOMPARE(theirs->samples, int64_t(1200));
        QCOMPARE(store->run(*mine)->samples, int64_t(301));
    }

    void sigkillLosesNothingCommitted()
    {
        const QString path = freshPath();
        QProcess child;
        child.start(TINYSTUDIO_STORE_CHILD, {path, "--batch-size", "5", "--sleep-ms", "2"});
        QVERIFY(child.waitForStarted(30000));
        QByteArray out;
        while (lastCommitted(out) < 100 && child.state() == QProcess::Running) {
            child.waitForReadyRead(1000);
            out += child.readAllStandardOutput();
        }
        QVERIFY2(lastCommitted(out) >= 100, (out + child.readAllStandardError()).constData());
        const long long runId = runIdFrom(out);
        QVERIFY(runId > 0);
        {
            // While the child runs, its run is not mistaken for an abandoned one.
            auto store = openStore(path);
            QVERIFY(store);
            QCOMPARE(store->run(runId)->status, std::string("running"));
        }
        const qint64 childPid = child.processId();
        QVERIFY(::kill(pid_t(childPid), SIGKILL) == 0);
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        out += child.readAllStandardOutput();
        const long long reported = lastCommitted(out);
        QVERIFY(reported >= 100);
        {
            Raw raw(path);
            QVERIFY(raw.ok());
            QCOMPARE(raw.one("PRAGMA integrity_check").toString(), QString("ok"));
            QCOMPARE(raw.one(QStringLiteral("SELECT status FROM runs WHERE id = %1").arg(runId)).toString(), QString("running"));
        }
        auto store = openStore(path);
        QVERIFY(store);
        auto r = store->run(runId);
        QVERIFY(r.ok());
        QCOMPARE(r->status, std::string("interrupted"));
        QVERIFY2(r->message.find("pid " + std::to_string(childPid)) != std::string::npos, r->message.c_str());
        QVERIFY2(r->samples >= reported, qPrintable(QString("%1 stored, %2 reported").arg(r->samples).arg(reported)));
        // Whole batches only, each sample as the child wrote it: inference i has the value 1000 + i.
        QCOMPARE(r->samples % 5, int64_t(0));
        auto rows = store->samples(runId);
        QVERIFY(rows.ok());
        for (size_t i = 0; i < rows->size(); ++i) {
            QCOMPARE((*rows)[i].inference, int64_t(i + 1));
            QCOMPARE((*rows)[i].value, int64_t(1001 + i));
        }
        Raw raw(path);
        QCOMPARE(raw.one("PRAGMA integrity_check").toString(), QString("ok"));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
