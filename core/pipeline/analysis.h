#pragma once
// The analysis pipeline over one model and one board: legalize → order (optionally reordered) →
// memory analysis → arena plan (chosen planner, plus TFLM's greedy plan for comparison) → fit.
// The GUI, the CLI and the tests all call this.

#include "analysis/fit.h"
#include "analysis/memory.h"
#include "boards/board.h"
#include "passes/legalize.h"
#include "plan/planner.h"
#include "schedule/reorder.h"

#include <optional>

namespace ts {

struct AnalysisOptions {
    LegalizeOptions legalize;
    MemoryOptions memory;
    std::string planner = kDefaultPlanner;
    bool reorder = false;
    FitOptions fit;
};

struct AnalysisTimings { double legalizeMs = 0, analyzeMs = 0, planMs = 0, reorderMs = 0; };

struct Analysis {
    LegalGraph legal;
    MemoryAnalysis memory;          // for the chosen order
    ArenaPlan plan;                 // chosen planner
    int64_t tflmGreedyPeak = 0;     // TFLM's planner on the same model (no in-place: TFLM has none)
    int64_t tflmPersistentBytes = 0; // variable tensors TFLM keeps outside its planned head
    std::vector<int64_t> tflmWorkingSets; // per step, whole tensors and no in-place (TFLM's view)
    // Arena bytes in total: the plan plus any variable tensors kept outside it.
    int64_t arenaBytes() const { return plan.peakBytes + memory.unplannedVariableBytes; }
    std::optional<ReorderResult> reorder;
    FitVerdict fit;
    AnalysisTimings timings;
    int peakOp() const; // op index (legal graph) at the peak step, or -1
};

// `order` (optional): an explicit op order of the legalized graph (validated), used instead of the
// stored or searched one.
Result<Analysis> runAnalysis(const Model& model, const Board& board, const BoardSet& boards,
                             const AnalysisOptions& options, const std::vector<int>* order = nullptr,
                             const JobControl* job = nullptr);

} // namespace ts
