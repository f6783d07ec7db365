#pragma once
// MCUNetV2-style patch-based inference: the memory-hungry first stage of a CNN (every op up to a
// split tensor) runs patch by patch over an n_h × n_w grid of the split tensor; the rest runs on
// whole tensors. This file holds the receptive-field analysis, the valid splits, and the exact
// cost of a schedule (peak SRAM and recomputed MACs).

#include "analysis/fit.h"
#include "analysis/memory.h"
#include "common/diagnostic.h"
#include "common/job.h"
#include "passes/legalize.h"
#include "plan/planner.h"

#include <map>
#include <string>
#include <vector>

namespace ts {

// A half-open rectangle of a feature map: rows [y0, y1), columns [x0, x1).
struct Region {
    int y0 = 0, y1 = 0, x0 = 0, x1 = 0;
    int h() const { return y1 - y0; }
    int w() const { return x1 - x0; }
    bool empty() const { return h() <= 0 || w() <= 0; }
    Region united(const Region& o) const;
    bool operator==(const Region& o) const { return y0 == o.y0 && y1 == o.y1 && x0 == o.x0 && x1 == o.x1; }
};

// What an op needs of its input `operand` to produce `out`: the region, clipped to the input's
// H×W, and the padding on each border that the clip cut off (zero-point padding, present only
// where the region reaches the true image border).
struct InputNeed {
    Region in;
    ExplicitPad pad;
};
bool isPatchableOp(const Graph& g, const Op& op);

// How one operand of a stage-1 op is addressed while a patch runs. `stored` is the region of the
// tensor that memory holds: the region planned in the patch layout, or the whole map for a tensor
// held outside it (the resident input frame, the stitched split tensor). `window` is the region the
// op reads (input) or writes (output) inside it; both in the tensor's own (absolute) coordinates.
// An executor or generated code addresses the operand as a strided view: first byte at
//   (stored base) + ((window.y0 − stored.y0) · stored.w() + (window.x0 − stored.x0)) · C · elementSize,
// window.h() rows of window.w() · C elements, rows rowPitch() bytes apart.
struct PatchOperand {
    int tensor = -1; // legal-graph tensor; -1 for a constant or an absent operand (read whole, as is)
    Region stored, window;
    int originY() const { return window.y0 - stored.y0; }
    int originX() const { return window.x0 - stored.x0; }
    bool whole() const { return stored == window; }
};
// One stage-1 op as it runs on one patch: `exec` is the legal-graph op with every window op rewritten
// to VALID plus the zero-point padding that remains where its input region meets the true image
// border (none inside the image); its operands are the windows below, shaped [1, window.h(), window.w(), C].
struct PatchOp {
    int op = -1; // legal-graph op index
    Op exec;
    std::vector<PatchOperand> inputs; // per operand of exec.inputs
    PatchOperand output;
};
int64_t rowPitch(const Graph& g, const PatchOperand& o); // bytes between rows of the stored region
std::optional<InputNeed> inputNeed(const Graph& g, const Op& op, const Region& out, int operand);

// The bounds of n tiles over `size` (n + 1 values; uneven tiles differ by at most one row).
std::vector<int> tileBounds(int size, int n);

struct SplitPoint {
    int tensor = -1;      // the split tensor (produced by the last stage-1 op)
    int step = -1;        // position in the order of the last stage-1 op
    std::vector<int32_t> shape;
    // Stage 0: the first `prefix` ops of the order are not spatial (a TRANSPOSE from an NCHW input,
    // as PyTorch exports produce) and run on whole tensors before stage 1. `source` is the tensor
    // stage 1 starts from: stage 0's one output (then held whole in the arena while the patches
    // run), or the graph input when there is no stage 0.
    int prefix = 0;
    int source = -1;
};
// Every position where a prefix of `order` hands exactly one 4-D tensor to the rest, the prefix
// being a stage 0 of non-spatial ops that hands exactly one 4-D tensor to a run of spatial,
// patchable ops (stage 1). Stage 0 is the leading run of ops that are not patchable; it is empty
// for most CNNs.
std::vector<SplitPoint> validSplits(const LegalGraph& lg, const std::vector<int>& order);

struct PatchOptions {
    MemoryOptions memory;
    std::string planner = "hill-climb";
    bool inputResident = false; // the whole input frame stays in SRAM (else it is streamed per patch)
};

// One arena layout that generated code executes: a graph (a stage-1 patch graph, or the stage-2
// graph), its memory analysis and its plan, placed at `base` in the arena. In a stage-1 patch graph
// every tensor is shaped as the region memory holds of it; an op may read only a window of that
// region (a residual block's skip input is held for the widest consumer), so the graph alone is
// not executable: PatchPlan::ops records each operand's window, and runPatchedInArena()
// (schedule/patch_exec.h) executes the two together.
struct StageLayout {
    std::string name;
    LegalGraph graph;
    MemoryAnalysis memory;
    ArenaPlan plan;
    int64_t base = 0;
    int64_t end() const { return base + plan.peakBytes; }
};

// The stitched-arena rule: stage 2's plan decides where it reads the split tensor (`splitOffset`).
// Stage 1 builds the split tensor either there (the per-patch layouts, after a resident input
// frame, go below it when they fit, else above it) or at offset 0 with the patch area above it,
// and then moves it to `splitOffset` (one memmove) before stage 2. stage1Peak is the end of the
// chosen placement.
// With a stage 0 (split.prefix > 0) its whole-tensor layout runs first at offset 0; its output
// (split.source) is then moved, when it does not already sit there, to inputOffset, where stage 1
// reads it as a resident input. The peak is the largest of the three stages.
struct PatchPlan {
    SplitPoint split;
    int nh = 1, nw = 1;
    std::vector<Region> patches;                 // of the split tensor
    std::vector<std::map<int, Region>> regions;  // per patch: tensor → the region computed/read
    int64_t stage1Peak = 0;    // full split tensor (+ resident input) + largest per-patch plan
    int64_t stage2Peak = 0;    // whole-tensor plan of the ops after the split
    int64_t stage0Peak = 0;    // whole-tensor plan of stage 0 (0 without one)
    int64_t peak = 0;          // max of the stages
    int64_t wholePeak = 0;     // the same graph without patches
    int64_t extraMacs = 0;     // recomputed in overlapping halos
    int64_t totalMacs = 0;     // of the whole network, without patches
    double extraMacsPercent = 0;
    int inputPatchH = 0, inputPatchW = 0; // the largest input region of a patch
    int largestPatch = -1;     // the patch with the largest working set
    // Arena layout (planPatches fills the layouts; the search keeps only the figures).
    int64_t splitOffset = 0;       // where stage 2 reads the stitched split tensor
    int64_t stage1SplitOffset = 0; // where stage 1 builds it; when it differs, it is moved between stages
    bool movesSplit() const { return stage1SplitOffset != splitOffset; }
    int64_t patchAreaOffset = 0;   // where stage 1's resident input (if any) and patch layouts start
    int64_t inputOffset = -1;      // the resident input frame (stage 1's source), or -1
    std::optional<StageLayout> stage0; // stage 0's layout (base 0), when split.prefix > 0
    int64_t stage0SourceOffset = -1;   // where stage 0 leaves its output, moved to inputOffset when they differ
    bool movesSource() const { return stage0 && stage0SourceOffset != inputOffset; }
    std::vector<StageLayout> patchLayouts; // distinct per-patch layouts (base = patchAreaOffset + input)
    std::vector<int> patchLayoutOf;        // per patch: index in patchLayouts
    // Per patch: its stage-1 ops as they run, in the order of its layout's graph (op k of the layout
    // graph is ops[p][k]), with the window of every non-constant operand inside what memory holds.
    // The split tensor's window is the patch, inside the whole split tensor at stage1SplitOffset —
    // unless the layout plans the tile itself (the last op runs in place over its input's buffer):
    // then the tile is stored in the layout and copied into the split tensor after the patch.
    std::vector<std::vector<PatchOp>> ops;
    std::optional<StageLayout> stage2;
};

// Where a stage-1 operand of patch `patch` lives in the stitched arena, for an executor or the code
// generator: `stored` is the first byte of the region memory holds (the patch layout's base + the
// tensor's planned offset; stage1SplitOffset for the split tensor; inputOffset for a resident
// input), `first` the first byte of the window, then `rows` rows of `rowBytes` bytes, `rowPitch`
// apart. `stored` is -1 when the operand has no place in the arena (a constant, or a streamed input
// the layout does not plan).
struct OperandPlace {
    int64_t stored = -1, first = -1, rowPitch = 0, rowBytes = 0;
    int rows = 0;
};
OperandPlace placeOperand(const Graph& g, const PatchPlan& plan, size_t patch, const PatchOperand& o);

// RAM the generated code holds outside the arena for this plan: the frame of every graph input that
// stage 1 streams (crops per patch) instead of holding it in the arena (no stage 0, not resident).
int64_t streamedFrameBytes(const Graph& g, const PatchPlan& plan);
// Kernel call sites the generated code of this plan has: stage 1's ops once per patch, the others once.
int64_t patchedOpCalls(const Graph& g, const PatchPlan& plan);
// The fit verdict of what the plan runs: `arenaBytes` of arena, the streamed input frame it holds
// outside the arena, and the flash of its per-patch code. The pipeline and the model search call this.
Result<FitVerdict> patchedFitVerdict(const Board& board, const BoardSet& boards, const Graph& g, int64_t arenaBytes,
                                     const PatchPlan& plan, const FitOptions& options);

Result<PatchPlan> planPatches(const LegalGraph& lg, const std::vector<int>& order, int splitTensor, int nh, int nw,
                              const PatchOptions& options);

// Working set per stage-1 step while the largest patch runs: the full split tensor (and resident
// input) plus that patch's buffers. One value per step 0..split.step; stage-0 steps (the first
// split.prefix) hold stage 0's whole-tensor working set.
std::vector<int64_t> stage1WorkingSets(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                                       const PatchOptions& options);

struct PatchSearchResult {
    std::vector<PatchPlan> pareto;   // non-dominated (peak, extra MACs), by peak
    int recommended = -1;            // index in pareto
    int64_t evaluated = 0;
    int64_t wholePeak = 0;
    // Per valid split, in validSplits() order: the plan with the smallest peak whose recomputation
    // stays within the MAC cap (ties: fewer extra MACs, then fewer patches); figures only. A 1×1
    // grid (no recomputation) always qualifies; nh = nw = 0 and peak 0 when no grid could be planned.
    std::vector<PatchPlan> bestPerSplit;
};
// Every valid split × n_h, n_w in 1..maxN; the recommended plan is the least extra MACs whose peak
// fits `budgetBytes` within `macCapPercent` of recomputation (else the smallest peak within the
// cap). `job` (optional) gets progress and may cancel: the result is then the error "cancelled".
Result<PatchSearchResult> searchPatches(const LegalGraph& lg, const std::vector<int>& order, const PatchOptions& options,
                                        int64_t budgetBytes, int maxN = 8, double macCapPercent = 10.0,
                                        const JobControl* job = nullptr);

// The model search's patch search: the same exact evaluation of a split and grid as searchPatches
// (and planPatches), over fewer schedules. A split is skipped when a lower bound of its peak already
// exceeds the budget: its split tensor's bytes (stage 1 holds it whole) or the largest whole-tensor
// working set after it (`workingSets`: per step of `order`, the memory analysis's StepUse::total()
// under the same options; stage 2 runs exactly those steps). Per remaining split, square grids
// 2×2 … maxN×maxN are tried in turn and the first that fits ends that split (a finer grid only
// recomputes more). Returns, of the plans that fit within the MAC cap, the one with the least extra
// MACs (ties: the smaller peak), or nothing when none fits.
std::optional<PatchPlan> findFittingPatchPlan(const LegalGraph& lg, const std::vector<int>& order,
                                              const PatchOptions& options, const std::vector<int64_t>& workingSets,
                                              int64_t budgetBytes, int maxN = 4, double macCapPercent = 10.0);

} // namespace ts
