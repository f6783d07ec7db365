#include "store/runstore.h"

#include "store/processid.h"
#include "store/schema.h"
#include "store/sqlite.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QStringList>
#include <QVariant>

#include <algorithm>
#include <set>
#include <utility>

namespace ts {

using storedetail::Connection;
using storedetail::execSql;
using storedetail::inspectFile;
using storedetail::kApplicationId;
using storedetail::kBusyTimeoutMs;
using storedetail::qs;
using storedetail::scalar;
using storedetail::sqlText;
using storedetail::OwnerState;
using storedetail::ProcessIdentity;
using storedetail::str;
using storedetail::WriteTransaction;

namespace {

std::string nowIso() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString(); }

std::string sha256Hex(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString();
}

bool isSha256(const std::string& s)
{
    if (s.size() != 64)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The build columns, in the order of buildValues() and readBuild().
const char* const kBuildColumns[] = {"toolchain", "flags", "optimize", "portable", "text_bytes", "data_bytes",
    "bss_bytes", "flash_runtime", "flash_weights", "flash_libc", "flash_total", "ram_arena", "ram_scratch",
    "ram_stack", "ram_heap", "ram_other", "ram_total", "elf_sha256"};
constexpr int kBuildColumnCount = int(sizeof(kBuildColumns) / sizeof(kBuildColumns[0]));

std::vector<QVariant> buildValues(const StoreBuild& b)
{
    return {qs(b.toolchain), qs(b.flags), qs(b.optimize), b.portable ? 1 : 0, qlonglong(b.text), qlonglong(b.data),
        qlonglong(b.bss), qlonglong(b.flashRuntime), qlonglong(b.flashWeights), qlonglong(b.flashLibc),
        qlonglong(b.flashTotal), qlonglong(b.ramArena), qlonglong(b.ramScratch), qlonglong(b.ramStack),
        qlonglong(b.ramHeap), qlonglong(b.ramOther), qlonglong(b.ramTotal), qs(b.elfSha256)};
}

StoreBuild readBuild(const QSqlQuery& q, int first)
{
    auto i64 = [&](int k) { return int64_t(q.value(first + k).toLongLong()); };
    StoreBuild b;
    b.toolchain = str(q.value(first + 0));
    b.flags = str(q.value(first + 1));
    b.optimize = str(q.value(first + 2));
    b.portable = q.value(first + 3).toInt() != 0;
    b.text = i64(4);
    b.data = i64(5);
    b.bss = i64(6);
    b.flashRuntime = i64(7);
    b.flashWeights = i64(8);
    b.flashLibc = i64(9);
    b.flashTotal = i64(10);
    b.ramArena = i64(11);
    b.ramScratch = i64(12);
    b.ramStack = i64(13);
    b.ramHeap = i64(14);
    b.ramOther = i64(15);
    b.ramTotal = i64(16);
    b.elfSha256 = str(q.value(first + 17));
    return b;
}

QString runSelect()
{
    QString sql = QStringLiteral(
        "SELECT r.id, r.status, r.message, m.sha256, m.name, b.profile, r.probe, r.serial, r.unit, r.clock_hz,"
        " r.started, r.ended, r.output_matches, r.stack_peak, d.json, d.sha256");
    for (const char* c : kBuildColumns)
        sql += QStringLiteral(", bu.") + QLatin1String(c);
    sql += QStringLiteral(" FROM runs r JOIN models m ON m.id = r.model_id JOIN boards b ON b.id = r.board_id"
                          " JOIN documents d ON d.id = r.document_id JOIN builds bu ON bu.id = r.build_id");
    return sql;
}

RunInfo readRun(const QSqlQuery& q)
{
    RunInfo r;
    r.id = q.value(0).toLongLong();
    r.status = str(q.value(1));
    r.message = str(q.value(2));
    r.modelSha256 = str(q.value(3));
    r.modelName = str(q.value(4));
    r.board = str(q.value(5));
    r.probe = str(q.value(6));
    r.serial = str(q.value(7));
    r.unit = str(q.value(8));
    r.clockHz = q.value(9).toLongLong();
    r.started = str(q.value(10));
    r.ended = str(q.value(11));
    r.outputMatches = q.value(12).toInt();
    r.stackPeak = q.value(13).toLongLong();
    r.documentJson = str(q.value(14));
    r.documentSha256 = str(q.value(15));
    r.build = readBuild(q, 16);
    return r;
}

// Count, median (the mean of the two middle values for an even count), minimum and maximum.
void fillStatistics(RunInfo& info, std::vector<int64_t> values)
{
    info.samples = int64_t(values.size());
    if (values.empty())
        return;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    info.minValue = values.front();
    info.maxValue = values.back();
    info.median = n % 2 == 1 ? double(values[n / 2]) : (double(values[n / 2 - 1]) + double(values[n / 2])) / 2.0;
}

// RFC 4180: a field with a comma, a double quote, CR or LF is quoted, its quotes doubled.
std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

} // namespace

struct RunStore::Impl {
    std::string path;
    Connection conn;
    int version = 0;
    ProcessIdentity self;

