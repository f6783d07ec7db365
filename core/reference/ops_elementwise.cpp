// Reference ADD, SUB, MUL (with broadcasting), MEAN and SUM, RELU, RELU6 and LEAKY_RELU, computed
// the way TFLite Micro's reference kernels compute them (default build: double rounding).
//
// Quantized ADD/SUB rescale both inputs to a common scale with 20 (int8) or 15 (int16) bits of
// headroom, add or subtract, and rescale to the output. MUL multiplies the offset inputs and
// rescales once. Integer MEAN always requantizes (even when input and output quantization are
// identical, TFLM at this version has no truncating shortcut), with 1/count folded into the output
// multiplier; SUM uses the same rescaling without it.

#include "model/shapes.h"
#include "reference/fixedpoint.h"
#include "reference/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace ts::ref {

namespace {

// ---------------------------------------------------------------------------------------------
// Broadcasting

constexpr int kMaxBroadcastRank = 6;

// Element strides of each operand against the output, right-aligned, 0 where an operand is
// broadcast along a dimension.
struct Broadcast {
    int rank = 0;
    int64_t outDims[kMaxBroadcastRank] = {};
    int64_t stride1[kMaxBroadcastRank] = {};
    int64_t stride2[kMaxBroadcastRank] = {};
    int64_t count = 1;
};

std::string planBroadcast(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                          const std::vector<int32_t>& out, Broadcast& plan)
{
    const size_t rank = std::max({a.size(), b.size(), out.size()});
    if (rank > size_t(kMaxBroadcastRank))
        return "broadcasting supports at most " + std::to_string(kMaxBroadcastRank) + " dimensions";
    plan.rank = int(rank);
    auto dimOf = [rank](const std::vector<int32_t>& s, size_t i) -> int64_t {
        const size_t pad = rank - s.size();
        return i < pad ? 1 : int64_t(s[i - pad]);
    };
    int64_t run1 = 1, run2 = 1;
    plan.count = 1;
    for (size_t k = rank; k-- > 0;) {
        const int64_t da = dimOf(a, k), db = dimOf(b, k), dout = dimOf(out, k);
        const int64_t expected = da == 1 ? db : da;
        if ((da != 1 && db != 1 && da != db) || dout != expected)
            return "shapes " + shapeString(a) + " and " + shapeString(b) + " do not broadcast to "
                + shapeString(out);
        plan.outDims[k] = dout;
        plan.stride1[k] = da == 1 ? 0 : run1;
        plan.stride2[k] = db == 1 ? 0 : run2;
        run1 *= da;
        run2 *= db;
        plan.count *= dout;
    }
    return {};
}

// Calls f(outIndex, index1, index2) for every output element in row-major order.
template <typename F>
void forEachBroadcast(const Broadcast& plan, F&& f)
{
    int64_t counter[kMaxBroadcastRank] = {};
    int64_t i1 = 0, i2 = 0;
    for (int64_t o = 0; o < plan.count; ++o) {
        f(o, i1, i2);
        for (int k = plan.rank - 1; k >= 0; --k) {
            if (++counter[k] < plan.outDims[k]) {
                i1 += plan.stride1[k];
                i2 += plan.stride2[k];
                break;
            }
            i1 -= plan.stride1[k] * (plan.outDims[k] - 1);
            i2 -= plan.stride2[k] * (plan.outDims[k] - 1);
            counter[k] = 0;
        }
    }
}

// Applies f(x, y) elementwise with broadcasting from inputs 0 and 1 to output 0.
template <typename In, typename Out, typename F>
std::string binary(Tensors& t, const Op& op, F&& f)
{
    if (op.input(0) < 0 || op.input(1) < 0 || op.outputs.empty())
        return "expects two inputs and one output";
    // Both inputs are read as In and the output written as Out: all three share input 0's type.
    const DType type = t.info(op.inputs[0]).dtype;
    if (t.info(op.inputs[1]).dtype != type || t.info(op.outputs[0]).dtype != type)
        return "mixed input and output types are not supported";
    if (dtypeSize(type) != int(sizeof(In)) || sizeof(In) != sizeof(Out))
        return std::string("elements of type ") + dtypeName(type) + " do not match the kernel";
    Broadcast plan;
    if (auto e = planBroadcast(t.info(op.inputs[0]).shape, t.info(op.inputs[1]).shape,
                               t.info(op.outputs[0]).shape, plan);
        !e.empty())
        return e;
    const In* a = t.in<In>(op.inputs[0]);
    const In* b = t.in<In>(op.inputs[1]);
    Out* out = t.out<Out>(op.outputs[0]);
    forEachBroadcast(plan, [&](int64_t o, int64_t i1, int64_t i2) { out[o] = f(a[i1], b[i2]); });
    return {};
}

// Integer wrap-around arithmetic (TFLite's int32 kernels overflow silently).
inline int32_t wrapAdd(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t wrapSub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
inline int32_t wrapMul(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }

// TFLite's CalculateActivationRange for int32 outputs.
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

template <typename T>
T clampMinMax(T v, T lo, T hi)
{
    return std::min(std::max(v, lo), hi);
}

std::string needScales(const Tensor& a, const Tensor& b, const Tensor& y)
{
    if (a.quant.scale.empty() || b.quant.scale.empty() || y.quant.scale.empty())
        return "quantized operands need a scale";
    return {};
}

// ---------------------------------------------------------------------------------------------
// ADD and SUB

struct AddSubParams {
    int leftShift = 20;
    int32_t offset1 = 0, offset2 = 0, outOffset = 0;
    int32_t mult1 = 0, mult2 = 0, multOut = 0;
    int shift1 = 0, shift2 = 0, shiftOut = 0;
    int32_t lo = 0, hi = 0;
};

// ADD prepares its multipliers in double, SUB in float (as TFLM's add_common.cc / sub_common.cc).
AddSubParams addSubParams(const Tensor& a, const Tensor& b, const Tensor& y, Activation act, bool isSub)
{
    AddSubParams p;
    p.leftShift = y.dtype == DType::Int16 ? 15 : 20;
    p.offset1 = -zeroPointOf(a);
    p.offset2 = -zeroPointOf(b);
    p.outOffset = zeroPointOf(y);
    const float s1 = scaleOf(a), s2 = scaleOf(b), so = scaleOf(y);
    double real1, real2, realOut;
    if (isSub) {
        const float twiceMax = 2 * std::max(s1, s2);
        real1 = double(s1 / twiceMax);
        real2 = double(s2 / twiceMax);
        realOut = double(twiceMax / (float(1 << p.leftShift) * so));
    } else {
        const double twiceMax = 2 * double(std::max(s1, s2));
        real1 = double(s1) / twiceMax;
        real2 = double(s2) / twiceMax;
        realOut = twiceMax / (double(1 << p.leftShift) * double(so));
    }
    quantizeMultiplierSmallerThanOneExp(real1, &p.mult1, &p.shift1);
    quantizeMultiplierSmallerThanOneExp(real2, &p.mult2, &p.shift2);
    quantizeMultiplierSmallerThanOneExp(realOut, &p.multOut, &p.shiftOut);
    activationRange(act, y, &p.lo, &p.hi);
    return p;
}

template <typename T>
std::string addSubQuantized(Tensors& t, const Op& op, bool isSub)
{
    if (op.input(0) < 0 || op.input(1) < 0 || op.outputs.empty())
        return "expects two inputs and one output";
    const Tensor& a = t.info(op.inputs[0]);
    const Tensor& b = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (auto e = needScales(a, b, y); !e.empty())
        return e;
    if (a.dtype != y.dtype || b.dtype != y.dtype)
        return "mixed input and output types are not supported";
    const AddSubParams p = addSubParams(a, b, y, op.activation(), isSub);
    return binary<T, T>(t, op, [&p, isSub](T x1, T x2) {
        const int32_t shifted1 = (p.offset1 + int32_t(x1)) * (1 << p.leftShift);
        const int32_t shifted2 = (p.offset2 + int32_t(x2)) * (1 << p.leftShift);
        const int32_t scaled1 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, p.mult1, p.shift1);
        const int32_t scaled2 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, p.mult2, p.shift2);
        const int32_t raw = isSub ? subWrap(scaled1, scaled2) : addWrap(scaled1, scaled2);
        const int32_t out = addWrap(multiplyByQuantizedMultiplierSmallerThanOneExp(raw, p.multOut, p.shiftOut), p.outOffset);
        return T(std::clamp(out, p.lo, p.hi));
    });
}

