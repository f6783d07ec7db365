#pragma once
// Operator reordering for graphs that branch: the execution order with the smallest peak working
// set, found by dynamic programming over the sets of already-executed ops (Liberis & Lane, "Neural
// networks on microcontrollers: saving memory at inference via operator reordering", MLSys 2021).
// The number of such sets stays small for residual and squeeze-excite networks; past a cap the
// search falls back to a greedy heuristic.

#include "analysis/memory.h"
#include "common/job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct ReorderLimits {
    int64_t maxStates = 200'000; // sets of executed ops kept at once, summed over all layers
};

struct ReorderResult {
    std::vector<int> order;
    int64_t peak = 0;          // lower bound of `order` (from analyzeMemory)
    int64_t originalPeak = 0;  // lower bound of the stored order
    bool optimal = false;      // the exhaustive search completed
    std::string method;        // "dp" or "greedy (state cap reached)"
    int64_t states = 0;
};

// `job` (optional) gets progress per layer of the search and may cancel it (error "cancelled").
Result<ReorderResult> findMemoryOptimalOrder(const LegalGraph& lg, const MemoryOptions& options,
                                             const ReorderLimits& limits = {}, const JobControl* job = nullptr);

} // namespace ts
