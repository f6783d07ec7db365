#pragma once
// Kernel contracts for in-place execution: the one table that says, for every op kind that may
// write its output over an input, which placements of the output relative to that input its
// kernel executes correctly, in which iteration order, and with how much scratch.
//
// The memory analysis joins an output to its input's buffer only for a kind listed here, the
// planner only chooses placements the contract allows, the views show those placements, and the
// code generator emits the kernel variant (iteration order) the contract names for the placement
// the plan chose. Placements are expressed as delta = (output's first byte) − (input's first byte),
// in bytes, within the shared buffer.
//
// Derivations (P pixels, Cin input and Cout output channels, C channels, NHWC int8):
//  * Depthwise, channel by channel: channel c of the input is copied to scratch (H_in·W_in bytes,
//    no padding: the kernel bounds-checks the border), then every output byte of channel c is
//    written at delta + p·C + c. Those bytes land on input channel (c + delta) mod C, so the
//    placement is safe exactly when delta ≡ 0 (mod C): each write then hits input channel c, which
//    is already in scratch and never read again.
//  * 1×1 convolution, pixels forward: before output pixel p is stored, input pixel p has been read
//    in full (each pixel pair is copied to scratch, widened to int16, before its outputs), so the
//    store [delta + p·Cout, delta + (p+1)·Cout) must stay clear of the unread input pixels
//    p+1..P−1, i.e. delta + (p+1)·Cout ≤ (p+1)·Cin for p = 0..P−2.
//    Cout ≤ Cin: holds for every p iff delta ≤ Cin − Cout (head placement, delta = 0, always).
//    Cout > Cin: iff delta ≤ −(P−1)·(Cout − Cin) (the input sits at the tail of the output).
//  * 1×1 convolution, pixels backward: the store of pixel p must stay clear of the unread pixels
//    0..p−1, i.e. delta + p·Cout ≥ p·Cin for p = 1..P−1.
//    Cout ≥ Cin: iff delta ≥ Cin − Cout (head placement, delta = 0, always).
//    Cout < Cin: iff delta ≥ (P−1)·(Cin − Cout) (the output sits at the tail of the input).
//  * Element-wise ADD/SUB/MUL over an input of the same shape: element i of the output depends only
//    on element i of each input, so delta = 0 is safe in any order.

#include "model/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts {

enum class InplaceKind : uint8_t {
    None,
    Depthwise,       // int8 DEPTHWISE_CONV_2D, depth multiplier 1
    PointwiseShrink, // int8 1×1 stride-1 unpadded CONV_2D, Cout ≤ Cin
    PointwiseExpand, // int8 1×1 stride-1 unpadded CONV_2D, Cout > Cin
    Elementwise,     // ADD/SUB/MUL over an input of the output's shape and type
};

enum class IterationOrder : uint8_t {
    Forward,         // pixels (or elements) in increasing address order
    Backward,        // pixels in decreasing address order
    ChannelByChannel // depthwise: one channel at a time through a channel of scratch
};

const char* inplaceKindName(InplaceKind k);     // "depthwise", "pointwise-shrink", …
const char* iterationOrderName(IterationOrder o); // "forward", "backward", "channel-by-channel"

// Which kinds the schedule allows (the document's in-place switches).
struct InplaceSwitches {
    bool depthwise = true;
    bool pointwiseShrink = true;
    bool pointwiseExpand = true;
    bool elementwise = true;
    bool allows(InplaceKind k) const;
    void setAll(bool on) { depthwise = pointwiseShrink = pointwiseExpand = elementwise = on; }
    bool operator==(const InplaceSwitches& o) const
    {
        return depthwise == o.depthwise && pointwiseShrink == o.pointwiseShrink && pointwiseExpand == o.pointwiseExpand
            && elementwise == o.elementwise;
    }
    bool operator!=(const InplaceSwitches& o) const { return !(*this == o); }
};

// One row of the contract table, in words (for the README, the views' tooltips and the tests).
struct InplaceRule {
    InplaceKind kind;
    const char* ops;       // op kinds and conditions
    const char* placement; // which deltas are safe
    const char* order;     // iteration order(s)
    const char* scratch;   // scratch the kernel needs
};
const std::vector<InplaceRule>& inplaceRules();

// The in-place kind `op` may run as over its input `operand` (shape, type and option conditions
// only; whether the input dies at that step is the memory analysis's business). None if no
// contract covers it.
InplaceKind inplaceKind(const Graph& g, const Op& op, int operand);

// The iteration order that makes the placement `delta` safe for `op` running in place as `kind`
// over input `operand`, or nothing when no kernel variant executes that placement.
std::optional<IterationOrder> inplaceOrder(const Graph& g, const Op& op, InplaceKind kind, int operand, int64_t delta);

// Scratch bytes the in-place kernel needs (0 for element-wise).
int64_t inplaceScratchBytes(const Graph& g, const Op& op, InplaceKind kind);
std::string inplaceScratchWhat(InplaceKind kind);

} // namespace ts