std::string addInt8(Tensors& t, const Op& op) { return addSubQuantized<int8_t>(t, op, false); }
std::string addInt16(Tensors& t, const Op& op) { return addSubQuantized<int16_t>(t, op, false); }
std::string subInt8(Tensors& t, const Op& op) { return addSubQuantized<int8_t>(t, op, true); }
std::string subInt16(Tensors& t, const Op& op) { return addSubQuantized<int16_t>(t, op, true); }

std::string addFloat(Tensors& t, const Op& op)
{
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);
    return binary<float, float>(t, op, [lo, hi](float x, float y) { return clampMinMax(x + y, lo, hi); });
}

std::string subFloat(Tensors& t, const Op& op)
{
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);
    return binary<float, float>(t, op, [lo, hi](float x, float y) { return clampMinMax(x - y, lo, hi); });
}

// TFLM's int32 ADD ignores the fused activation (clamps to the full int32 range).
std::string addInt32(Tensors& t, const Op& op)
{
    return binary<int32_t, int32_t>(t, op, [](int32_t x, int32_t y) { return wrapAdd(x, y); });
}

std::string subInt32(Tensors& t, const Op& op)
{
    int32_t lo, hi;
    activationRangeInt32(op.activation(), &lo, &hi);
    return binary<int32_t, int32_t>(t, op,
                                    [lo, hi](int32_t x, int32_t y) { return clampMinMax(wrapSub(x, y), lo, hi); });
}

