#include "session/session.h"

#include "common/json.h"

#include "model/tflite_import.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

#include <set>

namespace ts {

namespace {

constexpr int kFormat = kSessionFormat;
constexpr qint64 kMaxSessionBytes = 16 * 1024 * 1024;

const std::set<QString> kKeys = {"format", "model_path", "model_absolute_path", "model_sha256", "board",
                                 "schedule", "reserve_bytes", "region", "reorder", "notes", "codegen", "target"};

QString absoluteClean(const QString& path) { return QDir::cleanPath(QFileInfo(path).absoluteFilePath()); }

std::string typeName(const QJsonValue& v) { return jsonTypeName(v); }

// Field checks that record an error naming the field and return false.
class Checker {
public:
    explicit Checker(std::string file) : m_file(std::move(file)) {}

    bool error(const std::string& field, const std::string& message)
    {
        m_diags.push_back(makeError(m_file, field, message));
        return false;
    }

    bool string(const QJsonObject& o, const QString& key, std::string& out, bool required, bool nonEmpty)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() && !required)
            return true;
        if (!v.isString() || (nonEmpty && v.toString().isEmpty()))
            return error(key.toStdString(),
                         std::string("expected a ") + (nonEmpty ? "non-empty " : "") + "string, found " + typeName(v));
        out = v.toString().toStdString();
        return true;
    }

    bool boolean(const QJsonObject& o, const QString& key, bool& out)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return true;
        if (!v.isBool())
            return error(key.toStdString(), "expected true or false, found " + typeName(v));
        out = v.toBool();
        return true;
    }

    bool integer(const QJsonObject& o, const QString& key, int64_t& out, int64_t min, int64_t max)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return true;
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d != double(int64_t(d)))
            return error(key.toStdString(), "expected a whole number of bytes, found " + typeName(v));
        if (d < double(min) || d > double(max))
            return error(key.toStdString(), "found " + std::to_string(int64_t(d)) + "; expected " + std::to_string(min)
                                                + ".." + std::to_string(max));
        out = int64_t(d);
        return true;
    }

    const std::string& file() const { return m_file; }
    Diagnostics& diagnostics() { return m_diags; }

private:
    std::string m_file;
    Diagnostics m_diags;
};

bool codegenField(Checker& c, const QJsonObject& o, CodegenOptions& out)
{
    const QJsonValue v = o.value("codegen");
    if (v.isUndefined())
        return true;
    if (!v.isObject())
        return c.error("codegen", "expected an object, found " + typeName(v));
    const QJsonObject g = v.toObject();
    bool ok = true;
    for (const QString& k : g.keys())
        if (k != "optimize" && k != "user_arena" && k != "layer_hook")
            ok = c.error("codegen." + k.toStdString(), "unknown field; expected optimize, user_arena, layer_hook");
    std::string opt = out.optimize;
    if (g.contains("optimize")) {
        if (!g.value("optimize").isString() || !std::set<QString>{"O2", "O3", "Os"}.count(g.value("optimize").toString()))
            ok = c.error("codegen.optimize", "expected \"O2\", \"O3\" or \"Os\", found " + typeName(g.value("optimize")));
        else
            opt = g.value("optimize").toString().toStdString();
    }
    out.optimize = opt;
    for (const auto& [key, field] : {std::pair<QString, bool*>{"user_arena", &out.userArena}, {"layer_hook", &out.layerHook}})
        if (g.contains(key)) {
            if (!g.value(key).isBool())
                ok = c.error("codegen." + key.toStdString(), "expected true or false, found " + typeName(g.value(key)));
            else
                *field = g.value(key).toBool();
        }
    return ok;
}

bool targetField(Checker& c, const QJsonObject& o, TargetOptions& out)
{
    const QJsonValue v = o.value("target");
    if (v.isUndefined())
        return true;
    if (!v.isObject())
        return c.error("target", "expected an object, found " + typeName(v));
    const QJsonObject t = v.toObject();
    bool ok = true;
    for (const QString& k : t.keys())
        if (k != "probe" && k != "runs")
            ok = c.error("target." + k.toStdString(), "unknown field; expected probe, runs");
    if (t.contains("probe")) {
        const QString p = t.value("probe").toString("?");
        if (!t.value("probe").isString() || !(p.isEmpty() || p == "qemu" || p == "stlink"))
            ok = c.error("target.probe", "expected \"\", \"qemu\" or \"stlink\", found " + typeName(t.value("probe")));
        else
            out.probe = p.toStdString();
    }
    if (t.contains("runs")) {
        const QJsonValue r = t.value("runs");
        if (!r.isDouble() || r.toDouble() != double(int(r.toDouble())) || r.toDouble() < 1 || r.toDouble() > 1000000)
            ok = c.error("target.runs", "expected a whole number 1..1000000, found " + typeName(r));
        else
            out.runs = r.toInt();
    }
    return ok;
}

Result<LoadedSession> failed(Diagnostics diags)
{
    Result<LoadedSession> r;
    r.diagnostics = std::move(diags);
    return r;
}

