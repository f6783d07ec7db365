#pragma once
// Patch-based execution on the reference interpreter: stage 1 runs patch by patch on cropped
// tensors (each op sees only the region its patch needs, zero-point padding only at the true image
// border), the split tensor is assembled from the patches, and stage 2 runs on whole tensors. A
// wrong halo or border rule gives different bytes, which is what makes the comparison with the
// whole-tensor run a proof of the schedule.

#include "reference/interpreter.h"
#include "schedule/patch.h"

namespace ts {

// `interp` holds the legal graph with its inputs set; on return its tensors hold the results.
Diagnostics runPatched(ReferenceInterpreter& interp, const LegalGraph& lg, const std::vector<int>& order,
                       const PatchPlan& plan);

struct PatchProof {
    bool identical = false;
    std::string detail; // on failure: where the bytes differ
};
// Runs `plan` and the whole-tensor order on the same input and compares the split tensor and every
// graph output byte for byte.
PatchProof provePatchPlan(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                          const std::vector<uint8_t>& input);

} // namespace ts