// ---------------------------------------------------------------------------------------------
// MUL

template <typename T>
std::string mulQuantized(Tensors& t, const Op& op)
{
    if (op.input(0) < 0 || op.input(1) < 0 || op.outputs.empty())
        return "expects two inputs and one output";
    const Tensor& a = t.info(op.inputs[0]);
    const Tensor& b = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (auto e = needScales(a, b, y); !e.empty())
        return e;
    if (a.dtype != y.dtype || b.dtype != y.dtype)
        return "mixed input and output types are not supported";
    const int32_t offset1 = -zeroPointOf(a), offset2 = -zeroPointOf(b), outOffset = zeroPointOf(y);
    if (std::is_same<T, int16_t>::value && (offset1 != 0 || offset2 != 0 || outOffset != 0))
        return "int16 MUL needs zero points of 0";
    int32_t mult = 0;
    int shift = 0;
    quantizeMultiplier(double(scaleOf(a)) * double(scaleOf(b)) / double(scaleOf(y)), &mult, &shift);
    int32_t lo, hi;
    activationRange(op.activation(), y, &lo, &hi);
    return binary<T, T>(t, op, [=](T x1, T x2) {
        const int32_t product = (offset1 + int32_t(x1)) * (offset2 + int32_t(x2));
        const int32_t out = addWrap(outOffset, multiplyByQuantizedMultiplier(product, mult, shift));
        return T(std::clamp(out, lo, hi));
    });
}

std::string mulInt8(Tensors& t, const Op& op) { return mulQuantized<int8_t>(t, op); }
std::string mulInt16(Tensors& t, const Op& op) { return mulQuantized<int16_t>(t, op); }

std::string mulFloat(Tensors& t, const Op& op)
{
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);
    return binary<float, float>(t, op, [lo, hi](float x, float y) { return clampMinMax(x * y, lo, hi); });
}

std::string mulInt32(Tensors& t, const Op& op)
{
    int32_t lo, hi;
    activationRangeInt32(op.activation(), &lo, &hi);
    return binary<int32_t, int32_t>(t, op,
                                    [lo, hi](int32_t x, int32_t y) { return clampMinMax(wrapMul(x, y), lo, hi); });
}

// ---------------------------------------------------------------------------------------------
// MEAN and SUM

// The reduction of one op: for every input element (row-major) the output element it falls in.
struct Reduction {
    std::vector<int64_t> outIndexOf; // per input element
    int64_t outputs = 0;
    int64_t perOutput = 1; // input elements reduced into each output element
};