// Validates the schedule object against `model`; errors get the session file and "schedule.".
Result<ScheduleDoc> parseSchedule(const QJsonObject& o, const std::string& file, const Model& model)
{
    auto r = scheduleFromJson(QJsonDocument(o).toJson(QJsonDocument::Compact), file, model);
    for (auto& d : r.diagnostics) {
        d.file = file;
        d.where = d.where.empty() ? "schedule" : "schedule." + d.where;
    }
    return r;
}

} // namespace

FitOptions Session::fitOptions() const
{
    FitOptions f;
    f.reserveBytes = reserveBytes;
    f.region = region;
    return f;
}

bool Session::operator==(const Session& o) const
{
    return modelPath == o.modelPath && modelSha256 == o.modelSha256 && boardId == o.boardId
        && reserveBytes == o.reserveBytes && region == o.region && schedule == o.schedule && codegen == o.codegen
        && target == o.target && notes == o.notes;
}

QByteArray sessionToJson(const Session& session, const QString& sessionFilePath)
{
    QString relative, absolute;
    if (!session.modelPath.empty()) {
        absolute = absoluteClean(QString::fromStdString(session.modelPath));
        relative = QDir(QFileInfo(sessionFilePath).absolutePath()).relativeFilePath(absolute);
        if (relative.isEmpty())
            relative = absolute;
    }
    ScheduleDoc schedule = session.schedule;
    if (schedule.modelSha256.empty())
        schedule.modelSha256 = session.modelSha256;
    const QJsonObject o{{"format", kFormat},
                        {"model_path", relative},
                        {"model_absolute_path", absolute},
                        {"model_sha256", QString::fromStdString(session.modelSha256)},
                        {"board", QString::fromStdString(session.boardId)},
                        {"schedule", scheduleToJson(schedule)},
                        {"reserve_bytes", qint64(session.reserveBytes)},
                        {"region", QString::fromStdString(session.region)},
                        {"codegen", QJsonObject{{"optimize", QString::fromStdString(session.codegen.optimize)},
                                                {"user_arena", session.codegen.userArena},
                                                {"layer_hook", session.codegen.layerHook}}},
                        {"target", QJsonObject{{"probe", QString::fromStdString(session.target.probe)},
                                               {"runs", session.target.runs}}},
                        {"notes", QString::fromStdString(session.notes)}};
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

Diagnostics saveSession(const Session& session, const std::string& path)
{
    Diagnostics diags;
    const QString qpath = QString::fromStdString(path);
    QSaveFile f(qpath);
    if (!f.open(QIODevice::WriteOnly)) {
        diags.push_back(makeError(path, "", "cannot write the session: " + f.errorString().toStdString()));
        return diags;
    }
    const QByteArray bytes = sessionToJson(session, qpath);
    if (f.write(bytes) != bytes.size()) {
        diags.push_back(makeError(path, "", "cannot write the session: " + f.errorString().toStdString()));
        f.cancelWriting();
        return diags;
    }
    if (!f.commit())
        diags.push_back(makeError(path, "", "cannot save the session: " + f.errorString().toStdString()));
    return diags;
}

Result<LoadedSession> loadSession(const std::string& path, const BoardSet& boards)
{
    Checker c(path);
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) {
        c.error("", "cannot read the session: " + file.errorString().toStdString());
        return failed(c.diagnostics());
    }
    if (file.size() > kMaxSessionBytes) {
        c.error("", "the file is " + std::to_string(file.size()) + " bytes; expected at most "
                        + std::to_string(kMaxSessionBytes) + " for a session");
        return failed(c.diagnostics());
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError) {
        c.error("", "not valid JSON at byte " + std::to_string(pe.offset) + ": " + pe.errorString().toStdString());
        return failed(c.diagnostics());
    }
    if (!doc.isObject()) {
        c.error("", "expected a JSON object at the top level");
        return failed(c.diagnostics());
    }
    const QJsonObject o = doc.object();
    const QJsonValue format = o.value("format");
    if (!format.isDouble() || (format.toDouble() != kFormat && format.toDouble() != 1)) {
        c.error("format", "expected 1 or " + std::to_string(kFormat) + ", found " + typeName(format)
                              + (format.isDouble() && format.toDouble() > kFormat ? " (saved by a newer TinyStudio?)" : ""));
        return failed(c.diagnostics());
    }

    // Every field, each checked on its own so one pass reports all type errors.
    Diagnostics notes;
    const int fileFormat = int(format.toDouble());
    for (const QString& k : o.keys())
        if (!kKeys.count(k) || (fileFormat == 1 && (k == "codegen" || k == "target"))
            || (fileFormat >= 2 && k == "reorder")) {
            c.error(k.toStdString(), "unknown field (a typo?)");
        }
    LoadedSession out;
    Session& s = out.session;
    std::string relPath, absPath, savedSha;
    bool ok = c.string(o, "model_path", relPath, true, true);
    ok = c.string(o, "model_absolute_path", absPath, false, false) && ok;
    if (c.string(o, "model_sha256", savedSha, true, true)) {
        static const QRegularExpression hex("^[0-9a-f]{64}$");
        if (!hex.match(QString::fromStdString(savedSha)).hasMatch())
            ok = c.error("model_sha256", "found \"" + savedSha + "\"; expected 64 lower-case hex digits");
    } else {
        ok = false;
    }
    ok = c.string(o, "board", s.boardId, true, true) && ok;
    if (!o.value("schedule").isObject())
        ok = c.error("schedule", "expected an object (the schedule document), found " + typeName(o.value("schedule")));
    ok = c.integer(o, "reserve_bytes", s.reserveBytes, 0, int64_t(1) << 32) && ok;
    ok = c.string(o, "region", s.region, false, false) && ok;
    bool format1Reorder = false;
    ok = c.boolean(o, "reorder", format1Reorder) && ok;
    ok = codegenField(c, o, s.codegen) && ok;
    ok = targetField(c, o, s.target) && ok;
    ok = c.diagnostics().empty() && ok;
    ok = c.string(o, "notes", s.notes, false, false) && ok;
    if (!ok) {
        notes.insert(notes.end(), c.diagnostics().begin(), c.diagnostics().end());
        return failed(notes);
    }

    // The board and its region.
    const Board* board = boards.find(s.boardId);
    if (!board) {
        c.error("board", "found \"" + s.boardId + "\"; expected one of: "
                             + (boards.boards.empty() ? std::string("(no board profiles loaded)") : boards.ids()));
        return failed(c.diagnostics());
    }
    if (!s.region.empty()) {
        // The regions the arena can go in: the (merged) RAM regions of the board whose limits apply.
        const Board* limits = boards.limitsOf(*board) ? boards.limitsOf(*board) : board;
        std::string names;
        bool found = false;
        for (const auto& r : arenaRegions(*limits)) {
            names += (names.empty() ? "" : ", ") + r.name;
            found = found || r.name == s.region;
        }
        if (!found) {
            c.error("region", "found \"" + s.region + "\"; expected one of the arena regions of " + limits->id + ": "
                                  + names + " (or \"\" for the largest)");
            return failed(c.diagnostics());
        }
    }

    // The model: relative to the session file first, then the absolute fallback.
    const QString sessionDir = QFileInfo(QString::fromStdString(path)).absolutePath();
    const QString rel = QDir::cleanPath(QDir(sessionDir).absoluteFilePath(QString::fromStdString(relPath)));
    const QString abs = absPath.empty() ? QString() : absoluteClean(QString::fromStdString(absPath));
    const bool relExists = QFileInfo(rel).isFile();
    const bool absExists = !abs.isEmpty() && QFileInfo(abs).isFile();
    QString modelFile;
    if (relExists) {
        modelFile = rel;
        if (!abs.isEmpty() && abs != rel && !absExists)
            notes.push_back(makeWarning(path, "model_path", "the model was found at " + rel.toStdString()
                                                                + " (relative to the session), not at its saved path "
                                                                + abs.toStdString() + "; it or its folder was moved"));
    } else if (absExists) {
        modelFile = abs;
        notes.push_back(makeWarning(path, "model_path", "the model was not at " + rel.toStdString()
                                                            + " (relative to the session); found it at its saved path "
                                                            + abs.toStdString() + "; it or the session was moved"));
    } else {
        std::string tried = rel.toStdString();
        if (!abs.isEmpty() && abs != rel)
            tried += " (relative to the session) nor at " + abs.toStdString() + " (its saved absolute path)";
        c.error("model_path", "the model is missing: not found at " + tried);
        return failed(c.diagnostics());
    }
    auto model = importTfliteFile(modelFile.toStdString());
    if (!model.ok()) {
        Diagnostics d = model.diagnostics;
        d.insert(d.begin(), makeError(path, "model_path", "cannot import the model " + modelFile.toStdString()));
        return failed(d);
    }
    notes.insert(notes.end(), model.diagnostics.begin(), model.diagnostics.end());
    out.model = std::move(*model);
    s.modelPath = modelFile.toStdString();
    s.modelSha256 = out.model.sha256;

    // The schedule, against this model; reset to defaults (keeping the options) if it changed.
    QJsonObject sched = o.value("schedule").toObject();
    const bool changed = savedSha != out.model.sha256;
    if (changed) {
        sched.remove("op_order");
        sched.remove("patch");
        sched["model_sha256"] = QString::fromStdString(out.model.sha256);
    }
    if (fileFormat == 1 && format1Reorder)
        sched["reorder"] = true;
    auto schedule = parseSchedule(sched, path, out.model);
    if (!schedule.ok())
        return failed(schedule.diagnostics);
    s.schedule = std::move(*schedule);
    if (changed) {
        Diagnostic d = makeError(path, "model_sha256",
                                 "the model " + modelFile.toStdString() + " changed since the session was saved: sha256 "
                                     + savedSha + " \u2192 " + out.model.sha256
                                     + "; its schedule may not apply. The op order and patch stage were reset to "
                                       "defaults (planner, in-place and quantized I/O kept)");
        notes.push_back(d);
    }
    out.notes = std::move(notes);
    Result<LoadedSession> r;
    r.value = std::move(out);
    return r;
}

} // namespace ts
