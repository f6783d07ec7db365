#pragma once
// SQLite plumbing of the run store (internal): named Qt SQL connections, one-statement helpers,
// write transactions that take the write lock at once, and the look at an existing file that
// decides, without writing a byte, whether it is a TinyStudio run store this build can open.

#include "common/diagnostic.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <string>

namespace ts::storedetail {

constexpr int kBusyTimeoutMs = 5000;

inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline std::string str(const QVariant& v) { return v.toString().toStdString(); }
inline std::string sqlText(const QSqlError& e) { return e.text().toStdString(); }

// One named QSqlDatabase connection, removed again when this goes away.
struct Connection {
    QString name;
    QSqlDatabase db;

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection()
    {
        if (name.isEmpty())
            return;
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
    }

    enum class Mode {
        ReadWrite,
        ReadOnly,  // for looking at a file before anything is written to it
        Immutable, // read-only, and the file is known to be complete on its own: no locks, and no
                   // -wal or -shm files are created beside it
    };

    // Opens `path` on a new named connection; false with `error` set when it cannot.
    bool open(const std::string& path, Mode mode, std::string* error);
};

// Runs one statement; on failure `error` gets the statement's error text.
bool execSql(QSqlDatabase& db, const QString& sql, std::string* error);

// The first column of the first row of a one-value query (a PRAGMA, a count).
bool scalar(QSqlDatabase& db, const QString& sql, QVariant* value, std::string* error);

// A write transaction taken at once (BEGIN IMMEDIATE), so a second writer waits for the busy
// timeout instead of failing when it upgrades a read lock; rolled back unless committed.
class WriteTransaction {
public:
    explicit WriteTransaction(QSqlDatabase& db) : m_db(db) {}
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    ~WriteTransaction()
    {
        if (m_open) {
            QSqlQuery q(m_db);
            q.exec(QStringLiteral("ROLLBACK"));
        }
    }
    bool begin(std::string* error)
    {
        if (!execSql(m_db, QStringLiteral("BEGIN IMMEDIATE"), error))
            return false;
        m_open = true;
        return true;
    }
    bool commit(std::string* error)
    {
        if (!execSql(m_db, QStringLiteral("COMMIT"), error))
            return false;
        m_open = false;
        return true;
    }

private:
    QSqlDatabase& m_db;
    bool m_open = false;
};

// What is at `path` before anything is written: 0 for "absent or empty, create the schema", else
// the schema version of a TinyStudio database this build can open. Anything else (not SQLite,
// corrupt, another application's database, a newer schema, a folder) is an error naming the file,
// and the file is not written to (only read-only connections touch it here).
Result<int> inspectFile(const std::string& path);

} // namespace ts::storedetail