    Diagnostic error(const std::string& where, const std::string& message) const
    {
        return makeError(path, where, message);
    }

    static std::string runWhere(int64_t id) { return "run " + std::to_string(id); }

    // The status of run `id`; false with a diagnostic when it is absent or the query fails.
    bool runStatus(int64_t id, std::string* status, Diagnostics* diags)
    {
        QSqlQuery q(conn.db);
        q.prepare(QStringLiteral("SELECT status FROM runs WHERE id = ?"));
        q.addBindValue(qlonglong(id));
        if (!q.exec()) {
            diags->push_back(error(runWhere(id), "cannot read the run: " + sqlText(q.lastError())));
            return false;
        }
        if (!q.next()) {
            diags->push_back(error(runWhere(id), "no run with id " + std::to_string(id) + " in this store"));
            return false;
        }
        *status = str(q.value(0));
        return true;
    }

    bool applyPragmas(Diagnostics* diags)
    {
        std::string err;
        QVariant mode;
        if (!execSql(conn.db, QStringLiteral("PRAGMA busy_timeout = %1").arg(kBusyTimeoutMs), &err)
            || !execSql(conn.db, QStringLiteral("PRAGMA foreign_keys = ON"), &err)
            || !scalar(conn.db, QStringLiteral("PRAGMA journal_mode = WAL"), &mode, &err)
            || !execSql(conn.db, QStringLiteral("PRAGMA synchronous = NORMAL"), &err)) {
            diags->push_back(error({}, "cannot configure the database connection: " + err));
            return false;
        }
        if (mode.toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
            diags->push_back(makeWarning(path, "journal_mode",
                "the database could not be switched to write-ahead logging (journal mode is \""
                    + str(mode) + "\"); the studio and the CLI may block each other longer"));
        return true;
    }

    // Brings the schema to kSchemaVersion, step by step, in one write transaction (another process
    // may have done it meanwhile: the version is read again under the write lock).
    bool migrate(Diagnostics* diags)
    {
        std::string err;
        QVariant currentId, currentVersion;
        if (scalar(conn.db, QStringLiteral("PRAGMA application_id"), &currentId, &err)
            && scalar(conn.db, QStringLiteral("PRAGMA user_version"), &currentVersion, &err)
            && currentId.toInt() == kApplicationId && currentVersion.toInt() == kSchemaVersion) {
            version = kSchemaVersion; // up to date: no write lock needed
            return true;
        }
        WriteTransaction tx(conn.db);
        if (!tx.begin(&err)) {
            diags->push_back(error({}, "cannot start the schema upgrade: " + err));
            return false;
        }
        QVariant appId, ver, tables;
        if (!scalar(conn.db, QStringLiteral("PRAGMA application_id"), &appId, &err)
            || !scalar(conn.db, QStringLiteral("PRAGMA user_version"), &ver, &err)
            || !scalar(conn.db, QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table'"), &tables, &err)) {
            diags->push_back(error({}, "cannot read the schema version: " + err));
            return false;
        }
        int from = ver.toInt();
        if (appId.toInt() != kApplicationId) {
            if (appId.toInt() != 0 || tables.toInt() != 0) {
                diags->push_back(error({}, "is not a TinyStudio run store (application_id " + str(appId)
                    + "); the file was left untouched"));
                return false;
            }
            from = 0;
        }
        if (from > kSchemaVersion) {
            diags->push_back(error({}, "has run store schema version " + std::to_string(from)
                + ", newer than this TinyStudio knows (" + std::to_string(kSchemaVersion) + ")"));
            return false;
        }
        const auto& steps = storedetail::migrationSteps();
        for (int step = from + 1; step <= kSchemaVersion; ++step) {
            for (const char* sql : steps[size_t(step - 1)]) {
                if (!execSql(conn.db, QString::fromUtf8(sql), &err)) {
                    diags->push_back(error("schema step " + std::to_string(step),
                        "upgrading from version " + std::to_string(from) + " failed: " + err));
                    return false;
                }
            }
        }
        if (from < kSchemaVersion) {
            if (!execSql(conn.db, QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId), &err)
                || !execSql(conn.db, QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion), &err)
                || !tx.commit(&err)) {
                diags->push_back(error({}, "cannot record schema version " + std::to_string(kSchemaVersion) + ": " + err));
                return false;
            }
        }
        version = kSchemaVersion;
        return true;
    }

