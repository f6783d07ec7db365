#pragma once
// A patch schedule executed as laid out ("the memory you see is the memory you get"): one byte
// array of PatchPlan::peak bytes (plus guard bands) in which every patch's stage-1 layout runs at
// its base with real in-place kernels (reference/arena_exec.h), reading its input patch and writing
// its tile of the split tensor through strided windows (PatchPlan::ops), the split tensor is moved
// once if the plan says so, and stage 2's layout runs with it at splitOffset. Comparing the bytes
// with the whole-tensor run proves the schedule's arithmetic (halos, border padding) and its memory
// layout at once.

#include "reference/arena_exec.h"
#include "schedule/patch.h"

namespace ts {

struct PatchArenaOptions {
    ArenaExecOptions exec; // per stage: poisoning, scratch scribbling, guard bands (exec.windows is set per patch)
    // Refuse up front a stitched layout whose parts overlap (split tensor, resident input, patch
    // area) or reach past PatchPlan::peak. The negative controls switch it off to show that the
    // execution itself catches the overlap.
    bool checkLayout = true;
};

struct PatchArenaRun {
    std::vector<uint8_t> split;   // the stitched split tensor, as stage 2 found it at splitOffset
    std::vector<uint8_t> outputs; // graph outputs concatenated (the golden layout), read from the arena
    Diagnostics diagnostics;
    int patchesRun = 0;
    int tileCopies = 0;           // patches whose layout holds the split tile itself (copied into the split tensor)
    int inplaceSteps = 0;         // steps run by in-place kernels (all patches and stage 2)
    bool ok() const { return !hasErrors(diagnostics); }
};

// `plan` from planPatches() (layouts and ops filled). `input`: the graph inputs concatenated. A
// streamed input frame stays outside the arena (the application's buffer): each patch's input
// region is cropped from it into the patch layout; a resident one is written at inputOffset first.
PatchArenaRun runPatchedInArena(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                                const std::vector<uint8_t>& input, const PatchArenaOptions& options = {});

struct PatchProof {
    bool identical = false;
    std::string detail; // on failure: the refusal, the failing step, or where the bytes differ
    int inplaceSteps = 0, tileCopies = 0; // of the arena run
};
// Runs `plan` in the arena and the whole-tensor order on the reference interpreter, on the same
// input, and compares the split tensor and every graph output byte for byte.
PatchProof provePatchPlan(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                          const std::vector<uint8_t>& input, const PatchArenaOptions& options = {});

} // namespace ts
