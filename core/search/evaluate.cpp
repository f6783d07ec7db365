#include "search/evaluate.h"

#include "analysis/fit.h"
#include "analysis/memory.h"
#include "analysis/opfacts.h"
#include "passes/legalize.h"
#include "plan/planner.h"
#include "pipeline/pipeline.h"
#include "schedule/patch.h"

#include <QJsonArray>

namespace ts {

namespace {

std::string kib(int64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024.0);
    return buf;
}

ScheduleDoc scheduleFor(const EvalOptions& options)
{
    ScheduleDoc sd;
    sd.planner = options.planner;
    sd.macCapPercent = options.macCapPercent;
    return sd;
}

} // namespace

CandidateFigures evaluateCandidate(const Model& model, const Board& board, const BoardSet& boards, const EvalOptions& options)
{
    CandidateFigures f;
    const ScheduleDoc sd = scheduleFor(options);
    const AnalysisOptions ao = sd.analysisOptions();
    auto planner = createPlanner(options.planner);
    if (!planner) {
        f.error = "unknown planner '" + options.planner + "'";
        return f;
    }
    const LegalGraph lg = legalize(model, ao.legalize);
    if (!lg.errors.empty()) {
        f.error = firstError(lg.errors);
        return f;
    }
    f.ops = int(lg.graph.ops.size());
    f.macs = computeTotals(lg.graph).macs;
    const std::vector<int> order = storedOrder(lg);
    auto mem = analyzeMemory(lg, order, ao.memory);
    if (!mem.ok()) {
        f.error = firstError(mem.diagnostics);
        return f;
    }
    const ArenaPlan plan = planArena(*mem, *planner);
    f.wholePeakBytes = plan.peakBytes + mem->unplannedVariableBytes;
    f.peakBytes = f.wholePeakBytes;
    FitOptions fo;
    fo.reserveBytes = options.reserveBytes;
    fo.region = options.region;
    const int peakOp = mem->peakStep >= 0 ? mem->steps[size_t(mem->peakStep)].op : -1;
    auto fit = fitVerdict(board, boards, lg.graph, f.wholePeakBytes, peakOp, fo);
    if (!fit.ok()) {
        f.error = firstError(fit.diagnostics);
        return f;
    }
    f.arenaBudget = fit->arenaBudget();
    if (options.patches && f.wholePeakBytes > f.arenaBudget) {
        std::vector<int64_t> workingSets;
        for (const StepUse& u : mem->steps)
            workingSets.push_back(u.total());
        const int64_t budget = f.arenaBudget - mem->unplannedVariableBytes;
        // The input frame stays in the arena (resident): stage 2 reuses its bytes, where a streamed
        // frame would be RAM held outside the arena for the whole inference.
        PatchOptions po = sd.patchOptions();
        po.inputResident = true;
        std::optional<PatchPlan> p;
        if (options.exhaustivePatches) {
            auto ps = searchPatches(lg, order, po, budget, options.maxPatchN, options.macCapPercent);
            if (ps.ok() && ps->recommended >= 0) {
                const PatchPlan& rec = ps->pareto[size_t(ps->recommended)];
                if (rec.nh * rec.nw > 1 && rec.peak < plan.peakBytes && rec.extraMacsPercent <= options.macCapPercent)
                    p = rec;
            }
        } else {
            p = findFittingPatchPlan(lg, order, po, workingSets, budget, options.maxPatchN, options.macCapPercent);
        }
        if (p) {
            f.peakBytes = p->peak + mem->unplannedVariableBytes;
            f.extraMacs = p->extraMacs;
            f.patch = PatchStage{p->split.tensor, p->nh, p->nw, po.inputResident};
            auto pf = patchedFitVerdict(board, boards, lg.graph, f.peakBytes, *p, fo);
            if (pf.ok())
                fit = pf;
        }
    }
    f.flashBytes = fit->flash.total();
    f.flashBudget = fit->flashBudget;
    if (options.cost)
        f.latency = options.cost->estimate(lg.graph, f.extraMacs);
    std::string why;
    if (fit->sramMargin < 0)
        why = "SRAM: needs " + kib(f.peakBytes) + " of arena, " + kib(f.arenaBudget) + " available" +
              (f.patch ? " (with " + std::to_string(f.patch->nh) + "x" + std::to_string(f.patch->nw) + " patches)" : "");
    if (fit->flashMargin < 0)
        why += std::string(why.empty() ? "" : "; ") + "flash: needs " + kib(f.flashBytes) + ", " + kib(f.flashBudget) + " available";
    if (options.latencyLimit > 0 && f.latency > options.latencyLimit)
        why += std::string(why.empty() ? "" : "; ") + "latency: estimated " + std::to_string(f.latency) +
               " instructions, limit " + std::to_string(options.latencyLimit);
    f.reason = why;
    f.fits = why.empty();
    return f;
}

Session candidateSession(const Model& model, const std::string& boardId, const CandidateFigures& f, const EvalOptions& options)
{
    Session s = documentFor(model, boardId);
    s.reserveBytes = options.reserveBytes;
    s.region = options.region;
    s.schedule = scheduleFor(options);
    s.schedule.modelSha256 = model.sha256;
    s.schedule.patch = f.patch;
    return s;
}

QJsonObject figuresToJson(const CandidateFigures& f)
{
    QJsonObject o{{"fits", f.fits},
                  {"peak_bytes", qint64(f.peakBytes)},
                  {"whole_tensor_peak_bytes", qint64(f.wholePeakBytes)},
                  {"arena_budget_bytes", qint64(f.arenaBudget)},
                  {"flash_bytes", qint64(f.flashBytes)},
                  {"flash_budget_bytes", qint64(f.flashBudget)},
                  {"macs", qint64(f.macs)},
                  {"extra_macs", qint64(f.extraMacs)},
                  {"latency_estimate", qint64(f.latency)},
                  {"latency_unit", "instructions (QEMU, estimated)"},
                  {"ops", f.ops}};
    if (!f.error.empty())
        o["error"] = QString::fromStdString(f.error);
    if (!f.reason.empty())
        o["reason"] = QString::fromStdString(f.reason);
    o["patch"] = f.patch ? QJsonValue(QJsonObject{{"split_tensor", f.patch->splitTensor}, {"grid", QJsonArray{f.patch->nh, f.patch->nw}}})
                         : QJsonValue(QJsonValue::Null);
    return o;
}

} // namespace ts
