#pragma once
// Exact, analytic figures of one candidate model on one board: the same legalize → memory analysis
// → arena planner → patch search → fit verdict that the pipeline runs for a document, so the peak
// SRAM a search reports is the peak the generated code of that candidate's document executes
// (candidateSession() gives that document; runPipeline on it reproduces the figures exactly).
// Latency is an estimate from a per-kernel cost model (search/costmodel.h), in QEMU instructions.

#include "boards/board.h"
#include "model/graph.h"
#include "schedule/schedule_doc.h"
#include "search/costmodel.h"
#include "session/session.h"

#include <QJsonObject>

#include <cstdint>
#include <optional>
#include <string>

namespace ts {

struct EvalOptions {
    std::string planner = kDefaultPlanner;
    bool patches = true;          // search a patch schedule when whole tensors do not fit
    int maxPatchN = 4;            // grids up to n × n per split (the pipeline's search goes to 8)
    // The studio's full patch search (every split, every n_h × n_w grid up to maxPatchN; when nothing
    // fits, the smallest peak within the MAC cap is reported) instead of the pruned one the model
    // search uses. The zoo ranking uses it: few models, and the figure a user would get with Auto.
    bool exhaustivePatches = false;
    double macCapPercent = kDefaultMacCapPercent;
    int64_t reserveBytes = 8192;  // RAM kept free for stack and runtime, as in the session
    std::string region;           // arena region; empty = the board's largest
    int64_t latencyLimit = 0;     // instructions; 0 = no latency constraint
    const CostModel* cost = nullptr; // latency estimate; nullptr = none (latency 0)
};

struct CandidateFigures {
    std::string error;            // the candidate cannot be analysed (unsupported op, bad graph): why
    bool fits = false;            // SRAM, flash and latency constraints all hold
    std::string reason;           // why it does not fit, in words (empty when it fits)
    int64_t peakBytes = 0;        // arena bytes of what runs (patched when a patch schedule is chosen)
    int64_t wholePeakBytes = 0;   // arena bytes with whole tensors
    int64_t arenaBudget = 0;      // region less the reserve
    int64_t flashBytes = 0;       // weights + biases + requantization + code estimate (fit verdict)
    int64_t flashBudget = 0;
    int64_t macs = 0;             // of the network, without patch recomputation
    int64_t extraMacs = 0;        // recomputed by the patch schedule
    int64_t latency = 0;          // estimated instructions per inference (incl. recomputation), 0 = no model
    int ops = 0;                  // legalized ops
    std::optional<PatchStage> patch; // the patch schedule the figures are for (none: whole tensors)
    bool ok() const { return error.empty(); }
};

CandidateFigures evaluateCandidate(const Model& model, const Board& board, const BoardSet& boards,
                                   const EvalOptions& options);

// The project document whose pipeline gives exactly these figures (planner, reserve, region, patch).
Session candidateSession(const Model& model, const std::string& boardId, const CandidateFigures& f,
                         const EvalOptions& options);

QJsonObject figuresToJson(const CandidateFigures& f);

} // namespace ts