std::string planReduction(Tensors& t, const Op& op, Reduction& r)
{
    if (op.input(0) < 0 || op.input(1) < 0 || op.outputs.empty())
        return "expects an input, an axis tensor and one output";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& axisTensor = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    std::vector<int64_t> axes;
    if (auto c = constantInts(axisTensor)) {
        axes = *c;
    } else if (axisTensor.dtype == DType::Int32) {
        const int64_t n = elements(axisTensor);
        const int32_t* v = t.in<int32_t>(op.inputs[1]);
        axes.assign(v, v + n);
    } else {
        return "the axis tensor must be int32";
    }
    const int rank = int(x.shape.size());
    std::vector<bool> reduced(size_t(rank), false);
    for (int64_t a : axes) {
        const int64_t axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank)
            return "axis " + std::to_string(a) + " is out of range for " + shapeString(x.shape);
        reduced[size_t(axis)] = true;
    }
    // Output strides over the kept dimensions, in order.
    std::vector<int64_t> stride(size_t(rank), 0);
    int64_t run = 1;
    r.perOutput = 1;
    for (int k = rank - 1; k >= 0; --k) {
        if (reduced[size_t(k)]) {
            r.perOutput *= x.shape[size_t(k)];
        } else {
            stride[size_t(k)] = run;
            run *= x.shape[size_t(k)];
        }
    }
    r.outputs = run;
    if (elements(y) != r.outputs)
        return "output " + shapeString(y.shape) + " does not match the reduction of " + shapeString(x.shape);
    const int64_t n = elements(x);
    r.outIndexOf.resize(size_t(n));
    std::vector<int64_t> counter(size_t(rank), 0);
    int64_t o = 0;
    for (int64_t i = 0; i < n; ++i) {
        r.outIndexOf[size_t(i)] = o;
        for (int k = rank - 1; k >= 0; --k) {
            if (++counter[size_t(k)] < x.shape[size_t(k)]) {
                o += stride[size_t(k)];
                break;
            }
            o -= stride[size_t(k)] * (x.shape[size_t(k)] - 1);
            counter[size_t(k)] = 0;
        }
    }
    return {};
}

// Wrapping int32 sums of the input per output element.
template <typename T>
std::vector<int32_t> integerSums(const Reduction& r, const T* in)
{
    std::vector<int32_t> sums(size_t(r.outputs), 0);
    for (size_t i = 0; i < r.outIndexOf.size(); ++i) {
        int32_t& s = sums[size_t(r.outIndexOf[i])];
        s = wrapAdd(s, int32_t(in[i]));
    }
    return sums;
}

// TFLite's QuantizedMeanOrSum: rescale (sum - zp_in * count) by scale_in / scale_out, for a mean
// with 1/count folded into the multiplier.
template <typename T>
void quantizedMeanOrSum(const Reduction& r, const std::vector<int32_t>& sums, const Tensor& x, const Tensor& y,
                        bool computeSum, T* out)
{
    int32_t mult = 0;
    int shift = 0;
    quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &mult, &shift);
    const int64_t count = r.perOutput;
    if (count == 0) {
        std::fill(out, out + r.outputs, T(0));
        return;
    }
    if (!computeSum) {
        int extra = 0;
        while ((uint64_t(count) >> (extra + 1)) != 0)
            ++extra; // floor(log2(count))
        extra = std::min(extra, 32);
        extra = std::min(extra, 31 + shift);
        mult = int32_t((int64_t(mult) * (int64_t(1) << extra)) / count);
        shift -= extra;
    }
    const int32_t inZp = zeroPointOf(x), outZp = zeroPointOf(y);
    for (int64_t o = 0; o < r.outputs; ++o) {
        const auto shifted = int32_t(int64_t(sums[size_t(o)]) - int64_t(inZp) * count);
        const int32_t v = addWrap(multiplyByQuantizedMultiplier(shifted, mult, shift), outZp);
        out[o] = clampTo<T>(v);
    }
}

