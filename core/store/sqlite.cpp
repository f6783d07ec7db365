#include "store/sqlite.h"

#include "store/runstore.h"
#include "store/schema.h"

#include <QByteArray>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QUrl>

#include <atomic>

namespace ts::storedetail {

namespace {

QString newConnectionName()
{
    static std::atomic<int> counter{0};
    return QStringLiteral("tinystudio-runstore-%1").arg(++counter);
}

std::string printable(const QByteArray& bytes)
{
    std::string out;
    for (char c : bytes) {
        if (c >= 32 && c < 127)
            out += c;
        else
            out += '.';
    }
    return out;
}

} // namespace

bool Connection::open(const std::string& path, Mode mode, std::string* error)
{
    name = newConnectionName();
    db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    if (!db.isValid()) {
        *error = "the Qt SQLite driver (QSQLITE) is not available; install the Qt 6 SQLite plugin "
                 "(Debian: libqt6sql6-sqlite)";
        return false;
    }
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs);
    if (mode != Mode::ReadWrite)
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    if (mode == Mode::Immutable) {
        options += QStringLiteral(";QSQLITE_OPEN_URI");
        db.setDatabaseName(QUrl::fromLocalFile(QFileInfo(qs(path)).absoluteFilePath()).toString(QUrl::FullyEncoded)
            + QStringLiteral("?immutable=1"));
    } else {
        db.setDatabaseName(qs(path));
    }
    db.setConnectOptions(options);
    if (!db.open()) {
        *error = "cannot open it: " + sqlText(db.lastError());
        return false;
    }
    return true;
}

// Runs one statement; on failure `error` gets the statement's error text.
bool execSql(QSqlDatabase& db, const QString& sql, std::string* error)
{
    QSqlQuery q(db);
    if (!q.exec(sql)) {
        *error = sqlText(q.lastError());
        return false;
    }
    return true;
}

// The first column of the first row of a one-value query (a PRAGMA, a count).
bool scalar(QSqlDatabase& db, const QString& sql, QVariant* value, std::string* error)
{
    QSqlQuery q(db);
    if (!q.exec(sql)) {
        *error = sqlText(q.lastError());
        return false;
    }
    *value = q.next() ? q.value(0) : QVariant();
    return true;
}

Result<int> inspectFile(const std::string& path)
{
    Result<int> result;
    auto fail = [&](std::string message) {
        result.diagnostics.push_back(makeError(path, {}, std::move(message) + "; the file was left untouched"));
        return result;
    };
    const QFileInfo fi(qs(path));
    if (!fi.exists()) {
        result.value = 0;
        return result;
    }
    if (fi.isDir())
        return fail("is a folder, expected a TinyStudio run store (an SQLite file)");
    if (fi.size() == 0) {
        result.value = 0;
        return result;
    }
    QFile file(fi.filePath());
    if (!file.open(QIODevice::ReadOnly))
        return fail("cannot be read: " + file.errorString().toStdString());
    const QByteArray header = file.read(100);
    file.close();
    static const QByteArray kMagic("SQLite format 3\0", 16);
    if (!header.startsWith(kMagic))
        return fail("is not an SQLite database (it starts with \"" + printable(header.left(16))
            + "\"), expected a TinyStudio run store");
    if (header.size() < 100)
        return fail("is a corrupt SQLite database: its header is cut short (" + std::to_string(fi.size())
            + " bytes, the header alone has 100)");

    // A database in WAL mode (header bytes 18 and 19 are 2) with no -wal and no -shm beside it has
    // no connection open and nothing outside the file: it is read as immutable so that no -wal or
    // -shm appears beside a file that may not be ours. Otherwise a read-only connection reads it
    // with its write-ahead log.
    const bool walMode = header.at(18) == 2 && header.at(19) == 2;
    const bool companions = QFileInfo::exists(fi.filePath() + QStringLiteral("-wal"))
        || QFileInfo::exists(fi.filePath() + QStringLiteral("-shm"));
    Connection c;
    std::string error;
    if (!c.open(path, walMode && !companions ? Connection::Mode::Immutable : Connection::Mode::ReadOnly, &error))
        return fail(error);
    QSqlQuery check(c.db);
    if (!check.exec(QStringLiteral("PRAGMA quick_check")))
        return fail("is a corrupt SQLite database (PRAGMA quick_check failed: " + sqlText(check.lastError()) + ")");
    QStringList problems;
    while (check.next()) {
        QString line = check.value(0).toString();
        line.replace(QStringLiteral("*** in database main ***"), QString()).replace(QLatin1Char('\n'), QLatin1Char(' '));
        line = line.trimmed();
        if (line != QLatin1String("ok") && !line.isEmpty())
            problems << line;
    }
    check.finish();
    if (problems.size() > 3)
        problems = problems.mid(0, 3) << QStringLiteral("...");
    if (!problems.isEmpty())
        return fail("is a corrupt SQLite database (PRAGMA quick_check reports: " + problems.join("; ").toStdString() + ")");

    QVariant appId, version;
    if (!scalar(c.db, QStringLiteral("PRAGMA application_id"), &appId, &error)
        || !scalar(c.db, QStringLiteral("PRAGMA user_version"), &version, &error))
        return fail("cannot be read as an SQLite database: " + error);
    QSqlQuery tables(c.db);
    QStringList names;
    if (!tables.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")))
        return fail("cannot be read as an SQLite database: " + sqlText(tables.lastError()));
    while (tables.next())
        names << tables.value(0).toString();
    tables.finish();

    const int id = appId.toInt();
    const int v = version.toInt();
    if (id == kApplicationId) {
        if (v > RunStore::kSchemaVersion)
            return fail("has run store schema version " + std::to_string(v) + ", newer than this TinyStudio knows ("
                + std::to_string(RunStore::kSchemaVersion) + "); open it with a newer TinyStudio");
        if (v < 1)
            return fail("carries the TinyStudio marker (application_id) but schema version " + std::to_string(v)
                + ", expected 1 to " + std::to_string(RunStore::kSchemaVersion));
        result.value = v;
        return result;
    }
    if (id == 0 && names.isEmpty()) {
        result.value = 0;
        return result;
    }
    const QStringList shown = names.size() > 5 ? names.mid(0, 5) << QStringLiteral("...") : names;
    return fail("is an SQLite database of another application (application_id " + std::to_string(id)
        + ", expected " + std::to_string(kApplicationId) + " (\"TSDB\") for a TinyStudio run store; tables: "
        + (shown.isEmpty() ? std::string("none") : shown.join(", ").toStdString()) + ")");
}

} // namespace ts::storedetail
