// Reference RESHAPE, SQUEEZE, PAD, PADV2, TRANSPOSE, CONCATENATION and RESIZE_NEAREST_NEIGHBOR: data
// movement only, for any element size.

#include "model/shapes.h"
#include "reference/fixedpoint.h"
#include "reference/registry.h"

#include <cmath>

namespace ts::ref {

namespace {

size_t elemSize(const Tensor& t) { return size_t(std::max(dtypeSize(t.dtype), 1)); }

// Element-wise copies need one element size on both sides, and a fixed one.
std::string sameElementType(const Tensor& x, const Tensor& y)
{
    if (dtypeSize(x.dtype) <= 0)
        return std::string("input of type ") + dtypeName(x.dtype) + " has no fixed element size";
    if (x.dtype != y.dtype)
        return std::string("input ") + dtypeName(x.dtype) + " and output " + dtypeName(y.dtype) + " differ in type";
    return {};
}

std::string copy(Tensors& t, const Op& op)
{
    const auto& in = t.bytes(op.inputs[0]);
    auto& out = t.bytes(op.outputs[0]);
    if (in.size() != out.size())
        return "input holds " + std::to_string(in.size()) + " bytes, output " + std::to_string(out.size());
    out = in;
    return {};
}

std::string pad(Tensors& t, const Op& op)
{
    if (op.input(1) < 0)
        return "the paddings (input 1) are missing";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    const auto p = constantInts(t.info(op.inputs[1]));
    const size_t rank = x.shape.size();
    if (!p || p->size() != 2 * rank || rank > 6)
        return "paddings must be a constant [rank, 2] tensor";
    if (auto e = sameElementType(x, y); !e.empty())
        return e;
    // Every input element lands inside the output: the output is exactly the padded input.
    bool fits = y.shape.size() == rank;
    for (size_t d = 0; fits && d < rank; ++d)
        fits = (*p)[2 * d] >= 0 && (*p)[2 * d + 1] >= 0 && int64_t(x.shape[d]) + (*p)[2 * d] + (*p)[2 * d + 1] == y.shape[d];
    if (!fits)
        return "output " + shapeString(y.shape) + " is not input " + shapeString(x.shape) + " padded by non-negative paddings";
    const size_t es = elemSize(x);
    // The fill value: PADV2's constant, else the output zero point (0 for float).
    std::vector<uint8_t> fill(es, 0);
    if (op.kind == OpKind::PadV2 && op.input(2) >= 0) {
        const auto& v = t.bytes(op.inputs[2]);
        if (v.size() >= es)
            std::copy(v.begin(), v.begin() + long(es), fill.begin());
    } else if (x.dtype == DType::Int8 || x.dtype == DType::UInt8) {
        fill[0] = uint8_t(zeroPointOf(y));
    } else if (x.dtype == DType::Int16) {
        const auto zp = int16_t(zeroPointOf(y));
        std::memcpy(fill.data(), &zp, 2);
    }
    auto& out = t.bytes(op.outputs[0]);
    const auto& in = t.bytes(op.inputs[0]);
    for (size_t i = 0; i < out.size(); i += es)
        std::memcpy(out.data() + i, fill.data(), es);
    // Walk the input; place each element at its padded position.
    std::vector<int64_t> outStride(rank, 1), idx(rank, 0);
    for (size_t d = rank; d-- > 1;)
        outStride[d - 1] = outStride[d] * y.shape[d];
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        int64_t rem = i, pos = 0;
        for (size_t d = rank; d-- > 0;) {
            idx[d] = rem % x.shape[d];
            rem /= x.shape[d];
        }
        for (size_t d = 0; d < rank; ++d)
            pos += (idx[d] + (*p)[2 * d]) * outStride[d];
        std::memcpy(out.data() + size_t(pos) * es, in.data() + size_t(i) * es, es);
    }
    return {};
}

std::string transpose(Tensors& t, const Op& op)
{
    if (op.input(1) < 0)
        return "the permutation (input 1) is missing";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    const auto perm = constantInts(t.info(op.inputs[1]));
    const size_t rank = x.shape.size();
    if (!perm || perm->size() != rank)
        return "the permutation must be a constant of the input's rank";
    std::vector<bool> seen(rank, false);
    for (int64_t a : *perm) {
        if (a < 0 || size_t(a) >= rank || seen[size_t(a)])
            return "the permutation must hold each of 0.." + std::to_string(int64_t(rank) - 1) + " once";
        seen[size_t(a)] = true;
    }
    if (auto e = sameElementType(x, y); !e.empty())
        return e;
    if (elements(y) != elements(x))
        return "output " + shapeString(y.shape) + " does not hold the " + std::to_string(elements(x)) + " elements of input "
               + shapeString(x.shape);
    const size_t es = elemSize(x);
    std::vector<int64_t> inStride(rank, 1);
    for (size_t d = rank; d-- > 1;)
        inStride[d - 1] = inStride[d] * x.shape[d];
    std::vector<int64_t> outShape(rank);
    for (size_t d = 0; d < rank; ++d)
        outShape[d] = x.shape[size_t((*perm)[d])];
    const auto& in = t.bytes(op.inputs[0]);
    auto& out = t.bytes(op.outputs[0]);
    const int64_t n = elements(x);
    std::vector<int64_t> idx(rank);
    for (int64_t o = 0; o < n; ++o) {
        int64_t rem = o, src = 0;
        for (size_t d = rank; d-- > 0;) {
            idx[d] = rem % outShape[d];
            rem /= outShape[d];
        }
        for (size_t d = 0; d < rank; ++d)
            src += idx[d] * inStride[size_t((*perm)[d])];
        std::memcpy(out.data() + size_t(o) * es, in.data() + size_t(src) * es, es);
    }
    return {};
}

std::string concatenation(Tensors& t, const Op& op)
{
    const auto* o = std::get_if<ConcatenationOptions>(&op.options);
    const Tensor& y = t.info(op.outputs[0]);
    const int rank = int(y.shape.size());
    const int axis = o ? (o->axis < 0 ? o->axis + rank : o->axis) : 0;
    if (axis < 0 || axis >= rank)
        return "axis out of range";
    const size_t es = elemSize(y);
    int64_t outer = 1, inner = es;
    for (int d = 0; d < axis; ++d)
        outer *= y.shape[size_t(d)];
    for (int d = axis + 1; d < rank; ++d)
        inner *= y.shape[size_t(d)];
    // The copy below trusts shapes: check that the inputs tile the output exactly.
    int64_t along = 0;
    for (size_t k = 0; k < op.inputs.size(); ++k) {
        if (op.inputs[k] < 0)
            return "input " + std::to_string(k) + " is omitted";
        const Tensor& x = t.info(op.inputs[k]);
        if (auto e = sameElementType(x, y); !e.empty())
            return "input " + std::to_string(k) + ": " + e;
        bool same = int(x.shape.size()) == rank;
        for (int d = 0; same && d < rank; ++d)
            same = d == axis || x.shape[size_t(d)] == y.shape[size_t(d)];
        if (!same)
            return "input " + std::to_string(k) + " " + shapeString(x.shape) + " does not match output "
                   + shapeString(y.shape) + " outside axis " + std::to_string(axis);
        along += x.shape[size_t(axis)];
    }
    if (along != y.shape[size_t(axis)])
        return "the inputs add up to " + std::to_string(along) + " along axis " + std::to_string(axis) + "; output "
               + shapeString(y.shape) + " has " + std::to_string(y.shape[size_t(axis)]);
    auto& out = t.bytes(op.outputs[0]);
    size_t pos = 0;
    for (int64_t b = 0; b < outer; ++b)
        for (int i : op.inputs) {
            const Tensor& x = t.info(i);
            if ((x.dtype == DType::Int8 || x.dtype == DType::UInt8)
                && (scaleOf(x) != scaleOf(y) || zeroPointOf(x) != zeroPointOf(y)))
                return "inputs with another quantization than the output are not supported";
            const size_t chunk = size_t(x.shape[size_t(axis)] * inner);
            std::memcpy(out.data() + pos, t.bytes(i).data() + size_t(b) * chunk, chunk);
            pos += chunk;
        }
    return {};
}

std::string resizeNearest(Tensors& t, const Op& op)
{
    const auto* o = std::get_if<ResizeOptions>(&op.options);
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    if (auto e = sameElementType(x, y); !e.empty())
        return e;
    if (os.n > is.n || os.c != is.c || (elements(y) > 0 && (is.h < 1 || is.w < 1)))
        return "output " + shapeString(y.shape) + " does not keep the batches and channels of input " + shapeString(x.shape);
    const bool align = o && o->alignCorners, half = o && o->halfPixelCenters;
    const size_t es = elemSize(x);
    auto scale = [&](int in, int out) {
        return align && out > 1 ? float(in - 1) / float(out - 1) : float(in) / float(out);
    };
    const float sy = scale(is.h, os.h), sx = scale(is.w, os.w);
    auto source = [&](int o2, float s, int in) {
        const float offset = half ? 0.5f : 0.0f;
        const float v = (float(o2) + offset) * s;
        int r = align ? int(roundHalfAway(v)) : int(std::floor(v));
        if (half)
            r = std::max(0, r);
        return std::min(r, in - 1);
    };
    const auto& in = t.bytes(op.inputs[0]);
    auto& out = t.bytes(op.outputs[0]);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox) {
                const int iy = source(oy, sy, is.h), ix = source(ox, sx, is.w);
                std::memcpy(out.data() + size_t(((b * os.h + oy) * os.w + ox) * os.c) * es,
                            in.data() + size_t(((b * is.h + iy) * is.w + ix) * is.c) * es, size_t(is.c) * es);
            }
    return {};
}

} // namespace

void registerShapeKernels(KernelTable& t)
{
    for (DType d : {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Float32}) {
        t.add(OpKind::Reshape, d, copy);
        t.add(OpKind::Squeeze, d, copy);
        t.add(OpKind::Pad, d, pad);
        t.add(OpKind::PadV2, d, pad);
        t.add(OpKind::Transpose, d, transpose);
        t.add(OpKind::Concatenation, d, concatenation);
        t.add(OpKind::ResizeNearestNeighbor, d, resizeNearest);
    }
}

} // namespace ts::ref
