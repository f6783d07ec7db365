// tinystudio-cli search: zoo ranking, search-space optimization and evolutionary search for a board.

#include "cli_common.h"

#include "boards/board.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "search/search.h"
#include "session/session.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <csignal>
#include <cstdio>

namespace cli {

namespace {

const ts::JobControl* g_job = nullptr;
void onInterrupt(int)
{
    if (g_job)
        g_job->cancel();
}

std::string kib(int64_t b)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", double(b) / 1024.0);
    return buf;
}
std::string mega(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v / 1e6);
    return buf;
}
std::string patchText(const ts::CandidateFigures& f)
{
    return f.patch ? std::to_string(f.patch->nh) + "x" + std::to_string(f.patch->nw) + "@t" + std::to_string(f.patch->splitTensor)
                   : "-";
}

bool intValue(const Args& a, const char* key, int& out, int lo, int hi)
{
    if (!a.values.contains(key))
        return true;
    bool ok = false;
    const int v = a.values[key].toInt(&ok);
    if (!ok || v < lo || v > hi) {
        printErr(std::string("tinystudio-cli search: ") + key + " expects an integer in [" + std::to_string(lo) + ", " +
                 std::to_string(hi) + "], found '" + a.values[key].toStdString() + "'");
        return false;
    }
    out = v;
    return true;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size()) {
        printErr("tinystudio-cli search: cannot write " + path.toStdString() + ": " + f.errorString().toStdString());
        return false;
    }
    return true;
}

int searchZoo(const Args& a, const ts::Board& board, const ts::BoardSet& boards, const ts::EvalOptions& eval)
{
    ts::EvalOptions zooEval = eval;
    zooEval.maxPatchN = 8;
    zooEval.exhaustivePatches = true;
    ts::JobControl job;
    g_job = &job;
    auto r = ts::rankZoo(a.values["--zoo"].toStdString(), board, boards, zooEval, &job);
    g_job = nullptr;
    if (report(r.diagnostics) || !r.ok())
        return 1;
    if (a.json) {
        QJsonArray rows;
        for (const ts::ZooEntry& e : *r)
            rows.append(ts::zooEntryToJson(e));
        printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{"board", QString::fromStdString(board.id)}, {"models", rows}})
                                       .toJson(QJsonDocument::Indented)));
        return 0;
    }
    std::printf("Zoo %s for %s (arena budget = SRAM region less the reserve; latency: estimated QEMU instructions)\n\n",
                a.values["--zoo"].toUtf8().constData(), board.id.c_str());
    std::printf("%-4s %-40s %-5s %10s %10s %-10s %10s %9s %10s  %s\n", "rank", "model", "fits", "peak KiB", "whole KiB",
                "patch", "flash KiB", "MMACs", "M instr.", "reason");
    int rank = 0;
    for (const ts::ZooEntry& e : *r) {
        ++rank;
        if (!e.error.empty()) {
            std::printf("%-4d %-40s %-5s %s\n", rank, e.name.c_str(), "no", e.error.c_str());
            continue;
        }
        const ts::CandidateFigures& f = e.figures;
        std::printf("%-4d %-40s %-5s %10s %10s %-10s %10s %9s %10s  %s\n", rank, e.name.c_str(), f.fits ? "yes" : "no",
                    kib(f.peakBytes).c_str(), kib(f.wholePeakBytes).c_str(), patchText(f).c_str(), kib(f.flashBytes).c_str(),
                    mega(double(f.macs)).c_str(), f.latency ? mega(double(f.latency)).c_str() : "-", f.reason.c_str());
    }
    return 0;
}

} // namespace