    // Runs left "running" by a process that is gone (same machine) become "interrupted".
    bool markInterrupted(Diagnostics* diags)
    {
        struct Stale {
            int64_t id;
            std::string started, why, owner;
        };
        std::vector<Stale> stale;
        {
            QSqlQuery q(conn.db);
            if (!q.exec(QStringLiteral("SELECT id, owner_pid, owner_host, owner_boot, owner_start, started FROM runs"
                                       " WHERE status = 'running'"))) {
                diags->push_back(error("runs", "cannot look for unfinished runs: " + sqlText(q.lastError())));
                return false;
            }
            while (q.next()) {
                ProcessIdentity owner;
                owner.pid = q.value(1).toLongLong();
                owner.host = str(q.value(2));
                owner.boot = str(q.value(3));
                owner.start = q.value(4).toLongLong();
                std::string why;
                if (storedetail::ownerState(owner, self, &why) == OwnerState::Gone)
                    stale.push_back({q.value(0).toLongLong(), str(q.value(5)), why,
                        "pid " + std::to_string(owner.pid) + " on " + owner.host});
            }
        }
        if (stale.empty())
            return true;
        std::string err;
        WriteTransaction tx(conn.db);
        if (!tx.begin(&err)) {
            diags->push_back(error("runs", "cannot mark unfinished runs as interrupted: " + err));
            return false;
        }
        const std::string noticed = nowIso();
        for (const Stale& s : stale) {
            // The run ended, at the latest, with its last stored sample.
            double lastSeconds = 0;
            {
                QSqlQuery q(conn.db);
                q.prepare(QStringLiteral("SELECT max(host_seconds) FROM samples WHERE run_id = ?"));
                q.addBindValue(qlonglong(s.id));
                if (q.exec() && q.next() && !q.value(0).isNull())
                    lastSeconds = q.value(0).toDouble();
            }
            QDateTime started = QDateTime::fromString(qs(s.started), Qt::ISODateWithMs);
            const std::string ended = started.isValid()
                ? started.addMSecs(qint64(lastSeconds * 1000.0)).toUTC().toString(Qt::ISODateWithMs).toStdString()
                : noticed;
            QSqlQuery u(conn.db);
            u.prepare(QStringLiteral("UPDATE runs SET status = 'interrupted', ended = ?, message = ?"
                                     " WHERE id = ? AND status = 'running'"));
            u.addBindValue(qs(ended));
            u.addBindValue(qs("interrupted: the process that ran it (" + s.owner + ") ended without finishing it ("
                + s.why + "); noticed " + noticed));
            u.addBindValue(qlonglong(s.id));
            if (!u.exec()) {
                diags->push_back(error(runWhere(s.id), "cannot mark the run as interrupted: " + sqlText(u.lastError())));
                return false;
            }
        }
        if (!tx.commit(&err)) {
            diags->push_back(error("runs", "cannot mark unfinished runs as interrupted: " + err));
            return false;
        }
        return true;
    }

