#pragma once
// The arena executor: runs a legal graph inside ONE byte array laid out exactly as an ArenaPlan
// says, so that a plan is proved by execution, not only by the no-overlap check ("the memory you
// see is the memory you get").
//
// Every non-constant tensor lives at its planned offset (ArenaPlan::tensorOffset; aliases share
// their root's bytes), kernel scratch at its planned scratch buffer, and every in-place op of the
// analysis runs as a real in-place kernel on the shared bytes, in the iteration order the kernel
// contract (kernels/contracts.h) gives for the plan's placement:
//  * depthwise: channel by channel, input channel c (H·W bytes, unpadded) copied to the planned
//    scratch, then output channel c written over the arena;
//  * 1×1 convolution: pixels forward or backward with one pixel in the planned scratch (Cout ≤ Cin:
//    the output pixel is accumulated there and then stored; Cout > Cin: the input pixel is copied
//    there first);
//  * element-wise ADD/SUB/MUL: output element i written over input element i.
// Ops that are not in place run the reference kernel on copies of their inputs taken from the
// arena; their output bytes are then written at the output's offset, so an output placed over a
// tensor that is still live clobbers it and shows up as wrong bytes downstream.
//
// To make a wrong plan fail loudly rather than by luck, the executor also: fills the arena with a
// poison pattern before the run and again wherever a buffer (or a shrinking buffer's released part)
// stops being live, so reading a dead tensor reads garbage; fills the planned scratch of kernels
// that are not in place with junk before they run (a real kernel would write there); and keeps
// guard bands around the stage, checked after every step.

#include "analysis/memory.h"
#include "common/diagnostic.h"
#include "kernels/contracts.h"
#include "passes/legalize.h"
#include "plan/planner.h"
#include "reference/interpreter.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ts {

// An operand that is a window of a larger map (a patch schedule's stage-1 ops): memory holds the
// tensor as a [1, storedH, storedW, C] map and the op reads (or writes) rows [y0, y0 + h) and columns
// [x0, x0 + w) of it, a strided view with rows storedW · C elements apart. The op runs as if that
// operand were a [1, h, w, C] tensor.
struct OperandWindow {
    int storedH = 0, storedW = 0;
    int y0 = 0, x0 = 0, h = 0, w = 0;
};

struct ArenaExecOptions {
    int64_t guardBytes = 64;     // canary bytes before and after the stage (runInArena allocates them)
    bool poisonReleased = true;  // poison bytes a buffer releases, after the step that releases them
    bool scribbleScratch = true; // junk in the planned scratch of kernels that are not in place
    // Refuse up front a plan whose buffers reach past plan.peakBytes or below 0. Tests switch it off
    // to show that the guard bands catch an arena that is too small while it runs.
    bool checkFootprint = true;
    // Run an in-place op (legal-graph op index) in this order whatever its placement: the negative
    // controls use it to execute a placement with the wrong kernel variant.
    std::map<int, IterationOrder> forceOrder;
    // Operands addressed as strided windows: (op index, operand index, or -1 for the output) → window.
    // An in-place op may not write over a window (no kernel contract covers it): refused when it runs.
    std::map<std::pair<int, int>, OperandWindow> windows;
};

// How one in-place step was executed.
struct InplaceExecution {
    int step = -1, op = -1;
    InplaceKind kind = InplaceKind::None;
    IterationOrder order = IterationOrder::Forward;
    int64_t inputOffset = 0, outputOffset = 0, scratchOffset = -1, scratchBytes = 0; // relative to the stage base
    int64_t delta() const { return outputOffset - inputOffset; }
};

struct ArenaRun {
    std::vector<uint8_t> outputs; // graph outputs concatenated (the golden layout); empty for a stage run
    Diagnostics diagnostics;      // errors: refused, a kernel failed, or a guard band was overwritten
    std::vector<InplaceExecution> inplace;
    int stepsRun = 0;
    bool ok() const { return !hasErrors(diagnostics); }
};

