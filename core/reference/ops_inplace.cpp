// In-place kernels for the arena executor: the kernel variants kernels/contracts.h names, working
// directly on the bytes of one arena (input and output share a buffer; the scratch is the plan's).
// The arithmetic is the reference kernels' (ops_conv.cpp, ops_elementwise.cpp), i.e. TFLite's:
// per-channel multipliers from input_scale × filter_scale / output_scale, MultiplyByQuantizedMultiplier
// with double rounding, the fused activation's quantized clamp range. Only the memory traffic
// differs: what is read from where, in which order, and what goes through scratch.

#include "kernels/scratch.h"
#include "reference/arena_exec.h"
#include "reference/fixedpoint.h"
#include "reference/kernel_api.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ts::inplace {

namespace {

using ref::scaleOf;
using ref::zeroPointOf;

template <typename T>
T load(const uint8_t* p, int64_t i)
{
    T v;
    std::memcpy(&v, p + i * int64_t(sizeof(T)), sizeof(T));
    return v;
}

template <typename T>
void store(uint8_t* p, int64_t i, T v)
{
    std::memcpy(p + i * int64_t(sizeof(T)), &v, sizeof(T));
}

bool isNhwc1(const Tensor* t) { return t && t->shape.size() == 4 && t->shape[0] == 1; }


// Filter and (optional) bias bytes, checked against `channels`.
std::string weightsOf(const Graph& g, const Op& op, int channels, int64_t filterElements, const Operands& operands,
                      const int8_t*& filter, const uint8_t*& bias)
{
    const Tensor* w = g.tensor(op.input(1));
    if (!w || w->dtype != DType::Int8 || w->elementCount().value_or(0) < filterElements)
        return "the filter must be int8 with " + std::to_string(filterElements) + " elements";
    filter = reinterpret_cast<const int8_t*>(operands(op.inputs[1]));
    bias = nullptr;
    if (op.input(2) >= 0) {
        const Tensor* b = g.tensor(op.inputs[2]);
        if (!b || b->dtype != DType::Int32 || b->elementCount().value_or(0) < channels)
            return "the bias must be int32 with " + std::to_string(channels) + " elements";
        bias = operands(op.inputs[2]);
    }
    if (!filter)
        return "the filter's bytes are not available";
    return {};
}

} // namespace

std::string depthwise(const Graph& g, const Op& op, uint8_t* arena, int64_t input, int64_t output, int64_t scratch,
                      int64_t scratchBytes, const Operands& operands)
{
    const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options);
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* w = g.tensor(op.input(1));
    const Tensor* y = op.outputs.size() == 1 ? g.tensor(op.outputs[0]) : nullptr;
    if (op.kind != OpKind::DepthwiseConv2D || !o || !isNhwc1(x) || !isNhwc1(y) || !w || w->shape.size() != 4
        || x->dtype != DType::Int8 || y->dtype != DType::Int8)
        return "the in-place depthwise kernel needs an int8 DEPTHWISE_CONV_2D on [1,H,W,C]";
    const int H = x->shape[1], W = x->shape[2], C = x->shape[3];
    const int Ho = y->shape[1], Wo = y->shape[2];
    const int kh = w->shape[1], kw = w->shape[2];
    // The reference kernel takes the multiplier from the options when set.
    const int depthMult = o->depthMultiplier > 0 ? o->depthMultiplier : 1;
    if (y->shape[3] != C || w->shape[3] != C || depthMult != 1)
        return "the in-place depthwise kernel needs depth multiplier 1 (C_in = C_out = filter channels)";
    if (int64_t(H) * W > scratchBytes)
        return "channel scratch of " + std::to_string(scratchBytes) + " B is smaller than one input channel ("
               + std::to_string(int64_t(H) * W) + " B)";
    const int8_t* filter = nullptr;
    const uint8_t* bias = nullptr;
    if (auto e = weightsOf(g, op, C, int64_t(kh) * kw * C, operands, filter, bias); !e.empty())
        return e;
    std::vector<int32_t> mult;
    std::vector<int> shift;
    if (auto e = ref::perChannel(*x, *w, *y, C, mult, shift); !e.empty())
        return e;
    const ExplicitPad pad = effectivePadding(g, op);
    int32_t lo, hi;
    ref::activationRange(op.activation(), *y, &lo, &hi);
    const int32_t inOffset = -zeroPointOf(*x), outOffset = zeroPointOf(*y);
    auto* sc = reinterpret_cast<int8_t*>(arena + scratch);
    for (int c = 0; c < C; ++c) {
        // Input channel c into scratch (unpadded: the border is bounds-checked below).
        for (int64_t p = 0; p < int64_t(H) * W; ++p)
            sc[p] = int8_t(arena[input + p * C + c]);
        // Output channel c over the arena: with delta ≡ 0 (mod C) every byte written is one of
        // input channel c's, already in scratch.
        for (int oy = 0; oy < Ho; ++oy)
            for (int ox = 0; ox < Wo; ++ox) {
                const int iy0 = oy * o->strideH - pad.top, ix0 = ox * o->strideW - pad.left;
                int32_t acc = 0;
                for (int fy = 0; fy < kh; ++fy)
                    for (int fx = 0; fx < kw; ++fx) {
                        const int iy = iy0 + o->dilationH * fy, ix = ix0 + o->dilationW * fx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            continue;
                        acc += int32_t(filter[(fy * kw + fx) * C + c]) * (int32_t(sc[iy * W + ix]) + inOffset);
                    }
                if (bias)
                    acc += load<int32_t>(bias, c);
                acc = ref::multiplyByQuantizedMultiplier(acc, mult[size_t(c)], shift[size_t(c)]) + outOffset;
                arena[output + (int64_t(oy) * Wo + ox) * C + c] = uint8_t(int8_t(std::clamp(acc, lo, hi)));
            }
    }
    return {};
}