    // Inserts a row unless an identical one exists (by its unique key); returns its id.
    bool upsert(const QString& insertSql, const std::vector<QVariant>& insertValues, const QString& selectSql,
        const std::vector<QVariant>& keyValues, const std::string& what, int64_t* id, Diagnostics* diags)
    {
        QSqlQuery ins(conn.db);
        ins.prepare(insertSql);
        for (const QVariant& v : insertValues)
            ins.addBindValue(v);
        if (!ins.exec()) {
            diags->push_back(error(what, "cannot store it: " + sqlText(ins.lastError())));
            return false;
        }
        QSqlQuery sel(conn.db);
        sel.prepare(selectSql);
        for (const QVariant& v : keyValues)
            sel.addBindValue(v);
        if (!sel.exec() || !sel.next()) {
            diags->push_back(error(what, "cannot find it after storing it: " + sqlText(sel.lastError())));
            return false;
        }
        *id = sel.value(0).toLongLong();
        return true;
    }
};

RunStore::RunStore(std::unique_ptr<Impl> impl) : m(std::move(impl)) {}
RunStore::~RunStore() = default;

const std::string& RunStore::path() const { return m->path; }
int RunStore::schemaVersion() const { return m->version; }

std::string RunStore::defaultPath()
{
    const QByteArray env = qgetenv("TINYSTUDIO_DB");
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env).toStdString();
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return (base + QStringLiteral("/TinyStudio/runs.sqlite")).toStdString();
}

Result<std::unique_ptr<RunStore>> RunStore::open(const std::string& path)
{
    Result<std::unique_ptr<RunStore>> result;
    if (path.empty()) {
        result.diagnostics.push_back(makeError({}, "run store", "no database path given"));
        return result;
    }
    Result<int> inspected = inspectFile(path);
    if (!inspected.ok()) {
        result.diagnostics = std::move(inspected.diagnostics);
        return result;
    }
    const QFileInfo fi(qs(path));
    if (!QDir().mkpath(fi.absolutePath())) {
        result.diagnostics.push_back(makeError(path, {}, "cannot create its folder " + fi.absolutePath().toStdString()));
        return result;
    }

    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->self = storedetail::currentProcess();
    std::string err;
    if (!impl->conn.open(path, Connection::Mode::ReadWrite, &err)) {
        result.diagnostics.push_back(makeError(path, {}, err));
        return result;
    }
    if (!impl->applyPragmas(&result.diagnostics) || !impl->migrate(&result.diagnostics)
        || !impl->markInterrupted(&result.diagnostics))
        return result;
    result.value = std::unique_ptr<RunStore>(new RunStore(std::move(impl)));
    return result;
}

