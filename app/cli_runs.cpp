// tinystudio-cli deploy and runs: the live loop through a probe plugin (the same core calls as the
// studio's Build & Run) and the run store.

#include "cli_common.h"

#include "boards/board.h"
#include "model/graph.h"
#include "probe/pluginmanager.h"
#include "profile/live.h"
#include "profile/record.h"
#include "session/session.h"
#include "store/runstore.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <atomic>
#include <csignal>

namespace cli {

namespace {

const ts::JobControl* g_job = nullptr;

extern "C" void onInterrupt(int)
{
    if (g_job)
        g_job->cancel(); // an atomic store: the live loop stops the target and closes the probe
}

QString grouped(int64_t v)
{
    QString s = QString::number(v);
    for (int i = int(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3)
        s.insert(i, ',');
    return s;
}

double median(std::vector<int64_t> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? double(v[n / 2]) : (double(v[n / 2 - 1]) + double(v[n / 2])) / 2.0;
}

// --db FILE, else the default location; errors printed.
std::unique_ptr<ts::RunStore> openStore(const Args& a)
{
    const std::string path = a.values.contains("--db") ? a.values["--db"].toStdString() : ts::RunStore::defaultPath();
    auto s = ts::RunStore::open(path);
    if (report(s.diagnostics) || !s.ok())
        return nullptr;
    return std::move(*s);
}

QString unitLabel(const std::string& unit)
{
    return unit == "cycles" ? QString("cycles (DWT)") : QString("instructions (QEMU -icount shift=0; not cycles)");
}

} // namespace

int cmdDeploy(const Args& a)
{
    const QString probe = a.values.value("--probe");
    if (probe.isEmpty())
        return usage("deploy needs --probe qemu or --probe stlink");
    bool ok = true;
    const int runs = a.values.value("--runs", "10").toInt(&ok);
    if (!ok || runs < 0 || runs > 100000)
        return usage("--runs takes a number from 0 (until interrupted) to 100000");
    const QString opt = a.values.value("--optimize", "O2");
    if (opt != "O2" && opt != "O3" && opt != "Os")
        return usage("--optimize takes O2, O3 or Os");
    if (a.flags.contains("--no-store") && a.values.contains("--db"))
        return usage("--db and --no-store exclude each other");
    ts::BoardSet boards;
    ts::Model model;
    ts::Session doc;
    if (int rc = buildDocument(a, "deploy", boards, model, doc))
        return rc;
    if (int rc = applyPatchStage(a, "deploy", doc))
        return rc;
    const ts::Board& board = *boards.find(doc.boardId);
    ts::LiveOptions lo;
    lo.probe = probe.toStdString();
    lo.serial = a.values.value("--serial").toStdString();
    lo.inferences = runs;
    lo.deploy.optimize = "-" + opt.toStdString();
    lo.deploy.portable = a.flags.contains("--portable");
    lo.deploy.name = a.values.value("--name").toStdString();
    lo.deploy.dir = a.values.value("-o").toStdString();
    if (a.values.contains("--input")) {
        QFile f(a.values["--input"]);
        if (!f.open(QIODevice::ReadOnly)) {
            printErr("error: " + a.values["--input"].toStdString() + ": " + f.errorString().toStdString());
            return 1;
        }
        const QByteArray b = f.readAll();
        lo.deploy.input.assign(b.begin(), b.end());
    }
    std::unique_ptr<ts::RunStore> store;
    if (!a.flags.contains("--no-store")) {
        store = openStore(a);
        if (!store)
            return 1;
    }
    ts::PluginManager& plugins = ts::probePlugins();
    report(plugins.diagnostics());
    ts::RunRecorder recorder(store.get(), model, doc, board, lo.probe);
    ts::JobControl job;
    g_job = &job;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const bool quiet = a.json;
    bool storeFailed = false;
    auto r = ts::runLive(model, doc, boards, lo, plugins, job, [&](const ts::LiveEvent& e) {
        if (ts::Diagnostics d = recorder.onEvent(e); !d.empty() && !storeFailed) {
            storeFailed = true;
            report(d);
        }
        if (quiet)
            return;
        switch (e.kind) {
        case ts::LiveEvent::Kind::Phase:
            printErr("== " + e.text + (e.text == "running" ? " on " + lo.probe + (e.serial.empty() ? "" : " " + e.serial) : ""));
            break;
        case ts::LiveEvent::Kind::Samples:
            for (const ts::LiveSample& s : e.samples)
                printErr("inference " + std::to_string(s.inference) + ": " + grouped(s.value).toStdString()
                         + (board.emulated() ? " instructions" : " cycles"));
            break;
        default:
            break;
        }
    });
    g_job = nullptr;
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (ts::Diagnostics d = recorder.finish(r); !d.empty())
        report(d);
    if (report(r.diagnostics) || !r.ok())
        return 1;
    const ts::LiveResult& lr = *r;
    if (a.values.contains("--output")) {
        QFile f(a.values["--output"]);
        if (lr.output.empty() || !f.open(QIODevice::WriteOnly)
            || f.write(reinterpret_cast<const char*>(lr.output.data()), qint64(lr.output.size())) < 0) {
            printErr("error: cannot write " + a.values["--output"].toStdString()
                     + (lr.output.empty() ? ": no output was read from the target" : ""));
            return 1;
        }
    }
    const ts::Graph& g = lr.deploy.pipeline->legal().graph;
    const ts::SizeReport& s = lr.deploy.build.size;
    std::vector<int64_t> values;
    for (const auto& x : lr.samples)
        values.push_back(x.value);
    const double med = median(values);
    const bool cycles = lr.unit == "cycles";
    const char* unitKey = cycles ? "cycles" : "instructions";
    if (a.json) {
        QJsonArray layers;
        for (const auto& l : lr.layers)
            layers.append(QJsonObject{{"index", l.index},
                                      {"op", QString::fromStdString(l.op)},
                                      {"name", QString::fromStdString(l.name)},
                                      {unitKey, qint64(l.value)},
                                      {"macs", qint64(l.macs)}});
        QJsonArray samples;
        for (const auto& x : lr.samples)
            samples.append(qint64(x.value));
        QJsonObject o{{"board", QString::fromStdString(board.id)},
                      {"probe", QString::fromStdString(lo.probe)},
                      {"serial", QString::fromStdString(lr.probe.serial)},
                      {"unit", unitLabel(lr.unit)},
                      {cycles ? "cycles_per_inference" : "instructions_per_inference", qint64(med)},
                      {"samples", samples},
                      {"layers", layers},
                      {"ram", QJsonObject{{"arena", qint64(s.arena)},
                                          {"scratch", qint64(lr.deploy.largestScratch)},
                                          {"stack_peak", qint64(lr.stackPeak)},
                                          {"other", qint64(s.otherRam)},
                                          {"total", qint64(s.arena + lr.stackPeak + s.otherRam)}}},
                      {"flash", QJsonObject{{"runtime", qint64(s.runtime)},
                                            {"weights", qint64(s.weights)},
                                            {"input", qint64(s.input)},
                                            {"libc", qint64(s.libc)},
                                            {"total", qint64(s.flash)}}},
                      {"size", s.json()},
                      {"output_matches_reference", lr.outputMatches == 1},
                      {"output_check", QString::fromStdString(lr.outputCheck)},
                      {"cancelled", lr.cancelled},
                      {"run_id", qint64(recorder.runId())},
                      {"project", QString::fromStdString(lr.deploy.dir)}};
        if (board.clockHz > 0 && cycles)
            o["ms_per_inference"] = med * 1000.0 / double(board.clockHz);
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
    } else {
        printOut(QString("%1 on %2 through %3: median %4 %5 per inference over %6 inferences (min %7, max %8)\n")
                     .arg(QString::fromStdString(lr.deploy.name), QString::fromStdString(board.id), probe)
                     .arg(grouped(int64_t(med)), unitLabel(lr.unit))
                     .arg(lr.samples.size())
                     .arg(grouped(values.empty() ? 0 : *std::min_element(values.begin(), values.end())),
                          grouped(values.empty() ? 0 : *std::max_element(values.begin(), values.end()))));
        int64_t total = 0;
        for (const auto& l : lr.layers)
            total += l.value;
        printOut(QString("  %1 %2 %3 %4 %5\n").arg("#", 4).arg("op", -22).arg(unitKey, 14).arg("share", 7).arg("MACs/" + QString(cycles ? "cycle" : "instr."), 12));
        for (const auto& l : lr.layers)
            printOut(QString("  %1 %2 %3 %4% %5\n")
                         .arg(l.index, 4)
                         .arg(QString::fromStdString(l.op), -22)
                         .arg(grouped(l.value), 14)
                         .arg(total ? 100.0 * double(l.value) / double(total) : 0.0, 6, 'f', 1)
                         .arg(l.value ? double(l.macs) / double(l.value) : 0.0, 12, 'f', 3));
        printOut(QString("RAM: arena %1 B (scratch %2 B inside), stack peak %3 B, other %4 B\n"
                         "flash: runtime %5 B, weights %6 B, compiled-in input %7 B, C library %8 B, total %9 B\n"
                         "%10\n")
                     .arg(s.arena).arg(lr.deploy.largestScratch).arg(lr.stackPeak).arg(s.otherRam)
                     .arg(s.runtime).arg(s.weights).arg(s.input).arg(s.libc).arg(s.flash)
                     .arg(QString::fromStdString(lr.outputCheck)));
        if (store)
            printOut(QString("stored as run %1 in %2\n").arg(recorder.runId()).arg(QString::fromStdString(store->path())));
        (void)g;
    }
    if (lr.cancelled)
        return 130;
    return lr.outputMatches == 0 ? 1 : 0;
}

namespace {

QJsonObject runJson(const ts::RunInfo& r)
{
    const bool cycles = r.unit == "cycles";
    QJsonObject o{{"id", qint64(r.id)},
                  {"status", QString::fromStdString(r.status)},
                  {"message", QString::fromStdString(r.message)},
                  {"model_sha256", QString::fromStdString(r.modelSha256)},
                  {"model", QString::fromStdString(r.modelName)},
                  {"board", QString::fromStdString(r.board)},
                  {"probe", QString::fromStdString(r.probe)},
                  {"serial", QString::fromStdString(r.serial)},
                  {"unit", QString::fromStdString(r.unit)},
                  {"started", QString::fromStdString(r.started)},
                  {"ended", QString::fromStdString(r.ended)},
                  {"samples", qint64(r.samples)},
                  {cycles ? "median_cycles" : "median_instructions", r.median},
                  {"min", qint64(r.minValue)},
                  {"max", qint64(r.maxValue)},
                  {"stack_peak", qint64(r.stackPeak)},
                  {"output_matches", r.outputMatches < 0 ? QJsonValue() : QJsonValue(r.outputMatches == 1)},
                  {"flash", QJsonObject{{"runtime", qint64(r.build.flashRuntime)}, {"weights", qint64(r.build.flashWeights)},
                                        {"libc", qint64(r.build.flashLibc)}, {"total", qint64(r.build.flashTotal)}}},
                  {"ram", QJsonObject{{"arena", qint64(r.build.ramArena)}, {"scratch", qint64(r.build.ramScratch)},
                                      {"stack", qint64(r.build.ramStack)}, {"total", qint64(r.build.ramTotal)}}},
                  {"build", QJsonObject{{"toolchain", QString::fromStdString(r.build.toolchain)},
                                        {"flags", QString::fromStdString(r.build.flags)}}}};
    if (cycles && r.clockHz > 0)
        o["median_ms"] = r.median * 1000.0 / double(r.clockHz);
    return o;
}

} // namespace

int cmdRuns(const Args& a)
{
    if (a.positional.isEmpty())
        return usage("runs needs list, show ID, compare A B or export ID");
    const QString what = a.positional[0];
    auto store = openStore(a);
    if (!store)
        return 1;
    auto idAt = [&](int i, int64_t* id) {
        bool ok = false;
        *id = i < a.positional.size() ? a.positional[i].toLongLong(&ok) : 0;
        return ok && *id > 0;
    };
    if (what == "list") {
        std::string sha = a.values.value("--model").toStdString();
        if (!sha.empty() && QFileInfo::exists(QString::fromStdString(sha))) { // a model file: its hash
            QFile f(QString::fromStdString(sha));
            if (f.open(QIODevice::ReadOnly)) {
                QCryptographicHash h(QCryptographicHash::Sha256);
                h.addData(&f);
                sha = h.result().toHex().toStdString();
            }
        }
        auto runs = store->listRuns(sha, a.values.value("--board").toStdString());
        if (report(runs.diagnostics) || !runs.ok())
            return 1;
        if (a.json) {
            QJsonArray arr;
            for (const auto& r : *runs)
                arr.append(runJson(r));
            printOut(QString::fromUtf8(QJsonDocument(arr).toJson(QJsonDocument::Indented)));
        } else {
            printOut(QString("%1 %2 %3 %4 %5 %6 %7\n").arg("id", 5).arg("started", -20).arg("status", -12).arg("board", -18)
                         .arg("probe", -7).arg("samples", 8).arg("median"));
            for (const auto& r : *runs)
                printOut(QString("%1 %2 %3 %4 %5 %6 %7 %8\n")
                             .arg(r.id, 5)
                             .arg(QString::fromStdString(r.started).left(19), -20)
                             .arg(QString::fromStdString(r.status), -12)
                             .arg(QString::fromStdString(r.board), -18)
                             .arg(QString::fromStdString(r.probe), -7)
                             .arg(r.samples, 8)
                             .arg(grouped(int64_t(r.median)))
                             .arg(QString::fromStdString(r.unit)));
        }
        return 0;
    }
    int64_t id = 0, other = 0;
    if (what == "show") {
        if (!idAt(1, &id))
            return usage("runs show needs a run ID");
        auto r = store->run(id);
        if (report(r.diagnostics) || !r.ok())
            return 1;
        auto layers = store->layers(id);
        auto samples = store->samples(id);
        if (report(layers.diagnostics) || report(samples.diagnostics) || !layers.ok() || !samples.ok())
            return 1;
        if (a.json) {
            QJsonObject o = runJson(*r);
            QJsonArray ls, ss;
            for (const auto& l : *layers)
                ls.append(QJsonObject{{"index", l.index}, {"op", QString::fromStdString(l.op)}, {"name", QString::fromStdString(l.name)},
                                      {"value", qint64(l.value)}, {"macs", qint64(l.macs)}});
            for (const auto& s : *samples)
                ss.append(QJsonObject{{"inference", qint64(s.inference)}, {"value", qint64(s.value)}, {"host_seconds", s.hostSeconds}});
            o["layers"] = ls;
            o["sample_values"] = ss;
            o["document"] = QJsonDocument::fromJson(QByteArray::fromStdString(r->documentJson)).object();
            printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented)));
        } else {
            printOut(QString("run %1: %2 on %3 through %4 %5, %6\n  started %7, ended %8\n  %9 samples, median %10 %11 (min %12, max %13)\n  %14\n")
                         .arg(r->id)
                         .arg(QString::fromStdString(r->modelName), QString::fromStdString(r->board), QString::fromStdString(r->probe),
                              QString::fromStdString(r->serial), QString::fromStdString(r->status),
                              QString::fromStdString(r->started), QString::fromStdString(r->ended.empty() ? "-" : r->ended))
                         .arg(r->samples)
                         .arg(grouped(int64_t(r->median)), QString::fromStdString(r->unit), grouped(r->minValue), grouped(r->maxValue),
                              QString::fromStdString(r->message)));
            for (const auto& l : *layers)
                printOut(QString("  %1 %2 %3\n").arg(l.index, 4).arg(QString::fromStdString(l.op), -22).arg(grouped(l.value), 14));
        }
        return 0;
    }
    if (what == "compare") {
        if (!idAt(1, &id) || !idAt(2, &other))
            return usage("runs compare needs two run IDs");
        auto c = ts::compareRuns(*store, id, other);
        if (report(c.diagnostics) || !c.ok())
            return 1;
        if (a.json) {
            QJsonArray diffs, ls;
            for (const auto& d : c->scheduleDifferences)
                diffs.append(QString::fromStdString(d));
            for (const auto& l : c->layers)
                ls.append(QJsonObject{{"index", l.index}, {"op", QString::fromStdString(l.op)}, {"a", qint64(l.a)}, {"b", qint64(l.b)}});
            printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{"a", runJson(c->a)}, {"b", runJson(c->b)}, {"schedule_differences", diffs},
                                                                  {"median_ratio", c->medianRatio}, {"layers", ls}})
                                           .toJson(QJsonDocument::Indented)));
        } else {
            printOut(QString("run %1 vs run %2: median %3 -> %4 %5 (x%6)\n")
                         .arg(id).arg(other)
                         .arg(grouped(int64_t(c->a.median)), grouped(int64_t(c->b.median)), QString::fromStdString(c->a.unit))
                         .arg(c->medianRatio, 0, 'f', 3));
            printOut(QString("flash %1 -> %2 B, arena %3 -> %4 B\n")
                         .arg(c->a.build.flashTotal).arg(c->b.build.flashTotal).arg(c->a.build.ramArena).arg(c->b.build.ramArena));
            for (const auto& d : c->scheduleDifferences)
                printOut("schedule: " + QString::fromStdString(d) + "\n");
            for (const auto& l : c->layers)
                printOut(QString("  %1 %2 %3 %4\n").arg(l.index, 4).arg(QString::fromStdString(l.op), -22)
                             .arg(l.a < 0 ? QString("-") : grouped(l.a), 14).arg(l.b < 0 ? QString("-") : grouped(l.b), 14));
        }
        return 0;
    }
    if (what == "export") {
        if (!idAt(1, &id))
            return usage("runs export needs a run ID");
        auto csv = store->exportCsv(id);
        if (report(csv.diagnostics) || !csv.ok())
            return 1;
        if (a.values.contains("-o")) {
            QFile f(a.values["-o"]);
            if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::fromStdString(*csv)) < 0) {
                printErr("error: cannot write " + a.values["-o"].toStdString() + ": " + f.errorString().toStdString());
                return 1;
            }
        } else {
            printOut(QString::fromStdString(*csv));
        }
        return 0;
    }
    return usage("runs takes list, show, compare or export, not '" + what.toStdString() + "'");
}

} // namespace cli