int cmdSearch(const Args& a)
{
    ts::BoardSet boards = ts::loadDefaultBoards();
    if (!a.values.contains("--board"))
        return usage("search needs --board ID");
    const ts::Board* board = boards.find(a.values["--board"].toStdString());
    if (!board) {
        printErr("tinystudio-cli search: unknown board '" + a.values["--board"].toStdString() + "'; expected one of: " + boards.ids());
        return 2;
    }
    ts::EvalOptions eval;
    if (a.values.contains("--planner"))
        eval.planner = a.values["--planner"].toStdString();
    if (a.values.contains("--reserve"))
        eval.reserveBytes = a.values["--reserve"].toLongLong();
    if (a.values.contains("--region"))
        eval.region = a.values["--region"].toStdString();
    if (a.values.contains("--mac-cap"))
        eval.macCapPercent = a.values["--mac-cap"].toDouble();
    if (a.values.contains("--latency-limit")) {
        bool ok = false;
        eval.latencyLimit = a.values["--latency-limit"].toLongLong(&ok);
        if (!ok || eval.latencyLimit <= 0) {
            printErr("tinystudio-cli search: --latency-limit expects a positive number of (QEMU) instructions");
            return 2;
        }
    }
    auto cost = ts::builtinCostModel(board->emulated() ? board->id : board->core);
    if (cost.ok())
        eval.cost = &*cost;
    else if (eval.latencyLimit > 0) {
        report(cost.diagnostics);
        return 1;
    }
    std::signal(SIGINT, onInterrupt);

    if (a.values.contains("--zoo"))
        return searchZoo(a, *board, boards, eval);
    if (!a.values.contains("--space"))
        return usage("search needs --zoo DIR or --space mcunet|resnet|FILE");

    auto space = ts::loadSearchSpace(a.values["--space"].toStdString());
    if (report(space.diagnostics) || !space.ok())
        return 1;
    ts::EvolutionOptions evo;
    evo.eval = eval;
    int samples = 1000, seed = 1;
    if (!intValue(a, "--generations", evo.generations, 1, 100000) || !intValue(a, "--population", evo.population, 4, 100000) ||
        !intValue(a, "--seed", seed, 0, 2000000000) || !intValue(a, "--samples", samples, 1, 1000000) ||
        !intValue(a, "--processes", evo.evaluatorProcesses, 1, 256))
        return 2;
    int timeoutSec = 600;
    if (!intValue(a, "--timeout", timeoutSec, 1, 86400 * 7))
        return 2;
    evo.evaluatorTimeoutMs = timeoutSec * 1000;
    evo.seed = uint64_t(seed);
    evo.evaluator = a.values.value("--evaluator").toStdString();
    if (a.values.contains("--resolution"))
        evo.resolution = a.values["--resolution"].toInt();
    if (a.values.contains("--width"))
        evo.width = a.values["--width"].toDouble();
    if ((evo.resolution > 0) != (evo.width > 0))
        return usage("give --resolution and --width together (or neither: the space optimization picks them)");
    if (evo.resolution > 0) {
        if (std::find(space->resolutions.begin(), space->resolutions.end(), evo.resolution) == space->resolutions.end() ||
            std::find(space->widths.begin(), space->widths.end(), evo.width) == space->widths.end()) {
            printErr("tinystudio-cli search: resolution " + std::to_string(evo.resolution) + " / width " +
                     a.values["--width"].toStdString() + " is not a pair of space '" + space->name + "'");
            return 2;
        }
    }

    // Progress on stderr, at most every 5 % (the space optimization evaluates ~100,000 candidates).
    int lastPercent = -5;
    std::string lastPhase;
    ts::JobControl job([&](int64_t done, int64_t total, const std::string& what) {
        if (total <= 0)
            return;
        const int percent = int(100 * done / total);
        const std::string phase = what.rfind("generation", 0) == 0 ? "evolution" : "space";
        if (phase != lastPhase)
            lastPercent = -5;
        if (percent >= lastPercent + 5 || done == total) {
            lastPercent = percent;
            lastPhase = phase;
            std::fprintf(stderr, "  %s %3d %% (%s)\n", phase.c_str(), percent, what.c_str());
        }
    });
    g_job = &job;
    QJsonObject out{{"board", QString::fromStdString(board->id)},
                    {"space", QString::fromStdString(space->name)},
                    {"score", "MACs (proxy)"}};
    if (eval.cost)
        out["cost_model"] = QJsonObject{{"machine", QString::fromStdString(eval.cost->machine)},
                                        {"unit", "instructions (QEMU, estimated)"},
                                        {"layers", eval.cost->layers},
                                        {"layer_mean_abs_error_percent", eval.cost->layerMeanAbsErrorPercent},
                                        {"model_max_abs_error_percent", eval.cost->modelMaxAbsErrorPercent}};
    if (evo.resolution == 0) {
        ts::SpaceOptOptions so;
        so.samplesPerPair = samples;
        so.seed = uint64_t(seed);
        so.eval = eval;
        if (!a.json)
            std::fprintf(stderr, "search-space optimization: %zu pairs x %d samples on %s ...\n",
                         space->resolutions.size() * space->widths.size(), samples, board->id.c_str());
        auto opt = ts::optimizeSearchSpace(*space, *board, boards, so, &job);
        if (report(opt.diagnostics) || !opt.ok()) {
            g_job = nullptr;
            return 1;
        }
        out["space_optimization"] = ts::spaceOptToJson(*opt, false);
        if (!a.json) {
            std::printf("Search-space optimization (%s, %s): %lld candidates in %.1f s; per (width, resolution): fitting / %d, "
                        "mean MACs of the fitting ones\n",
                        space->name.c_str(), board->id.c_str(), (long long)opt->evaluated, opt->seconds, samples);
            for (size_t i = 0; i < opt->pairs.size(); ++i) {
                const ts::SpacePair& p = opt->pairs[i];
                std::printf("  w%-5g r%-4d %5d  %8s M%s\n", p.width, p.resolution, p.fitting, mega(p.meanMacs).c_str(),
                            int(i) == opt->recommended ? "   <- recommended" : "");
            }
        }
        if (opt->recommended < 0) {
            g_job = nullptr;
            printErr("tinystudio-cli search: no (width, resolution) pair of space '" + space->name +
                     "' has at least 5 % of its candidates fitting " + board->id);
            if (a.json)
                printOut(QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Indented)));
            return 1;
        }
        evo.resolution = opt->pairs[size_t(opt->recommended)].resolution;
        evo.width = opt->pairs[size_t(opt->recommended)].width;
    }
    if (!a.json)
        std::fprintf(stderr, "evolution in width %g, resolution %d: population %d, %d generations, seed %d%s ...\n", evo.width,
                     evo.resolution, evo.population, evo.generations, seed, evo.evaluator.empty() ? "" : ", with the evaluator");
    auto r = ts::runEvolution(*space, *board, boards, evo, &job);
    g_job = nullptr;
    if (report(r.diagnostics) || !r.ok())
        return 1;
    out["score"] = QString::fromStdString(r->scoreName);
    out["resolution"] = evo.resolution;
    out["width"] = evo.width;
    out["evaluated"] = int(r->candidates.size());
    out["seconds"] = r->seconds;
    QJsonArray best;
    for (int i : r->best)
        best.append(ts::candidateToJson(r->candidates[size_t(i)]));
    out["best"] = best;
    int failedEval = 0;
    for (const ts::Candidate& c : r->candidates)
        failedEval += !c.evaluatorError.empty();
    if (!a.json) {
        std::printf("\nEvolution: %zu distinct candidates in %.1f s; score: %s\n", r->candidates.size(), r->seconds,
                    r->scoreName.c_str());
        std::printf("%-4s %12s %10s %10s %-10s %9s %10s  %s\n", "rank", "score", "peak KiB", "flash KiB", "patch", "MMACs",
                    "M instr.", "architecture");
        int rank = 0;
        for (int i : r->best) {
            const ts::Candidate& c = r->candidates[size_t(i)];
            std::printf("%-4d %12.6g %10s %10s %-10s %9s %10s  %s\n", ++rank, c.score, kib(c.figures.peakBytes).c_str(),
                        kib(c.figures.flashBytes).c_str(), patchText(c.figures).c_str(), mega(double(c.figures.macs)).c_str(),
                        c.figures.latency ? mega(double(c.figures.latency)).c_str() : "-", c.arch.key().c_str());
        }
        if (failedEval)
            std::printf("%d candidates could not be scored by the evaluator (first: %s)\n", failedEval, [&] {
                for (const ts::Candidate& c : r->candidates)
                    if (!c.evaluatorError.empty())
                        return c.evaluatorError;
                return std::string();
            }().c_str());
        if (eval.cost) {
            double worst = 0;
            for (const ts::HoldoutCheck& h : eval.cost->holdout)
                worst = std::max(worst, std::fabs(h.errorPercent));
            std::printf("(latency: estimated QEMU instructions from the cost model of %s, fitted to %d measured layers: "
                        "per-layer mean |error| %.1f %%, held-out models within %.1f %%)\n",
                        eval.cost->machine.c_str(), eval.cost->layers, eval.cost->layerMeanAbsErrorPercent, worst);
        }
        if (r->scoreName.find("proxy") != std::string::npos)
            std::printf("(MACs is MCUNet's proxy for accuracy, not an accuracy; give --evaluator CMD to score with your own training)\n");
    }
    if (r->best.empty()) {
        printErr("tinystudio-cli search: no candidate fits " + board->id + " (and scored)");
        if (a.json)
            printOut(QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Indented)));
        return 1;
    }
    if (a.values.contains("--export")) {
        const QString dir = a.values["--export"];
        if (!QDir().mkpath(dir)) {
            printErr("tinystudio-cli search: cannot create " + dir.toStdString());
            return 1;
        }
        const ts::Candidate& c = r->candidates[size_t(r->best.front())];
        const ts::Model m = ts::buildCandidateModel(*space, c.arch, true);
        const QString model = QDir(dir).filePath("best.tflite");
        if (report(ts::writeTfliteFile(m, model.toStdString())))
            return 1;
        if (!writeFile(QDir(dir).filePath("best.architecture.json"),
                       QJsonDocument(ts::architectureToJson(c.arch)).toJson(QJsonDocument::Indented)))
            return 1;
        // The document that runs exactly the figures shown (planner, reserve, patch stage).
        auto imported = ts::importTfliteFile(model.toStdString());
        if (report(imported.diagnostics) || !imported.ok())
            return 1;
        ts::Session doc = ts::candidateSession(*imported, board->id, c.figures, evo.eval);
        doc.modelPath = QFileInfo(model).absoluteFilePath().toStdString();
        doc.notes = "Model search: best candidate of space '" + space->name + "' for " + board->id + " (untrained: pseudo-random weights)";
        const QString session = QDir(dir).filePath("best.tinystudio");
        if (report(ts::saveSession(doc, session.toStdString())))
            return 1;
        QJsonObject exported{{"model", model}, {"architecture", QDir(dir).filePath("best.architecture.json")}, {"session", session}};
        if (!a.json)
            std::printf("\nexported the best candidate: %s (untrained), %s, %s\n", qPrintable(model),
                        qPrintable(QDir(dir).filePath("best.architecture.json")), qPrintable(session));
        // The same document for the emulated board that enforces this board's limits: build and
        // run the candidate on QEMU with `deploy best.<qemu board>.tinystudio --probe qemu`.
        for (const ts::Board& e : boards.boards)
            if (e.emulated() && e.enforces == board->id) {
                ts::Session q = doc;
                q.boardId = e.id;
                const QString path = QDir(dir).filePath(QString::fromStdString("best." + e.id + ".tinystudio"));
                if (report(ts::saveSession(q, path.toStdString())))
                    return 1;
                exported["emulated_session"] = path;
                if (!a.json)
                    std::printf("on the emulated board with the same limits: tinystudio-cli deploy %s --probe qemu\n",
                                qPrintable(path));
            }
        out["exported"] = exported;
    }
    if (a.json)
        printOut(QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Indented)));
    return 0;
}

} // namespace cli