Result<int64_t> RunStore::beginRun(const RunStart& start)
{
    Result<int64_t> result;
    Diagnostics& diags = result.diagnostics;
    if (!isSha256(start.model.sha256))
        diags.push_back(m->error("model.sha256", "expected 64 lower-case hex digits, found \"" + start.model.sha256 + "\""));
    if (start.model.bytes < 0)
        diags.push_back(m->error("model.bytes", "expected a size >= 0, found " + std::to_string(start.model.bytes)));
    if (start.board.id.empty())
        diags.push_back(m->error("board.id", "expected a board profile id, found an empty string"));
    if (start.probe.empty())
        diags.push_back(m->error("probe", "expected a probe name (\"qemu\", \"stlink\"), found an empty string"));
    if (start.unit != "instructions" && start.unit != "cycles")
        diags.push_back(m->error("unit", "expected \"instructions\" or \"cycles\", found \"" + start.unit + "\""));
    if (start.clockHz < 0)
        diags.push_back(m->error("clockHz", "expected a clock >= 0 Hz, found " + std::to_string(start.clockHz)));
    if (hasErrors(diags))
        return result;

    std::string err;
    WriteTransaction tx(m->conn.db);
    if (!tx.begin(&err)) {
        diags.push_back(m->error("runs", "cannot start a run: " + err));
        return result;
    }
    int64_t modelId = 0, boardId = 0, documentId = 0, buildId = 0;
    const std::string docSha = sha256Hex(QByteArray::fromStdString(start.documentJson));
    std::vector<QVariant> build = buildValues(start.build);
    QString buildInsert = QStringLiteral("INSERT INTO builds (");
    QString buildSelect = QStringLiteral("SELECT id FROM builds WHERE ");
    for (int i = 0; i < kBuildColumnCount; ++i) {
        buildInsert += QLatin1String(i ? ", " : "") + QLatin1String(kBuildColumns[i]);
        buildSelect += QLatin1String(i ? " AND " : "") + QLatin1String(kBuildColumns[i]) + QStringLiteral(" = ?");
    }
    buildInsert += QStringLiteral(") VALUES (") + QStringList(kBuildColumnCount, QStringLiteral("?")).join(", ")
        + QStringLiteral(") ON CONFLICT DO NOTHING");

    if (!m->upsert(QStringLiteral("INSERT INTO models (sha256, name, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING"),
            {qs(start.model.sha256), qs(start.model.name), qlonglong(start.model.bytes)},
            QStringLiteral("SELECT id FROM models WHERE sha256 = ?"), {qs(start.model.sha256)}, "model", &modelId, &diags)
        || !m->upsert(QStringLiteral("INSERT INTO boards (profile, name, json) VALUES (?, ?, ?) ON CONFLICT (profile)"
                                     " DO UPDATE SET name = excluded.name, json = excluded.json"),
            {qs(start.board.id), qs(start.board.name), qs(start.board.json)},
            QStringLiteral("SELECT id FROM boards WHERE profile = ?"), {qs(start.board.id)}, "board", &boardId, &diags)
        || !m->upsert(QStringLiteral("INSERT INTO documents (sha256, json) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING"),
            {qs(docSha), qs(start.documentJson)}, QStringLiteral("SELECT id FROM documents WHERE sha256 = ?"), {qs(docSha)},
            "document", &documentId, &diags)
        || !m->upsert(buildInsert, build, buildSelect, build, "build", &buildId, &diags))
        return result;

    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral(
        "INSERT INTO runs (model_id, board_id, document_id, build_id, probe, serial, unit, clock_hz, started, status,"
        " owner_pid, owner_host, owner_boot, owner_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)"));
    for (const QVariant& v : std::vector<QVariant>{qlonglong(modelId), qlonglong(boardId), qlonglong(documentId),
             qlonglong(buildId), qs(start.probe), qs(start.serial), qs(start.unit), qlonglong(start.clockHz), qs(nowIso()),
             qlonglong(m->self.pid), qs(m->self.host), qs(m->self.boot), qlonglong(m->self.start)})
        q.addBindValue(v);
    if (!q.exec()) {
        diags.push_back(m->error("runs", "cannot store the run: " + sqlText(q.lastError())));
        return result;
    }
    const int64_t id = q.lastInsertId().toLongLong();
    q.finish();
    if (!tx.commit(&err)) {
        diags.push_back(m->error("runs", "cannot store the run: " + err));
        return result;
    }
    result.value = id;
    return result;
}