std::string pointwise(const Graph& g, const Op& op, uint8_t* arena, int64_t input, int64_t output, int64_t scratch,
                      int64_t scratchBytes, IterationOrder order, const Operands& operands)
{
    const auto* o = std::get_if<Conv2DOptions>(&op.options);
    const Tensor* x = g.tensor(op.input(0));
    const Tensor* w = g.tensor(op.input(1));
    const Tensor* y = op.outputs.size() == 1 ? g.tensor(op.outputs[0]) : nullptr;
    if (op.kind != OpKind::Conv2D || !o || !isNhwc1(x) || !isNhwc1(y) || !w || w->shape.size() != 4
        || x->dtype != DType::Int8 || y->dtype != DType::Int8)
        return "the in-place pointwise kernel needs an int8 CONV_2D on [1,H,W,C]";
    const int cin = x->shape[3], cout = y->shape[3];
    if (w->shape[0] != cout || w->shape[1] != 1 || w->shape[2] != 1 || w->shape[3] != cin || o->strideH != 1
        || o->strideW != 1 || effectivePadding(g, op).any() || y->shape[1] != x->shape[1] || y->shape[2] != x->shape[2])
        return "the in-place pointwise kernel needs a 1×1, stride-1, unpadded CONV_2D";
    if (order != IterationOrder::Forward && order != IterationOrder::Backward)
        return "the in-place pointwise kernel walks pixels forward or backward";
    const int64_t pixels = int64_t(x->shape[1]) * x->shape[2];
    const bool shrink = cout <= cin;
    const int64_t need = shrink ? cout : cin;
    if (need > scratchBytes)
        return "pixel scratch of " + std::to_string(scratchBytes) + " B is smaller than one "
               + (shrink ? "output" : "input") + " pixel (" + std::to_string(need) + " B)";
    const int8_t* filter = nullptr;
    const uint8_t* bias = nullptr;
    if (auto e = weightsOf(g, op, cout, int64_t(cout) * cin, operands, filter, bias); !e.empty())
        return e;
    std::vector<int32_t> mult;
    std::vector<int> shift;
    if (auto e = ref::perChannel(*x, *w, *y, cout, mult, shift); !e.empty())
        return e;
    int32_t lo, hi;
    ref::activationRange(op.activation(), *y, &lo, &hi);
    const int32_t inOffset = -zeroPointOf(*x), outOffset = zeroPointOf(*y);
    uint8_t* sc = arena + scratch;
    auto outputChannel = [&](const uint8_t* px, int oc) {
        int32_t acc = 0;
        for (int ic = 0; ic < cin; ++ic)
            acc += int32_t(filter[int64_t(oc) * cin + ic]) * (int32_t(int8_t(px[ic])) + inOffset);
        if (bias)
            acc += load<int32_t>(bias, oc);
        acc = ref::multiplyByQuantizedMultiplier(acc, mult[size_t(oc)], shift[size_t(oc)]) + outOffset;
        return uint8_t(int8_t(std::clamp(acc, lo, hi)));
    };
    for (int64_t k = 0; k < pixels; ++k) {
        const int64_t p = order == IterationOrder::Forward ? k : pixels - 1 - k;
        uint8_t* dst = arena + output + p * cout;
        if (shrink) {
            // The output pixel is accumulated in scratch while input pixel p is read in place,
            // then stored: the store may cover input pixel p, never one not read yet.
            const uint8_t* px = arena + input + p * cin;
            for (int oc = 0; oc < cout; ++oc)
                sc[oc] = outputChannel(px, oc);
            std::memmove(dst, sc, size_t(cout));
        } else {
            // The input pixel goes to scratch first; the wider output pixel is then written over it.
            std::memmove(sc, arena + input + p * cin, size_t(cin));
            for (int oc = 0; oc < cout; ++oc)
                dst[oc] = outputChannel(sc, oc);
        }
    }
    return {};
}

