#pragma once
// Does it fit? The planned arena (activations + kernel scratch) plus an explicit runtime/stack
// reserve against the RAM region the arena goes in; weights, biases, requantization parameters
// and an estimate of code size against flash. Emulated boards use the limits of the real board
// they enforce.

#include "boards/board.h"
#include "model/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

// A RAM region the arena can be placed in: address-contiguous data RAM regions (DTCM, SRAM, AXI,
// CCM, SSRAM, PSRAM) are merged, e.g. F746 "DTCM+SRAM1+SRAM2" = 320 KiB. ITCM and backup SRAM
// are not offered.
struct ArenaRegion {
    std::string name;
    uint64_t base = 0;
    uint64_t size = 0;
};
std::vector<ArenaRegion> arenaRegions(const Board& board);

struct FlashUse {
    int64_t weights = 0;   // filters and other constant parameters
    int64_t biases = 0;
    int64_t requant = 0;   // per-output-channel multiplier + shift (2 × int32) of conv/depthwise/FC
    int64_t code = 0;      // estimate: runtime + C library + one kernel per distinct op kind + call-site glue
    int64_t total() const { return weights + biases + requant + code; }
};
// Per op: the flash its constants need (weights + biases + requantization parameters).
int64_t opFlashBytes(const Graph& g, const Op& op);
// `opCalls`: kernel call sites in the generated code (a patch schedule repeats stage 1's per patch);
// -1: one per op. `patches`: the patch schedule's patches (each one function of its own), 0 for none.
FlashUse flashUse(const Graph& g, int64_t opCalls = -1, int patches = 0);

struct FitOptions {
    int64_t reserveBytes = 8 * 1024; // stack, runtime state and I/O outside the arena
    std::string region;              // arena region name; empty = the largest
};

struct FitVerdict {
    std::string board;         // board id the verdict is for
    std::string limitsBoard;   // whose limits applied (differs for emulated boards)
    std::string region;
    int64_t sramBudget = 0;    // region size
    int64_t arenaBytes = 0;    // planned peak (activations + scratch)
    int64_t frameBytes = 0;    // RAM the plan needs outside the arena: a streamed input frame (patch schedules)
    int64_t reserveBytes = 0;
    int64_t sramMargin = 0;    // budget - arena - frame - reserve (negative: overflow)
    int64_t flashBudget = 0;
    FlashUse flash;
    int64_t flashMargin = 0;
    bool fits = false;
    int peakOp = -1;           // the op whose step sets the peak working set
    std::string summary;       // one line for the status bar and the CLI
    // What the arena may use: the region less the reserve. The one place this is computed.
    int64_t arenaBudget() const { return sramBudget - reserveBytes; }
};

// `arenaBytes` is the planned peak; `peakOp` the op at the peak step; `frameBytes` RAM the generated
// code holds outside the arena (a streamed input frame). Errors: unknown region.
Result<FitVerdict> fitVerdict(const Board& board, const BoardSet& boards, const Graph& g, int64_t arenaBytes,
                              int peakOp, const FitOptions& options, int64_t frameBytes = 0, int64_t opCalls = -1,
                              int patches = 0);

} // namespace ts