Diagnostics RunStore::addSamples(int64_t run, const std::vector<SampleRow>& samples)
{
    Diagnostics diags;
    std::string err;
    WriteTransaction tx(m->conn.db);
    if (!tx.begin(&err)) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot store samples: " + err));
        return diags;
    }
    std::string status;
    if (!m->runStatus(run, &status, &diags))
        return diags;
    if (status != "running") {
        diags.push_back(m->error(Impl::runWhere(run), "cannot add samples: the run has ended (status \"" + status
            + "\"), samples are added while it is \"running\""));
        return diags;
    }
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("INSERT INTO samples (run_id, inference, value, host_seconds) VALUES (?, ?, ?, ?)"));
    for (size_t i = 0; i < samples.size(); ++i) {
        q.bindValue(0, qlonglong(run));
        q.bindValue(1, qlonglong(samples[i].inference));
        q.bindValue(2, qlonglong(samples[i].value));
        q.bindValue(3, samples[i].hostSeconds);
        if (!q.exec()) {
            diags.push_back(m->error(Impl::runWhere(run) + " samples[" + std::to_string(i) + "]",
                "cannot store the sample: " + sqlText(q.lastError())));
            return diags;
        }
    }
    q.finish();
    if (!tx.commit(&err))
        diags.push_back(m->error(Impl::runWhere(run), "cannot store samples: " + err));
    return diags;
}

Diagnostics RunStore::setLayers(int64_t run, const std::vector<LayerRow>& layers)
{
    Diagnostics diags;
    std::set<int> seen;
    for (size_t i = 0; i < layers.size(); ++i) {
        if (layers[i].index < 0)
            diags.push_back(m->error("layers[" + std::to_string(i) + "].index",
                "expected a layer index >= 0, found " + std::to_string(layers[i].index)));
        else if (!seen.insert(layers[i].index).second)
            diags.push_back(m->error("layers[" + std::to_string(i) + "].index",
                "layer index " + std::to_string(layers[i].index) + " appears more than once, expected one row per layer"));
    }
    if (hasErrors(diags))
        return diags;
    std::string err;
    WriteTransaction tx(m->conn.db);
    if (!tx.begin(&err)) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot store layers: " + err));
        return diags;
    }
    std::string status;
    if (!m->runStatus(run, &status, &diags))
        return diags;
    QSqlQuery del(m->conn.db);
    del.prepare(QStringLiteral("DELETE FROM layer_samples WHERE run_id = ?"));
    del.addBindValue(qlonglong(run));
    if (!del.exec()) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot replace layers: " + sqlText(del.lastError())));
        return diags;
    }
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("INSERT INTO layer_samples (run_id, layer, op, name, value, macs) VALUES (?, ?, ?, ?, ?, ?)"));
    for (size_t i = 0; i < layers.size(); ++i) {
        q.bindValue(0, qlonglong(run));
        q.bindValue(1, layers[i].index);
        q.bindValue(2, qs(layers[i].op));
        q.bindValue(3, qs(layers[i].name));
        q.bindValue(4, qlonglong(layers[i].value));
        q.bindValue(5, qlonglong(layers[i].macs));
        if (!q.exec()) {
            diags.push_back(m->error(Impl::runWhere(run) + " layers[" + std::to_string(i) + "]",
                "cannot store the layer: " + sqlText(q.lastError())));
            return diags;
        }
    }
    q.finish();
    if (!tx.commit(&err))
        diags.push_back(m->error(Impl::runWhere(run), "cannot store layers: " + err));
    return diags;
}

Diagnostics RunStore::setStackPeak(int64_t run, int64_t bytes)
{
    Diagnostics diags;
    if (bytes < 0) {
        diags.push_back(m->error(Impl::runWhere(run), "stack peak: expected bytes >= 0, found " + std::to_string(bytes)));
        return diags;
    }
    std::string err;
    WriteTransaction tx(m->conn.db);
    if (!tx.begin(&err)) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot store the stack peak: " + err));
        return diags;
    }
    std::string status;
    if (!m->runStatus(run, &status, &diags))
        return diags;
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("UPDATE runs SET stack_peak = ? WHERE id = ?"));
    q.addBindValue(qlonglong(bytes));
    q.addBindValue(qlonglong(run));
    if (!q.exec()) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot store the stack peak: " + sqlText(q.lastError())));
        return diags;
    }
    q.finish();
    if (!tx.commit(&err))
        diags.push_back(m->error(Impl::runWhere(run), "cannot store the stack peak: " + err));
    return diags;
}

