// tinystudio-bench: timings and memory figures for every model in ../shared/models (or the folder
// given). Prints a table and, with --json FILE, the same figures as JSON. A benchmark, not a test:
// it asserts nothing.

#include "boards/board.h"
#include "build/deploy.h"
#include "codegen/generator.h"
#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"
#include "report/inspect_report.h"
#include "schedule/patch.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <map>
#include <chrono>
#include <cstdio>

using namespace ts;

namespace {

double nowMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double medianMs(int runs, F&& f)
{
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const double s = nowMs();
        f();
        t.push_back(nowMs() - s);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

} // namespace

// --target qemu: every shared model on both emulated machines against TFLM's figures on the same
// machines (../shared/baselines/tflm_qemu.tsv). Instruction counts under QEMU -icount, not cycles.
int benchQemu(const QString& sharedDir, const QString& jsonPath)
{
    struct Baseline {
        int64_t instructions = 0, arena = 0, libFlash = 0;
    };
    std::map<std::string, Baseline> base; // "model|kernels|machine"
    QFile tsv(sharedDir + "/baselines/tflm_qemu.tsv");
    if (!tsv.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "tinystudio-bench: %s not found\n", qPrintable(tsv.fileName()));
        return 1;
    }
    for (const QByteArray& line : tsv.readAll().split('\n')) {
        const QList<QByteArray> f = line.split('\t');
        if (f.size() < 11 || f[0] == "model")
            continue;
        base[(f[0] + "|" + f[1] + "|" + f[2]).toStdString()] = {f[5].toLongLong(), f[6].toLongLong(), f[10].toLongLong()};
    }
    const BoardSet boards = loadDefaultBoards();
    std::printf("TinyStudio on QEMU (-icount shift=0: INSTRUCTION counts on an emulator, not cycles on silicon), seed-1 golden input\n");
    std::printf("%-30s %-10s %12s %12s %12s %7s | %8s %8s %6s | %8s %8s %6s | %s\n", "model", "machine", "TinyStudio", "TFLM ref",
                "CMSIS-NN", "xCMSIS", "RAM", "TFLM", "xTFLM", "rt-flash", "TFLM", "xTFLM", "output");
    QJsonArray rows;
    const auto files = QDir(sharedDir + "/models").entryInfoList({"*.tflite"}, QDir::Files, QDir::Name);
    for (const QFileInfo& fi : files) {
        const std::string name = fi.completeBaseName().toStdString();
        auto model = importTfliteFile(fi.absoluteFilePath().toStdString());
        if (!model.ok())
            continue;
        for (const char* boardId : {"qemu-mps2-an386", "qemu-mps2-an500"}) {
            const Board* board = boards.find(boardId);
            if (!board)
                continue;
            QFile in(sharedDir + "/golden/" + fi.completeBaseName() + "/input_1.bin");
            QFile out(sharedDir + "/golden/" + fi.completeBaseName() + "/output_1.bin");
            DeployOptions o;
            if (in.open(QIODevice::ReadOnly)) {
                const QByteArray b = in.readAll();
                o.input.assign(b.begin(), b.end());
            }
            auto d = deployOnQemu(*model, documentFor(*model, boardId), boards, o);
            if (!d.ok()) {
                std::printf("%-30s %-10s not run: %s\n", name.c_str(), board->probe.machine.c_str(),
                            firstError(d.diagnostics).substr(0, 150).c_str());
                continue;
            }
            const Baseline ref = base[name + "|ref|" + board->probe.machine];
            const Baseline cmsis = base[name + "|cmsis_nn|" + board->probe.machine];
            const int64_t ram = d->build.size.arena + d->run.stackPeak + d->build.size.otherRam;
            bool golden = false;
            if (out.open(QIODevice::ReadOnly)) {
                const QByteArray b = out.readAll();
                golden = std::vector<uint8_t>(b.begin(), b.end()) == d->run.output;
            }
            auto ratio = [](int64_t a, int64_t b) { return b > 0 ? double(a) / double(b) : 0.0; };
            std::printf("%-30s %-10s %12lld %12lld %12lld %7.2f | %8lld %8lld %6.2f | %8lld %8lld %6.2f | %s\n", name.c_str(),
                        board->probe.machine.c_str(), (long long)d->run.instructions, (long long)ref.instructions,
                        (long long)cmsis.instructions, ratio(d->run.instructions, cmsis.instructions), (long long)ram,
                        (long long)cmsis.arena, ratio(ram, cmsis.arena), (long long)d->build.size.runtime,
                        (long long)cmsis.libFlash, ratio(d->build.size.runtime, cmsis.libFlash),
                        golden ? "= golden" : (d->matchesReference ? "= reference" : "DIFFERS"));
            rows.append(QJsonObject{{"model", QString::fromStdString(name)},
                                    {"machine", QString::fromStdString(board->probe.machine)},
                                    {"instructions", qint64(d->run.instructions)},
                                    {"tflm_ref_instructions", qint64(ref.instructions)},
                                    {"tflm_cmsis_nn_instructions", qint64(cmsis.instructions)},
                                    {"ram_bytes", qint64(ram)},
                                    {"tflm_arena_used_bytes", qint64(cmsis.arena)},
                                    {"runtime_flash_bytes", qint64(d->build.size.runtime)},
                                    {"tflm_lib_flash_bytes", qint64(cmsis.libFlash)},
                                    {"matches_golden", golden}});
        }
    }
    if (!jsonPath.isEmpty()) {
        QFile f(jsonPath);
        if (f.open(QIODevice::WriteOnly))
            f.write(QJsonDocument(QJsonObject{{"qemu", rows}}).toJson(QJsonDocument::Indented));
    }
    return 0;
}