namespace {

// Element strides of `operand` against `out` (right-aligned, 0 where it is broadcast).
bool broadcastStrides(const std::vector<int32_t>& operand, const std::vector<int32_t>& out, std::vector<int64_t>& stride)
{
    const size_t rank = out.size();
    if (operand.size() > rank)
        return false;
    stride.assign(rank, 0);
    int64_t run = 1;
    for (size_t k = rank; k-- > 0;) {
        const size_t pad = rank - operand.size();
        const int64_t d = k < pad ? 1 : operand[k - pad];
        if (d != 1 && d != out[k])
            return false;
        stride[k] = d == 1 ? 0 : run;
        run *= d;
    }
    return true;
}

// Calls f(i, j) for every element i of `out` (forward) with j the broadcast operand's element.
template <typename F>
void forEachElement(const std::vector<int32_t>& out, const std::vector<int64_t>& stride, F&& f)
{
    int64_t count = 1;
    for (int32_t d : out)
        count *= d;
    std::vector<int64_t> counter(out.size(), 0);
    int64_t j = 0;
    for (int64_t i = 0; i < count; ++i) {
        f(i, j);
        for (size_t k = out.size(); k-- > 0;) {
            if (++counter[k] < out[k]) {
                j += stride[k];
                break;
            }
            j -= stride[k] * (out[k] - 1);
            counter[k] = 0;
        }
    }
}

inline int32_t wrapAdd(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t wrapSub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
inline int32_t wrapMul(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }

void activationRangeInt32(Activation a, int32_t* lo, int32_t* hi)
{
    *lo = std::numeric_limits<int32_t>::lowest();
    *hi = std::numeric_limits<int32_t>::max();
    if (a == Activation::Relu) {
        *lo = 0;
    } else if (a == Activation::Relu6) {
        *lo = 0;
        *hi = 6;
    } else if (a == Activation::ReluN1To1) {
        *lo = -1;
        *hi = 1;
    }
}

// The per-element function of the op on (input 0, input 1), as ops_elementwise.cpp computes it.
template <typename T>
std::string elementFunction(const Op& op, const Tensor& a, const Tensor& b, const Tensor& y, std::function<T(T, T)>& f)
{
    const Activation act = op.activation();
    if constexpr (std::is_same_v<T, float>) {
        float lo, hi;
        ref::activationRangeFloat(act, &lo, &hi);
        auto clamp = [lo, hi](float v) { return std::min(std::max(v, lo), hi); };
        if (op.kind == OpKind::Add)
            f = [clamp](float p, float q) { return clamp(p + q); };
        else if (op.kind == OpKind::Sub)
            f = [clamp](float p, float q) { return clamp(p - q); };
        else
            f = [clamp](float p, float q) { return clamp(p * q); };
        return {};
    } else if constexpr (std::is_same_v<T, int32_t>) {
        int32_t lo, hi;
        activationRangeInt32(act, &lo, &hi);
        if (op.kind == OpKind::Add) // TFLM's int32 ADD ignores the fused activation
            f = [](int32_t p, int32_t q) { return wrapAdd(p, q); };
        else if (op.kind == OpKind::Sub)
            f = [lo, hi](int32_t p, int32_t q) { return std::clamp(wrapSub(p, q), lo, hi); };
        else
            f = [lo, hi](int32_t p, int32_t q) { return std::clamp(wrapMul(p, q), lo, hi); };
        return {};
    } else {
        if (a.quant.scale.empty() || b.quant.scale.empty() || y.quant.scale.empty())
            return "quantized operands need a scale";
        int32_t lo, hi;
        ref::activationRange(act, y, &lo, &hi);
        if (op.kind == OpKind::Mul) {
            const int32_t offset1 = -zeroPointOf(a), offset2 = -zeroPointOf(b), outOffset = zeroPointOf(y);
            if (std::is_same_v<T, int16_t> && (offset1 != 0 || offset2 != 0 || outOffset != 0))
                return "int16 MUL needs zero points of 0";
            int32_t mult = 0;
            int shift = 0;
            ref::quantizeMultiplier(double(scaleOf(a)) * double(scaleOf(b)) / double(scaleOf(y)), &mult, &shift);
            f = [=](T p, T q) {
                const int32_t product = (offset1 + int32_t(p)) * (offset2 + int32_t(q));
                return T(std::clamp(outOffset + ref::multiplyByQuantizedMultiplier(product, mult, shift), lo, hi));
            };
            return {};
        }
        // ADD prepares its multipliers in double, SUB in float (TFLM's add_common.cc / sub_common.cc).
        const bool isSub = op.kind == OpKind::Sub;
        const int leftShift = y.dtype == DType::Int16 ? 15 : 20;
        const int32_t offset1 = -zeroPointOf(a), offset2 = -zeroPointOf(b), outOffset = zeroPointOf(y);
        const float s1 = scaleOf(a), s2 = scaleOf(b), so = scaleOf(y);
        double real1, real2, realOut;
        if (isSub) {
            const float twiceMax = 2 * std::max(s1, s2);
            real1 = double(s1 / twiceMax);
            real2 = double(s2 / twiceMax);
            realOut = double(twiceMax / (float(1 << leftShift) * so));
        } else {
            const double twiceMax = 2 * double(std::max(s1, s2));
            real1 = double(s1) / twiceMax;
            real2 = double(s2) / twiceMax;
            realOut = twiceMax / (double(1 << leftShift) * double(so));
        }
        int32_t m1, m2, mo;
        int sh1, sh2, sho;
        ref::quantizeMultiplierSmallerThanOneExp(real1, &m1, &sh1);
        ref::quantizeMultiplierSmallerThanOneExp(real2, &m2, &sh2);
        ref::quantizeMultiplierSmallerThanOneExp(realOut, &mo, &sho);
        f = [=](T p, T q) {
            const int32_t shifted1 = (offset1 + int32_t(p)) * (1 << leftShift);
            const int32_t shifted2 = (offset2 + int32_t(q)) * (1 << leftShift);
            const int32_t scaled1 = ref::multiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, m1, sh1);
            const int32_t scaled2 = ref::multiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, m2, sh2);
            const int32_t raw = isSub ? scaled1 - scaled2 : scaled1 + scaled2;
            return T(std::clamp(ref::multiplyByQuantizedMultiplierSmallerThanOneExp(raw, mo, sho) + outOffset, lo, hi));
        };
        return {};
    }
}

