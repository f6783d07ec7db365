// Session documents (.tinystudio): save → load gives the same session; the model path is stored
// relative to the session so a copied project folder still opens; a moved model gives a warning,
// a changed model an error note and a reset schedule, a missing one an error naming both paths;
// malformed files give errors naming the field and what was expected.

#include "boards/board.h"
#include "model/demo_model.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "analysis/memory.h"
#include "passes/legalize.h"
#include "schedule/patch.h"
#include "session/session.h"

#include <QDir>
#include <QJsonArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace ts;

namespace {

const char* kModelFile = "demo.tflite";
const char* kSessionFile = "demo.tinystudio";

BoardSet bundled() { return loadBoards({TINYSTUDIO_SOURCE_DIR "/boards"}); }

std::string std8(const QString& s) { return s.toStdString(); }

bool copyFolder(const QString& from, const QString& to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const QFileInfo& fi : QDir(from).entryInfoList(QDir::Files))
        if (!QFile::copy(fi.absoluteFilePath(), to + "/" + fi.fileName()))
            return false;
    return true;
}

QString diagText(const Diagnostics& diags)
{
    QString s;
    for (const auto& d : diags)
        s += QString("[%1] %2\n").arg(severityName(d.severity), QString::fromStdString(d.toString()));
    return s;
}

const Diagnostic* findDiag(const Diagnostics& diags, Severity sev, const std::string& where)
{
    for (const auto& d : diags)
        if (d.severity == sev && d.where == where)
            return &d;
    return nullptr;
}

bool contains(const std::string& haystack, const QString& needle) { return QString::fromStdString(haystack).contains(needle); }

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void roundTrip();
    void relativePathSurvivesFolderCopy();
    void movedModelWarns();
    void changedModelResetsSchedule();
    void missingModelNamesBothPaths();
    void badFields_data();
    void badFields();
    void unknownBoardListsIds();
    void unknownFieldFails();
    void format1StillReads();
    void saveToMissingFolderFails();

private:
    // A folder holding the demo model and a session saved next to it; returns the session path.
    QString makeProject(const QString& name);
    QJsonObject savedJson(const QString& sessionPath);
    void writeJson(const QString& path, const QJsonObject& o);

    QTemporaryDir m_tmp;
    BoardSet m_boards;
    Model m_model; // the demo model as imported from a file
    Session m_session; // the one makeProject() saves (modelPath filled in per project)
};

void TestSession::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_boards = bundled();
    QVERIFY2(!hasErrors(m_boards.diagnostics), diagText(m_boards.diagnostics).toUtf8());
    const QString modelPath = m_tmp.path() + "/seed.tflite";
    const Diagnostics w = writeTfliteFile(buildDemoModel(), std8(modelPath));
    QVERIFY2(!hasErrors(w), diagText(w).toUtf8());
    auto imported = importTfliteFile(std8(modelPath));
    QVERIFY2(imported.ok(), diagText(imported.diagnostics).toUtf8());
    m_model = std::move(*imported);

    // A patch stage on the first split that plans with a 2×2 grid.
    const LegalGraph lg = legalize(m_model, {});
    const std::vector<int> order = storedOrder(lg);
    ScheduleDoc doc;
    doc.modelSha256 = m_model.sha256;
    doc.planner = "greedy-by-size";
    doc.inplace.depthwise = false; // a mix, so each switch has to survive on its own
    doc.inplace.pointwiseExpand = false;
    doc.macCapPercent = 12.5;
    for (const SplitPoint& sp : validSplits(lg, order))
        if (planPatches(lg, order, sp.tensor, 2, 2, doc.patchOptions()).ok()) {
            doc.patch = PatchStage{sp.tensor, 2, 2, true};
            break;
        }
    QVERIFY2(doc.patch, "no valid split with a 2x2 grid in the demo model");

    const Board* board = m_boards.find(kDefaultBoardId);
    QVERIFY(board && board->largestRam());
    m_session.modelSha256 = m_model.sha256;
    m_session.boardId = board->id;
    m_session.schedule = doc;
    m_session.reserveBytes = 4096;
    const Board* limits = m_boards.limitsOf(*board) ? m_boards.limitsOf(*board) : board;
    QVERIFY(!arenaRegions(*limits).empty());
    m_session.region = arenaRegions(*limits).back().name;
    m_session.schedule.reorder = true;
    m_session.codegen.optimize = "Os";
    m_session.codegen.userArena = true;
    m_session.codegen.layerHook = true;
    m_session.target.probe = "qemu";
    m_session.target.runs = 7;
    m_session.notes = "try 3x3 next\n\"quoted\" é";
}