template <typename T>
std::string reduceQuantized(Tensors& t, const Op& op, bool computeSum)
{
    Reduction r;
    if (auto e = planReduction(t, op, r); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (x.dtype != y.dtype)
        return "mixed input and output types are not supported";
    if (x.quant.scale.empty() || y.quant.scale.empty())
        return "quantized operands need a scale";
    const std::vector<int32_t> sums = integerSums(r, t.in<T>(op.inputs[0]));
    T* out = t.out<T>(op.outputs[0]);
    quantizedMeanOrSum(r, sums, x, y, computeSum, out);
    return {};
}

std::string meanInt8(Tensors& t, const Op& op) { return reduceQuantized<int8_t>(t, op, false); }
std::string meanInt16(Tensors& t, const Op& op) { return reduceQuantized<int16_t>(t, op, false); }
std::string sumInt8(Tensors& t, const Op& op) { return reduceQuantized<int8_t>(t, op, true); }
std::string sumInt16(Tensors& t, const Op& op) { return reduceQuantized<int16_t>(t, op, true); }

std::string reduceFloat(Tensors& t, const Op& op, bool computeSum)
{
    Reduction r;
    if (auto e = planReduction(t, op, r); !e.empty())
        return e;
    if (t.info(op.outputs[0]).dtype != DType::Float32)
        return "float32 input needs a float32 output";
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    std::fill(out, out + r.outputs, 0.0f);
    for (size_t i = 0; i < r.outIndexOf.size(); ++i)
        out[r.outIndexOf[i]] += in[i];
    if (!computeSum && r.perOutput > 0)
        for (int64_t o = 0; o < r.outputs; ++o)
            out[o] = out[o] / float(r.perOutput);
    return {};
}

std::string meanFloat(Tensors& t, const Op& op) { return reduceFloat(t, op, false); }
std::string sumFloat(Tensors& t, const Op& op) { return reduceFloat(t, op, true); }

// ---------------------------------------------------------------------------------------------
// RELU, RELU6, LEAKY_RELU

template <typename T>
std::string checkUnary(Tensors& t, const Op& op)
{
    if (op.input(0) < 0 || op.outputs.empty())
        return "expects one input and one output";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (x.dtype != y.dtype)
        return "mixed input and output types are not supported";
    if (elements(x) != elements(y))
        return "input " + shapeString(x.shape) + " and output " + shapeString(y.shape) + " differ in size";
    if (!std::is_floating_point<T>::value && (x.quant.scale.empty() || y.quant.scale.empty()))
        return "quantized operands need a scale";
    return {};
}

// Requantizes from the input to the output scale, clamped below at the output's zero.
template <typename T>
std::string reluQuantized(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<T>(t, op); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    int32_t mult = 0;
    int shift = 0;
    quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &mult, &shift);
    const int32_t inZp = zeroPointOf(x), outZp = zeroPointOf(y);
    const int32_t lo = std::max(int32_t(std::numeric_limits<T>::min()), outZp);
    const int32_t hi = std::numeric_limits<T>::max();
    const T* in = t.in<T>(op.inputs[0]);
    T* out = t.out<T>(op.outputs[0]);
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        int32_t v = addWrap(outZp, multiplyByQuantizedMultiplier(int32_t(in[i]) - inZp, mult, shift));
        v = std::min(hi, std::max(lo, v));
        out[i] = T(v);
    }
    return {};
}

// TFLM's RELU6 on integers clamps in the input's quantization (no rescaling).
template <typename T>
std::string relu6Quantized(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<T>(t, op); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const int32_t zp = zeroPointOf(x);
    const float ratio = 6.0f / scaleOf(x);
    // In float as TFLM computes it, bounded before the conversion (a tiny scale gives a huge six).
    const float six = std::round(ratio) + float(zp);
    const auto six32 = std::isnan(six) ? zp : int32_t(std::clamp(six, -2147483648.0f, 2147483520.0f));
    const T lower = clampTo<T>(zp);
    const T upper = clampTo<T>(six32);
    const T* in = t.in<T>(op.inputs[0]);
    T* out = t.out<T>(op.outputs[0]);
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        const T v = in[i];
        out[i] = v > upper ? upper : v < lower ? lower : v;
    }
    return {};
}

std::string reluFloat(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<float>(t, op); !e.empty())
        return e;
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    const int64_t n = elements(t.info(op.inputs[0]));
    for (int64_t i = 0; i < n; ++i)
        out[i] = in[i] < 0.0f ? 0.0f : in[i];
    return {};
}