Diagnostics RunStore::finishRun(int64_t run, const std::string& status, const std::string& message, int outputMatches)
{
    Diagnostics diags;
    if (status != "ok" && status != "failed" && status != "cancelled")
        diags.push_back(m->error(Impl::runWhere(run), "status: expected \"ok\", \"failed\" or \"cancelled\", found \"" + status + "\""));
    if (outputMatches < -1 || outputMatches > 1)
        diags.push_back(m->error(Impl::runWhere(run), "outputMatches: expected 1, 0 or -1, found " + std::to_string(outputMatches)));
    if (hasErrors(diags))
        return diags;
    std::string err;
    WriteTransaction tx(m->conn.db);
    if (!tx.begin(&err)) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot finish the run: " + err));
        return diags;
    }
    std::string current;
    if (!m->runStatus(run, &current, &diags))
        return diags;
    if (current != "running") {
        diags.push_back(m->error(Impl::runWhere(run), "cannot finish the run: it has already ended (status \"" + current + "\")"));
        return diags;
    }
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("UPDATE runs SET status = ?, message = ?, output_matches = ?, ended = ? WHERE id = ?"));
    q.addBindValue(qs(status));
    q.addBindValue(qs(message));
    q.addBindValue(outputMatches);
    q.addBindValue(qs(nowIso()));
    q.addBindValue(qlonglong(run));
    if (!q.exec()) {
        diags.push_back(m->error(Impl::runWhere(run), "cannot finish the run: " + sqlText(q.lastError())));
        return diags;
    }
    q.finish();
    if (!tx.commit(&err))
        diags.push_back(m->error(Impl::runWhere(run), "cannot finish the run: " + err));
    return diags;
}

Result<std::vector<RunInfo>> RunStore::listRuns(const std::string& modelSha256, const std::string& board) const
{
    Result<std::vector<RunInfo>> result;
    std::vector<RunInfo> runs;
    {
        QSqlQuery q(m->conn.db);
        q.prepare(runSelect() + QStringLiteral(" WHERE (? = '' OR m.sha256 = ?) AND (? = '' OR b.profile = ?)"
                                               " ORDER BY r.started DESC, r.id DESC"));
        q.addBindValue(qs(modelSha256));
        q.addBindValue(qs(modelSha256));
        q.addBindValue(qs(board));
        q.addBindValue(qs(board));
        if (!q.exec()) {
            result.diagnostics.push_back(m->error("runs", "cannot list runs: " + sqlText(q.lastError())));
            return result;
        }
        while (q.next())
            runs.push_back(readRun(q));
    }
    QSqlQuery v(m->conn.db);
    v.prepare(QStringLiteral("SELECT value FROM samples WHERE run_id = ?"));
    for (RunInfo& r : runs) {
        v.bindValue(0, qlonglong(r.id));
        if (!v.exec()) {
            result.diagnostics.push_back(m->error(Impl::runWhere(r.id), "cannot read samples: " + sqlText(v.lastError())));
            return result;
        }
        std::vector<int64_t> values;
        while (v.next())
            values.push_back(v.value(0).toLongLong());
        fillStatistics(r, std::move(values));
    }
    result.value = std::move(runs);
    return result;
}