int benchSearch(const QStringList& args);       // bench_search.cpp
int benchFitCostModel(const QStringList& args); // bench_search.cpp

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    if (args.contains("--search"))
        return benchSearch(args);
    if (args.contains("--fit-cost-model"))
        return benchFitCostModel(args);
    if (int i = int(args.indexOf("--target")); i >= 0) {
        if (i + 1 >= args.size() || args[i + 1] != "qemu") {
            std::fprintf(stderr, "tinystudio-bench: --target takes 'qemu'\n");
            return 2;
        }
        QString json;
        if (int j = int(args.indexOf("--json")); j >= 0 && j + 1 < args.size())
            json = args[j + 1];
        const QByteArray env = qgetenv("TINYSTUDIO_SHARED_DIR");
        return benchQemu(env.isEmpty() ? QString(TINYSTUDIO_SHARED_DIR) : QString::fromUtf8(env), json);
    }
    QString jsonPath;
    if (int i = int(args.indexOf("--json")); i >= 0 && i + 1 < args.size()) {
        jsonPath = args[i + 1];
        args.remove(i, 2);
    }
    const QByteArray env = qgetenv("TINYSTUDIO_SHARED_DIR");
    const QString dir = !args.isEmpty() ? args[0]
                                        : (env.isEmpty() ? QString(TINYSTUDIO_SHARED_DIR) : QString::fromUtf8(env)) + "/models";
    const auto files = QDir(dir).entryInfoList({"*.tflite"}, QDir::Files, QDir::Name);
    if (files.isEmpty()) {
        std::fprintf(stderr, "tinystudio-bench: no .tflite files in %s\n", qPrintable(dir));
        return 1;
    }
    const BoardSet boards = loadDefaultBoards();
    const Board* board = boards.find("nucleo-h743zi2");
    if (!board) {
        std::fprintf(stderr, "tinystudio-bench: board profile nucleo-h743zi2 not found\n");
        return 1;
    }
    const int runs = 7;
    std::printf("int8 body (--quantized-io), alignment 16, board %s; times are medians of %d runs in ms\n\n",
                board->id.c_str(), runs);
    std::printf("%-38s %7s %7s %7s %7s %7s | %10s %10s %10s %10s %10s %10s | %9s %8s\n", "model", "import", "legal",
                "analyze", "plan", "total", "tflm-greedy", "greedy-sz", "hill-climb", "lower-bnd", "in-place", "reordered",
                "reorder ms", "states");
    QJsonArray rows;
    for (const QFileInfo& fi : files) {
        const std::string path = fi.absoluteFilePath().toStdString();
        Result<Model> model;
        const double importMs = medianMs(runs, [&] { model = importTfliteFile(path); });
        if (!model.ok()) {
            std::printf("%-38s import failed: %s\n", qPrintable(fi.completeBaseName()), firstError(model.diagnostics).c_str());
            continue;
        }
        LegalizeOptions lo;
        lo.quantizedIo = true;
        LegalGraph lg;
        const double legalMs = medianMs(runs, [&] { lg = legalize(model->main(), lo); });
        MemoryOptions whole;
        whole.setInplace(false);
        Result<MemoryAnalysis> mem;
        const double analyzeMs = medianMs(runs, [&] { mem = analyzeMemory(lg, storedOrder(lg), whole); });
        if (!mem.ok()) {
            std::printf("%-38s analysis failed: %s\n", qPrintable(fi.completeBaseName()), firstError(mem.diagnostics).c_str());
            continue;
        }
        QJsonObject peaks;
        int64_t best = 0;
        double planMs = 0;
        for (const std::string& name : plannerNames()) {
            ArenaPlan p;
            const double ms = medianMs(runs, [&] {
                auto planner = createPlanner(name);
                p = planArena(*mem, *planner);
            });
            if (name == kDefaultPlanner) {
                planMs = ms;
                best = p.peakBytes;
            }
            peaks[QString::fromStdString(name)] = qint64(p.peakBytes);
        }
        // The document's figures through the one pipeline call: in place (every kind), and with
        // reordering on top. (The stage timings above time the stages on their own.)
        Session doc = documentFor(*model, board->id);
        doc.schedule.quantizedIo = true;
        auto a = runPipeline(*model, doc, boards);
        Session reorderedDoc = doc;
        reorderedDoc.schedule.reorder = true;
        Result<PipelineSnapshot> r;
        medianMs(3, [&] { r = runPipeline(*model, reorderedDoc, boards); });
        const int64_t inplacePeak = a.ok() ? (*a)->peakBytes : -1;
        const int64_t reorderPeak = r.ok() ? (*r)->peakBytes : -1;
        const Analysis* ra = r.ok() ? &(*r)->analysis : nullptr;
        const int64_t states = ra && ra->reorder ? ra->reorder->states : 0;
        const double total = importMs + legalMs + analyzeMs + planMs;
        std::printf("%-38s %7.2f %7.2f %7.2f %7.2f %7.2f | %10lld %10lld %10lld %10lld %10lld %10lld | %9.2f %8lld\n",
                    qPrintable(fi.completeBaseName()), importMs, legalMs, analyzeMs, planMs, total,
                    (long long)peaks["tflm-greedy"].toInteger(), (long long)peaks["greedy-by-size"].toInteger(),
                    (long long)best, (long long)mem->lowerBound, (long long)inplacePeak, (long long)reorderPeak,
                    ra ? ra->timings.reorderMs : 0.0, (long long)states);
        rows.append(QJsonObject{{"model", fi.completeBaseName()},
                                {"import_ms", importMs},
                                {"legalize_ms", legalMs},
                                {"analyze_ms", analyzeMs},
                                {"plan_ms", planMs},
                                {"total_ms", total},
                                {"peaks", peaks},
                                {"lower_bound_bytes", qint64(mem->lowerBound)},
                                {"inplace_peak_bytes", qint64(inplacePeak)},
                                {"reordered_peak_bytes", qint64(reorderPeak)},
                                {"reorder_ms", ra ? ra->timings.reorderMs : 0.0},
                                {"reorder_states", qint64(states)}});
    }
    // Patch-based schedules: the whole search (every split × 1..8 × 1..8) per CNN, and its front.
    std::printf("\nPatch search (int8 body, in-place on, input streamed); budget = the board's arena region - reserve\n");
    QJsonArray searches;
    for (const QFileInfo& fi : files) {
        auto model = importTfliteFile(fi.absoluteFilePath().toStdString());
        if (!model.ok())
            continue;
        Session doc = documentFor(*model, board->id);
        doc.schedule.quantizedIo = true;
        auto a = runPipeline(*model, doc, boards);
        if (!a.ok() || (*a)->splits.empty())
            continue;
        const PipelineResult& pr = **a;
        Result<PatchSearchResult> r;
        const double ms = medianMs(3, [&] {
            r = searchPatches(pr.legal(), pr.analysis.memory.order, doc.schedule.patchOptions(), pr.arenaBudget(), 8,
                              doc.schedule.macCapPercent);
        });
        if (!r.ok())
            continue;
        std::printf("\n%s: %lld schedules in %.1f ms; whole-tensor %lld B\n", qPrintable(fi.completeBaseName()),
                    (long long)r->evaluated, ms, (long long)r->wholePeak);
        QJsonArray front;
        for (size_t i = 0; i < r->pareto.size(); ++i) {
            const PatchPlan& p = r->pareto[i];
            std::printf("  split %4d %-16s %dx%d  peak %9lld B (%7.1f KiB)  +%5.2f %% MACs%s\n", p.split.tensor,
                        shapeString(p.split.shape).c_str(), p.nh, p.nw, (long long)p.peak, double(p.peak) / 1024.0,
                        p.extraMacsPercent, int(i) == r->recommended ? "  <- recommended" : "");
            front.append(QJsonObject{{"split", p.split.tensor},
                                     {"patches", QJsonArray{p.nh, p.nw}},
                                     {"peak_bytes", qint64(p.peak)},
                                     {"extra_macs_percent", p.extraMacsPercent}});
        }
        searches.append(QJsonObject{{"model", fi.completeBaseName()},
                                    {"search_ms", ms},
                                    {"evaluated", qint64(r->evaluated)},
                                    {"whole_tensor_peak_bytes", qint64(r->wholePeak)},
                                    {"pareto", front}});
    }
    // Code generation: generateProject() on the document's plan (in memory, no disk), per model;
    // the goal is under 1 s for mcunetv2_large.
    std::printf("\nCode generation (whole graph, in-place on, float I/O as stored); median of 3 runs\n");
    std::printf("%-38s %9s %10s %10s %9s %9s %7s\n", "model", "gen ms", "arena B", "consts B", "src KiB", "lines", "calls");
    QJsonArray generated;
    for (const QFileInfo& fi : files) {
        auto model = importTfliteFile(fi.absoluteFilePath().toStdString());
        if (!model.ok())
            continue;
        auto a = runPipeline(*model, documentFor(*model, board->id), boards);
        if (!a.ok())
            continue;
        Result<GeneratedProject> g;
        const double ms = medianMs(3, [&] { g = generateProject(*model, **a); });
        if (!g.ok()) {
            std::printf("%-38s not generated: %s\n", qPrintable(fi.completeBaseName()), firstError(g.diagnostics).c_str());
            continue;
        }
        std::printf("%-38s %9.1f %10lld %10lld %9.1f %9lld %7d\n", qPrintable(fi.completeBaseName()), ms,
                    (long long)g->arenaBytes, (long long)g->weightsBytes, double(g->sourceBytes) / 1024.0,
                    (long long)g->sourceLines, g->steps);
        QJsonObject o = g->summary();
        o.remove("files");
        o["model"] = fi.completeBaseName();
        o["generate_ms"] = ms;
        generated.append(o);
    }
    const QJsonObject doc{{"board", QString::fromStdString(board->id)}, {"runs", runs}, {"models", rows},
                          {"patch_search", searches}, {"generate", generated}};
    if (!jsonPath.isEmpty()) {
        QFile f(jsonPath);
        if (!f.open(QIODevice::WriteOnly)) {
            std::fprintf(stderr, "tinystudio-bench: cannot write %s\n", qPrintable(jsonPath));
            return 1;
        }
        f.write(QJsonDocument(doc).toJson(QJsonDocument::Indented));
        std::printf("\nJSON written to %s\n", qPrintable(jsonPath));
    } else {
        std::printf("\n%s", QJsonDocument(doc).toJson(QJsonDocument::Compact).constData());
        std::printf("\n");
    }
    return 0;
}