template <typename T>
std::string elementwiseTyped(const Graph& g, const Op& op, int operand, uint8_t* arena, int64_t input, int64_t output,
                             const Operands& operands)
{
    const Tensor& a = *g.tensor(op.inputs[0]);
    const Tensor& b = *g.tensor(op.inputs[1]);
    const Tensor& y = *g.tensor(op.outputs[0]);
    const Tensor& other = operand == 0 ? b : a;
    std::vector<int64_t> stride;
    if (!broadcastStrides(other.shape, y.shape, stride))
        return "input " + shapeString(other.shape) + " does not broadcast to " + shapeString(y.shape);
    std::function<T(T, T)> f;
    if (auto e = elementFunction<T>(op, a, b, y, f); !e.empty())
        return e;
    const uint8_t* o = operands(op.inputs[size_t(1 - operand)]);
    if (!o)
        return "the other input's bytes are not available";
    const uint8_t* in = arena + input;
    uint8_t* out = arena + output;
    // Element i of the output needs element i of the input written over: forward, read then write.
    forEachElement(y.shape, stride, [&](int64_t i, int64_t j) {
        const T self = load<T>(in, i), peer = load<T>(o, j);
        store<T>(out, i, operand == 0 ? f(self, peer) : f(peer, self));
    });
    return {};
}

} // namespace

std::string elementwise(const Graph& g, const Op& op, int operand, uint8_t* arena, int64_t input, int64_t output,
                        const Operands& operands)
{
    if ((op.kind != OpKind::Add && op.kind != OpKind::Sub && op.kind != OpKind::Mul) || op.input(0) < 0
        || op.input(1) < 0 || op.outputs.size() != 1 || (operand != 0 && operand != 1))
        return "the in-place element-wise kernel needs ADD, SUB or MUL with two inputs and one output";
    const Tensor* a = g.tensor(op.inputs[0]);
    const Tensor* b = g.tensor(op.inputs[1]);
    const Tensor* y = g.tensor(op.outputs[0]);
    const Tensor* self = operand == 0 ? a : b;
    if (!a || !b || !y || a->dtype != y->dtype || b->dtype != y->dtype || self->shape != y->shape)
        return "the in-place element-wise kernel needs inputs of the output's type and the overwritten input of its shape";
    switch (y->dtype) {
    case DType::Int8: return elementwiseTyped<int8_t>(g, op, operand, arena, input, output, operands);
    case DType::Int16: return elementwiseTyped<int16_t>(g, op, operand, arena, input, output, operands);
    case DType::Float32: return elementwiseTyped<float>(g, op, operand, arena, input, output, operands);
    case DType::Int32: return elementwiseTyped<int32_t>(g, op, operand, arena, input, output, operands);
    default: break;
    }
    return std::string("no in-place element-wise kernel for ") + dtypeName(y->dtype);
}

} // namespace ts::inplace