Result<RunInfo> RunStore::run(int64_t id) const
{
    Result<RunInfo> result;
    RunInfo info;
    {
        QSqlQuery q(m->conn.db);
        q.prepare(runSelect() + QStringLiteral(" WHERE r.id = ?"));
        q.addBindValue(qlonglong(id));
        if (!q.exec()) {
            result.diagnostics.push_back(m->error(Impl::runWhere(id), "cannot read the run: " + sqlText(q.lastError())));
            return result;
        }
        if (!q.next()) {
            result.diagnostics.push_back(m->error(Impl::runWhere(id), "no run with id " + std::to_string(id) + " in this store"));
            return result;
        }
        info = readRun(q);
    }
    QSqlQuery v(m->conn.db);
    v.prepare(QStringLiteral("SELECT value FROM samples WHERE run_id = ?"));
    v.addBindValue(qlonglong(id));
    if (!v.exec()) {
        result.diagnostics.push_back(m->error(Impl::runWhere(id), "cannot read samples: " + sqlText(v.lastError())));
        return result;
    }
    std::vector<int64_t> values;
    while (v.next())
        values.push_back(v.value(0).toLongLong());
    fillStatistics(info, std::move(values));
    result.value = std::move(info);
    return result;
}

Result<std::vector<SampleRow>> RunStore::samples(int64_t run) const
{
    Result<std::vector<SampleRow>> result;
    std::string status;
    if (!m->runStatus(run, &status, &result.diagnostics))
        return result;
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("SELECT inference, value, host_seconds FROM samples WHERE run_id = ? ORDER BY id"));
    q.addBindValue(qlonglong(run));
    if (!q.exec()) {
        result.diagnostics.push_back(m->error(Impl::runWhere(run), "cannot read samples: " + sqlText(q.lastError())));
        return result;
    }
    std::vector<SampleRow> rows;
    while (q.next())
        rows.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toDouble()});
    result.value = std::move(rows);
    return result;
}

Result<std::vector<LayerRow>> RunStore::layers(int64_t run) const
{
    Result<std::vector<LayerRow>> result;
    std::string status;
    if (!m->runStatus(run, &status, &result.diagnostics))
        return result;
    QSqlQuery q(m->conn.db);
    q.prepare(QStringLiteral("SELECT layer, op, name, value, macs FROM layer_samples WHERE run_id = ? ORDER BY layer"));
    q.addBindValue(qlonglong(run));
    if (!q.exec()) {
        result.diagnostics.push_back(m->error(Impl::runWhere(run), "cannot read layers: " + sqlText(q.lastError())));
        return result;
    }
    std::vector<LayerRow> rows;
    while (q.next()) {
        LayerRow l;
        l.index = q.value(0).toInt();
        l.op = str(q.value(1));
        l.name = str(q.value(2));
        l.value = q.value(3).toLongLong();
        l.macs = q.value(4).toLongLong();
        rows.push_back(std::move(l));
    }
    result.value = std::move(rows);
    return result;
}

Result<std::string> RunStore::exportCsv(int64_t run) const
{
    Result<std::string> result;
    Result<RunInfo> info = this->run(run);
    if (!info.ok()) {
        result.diagnostics = std::move(info.diagnostics);
        return result;
    }
    Result<std::vector<SampleRow>> rows = samples(run);
    Result<std::vector<LayerRow>> layerRows = layers(run);
    if (!rows.ok() || !layerRows.ok()) {
        result.diagnostics = rows.ok() ? std::move(layerRows.diagnostics) : std::move(rows.diagnostics);
        return result;
    }
    // One table: a "sample" row per inference, then a "layer" row per layer; the value column is
    // named after the run's unit. Lines end in CRLF (RFC 4180).
    const std::string id = std::to_string(run);
    std::string out = "kind,run,inference," + csvField(info->unit) + ",host_seconds,layer,op,name,macs\r\n";
    for (const SampleRow& s : *rows)
        out += "sample," + id + "," + std::to_string(s.inference) + "," + std::to_string(s.value) + ","
            + QString::number(s.hostSeconds, 'g', QLocale::FloatingPointShortest).toStdString() + ",,,,\r\n";
    for (const LayerRow& l : *layerRows)
        out += "layer," + id + ",," + std::to_string(l.value) + ",," + std::to_string(l.index) + "," + csvField(l.op)
            + "," + csvField(l.name) + "," + std::to_string(l.macs) + "\r\n";
    result.value = std::move(out);
    return result;
}

} // namespace ts