QString TestSession::makeProject(const QString& name)
{
    const QString dir = m_tmp.path() + "/" + name;
    if (!QDir().mkpath(dir) || !QFile::copy(m_tmp.path() + "/seed.tflite", dir + "/" + kModelFile))
        return {};
    Session s = m_session;
    s.modelPath = std8(dir + "/" + kModelFile);
    const QString sessionPath = dir + "/" + kSessionFile;
    if (hasErrors(saveSession(s, std8(sessionPath))))
        return {};
    return sessionPath;
}

QJsonObject TestSession::savedJson(const QString& sessionPath)
{
    QFile f(sessionPath);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

void TestSession::writeJson(const QString& path, const QJsonObject& o)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(QJsonDocument(o).toJson());
}

void TestSession::roundTrip()
{
    const QString path = makeProject("roundtrip");
    QVERIFY(!path.isEmpty());
    const QJsonObject j = savedJson(path);
    QCOMPARE(j.value("format").toInt(), 2);
    QCOMPARE(j.value("model_path").toString(), QString(kModelFile)); // relative to the session's folder
    QCOMPARE(j.value("model_absolute_path").toString(), QFileInfo(path).absolutePath() + "/" + kModelFile);

    auto r = loadSession(std8(path), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    QVERIFY(r.diagnostics.empty());
    QVERIFY2(r->notes.empty(), diagText(r->notes).toUtf8());
    const Session& s = r->session;
    QCOMPARE(s.modelPath, std8(QFileInfo(path).absolutePath() + "/" + kModelFile));
    QCOMPARE(s.modelSha256, m_session.modelSha256);
    QCOMPARE(s.boardId, m_session.boardId);
    QCOMPARE(s.reserveBytes, m_session.reserveBytes);
    QCOMPARE(s.region, m_session.region);
    QCOMPARE(s.schedule.reorder, true);
    QVERIFY(s.codegen == m_session.codegen);
    QVERIFY(s.target == m_session.target);
    QCOMPARE(s.schedule.macCapPercent, 12.5);
    QCOMPARE(s.notes, m_session.notes);
    QCOMPARE(s.schedule.modelSha256, m_session.schedule.modelSha256);
    QCOMPARE(s.schedule.planner, m_session.schedule.planner);
    QVERIFY(s.schedule.inplace == m_session.schedule.inplace);
    QCOMPARE(s.schedule.quantizedIo, m_session.schedule.quantizedIo);
    QCOMPARE(s.schedule.order, m_session.schedule.order);
    QVERIFY(s.schedule.patch);
    Session expected = m_session;
    expected.modelPath = s.modelPath;
    QVERIFY(s == expected); // every field, including the ones not listed above
    QCOMPARE(s.schedule.patch->splitTensor, m_session.schedule.patch->splitTensor);
    QCOMPARE(s.schedule.patch->nh, 2);
    QCOMPARE(s.schedule.patch->nw, 2);
    QCOMPARE(s.schedule.patch->inputResident, true);
    QCOMPARE(r->model.sha256, m_model.sha256);

    // Saving the loaded session again gives the same bytes.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(sessionToJson(s, path), f.readAll());
}

void TestSession::relativePathSurvivesFolderCopy()
{
    const QString path = makeProject("original");
    QVERIFY(!path.isEmpty());
    const QString copy = m_tmp.path() + "/elsewhere/deeper/copy";
    QVERIFY(copyFolder(QFileInfo(path).absolutePath(), copy));
    auto r = loadSession(std8(copy + "/" + kSessionFile), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    QCOMPARE(r->session.modelPath, std8(copy + "/" + kModelFile)); // the copy's model, not the original's
    QVERIFY2(r->notes.empty(), diagText(r->notes).toUtf8());
    QVERIFY(r->session.schedule.patch);

    // The original folder gone: still loads from the relative path, with a warning that it moved.
    QVERIFY(QDir(QFileInfo(path).absolutePath()).removeRecursively());
    r = loadSession(std8(copy + "/" + kSessionFile), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    QCOMPARE(r->session.modelPath, std8(copy + "/" + kModelFile));
    const Diagnostic* w = findDiag(r->notes, Severity::Warning, "model_path");
    QVERIFY2(w, diagText(r->notes).toUtf8());
    QVERIFY2(contains(w->message, copy + "/" + kModelFile), w->message.c_str());
    QVERIFY(r->session.schedule.patch);
}

void TestSession::movedModelWarns()
{
    // The session copied elsewhere without its model: found at the saved absolute path.
    const QString path = makeProject("moved-src");
    QVERIFY(!path.isEmpty());
    const QString original = QFileInfo(path).absolutePath() + "/" + kModelFile;
    const QString copy = m_tmp.path() + "/moved-dst";
    QVERIFY(copyFolder(QFileInfo(path).absolutePath(), copy));
    QVERIFY(QFile::remove(copy + "/" + kModelFile));
    auto r = loadSession(std8(copy + "/" + kSessionFile), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    QCOMPARE(r->session.modelPath, std8(original));
    QVERIFY(!hasErrors(r->notes));
    const Diagnostic* w = findDiag(r->notes, Severity::Warning, "model_path");
    QVERIFY2(w, diagText(r->notes).toUtf8());
    QVERIFY2(contains(w->message, "found it at its saved path " + original), w->message.c_str());
    QCOMPARE(w->file, std8(copy + "/" + kSessionFile));
    QVERIFY(r->session.schedule.patch); // same model: the schedule stands
}

void TestSession::changedModelResetsSchedule()
{
    const QString path = makeProject("changed");
    QVERIFY(!path.isEmpty());
    const QString modelPath = QFileInfo(path).absolutePath() + "/" + kModelFile;
    Model changed = buildDemoModel();
    changed.description = "retrained";
    QVERIFY(!hasErrors(writeTfliteFile(changed, std8(modelPath))));

    auto r = loadSession(std8(path), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    const std::string newSha = r->model.sha256;
    QVERIFY(newSha != m_model.sha256);
    const Diagnostic* e = findDiag(r->notes, Severity::Error, "model_sha256");
    QVERIFY2(e, diagText(r->notes).toUtf8());
    QVERIFY2(contains(e->message, "the model " + modelPath + " changed since the session was saved"), e->message.c_str());
    QVERIFY2(contains(e->message, QString::fromStdString(m_model.sha256 + " \u2192 " + newSha)), e->message.c_str());
    QVERIFY2(contains(e->message, "its schedule may not apply"), e->message.c_str());

    const Session& s = r->session;
    QCOMPARE(s.modelSha256, newSha);
    QCOMPARE(s.schedule.modelSha256, newSha);
    QVERIFY(!s.schedule.patch);           // dropped
    QVERIFY(s.schedule.order.empty());    // dropped
    QCOMPARE(s.schedule.planner, m_session.schedule.planner); // kept
    QCOMPARE(s.schedule.inplace, m_session.schedule.inplace);
    QCOMPARE(s.schedule.quantizedIo, m_session.schedule.quantizedIo);
    QCOMPARE(s.boardId, m_session.boardId);   // the rest of the session stands
    QCOMPARE(s.notes, m_session.notes);
}

void TestSession::missingModelNamesBothPaths()
{
    const QString path = makeProject("missing-src");
    QVERIFY(!path.isEmpty());
    const QString original = QFileInfo(path).absolutePath() + "/" + kModelFile;
    const QString copy = m_tmp.path() + "/missing-dst";
    QVERIFY(copyFolder(QFileInfo(path).absolutePath(), copy));
    QVERIFY(QFile::remove(copy + "/" + kModelFile));
    QVERIFY(QFile::remove(original));
    auto r = loadSession(std8(copy + "/" + kSessionFile), m_boards);
    QVERIFY(!r.ok());
    const Diagnostic* e = findDiag(r.diagnostics, Severity::Error, "model_path");
    QVERIFY2(e, diagText(r.diagnostics).toUtf8());
    QCOMPARE(e->file, std8(copy + "/" + kSessionFile));
    QVERIFY2(contains(e->message, copy + "/" + kModelFile), e->message.c_str());
    QVERIFY2(contains(e->message, original), e->message.c_str());
}

void TestSession::badFields_data()
{
    QTest::addColumn<QByteArray>("raw");    // used verbatim when not empty
    QTest::addColumn<QString>("key");       // "a" or "a.b" (inside an object); the value is replaced
    QTest::addColumn<QJsonValue>("value");  // Undefined: the key is removed
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("expected");  // in the message

    const QJsonValue none(QJsonValue::Undefined);
    QTest::newRow("not JSON") << QByteArray("{\"format\": 1,") << "" << none << "" << "not valid JSON";
    QTest::newRow("array") << QByteArray("[1, 2]") << "" << none << "" << "expected a JSON object";
    QTest::newRow("format 3") << QByteArray() << "format" << QJsonValue(3) << "format" << "expected 1 or 2";
    QTest::newRow("format missing") << QByteArray() << "format" << none << "format" << "expected 1";
    QTest::newRow("model_path number") << QByteArray() << "model_path" << QJsonValue(3) << "model_path"
                                       << "expected a non-empty string, found a number";
    QTest::newRow("model_path missing") << QByteArray() << "model_path" << none << "model_path"
                                        << "expected a non-empty string, found nothing";
    QTest::newRow("model_path empty") << QByteArray() << "model_path" << QJsonValue("") << "model_path"
                                      << "expected a non-empty string";
    QTest::newRow("absolute path bool") << QByteArray() << "model_absolute_path" << QJsonValue(true)
                                        << "model_absolute_path" << "expected a string, found a boolean";
    QTest::newRow("sha256 not hex") << QByteArray() << "model_sha256" << QJsonValue("xyz") << "model_sha256"
                                    << "expected 64 lower-case hex digits";
    QTest::newRow("sha256 null") << QByteArray() << "model_sha256" << QJsonValue(QJsonValue::Null) << "model_sha256"
                                 << "found null";
    QTest::newRow("board number") << QByteArray() << "board" << QJsonValue(5) << "board"
                                  << "expected a non-empty string, found a number";
    QTest::newRow("board unknown") << QByteArray() << "board" << QJsonValue("nucleo-nope") << "board"
                                   << "found \"nucleo-nope\"; expected one of: ";
    QTest::newRow("schedule string") << QByteArray() << "schedule" << QJsonValue("fast") << "schedule"
                                     << "expected an object";
    QTest::newRow("schedule missing") << QByteArray() << "schedule" << none << "schedule" << "expected an object";
    QTest::newRow("reserve string") << QByteArray() << "reserve_bytes" << QJsonValue("8k") << "reserve_bytes"
                                    << "expected a whole number of bytes";
    QTest::newRow("reserve fraction") << QByteArray() << "reserve_bytes" << QJsonValue(1.5) << "reserve_bytes"
                                      << "expected a whole number of bytes, found a number";
    QTest::newRow("reserve negative") << QByteArray() << "reserve_bytes" << QJsonValue(-1) << "reserve_bytes"
                                      << "found -1; expected 0..";
    QTest::newRow("region number") << QByteArray() << "region" << QJsonValue(1) << "region"
                                   << "expected a string, found a number";
    QTest::newRow("region unknown") << QByteArray() << "region" << QJsonValue("NOPE") << "region"
                                    << "expected one of the arena regions of nucleo-f412zg: ";
    QTest::newRow("reorder string") << QByteArray() << "schedule.reorder" << QJsonValue("yes") << "schedule.reorder"
                                    << "expected true or false, found the string \"yes\"";
    QTest::newRow("format 2 top-level reorder") << QByteArray() << "reorder" << QJsonValue(true) << "reorder"
                                                << "unknown field";
    QTest::newRow("codegen optimize") << QByteArray() << "codegen.optimize" << QJsonValue("O9") << "codegen.optimize"
                                      << "expected \"O2\", \"O3\" or \"Os\"";
    QTest::newRow("codegen unknown") << QByteArray() << "codegen.lto" << QJsonValue(true) << "codegen.lto"
                                     << "unknown field";
    QTest::newRow("target runs zero") << QByteArray() << "target.runs" << QJsonValue(0) << "target.runs"
                                      << "expected a whole number 1..1000000";
    QTest::newRow("target probe") << QByteArray() << "target.probe" << QJsonValue("jlink") << "target.probe"
                                  << "expected \"\", \"qemu\" or \"stlink\"";
    QTest::newRow("schedule unknown key") << QByteArray() << "schedule.speed" << QJsonValue(1) << "schedule.speed"
                                          << "unknown key; expected one of";
    QTest::newRow("schedule fractional cap") << QByteArray() << "schedule.mac_cap_percent" << QJsonValue("10%")
                                             << "schedule.mac_cap_percent" << "expected a number";
    QTest::newRow("notes array") << QByteArray() << "notes" << QJsonValue(QJsonArray{1}) << "notes"
                                 << "expected a string, found an array";
    QTest::newRow("schedule planner") << QByteArray() << "schedule.planner" << QJsonValue("bogus")
                                      << "schedule.planner" << "found 'bogus'; expected one of";
    QTest::newRow("schedule inplace") << QByteArray() << "schedule.inplace" << QJsonValue(1) << "schedule.inplace"
                                      << "expected true/false or an object";
    QTest::newRow("schedule inplace kind") << QByteArray() << "schedule.inplace" << QJsonValue(QJsonObject{{"depthwise", 1}})
                                           << "schedule.inplace.depthwise" << "expected true or false, found a number";
    QTest::newRow("schedule inplace unknown") << QByteArray() << "schedule.inplace" << QJsonValue(QJsonObject{{"conv", true}})
                                              << "schedule.inplace.conv" << "unknown key";
    QTest::newRow("schedule op_order fraction") << QByteArray() << "schedule.op_order" << QJsonValue(QJsonArray{0, 1.5})
                                                << "schedule.op_order[1]" << "expected a whole number, found 1.5";
    QTest::newRow("schedule op_order string") << QByteArray() << "schedule.op_order" << QJsonValue(QJsonArray{"0"})
                                              << "schedule.op_order[0]" << "expected a whole number, found the string";
    QTest::newRow("schedule op_order") << QByteArray() << "schedule.op_order" << QJsonValue(QJsonArray{0})
                                       << "schedule.op_order" << "legalized graph";
    QTest::newRow("schedule patch") << QByteArray() << "schedule.patch" << QJsonValue("2x2") << "schedule.patch"
                                    << "expected null or {\"split_tensor\"";
    QTest::newRow("schedule patch grid fraction") << QByteArray() << "schedule.patch"
                                                  << QJsonValue(QJsonObject{{"split_tensor", 3}, {"grid", QJsonArray{2.5, 2}}})
                                                  << "schedule.patch.grid[0]" << "expected a whole number, found 2.5";
    QTest::newRow("schedule patch unknown") << QByteArray() << "schedule.patch"
                                            << QJsonValue(QJsonObject{{"split_tensor", 3}, {"grid", QJsonArray{2, 2}}, {"halo", 1}})
                                            << "schedule.patch.halo" << "unknown key";
    QTest::newRow("schedule sha256") << QByteArray() << "schedule.model_sha256" << QJsonValue(QString(64, 'a'))
                                     << "schedule.model_sha256" << "the schedule was made for the model with sha256";
}

void TestSession::badFields()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QFETCH(QString, where);
    QFETCH(QString, expected);

    const QString path = makeProject(QString("bad-%1").arg(QTest::currentDataTag()).replace(' ', '-'));
    QVERIFY(!path.isEmpty());
    if (!raw.isEmpty()) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(raw);
    } else {
        QJsonObject o = savedJson(path);
        const QStringList parts = key.split('.');
        if (parts.size() == 1) {
            if (value.isUndefined())
                o.remove(key);
            else
                o[key] = value;
        } else {
            QJsonObject inner = o.value(parts[0]).toObject();
            inner[parts[1]] = value;
            o[parts[0]] = inner;
        }
        writeJson(path, o);
    }
    auto r = loadSession(std8(path), m_boards);
    QVERIFY2(!r.ok(), "loaded a bad session");
    const Diagnostic* e = findDiag(r.diagnostics, Severity::Error, std8(where));
    QVERIFY2(e, diagText(r.diagnostics).toUtf8());
    QCOMPARE(e->file, std8(path));
    QVERIFY2(contains(e->message, expected), e->message.c_str());
}

void TestSession::unknownBoardListsIds()
{
    const QString path = makeProject("unknown-board");
    QVERIFY(!path.isEmpty());
    QJsonObject o = savedJson(path);
    o["board"] = "stm32-imaginary";
    writeJson(path, o);
    auto r = loadSession(std8(path), m_boards);
    QVERIFY(!r.ok());
    const Diagnostic* e = findDiag(r.diagnostics, Severity::Error, "board");
    QVERIFY2(e, diagText(r.diagnostics).toUtf8());
    QVERIFY2(contains(e->message, "stm32-imaginary"), e->message.c_str());
    QVERIFY2(contains(e->message, QString::fromStdString(m_boards.ids())), e->message.c_str());
    for (const Board& b : m_boards.boards)
        QVERIFY2(contains(e->message, QString::fromStdString(b.id)), b.id.c_str());
}

void TestSession::unknownFieldFails()
{
    const QString path = makeProject("unknown-field");
    QVERIFY(!path.isEmpty());
    QJsonObject o = savedJson(path);
    o["reserve_byte"] = 1024; // a typo must not silently fall back to the default reserve
    writeJson(path, o);
    auto r = loadSession(std8(path), m_boards);
    QVERIFY(!r.ok());
    QVERIFY2(findDiag(r.diagnostics, Severity::Error, "reserve_byte"), diagText(r.diagnostics).toUtf8());
}

// A session saved by the previous release (format 1: one in-place switch, reorder at the top
// level, no codegen/target) still opens, and its meaning is kept.
void TestSession::format1StillReads()
{
    const QString path = makeProject("format1");
    QVERIFY(!path.isEmpty());
    QJsonObject o = savedJson(path);
    o["format"] = 1;
    o.remove("codegen");
    o.remove("target");
    o["reorder"] = true;
    QJsonObject sched = o.value("schedule").toObject();
    sched["format"] = 1;
    sched["inplace"] = false;
    sched.remove("reorder");
    sched.remove("mac_cap_percent");
    o["schedule"] = sched;
    writeJson(path, o);
    auto r = loadSession(std8(path), m_boards);
    QVERIFY2(r.ok(), diagText(r.diagnostics).toUtf8());
    InplaceSwitches none;
    none.setAll(false);
    QVERIFY(r->session.schedule.inplace == none);
    QVERIFY(r->session.schedule.reorder);
    QCOMPARE(r->session.schedule.macCapPercent, kDefaultMacCapPercent);
    QVERIFY(r->session.codegen == CodegenOptions{});
    QCOMPARE(r->session.reserveBytes, m_session.reserveBytes);
    // Saved again, it is format 2.
    QCOMPARE(QJsonDocument::fromJson(sessionToJson(r->session, path)).object().value("format").toInt(), 2);
}

void TestSession::saveToMissingFolderFails()
{
    const std::string path = std8(m_tmp.path() + "/no/such/folder/x.tinystudio");
    const Diagnostics d = saveSession(m_session, path);
    QVERIFY(hasErrors(d));
    QCOMPARE(d.front().file, path);
    QVERIFY(!QFileInfo::exists(QString::fromStdString(path)));
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
