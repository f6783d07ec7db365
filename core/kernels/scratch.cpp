#include "kernels/scratch.h"

#include <algorithm>

namespace ts {

namespace {
// TFLite's SAME padding: total = max((out - 1) * stride + effective_kernel - in, 0), the smaller
// half before.
std::pair<int, int> samePad(int in, int kernel, int stride, int dilation)
{
    const int out = (in + stride - 1) / stride;
    const int effective = (kernel - 1) * dilation + 1;
    const int total = std::max((out - 1) * stride + effective - in, 0);
    return {total / 2, total - total / 2};
}
} // namespace

ExplicitPad effectivePadding(const Graph& g, const Op& op)
{
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* w = g.tensor(op.input(1));
    ExplicitPad pad;
    Padding mode = Padding::Valid;
    int sh = 1, sw = 1, dh = 1, dw = 1, kh = 1, kw = 1;
    if (const auto* c = std::get_if<Conv2DOptions>(&op.options)) {
        pad = c->pad;
        mode = c->padding;
        sh = c->strideH, sw = c->strideW, dh = c->dilationH, dw = c->dilationW;
    } else if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&op.options)) {
        pad = d->pad;
        mode = d->padding;
        sh = d->strideH, sw = d->strideW, dh = d->dilationH, dw = d->dilationW;
    } else if (const auto* p = std::get_if<Pool2DOptions>(&op.options)) {
        pad = p->pad;
        mode = p->padding;
        sh = p->strideH, sw = p->strideW, kh = p->filterH, kw = p->filterW;
    } else {
        return pad;
    }
    if (w && w->shape.size() == 4 && !std::holds_alternative<Pool2DOptions>(op.options)) {
        kh = w->shape[1];
        kw = w->shape[2];
    }
    if (mode == Padding::Same && x && x->shape.size() == 4 && sh > 0 && sw > 0) {
        const auto [t, b] = samePad(x->shape[1] + pad.top + pad.bottom, kh, sh, dh);
        const auto [l, r] = samePad(x->shape[2] + pad.left + pad.right, kw, sw, dw);
        pad.top += t, pad.bottom += b, pad.left += l, pad.right += r;
    }
    return pad;
}

KernelScratch kernelScratch(const Graph& g, const Op& op, InplaceKind inPlace)
{
    if (inPlace != InplaceKind::None)
        return {inplaceScratchBytes(g, op, inPlace), inplaceScratchWhat(inPlace), {}};
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* w = g.tensor(op.input(1));
    switch (op.kind) {
    case OpKind::Conv2D: {
        if (!x || !w || w->shape.size() != 4 || x->dtype != DType::Int8)
            return {};
        const auto* o = std::get_if<Conv2DOptions>(&op.options);
        const bool pointwise = w->shape[1] == 1 && w->shape[2] == 1 && o && o->strideH == 1 && o->strideW == 1
            && !effectivePadding(g, op).any() && x->shape.size() == 4 && w->shape[3] == x->shape[3];
        if (pointwise) {
            // Each pixel pair widened once to int16 and reused by every output channel.
            const int64_t pixels = int64_t(x->shape[0]) * x->shape[1] * x->shape[2];
            return KernelScratch{(pixels >= 2 ? 4 : 2) * int64_t(x->shape[3]), "int16 copy of 2 input pixels (1×1)", {}};
        }
        // im2col for two output pixels at a time, widened to int16 for the dual 16-bit MAC.
        return {int64_t(2) * w->shape[1] * w->shape[2] * w->shape[3] * 2, "im2col of 2 output pixels (int16)", {}};
    }
    case OpKind::Mean:
    case OpKind::Sum:
        // TinyStudio's reduction kernel produces one output element at a time with its int32
        // accumulator in a register (TFLM's reference kernel keeps one per output element instead).
        return {0, "accumulates in a register", {}};
    case OpKind::Svdf: {
        // int8 SVDF: int32 feature-matmul results per filter and int32 per output unit.
        const Tensor* y = op.outputs.empty() ? nullptr : g.tensor(op.outputs[0]);
        if (!x || !w || !y || x->dtype != DType::Int8 || x->shape.size() != 2 || w->shape.size() != 2
            || y->shape.size() != 2)
            return {};
        const int64_t filters = int64_t(x->shape[0]) * w->shape[0] * 4;
        const int64_t units = int64_t(x->shape[0]) * y->shape[1] * 4;
        return {filters + units, "int32 per filter and per output unit", {filters, units}};
    }
    default:
        return {};
    }
}

} // namespace ts
