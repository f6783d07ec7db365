#include "kernels/contracts.h"

#include "kernels/scratch.h"
#include "ts_depthwise.h"

#include <algorithm>

namespace ts {

const char* inplaceKindName(InplaceKind k)
{
    switch (k) {
    case InplaceKind::None: return "none";
    case InplaceKind::Depthwise: return "depthwise";
    case InplaceKind::PointwiseShrink: return "pointwise-shrink";
    case InplaceKind::PointwiseExpand: return "pointwise-expand";
    case InplaceKind::Elementwise: return "elementwise";
    }
    return "none";
}

const char* iterationOrderName(IterationOrder o)
{
    switch (o) {
    case IterationOrder::Forward: return "forward";
    case IterationOrder::Backward: return "backward";
    case IterationOrder::ChannelByChannel: return "channel-by-channel";
    }
    return "forward";
}

bool InplaceSwitches::allows(InplaceKind k) const
{
    switch (k) {
    case InplaceKind::Depthwise: return depthwise;
    case InplaceKind::PointwiseShrink: return pointwiseShrink;
    case InplaceKind::PointwiseExpand: return pointwiseExpand;
    case InplaceKind::Elementwise: return elementwise;
    case InplaceKind::None: return false;
    }
    return false;
}

const std::vector<InplaceRule>& inplaceRules()
{
    static const std::vector<InplaceRule> rules{
        {InplaceKind::Depthwise, "DEPTHWISE_CONV_2D, int8, depth multiplier 1, output no larger than input",
         "output channel c over input channel c: delta ≡ 0 (mod C), head or tail", "channel by channel",
         "one input channel (H_in·W_in bytes); small maps: its zero-point padded window, up to 256 B"},
        {InplaceKind::PointwiseShrink, "CONV_2D 1×1, stride 1, no padding, int8, Cout ≤ Cin",
         "head (delta ≤ Cin − Cout): pixels forward; tail (delta ≥ (P−1)·(Cin − Cout)): pixels backward",
         "forward or backward", "two input pixels as int16 (4·Cin bytes)"},
        {InplaceKind::PointwiseExpand, "CONV_2D 1×1, stride 1, no padding, int8, Cout > Cin",
         "head (delta ≥ Cin − Cout): pixels backward; input at the tail (delta ≤ −(P−1)·(Cout − Cin)): pixels "
         "forward",
         "backward or forward", "two input pixels as int16 (4·Cin bytes)"},
        {InplaceKind::Elementwise, "ADD, SUB, MUL over an input of the output's shape and type", "delta = 0",
         "any (forward)", "none"},
    };
    return rules;
}

namespace {

const Tensor* outputOf(const Graph& g, const Op& op) { return op.outputs.size() == 1 ? g.tensor(op.outputs[0]) : nullptr; }

// P, Cin, Cout of an in-place-capable 1×1 convolution; false when `op` is not one.
bool pointwiseGeometry(const Graph& g, const Op& op, int64_t& pixels, int64_t& cin, int64_t& cout)
{
    if (op.kind != OpKind::Conv2D || op.inputs.size() < 2)
        return false;
    const auto* o = std::get_if<Conv2DOptions>(&op.options);
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* w = g.tensor(op.input(1));
    const Tensor* y = outputOf(g, op);
    if (!o || !x || !w || !y || x->shape.size() != 4 || w->shape.size() != 4 || y->shape.size() != 4)
        return false;
    const bool ok = x->dtype == DType::Int8 && y->dtype == DType::Int8 && !x->isConstant() && !x->isVariable
        && w->shape[1] == 1 && w->shape[2] == 1 && w->shape[3] == x->shape[3] && w->shape[0] == y->shape[3]
        && o->strideH == 1 && o->strideW == 1 && !effectivePadding(g, op).any() && y->shape[1] == x->shape[1]
        && y->shape[2] == x->shape[2] && x->shape[0] == 1 && y->shape[0] == 1;
    if (!ok)
        return false;
    pixels = int64_t(x->shape[1]) * x->shape[2];
    cin = x->shape[3];
    cout = y->shape[3];
    return pixels > 0 && cin > 0 && cout > 0;
}

bool depthwiseOk(const Graph& g, const Op& op)
{
    if (op.kind != OpKind::DepthwiseConv2D || op.inputs.empty())
        return false;
    const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options);
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* y = outputOf(g, op);
    if (!o || !x || !y || x->shape.size() != 4 || y->shape.size() != 4)
        return false;
    // Output pixels never outnumber input pixels, and channel c only overwrites channel c.
    return x->dtype == DType::Int8 && y->dtype == DType::Int8 && x->shape[3] == y->shape[3] && x->shape[3] > 0
        && x->shape[0] == 1 && y->shape[0] == 1 && y->shape[1] <= x->shape[1] && y->shape[2] <= x->shape[2]
        && !x->isConstant() && !x->isVariable;
}

} // namespace

