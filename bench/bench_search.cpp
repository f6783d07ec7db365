// tinystudio-bench --search: candidates evaluated per second on one core (model built with zero
// weights, legalize, memory analysis, arena plan, patch search when whole tensors do not fit, fit
// verdict, latency estimate), per built-in space and board.
// tinystudio-bench --fit-cost-model DIR: measures per-layer instructions on QEMU for a set of
// search candidates and the demo model, fits the per-kernel cost model, checks it on held-out
// models, and writes DIR/<machine>.json (the files core/search/costmodels/ ships).

#include "boards/board.h"
#include "build/deploy.h"
#include "model/demo_model.h"
#include "model/tflite_import.h"
#include "pipeline/pipeline.h"
#include "search/costmodel.h"
#include "search/search.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace ts;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

int benchSearch(const QStringList& args)
{
    int count = 2000;
    if (int i = int(args.indexOf("--candidates")); i >= 0 && i + 1 < args.size())
        count = std::max(1, args[i + 1].toInt());
    const BoardSet boards = loadDefaultBoards();
    std::printf("Model search throughput on one core: %d random candidates per space x board, every (width, resolution)\n"
                "pair of the space in turn; each candidate built (zero weights), legalized, planned (hill-climb), patch-searched\n"
                "(n <= 4) when whole tensors do not fit, and checked against the board; latency from the shipped cost model.\n\n",
                count);
    std::printf("%-8s %-18s %10s %10s %9s %9s %9s\n", "space", "board", "cand/s", "ms/cand", "build ms", "fits", "patched");
    for (const char* spaceName : {"mcunet", "resnet"}) {
        auto space = loadSearchSpace(spaceName);
        if (!space.ok()) {
            std::printf("%s: %s\n", spaceName, firstError(space.diagnostics).c_str());
            continue;
        }
        for (const char* boardId : {"stm32f746g-disco", "nucleo-f412zg"}) {
            const Board* board = boards.find(boardId);
            if (!board)
                continue;
            auto cost = builtinCostModel(board->core);
            EvalOptions eval;
            if (int j = int(args.indexOf("--planner")); j >= 0 && j + 1 < args.size())
                eval.planner = args[j + 1].toStdString();
            if (cost.ok())
                eval.cost = &*cost;
            SearchRng rng(7);
            int fits = 0, patched = 0;
            double buildSeconds = 0;
            const double t0 = now();
            for (int k = 0; k < count; ++k) {
                const size_t pair = size_t(k) % (space->resolutions.size() * space->widths.size());
                const int res = space->resolutions[pair % space->resolutions.size()];
                const double w = space->widths[pair / space->resolutions.size()];
                const Architecture a = sampleArchitecture(*space, res, w, rng);
                const double b0 = now();
                const Model m = buildCandidateModel(*space, a, false);
                buildSeconds += now() - b0;
                const CandidateFigures f = evaluateCandidate(m, *board, boards, eval);
                fits += f.fits;
                patched += f.patch.has_value();
            }
            const double seconds = now() - t0;
            std::printf("%-8s %-18s %10.0f %10.3f %9.3f %9d %9d\n", spaceName, boardId, count / seconds,
                        1000 * seconds / count, 1000 * buildSeconds / count, fits, patched);
        }
    }
    return 0;
}