// The bytes a stage runs on: a whole arena, where this plan's offset 0 is, and where tensors the
// analysis keeps outside its plan (MemoryOptions::external) live in the same arena.
struct ArenaSpace {
    uint8_t* data = nullptr;
    int64_t size = 0;
    int64_t base = 0;
    std::map<int, int64_t> external; // root tensor → absolute offset in `data`
};

// Executes one plan. Keeps references to `lg`, `m` and `plan`: they must outlive the executor.
// Several stages of one schedule (patch stage-1 layouts, stage 2) each get an executor and run on
// the same ArenaSpace with their own base.
class ArenaExecutor {
public:
    static Result<std::unique_ptr<ArenaExecutor>> create(const LegalGraph& lg, const MemoryAnalysis& m,
                                                         const ArenaPlan& plan, ArenaExecOptions options = {});

    // Where `tensor` lives: absolute offset in `space` (planned, aliased or external), or -1 when
    // the arena does not hold it (constant, or a variable TFLM-style planning keeps outside).
    int64_t where(const ArenaSpace& space, int tensor) const;
    // Put a tensor's bytes in place (graph inputs before the run) / read them back (outputs after).
    Diagnostics writeTensor(ArenaSpace& space, int tensor, const std::vector<uint8_t>& bytes) const;
    std::vector<uint8_t> readTensor(const ArenaSpace& space, int tensor) const;

    // Runs every step of the analysis's order on `space`, the plan occupying [base, base + peak).
    // The caller has written the stage's inputs; variables and tensors read but never produced are
    // initialised here (zero point / zero, as the reference interpreter resets them): each run is
    // one invocation from the reset state, and an executor may run any number of times. Bytes of
    // `space` outside the stage and outside the bound external tensors must not change: the
    // `guardBytes` on each side are checked after every step, the rest at the end.
    ArenaRun run(ArenaSpace& space);

private:
    ArenaExecutor() = default;
    struct Impl;
    std::shared_ptr<Impl> d;
};

// Runs `lg.graph` in the analysis's order inside one byte array of plan.peakBytes with guard bands
// before and after: graph inputs (concatenated, golden layout) are written at their offsets before
// step 0 and the outputs read from the arena after the last step.
ArenaRun runInArena(const LegalGraph& lg, const MemoryAnalysis& m, const ArenaPlan& plan,
                    const std::vector<uint8_t>& input, const ArenaExecOptions& options = {});

// The in-place kernels (ops_inplace.cpp), on raw arena bytes. Offsets are absolute in `arena`;
// the caller has checked that every region lies inside it. `operand(t)` gives the bytes of any
// other operand (weights, bias, the second input of an element-wise op), wherever it lives. Each
// returns "" on success, else what is wrong. TFLite's int8 arithmetic, as the reference kernels.
namespace inplace {

// The bytes of tensor `t` (an operand other than the one written over), or nullptr.
using Operands = std::function<const uint8_t*(int t)>;

// DEPTHWISE_CONV_2D int8, depth multiplier 1: channel by channel through `scratch` (H_in·W_in bytes).
std::string depthwise(const Graph& g, const Op& op, uint8_t* arena, int64_t input, int64_t output, int64_t scratch,
                      int64_t scratchBytes, const Operands& operands);
// CONV_2D int8 1×1 stride 1 unpadded: one pixel at a time in `order` (Forward or Backward), the
// smaller of the input and output pixel through `scratch`.
std::string pointwise(const Graph& g, const Op& op, uint8_t* arena, int64_t input, int64_t output, int64_t scratch,
                      int64_t scratchBytes, IterationOrder order, const Operands& operands);
// ADD/SUB/MUL (int8, int16, float32, int32) writing over input `operand`, elements forward; the
// other input may broadcast.
std::string elementwise(const Graph& g, const Op& op, int operand, uint8_t* arena, int64_t input, int64_t output,
                        const Operands& operands);

} // namespace inplace

} // namespace ts
