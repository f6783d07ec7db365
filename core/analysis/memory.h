#pragma once
// Memory analysis for one op order: tensor lifetimes, the buffers the arena must hold (aliases and
// in-place outputs share their input's buffer, whose size may shrink over time), per-step working
// sets by role, kernel scratch, and the order's lower bound (the largest working set).

#include "common/diagnostic.h"
#include "kernels/contracts.h"
#include "passes/legalize.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct MemoryOptions {
    // Which in-place kernels may be used (kernels/contracts.h): TinyEngine-style int8 depthwise,
    // 1×1 convolutions that shrink or expand the channels, and element-wise ADD/SUB/MUL, each only
    // where its input dies at that step.
    InplaceSwitches inplace;
    // Every kind of in-place execution on or off at once (TFLM has none).
    void setInplace(bool on) { inplace.setAll(on); }
    int alignment = 16;           // every buffer size is rounded up to this (TFLM uses 16)
    // Variable tensors (SVDF/LSTM state) live for the whole invocation. TinyStudio plans them in
    // the arena; TFLM allocates them persistently outside its planned head, so its view omits them.
    bool planVariables = true;
    // Tensors held outside the planned arena (patch stage 1: the full split tensor and a resident
    // input frame are accounted separately).
    std::vector<int> external;
};

// A span of steps (inclusive) during which a buffer has one size.
struct Segment {
    int first = 0, last = 0;
    int64_t size = 0;
};

struct PlanBuffer {
    enum class Kind { Tensor, Scratch };
    Kind kind = Kind::Tensor;
    std::vector<int> tensors;      // tensors stored here: the root first, then aliases / in-place outputs
    int scratchStep = -1;          // for scratch buffers: the step that uses it
    std::vector<Segment> segments; // consecutive in time; sizes aligned
    std::string label;
    // Whether the buffer may keep its tensors end-aligned ("tail"): false when an in-place kernel
    // in it has no variant for the tail placement (kernels/contracts.h). Head is always allowed.
    bool tailAllowed = true;

    int first() const { return segments.front().first; }
    int last() const { return segments.back().last; }
    int64_t maxSize() const;
    int64_t sizeAt(int step) const; // 0 when not live
};

struct StepUse {
    int op = -1;             // op index (in the legal graph) executed at this step
    int64_t inputs = 0;      // buffers holding the op's non-constant inputs
    int64_t outputs = 0;     // buffers holding its outputs (0 for an in-place output)
    int64_t other = 0;       // everything else live across the step
    int64_t scratch = 0;     // the op's kernel scratch
    bool inplace = false;
    std::vector<int> live;   // buffer indices live at this step

    int64_t total() const { return inputs + outputs + other + scratch; }
};

// An op that writes its output over one of its inputs.
struct InplaceStep {
    int step = -1;
    int op = -1;        // op index in the legal graph
    InplaceKind kind = InplaceKind::None;
    int operand = 0;    // the input operand it overwrites
    int input = -1, output = -1; // tensors
    int buffer = -1;
};

struct MemoryAnalysis {
    std::vector<int> order;          // op index per step
    std::vector<PlanBuffer> buffers;
    std::vector<StepUse> steps;
    std::vector<int> tensorBuffer;   // per tensor: its buffer index, or -1
    std::vector<int> firstUse, lastUse; // per tensor, in steps; -1 where not live
    int64_t lowerBound = 0;          // max over steps of the working set
    int peakStep = -1;
    int alignment = 16;
    std::vector<InplaceStep> inplace; // in step order
    int64_t unplannedVariableBytes = 0; // variable tensors left out when !planVariables
};

// Topological order of the legal graph's ops as stored (TFLite files are already ordered).
std::vector<int> storedOrder(const LegalGraph& lg);

// Checks that `order` runs every op once after its producers. Empty string when valid.
std::string checkOrder(const LegalGraph& lg, const std::vector<int>& order);

Result<MemoryAnalysis> analyzeMemory(const LegalGraph& lg, const std::vector<int>& order, const MemoryOptions& options);

int64_t alignUp(int64_t bytes, int alignment);

// A tensor's planned size: its bytes rounded up to the analysis's alignment.
int64_t alignedTensorBytes(const Graph& g, int tensor, int alignment);

} // namespace ts