InplaceKind inplaceKind(const Graph& g, const Op& op, int operand)
{
    if (operand < 0 || size_t(operand) >= op.inputs.size())
        return InplaceKind::None;
    if (op.kind == OpKind::DepthwiseConv2D)
        return operand == 0 && depthwiseOk(g, op) ? InplaceKind::Depthwise : InplaceKind::None;
    if (op.kind == OpKind::Conv2D) {
        int64_t p = 0, cin = 0, cout = 0;
        if (operand != 0 || !pointwiseGeometry(g, op, p, cin, cout))
            return InplaceKind::None;
        return cout <= cin ? InplaceKind::PointwiseShrink : InplaceKind::PointwiseExpand;
    }
    if (op.kind == OpKind::Add || op.kind == OpKind::Sub || op.kind == OpKind::Mul) {
        const Tensor* x = g.tensor(op.input(size_t(operand)));
        const Tensor* y = outputOf(g, op);
        return x && y && !x->isConstant() && !x->isVariable && x->dtype == y->dtype && x->shape == y->shape
            ? InplaceKind::Elementwise
            : InplaceKind::None;
    }
    return InplaceKind::None;
}

std::optional<IterationOrder> inplaceOrder(const Graph& g, const Op& op, InplaceKind kind, int operand, int64_t delta)
{
    if (kind == InplaceKind::None || inplaceKind(g, op, operand) != kind)
        return std::nullopt;
    switch (kind) {
    case InplaceKind::Depthwise: {
        const int64_t c = g.tensor(op.input(0))->shape[3];
        if (delta % c == 0)
            return IterationOrder::ChannelByChannel;
        return std::nullopt;
    }
    case InplaceKind::PointwiseShrink:
    case InplaceKind::PointwiseExpand: {
        int64_t p = 0, cin = 0, cout = 0;
        pointwiseGeometry(g, op, p, cin, cout);
        // Forward: delta + (q+1)·(Cout − Cin) ≤ 0 for q = 0..P−2 (checked at both ends; linear in q).
        const bool forward = p <= 1 || (delta + (cout - cin) <= 0 && delta + (p - 1) * (cout - cin) <= 0);
        // Backward: delta ≥ q·(Cin − Cout) for q = 1..P−1.
        const bool backward = p <= 1 || (delta >= (cin - cout) && delta >= (p - 1) * (cin - cout));
        // Prefer the order that is the natural one for the kind (head placements).
        if (kind == InplaceKind::PointwiseShrink) {
            if (forward)
                return IterationOrder::Forward;
            if (backward)
                return IterationOrder::Backward;
        } else {
            if (backward)
                return IterationOrder::Backward;
            if (forward)
                return IterationOrder::Forward;
        }
        return std::nullopt;
    }
    case InplaceKind::Elementwise:
        return delta == 0 ? std::optional<IterationOrder>(IterationOrder::Forward) : std::nullopt;
    case InplaceKind::None:
        break;
    }
    return std::nullopt;
}

int64_t inplaceScratchBytes(const Graph& g, const Op& op, InplaceKind kind)
{
    switch (kind) {
    case InplaceKind::Depthwise: {
        // One input channel; on small maps the zero-point padded plane of the output's input window
        // instead when larger (ts_depthwise.h: TS_DEPTHWISE_INPLACE_SCRATCH_BYTES, the same rule).
        const Tensor* x = g.tensor(op.input(0));
        if (!x || x->shape.size() != 4)
            return 0;
        const int64_t channel = int64_t(x->shape[1]) * x->shape[2];
        const Tensor* w = op.inputs.size() > 1 ? g.tensor(op.input(1)) : nullptr;
        const Tensor* y = outputOf(g, op);
        const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options);
        if (!w || !y || !o || w->shape.size() != 4 || y->shape.size() != 4)
            return channel;
        const int64_t ph = int64_t(y->shape[1] - 1) * o->strideH + int64_t(w->shape[1] - 1) * o->dilationH + 1;
        const int64_t pw = int64_t(y->shape[2] - 1) * o->strideW + int64_t(w->shape[2] - 1) * o->dilationW + 1;
        const int64_t plane = ph * pw;
        return plane <= TS_DEPTHWISE_PLANE_MAX && plane > channel ? plane : channel;
    }
    case InplaceKind::PointwiseShrink:
    case InplaceKind::PointwiseExpand: {
        int64_t p = 0, cin = 0, cout = 0;
        if (!pointwiseGeometry(g, op, p, cin, cout))
            return 0;
        // The kernel takes pixels two at a time, each pair's input widened to int16 there before
        // any of its output is stored (one pixel: 2·Cin).
        return (p >= 2 ? 4 : 2) * cin;
    }
    case InplaceKind::Elementwise:
    case InplaceKind::None:
        break;
    }
    return 0;
}

std::string inplaceScratchWhat(InplaceKind kind)
{
    switch (kind) {
    case InplaceKind::Depthwise: return "one input channel (in-place depthwise)";
    case InplaceKind::PointwiseShrink: return "int16 copy of 2 input pixels (in-place 1×1)";
    case InplaceKind::PointwiseExpand: return "int16 copy of 2 input pixels (in-place expanding 1×1)";
    default: return {};
    }
}

} // namespace ts