int benchFitCostModel(const QStringList& args)
{
    const int i = int(args.indexOf("--fit-cost-model"));
    const QString outDir = i + 1 < args.size() ? args[i + 1] : QString();
    if (outDir.isEmpty()) {
        std::fprintf(stderr, "tinystudio-bench: --fit-cost-model takes the folder to write <machine>.json in\n");
        return 2;
    }
    int perSpace = 6;
    if (int j = int(args.indexOf("--models")); j >= 0 && j + 1 < args.size())
        perSpace = std::max(1, args[j + 1].toInt());
    QDir().mkpath(outDir);
    const BoardSet boards = loadDefaultBoards();
    // The measured set: the demo model and `perSpace` small candidates of each built-in space; the
    // held-out set: two more candidates per space, never fitted.
    struct Item {
        std::string name;
        Model model;
        bool holdout = false;
    };
    std::vector<Item> items;
    items.push_back({"demo", buildDemoModel(), false});
    for (const char* spaceName : {"mcunet", "resnet"}) {
        auto space = loadSearchSpace(spaceName);
        if (!space.ok())
            continue;
        SearchRng rng(2026);
        const std::vector<int> res = {48, 64, 80};
        const std::vector<double> widths = {space->widths[0], space->widths[1]};
        for (int k = 0; k < perSpace + 2; ++k) {
            const Architecture a = sampleArchitecture(*space, res[size_t(k) % res.size()], widths[size_t(k) % widths.size()], rng);
            items.push_back({std::string(spaceName) + "_" + std::to_string(k), buildCandidateModel(*space, a, true), k >= perSpace});
        }
    }
    for (const char* machine : {"qemu-mps2-an386", "qemu-mps2-an500"}) {
        std::vector<CostSample> samples;
        std::vector<std::pair<std::string, std::pair<const Model*, int64_t>>> holdout;
        std::string source = "tinystudio-bench --fit-cost-model DIR --models " + std::to_string(perSpace) + " on " + std::string(machine) + ": demo model + " +
                             std::to_string(perSpace) + " candidates of each built-in space (seed 2026, 48-80 px)";
        for (const Item& it : items) {
            DeployOptions o;
            const double t0 = now();
            auto d = deployOnQemu(it.model, documentFor(it.model, machine), boards, o);
            if (!d.ok()) {
                std::printf("%s %s: not run: %s\n", machine, it.name.c_str(), firstError(d.diagnostics).substr(0, 200).c_str());
                continue;
            }
            const Graph& g = d->pipeline->legal().graph;
            std::vector<int64_t> perOp(g.ops.size(), 0);
            for (const QemuLayer& l : d->run.layers)
                if (l.index >= 0 && size_t(l.index) < perOp.size())
                    perOp[size_t(l.index)] += l.instructions;
            std::printf("%s %-10s %12lld instructions/inference, %zu layers, %s (%.0f s)\n", machine, it.name.c_str(),
                        (long long)d->run.instructions, d->run.layers.size(), it.holdout ? "held out" : "fitted", now() - t0);
            std::fflush(stdout);
            if (it.holdout) {
                holdout.push_back({it.name, {&it.model, d->run.instructions}});
                continue;
            }
            const auto s = costSamples(it.name, g, perOp);
            samples.insert(samples.end(), s.begin(), s.end());
        }
        auto fit = fitCostModel(samples, machine, source);
        if (!fit.ok()) {
            std::printf("%s: %s\n", machine, firstError(fit.diagnostics).c_str());
            continue;
        }
        for (const auto& [name, h] : holdout) {
            const LegalGraph lg = legalize(*h.first, LegalizeOptions{});
            HoldoutCheck c;
            c.model = name;
            c.measured = h.second;
            c.estimated = fit->estimate(lg.graph);
            c.errorPercent = h.second ? 100.0 * double(c.estimated - c.measured) / double(c.measured) : 0;
            fit->holdout.push_back(c);
        }
        std::printf("\n%s: %d layers of %d models; per-layer mean |error| %.1f %%, worst model total %.1f %%\n", machine,
                    fit->layers, fit->models, fit->layerMeanAbsErrorPercent, fit->modelMaxAbsErrorPercent);
        for (const auto& [name, k] : fit->classes)
            std::printf("  %-10s %4d layers  %.3f/MAC %+.2f/output %+.0f/op   mean |error| %.1f %%\n", name.c_str(), k.samples,
                        k.perMac, k.perOutput, k.perOp, k.meanAbsErrorPercent);
        for (const HoldoutCheck& h : fit->holdout)
            std::printf("  held out %-10s measured %12lld estimated %12lld  %+.1f %%\n", h.model.c_str(), (long long)h.measured,
                        (long long)h.estimated, h.errorPercent);
        QFile f(QDir(outDir).filePath(QString::fromLatin1(machine) + ".json"));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(f.fileName()));
            return 1;
        }
        f.write(QJsonDocument(costModelToJson(*fit)).toJson(QJsonDocument::Indented));
        std::printf("  written to %s\n\n", qPrintable(f.fileName()));
    }
    return 0;
}