std::string relu6Float(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<float>(t, op); !e.empty())
        return e;
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    const int64_t n = elements(t.info(op.inputs[0]));
    for (int64_t i = 0; i < n; ++i) {
        const float v = in[i];
        out[i] = v > 6.0f ? 6.0f : v < 0.0f ? 0.0f : v;
    }
    return {};
}

float leakyAlpha(const Op& op)
{
    const auto* o = std::get_if<LeakyReluOptions>(&op.options);
    return o ? o->alpha : 0.0f;
}

template <typename T>
std::string leakyReluQuantized(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<T>(t, op); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    const float alpha = leakyAlpha(op);
    int32_t multAlpha = 0, multIdentity = 0;
    int shiftAlpha = 0, shiftIdentity = 0;
    quantizeMultiplier(double(scaleOf(x) * alpha / scaleOf(y)), &multAlpha, &shiftAlpha);
    quantizeMultiplier(double(scaleOf(x) / scaleOf(y)), &multIdentity, &shiftIdentity);
    const int32_t inZp = zeroPointOf(x), outZp = zeroPointOf(y);
    const T* in = t.in<T>(op.inputs[0]);
    T* out = t.out<T>(op.outputs[0]);
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t v = int32_t(in[i]) - inZp;
        const int32_t scaled = v >= 0 ? multiplyByQuantizedMultiplier(v, multIdentity, shiftIdentity)
                                      : multiplyByQuantizedMultiplier(v, multAlpha, shiftAlpha);
        out[i] = clampTo<T>(addWrap(outZp, scaled));
    }
    return {};
}

std::string leakyReluFloat(Tensors& t, const Op& op)
{
    if (auto e = checkUnary<float>(t, op); !e.empty())
        return e;
    const float alpha = leakyAlpha(op);
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    const int64_t n = elements(t.info(op.inputs[0]));
    for (int64_t i = 0; i < n; ++i)
        out[i] = in[i] > 0.0f ? in[i] : in[i] * alpha;
    return {};
}

} // namespace

void registerElementwiseKernels(KernelTable& t)
{
    t.add(OpKind::Add, DType::Int8, addInt8);
    t.add(OpKind::Add, DType::Int16, addInt16);
    t.add(OpKind::Add, DType::Float32, addFloat);
    t.add(OpKind::Add, DType::Int32, addInt32);

    t.add(OpKind::Sub, DType::Int8, subInt8);
    t.add(OpKind::Sub, DType::Int16, subInt16);
    t.add(OpKind::Sub, DType::Float32, subFloat);
    t.add(OpKind::Sub, DType::Int32, subInt32);

    t.add(OpKind::Mul, DType::Int8, mulInt8);
    t.add(OpKind::Mul, DType::Int16, mulInt16);
    t.add(OpKind::Mul, DType::Float32, mulFloat);
    t.add(OpKind::Mul, DType::Int32, mulInt32);

    t.add(OpKind::Mean, DType::Int8, meanInt8);
    t.add(OpKind::Mean, DType::Int16, meanInt16);
    t.add(OpKind::Mean, DType::Float32, meanFloat);
    t.add(OpKind::Sum, DType::Int8, sumInt8);
    t.add(OpKind::Sum, DType::Int16, sumInt16);
    t.add(OpKind::Sum, DType::Float32, sumFloat);

    t.add(OpKind::Relu, DType::Int8, reluQuantized<int8_t>);
    t.add(OpKind::Relu, DType::Int16, reluQuantized<int16_t>);
    t.add(OpKind::Relu, DType::Float32, reluFloat);
    t.add(OpKind::Relu6, DType::Int8, relu6Quantized<int8_t>);
    t.add(OpKind::Relu6, DType::Int16, relu6Quantized<int16_t>);
    t.add(OpKind::Relu6, DType::Float32, relu6Float);
    t.add(OpKind::LeakyRelu, DType::Int8, leakyReluQuantized<int8_t>);
    t.add(OpKind::LeakyRelu, DType::Int16, leakyReluQuantized<int16_t>);
    t.add(OpKind::LeakyRelu, DType::Float32, leakyReluFloat);
}

} // namespace ts::ref
