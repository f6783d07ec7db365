// Reference FULLY_CONNECTED, SVDF, QUANTIZE and DEQUANTIZE, computed the way TensorFlow Lite Micro's
// reference kernels compute them (default build: double-rounding fixed-point multiplies, no
// CMSIS-NN). Multipliers are derived from the tensor scales with the same float/double steps as
// TFLM so that results agree to the bit.

#include "reference/fixedpoint.h"
#include "reference/registry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ts::ref {

namespace {

// TfLiteRound on a float: round half away from zero, computed in float.
float tfliteRound(float x) { return std::round(x); }

// The 64-bit-accumulator MultiplyByQuantizedMultiplier of TFLM's double-rounding build: the 31-bit
// multiplier is first reduced to 15 bits, then one rounding shift is applied.
int32_t multiplyByQuantizedMultiplierWide(int64_t x, int32_t quantizedMultiplier, int shift)
{
    return multiplyByQuantizedMultiplier(x, quantizedMultiplier, shift); // fixedpoint.cpp: the same, shift-checked
}

template <typename T>
constexpr int32_t lowest()
{
    return int32_t(std::numeric_limits<T>::min());
}
template <typename T>
constexpr int32_t highest()
{
    return int32_t(std::numeric_limits<T>::max());
}

std::string sizeMismatch(const char* what, int64_t have, int64_t need)
{
    return std::string(what) + " holds " + std::to_string(have) + " elements; " + std::to_string(need) + " are needed";
}

// ---------------------------------------------------------------------------------------------
// FULLY_CONNECTED

struct FcShape {
    int batches = 0, outDepth = 0, accumDepth = 0;
};

// Batches come from the output (all dimensions but the last), the accumulation depth from the last
// dimension of the weights, as in TFLite's reference FullyConnected.
std::string fcShape(const Tensor& x, const Tensor& w, const Tensor& y, FcShape& s)
{
    if (w.shape.size() < 2)
        return "weights " + shapeString(w.shape) + " must have at least two dimensions";
    if (y.shape.empty())
        return "the output has no dimensions";
    s.accumDepth = w.shape.back();
    s.outDepth = y.shape.back();
    if (s.outDepth <= 0 || s.accumDepth <= 0)
        return "empty weights " + shapeString(w.shape) + " or output " + shapeString(y.shape);
    if (s.outDepth > w.shape[w.shape.size() - 2])
        return "output " + shapeString(y.shape) + " has more units than weights " + shapeString(w.shape);
    s.batches = int(elements(y) / s.outDepth);
    if (elements(x) < int64_t(s.batches) * s.accumDepth)
        return "input " + shapeString(x.shape) + " is too small for " + std::to_string(s.batches) + " rows of "
               + std::to_string(s.accumDepth);
    return {};
}

std::string fcCommonChecks(const Tensor& w, const Op& op)
{
    if (const auto* o = std::get_if<FullyConnectedOptions>(&op.options); o && o->weightsFormat != 0)
        return "shuffled weights are not supported";
    if (w.quant.scale.empty() && w.dtype != DType::Float32)
        return "the weights have no quantization scale";
    return {};
}

std::string fullyConnectedInt8(Tensors& t, const Op& op)
{
    if (op.input(1) < 0)
        return "missing weights";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (w.dtype != DType::Int8)
        return std::string("weights of type ") + dtypeName(w.dtype) + " are not supported with int8 input";
    if (y.dtype != DType::Int8)
        return std::string("output of type ") + dtypeName(y.dtype) + " does not match the int8 input";
    if (auto e = fcCommonChecks(w, op); !e.empty())
        return e;
    FcShape s;
    if (auto e = fcShape(x, w, y, s); !e.empty())
        return e;
    const int bias = op.input(2);
    if (bias >= 0 && (t.info(bias).dtype != DType::Int32 || elements(t.info(bias)) < s.outDepth))
        return "the bias must be int32 with one value per output unit";

    const float inScale = scaleOf(x), outScale = scaleOf(y);
    const bool perChannel = w.quant.scale.size() > 1;
    std::vector<int32_t> mult(size_t(s.outDepth));
    std::vector<int> shift(size_t(s.outDepth));
    int32_t filterOffset = 0;
    if (perChannel) {
        // Per-channel weights are symmetric: the weight zero point is not applied.
        if (int64_t(w.quant.scale.size()) < s.outDepth)
            return "per-channel weights have " + std::to_string(w.quant.scale.size()) + " scales for "
                   + std::to_string(s.outDepth) + " output units";
        for (int c = 0; c < s.outDepth; ++c) {
            const double effective = double(inScale) * double(w.quant.scale[size_t(c)]) / double(outScale);
            quantizeMultiplier(effective, &mult[size_t(c)], &shift[size_t(c)]);
        }
    } else {
        // The product of input and weight scales is formed in float, as GetQuantizedConvolutionMultipler does.
        const float product = inScale * w.quant.scale[0];
        int32_t m = 0;
        int sh = 0;
        quantizeMultiplier(double(product) / double(outScale), &m, &sh);
        std::fill(mult.begin(), mult.end(), m);
        std::fill(shift.begin(), shift.end(), sh);
        filterOffset = -zeroPointOf(w);
    }
    int32_t lo, hi;
    activationRange(op.activation(), y, &lo, &hi);
    const int32_t inOffset = -zeroPointOf(x), outOffset = zeroPointOf(y);

    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    const int8_t* weights = t.in<int8_t>(op.inputs[1]);
    const int32_t* biasData = bias >= 0 ? t.in<int32_t>(bias) : nullptr;
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    for (int b = 0; b < s.batches; ++b)
        for (int o = 0; o < s.outDepth; ++o) {
            int32_t acc = 0;
            for (int d = 0; d < s.accumDepth; ++d) {
                const int32_t v = in[b * s.accumDepth + d];
                const int32_t f = weights[o * s.accumDepth + d];
                acc = addWrap(acc, (f + filterOffset) * (v + inOffset));
            }
            if (biasData)
                acc = addWrap(acc, biasData[o]);
            acc = addWrap(multiplyByQuantizedMultiplier(acc, mult[size_t(o)], shift[size_t(o)]), outOffset);
            out[b * s.outDepth + o] = int8_t(std::clamp(acc, lo, hi));
        }
    return {};
}

// int16 activations with int8 weights and int64 bias (TFLM's 16x8 path, per-tensor weights only).
std::string fullyConnectedInt16(Tensors& t, const Op& op)
{
    if (op.input(1) < 0)
        return "missing weights";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (w.dtype != DType::Int8)
        return std::string("weights of type ") + dtypeName(w.dtype) + " are not supported with int16 input";
    if (y.dtype != DType::Int16)
        return std::string("output of type ") + dtypeName(y.dtype) + " does not match the int16 input";
    if (auto e = fcCommonChecks(w, op); !e.empty())
        return e;
    if (w.quant.scale.size() > 1)
        return "per-channel weights are not supported with int16 input";
    FcShape s;
    if (auto e = fcShape(x, w, y, s); !e.empty())
        return e;
    const int bias = op.input(2);
    if (bias >= 0) {
        const Tensor& bt = t.info(bias);
        if ((bt.dtype != DType::Int64 && bt.dtype != DType::Int32) || elements(bt) < s.outDepth)
            return "the bias must be int64 (or int32) with one value per output unit";
    }

    const float product = scaleOf(x) * w.quant.scale[0];
    int32_t mult = 0;
    int shift = 0;
    quantizeMultiplier(double(product) / double(scaleOf(y)), &mult, &shift);
    int32_t lo, hi;
    activationRange(op.activation(), y, &lo, &hi);
    const int32_t filterOffset = -zeroPointOf(w);

    const int16_t* in = t.in<int16_t>(op.inputs[0]);
    const int8_t* weights = t.in<int8_t>(op.inputs[1]);
    const bool bias64 = bias >= 0 && t.info(bias).dtype == DType::Int64;
    const int64_t* bias64Data = bias64 ? t.in<int64_t>(bias) : nullptr;
    const int32_t* bias32Data = bias >= 0 && !bias64 ? t.in<int32_t>(bias) : nullptr;
    int16_t* out = t.out<int16_t>(op.outputs[0]);
    for (int b = 0; b < s.batches; ++b)
        for (int o = 0; o < s.outDepth; ++o) {
            int64_t acc = 0;
            for (int d = 0; d < s.accumDepth; ++d) {
                const int32_t v = in[b * s.accumDepth + d];
                const int32_t f = weights[o * s.accumDepth + d];
                acc += (f + filterOffset) * v;
            }
            if (bias64Data)
                acc += bias64Data[o];
            else if (bias32Data)
                acc += bias32Data[o];
            const int32_t scaled = multiplyByQuantizedMultiplierWide(acc, mult, shift);
            out[b * s.outDepth + o] = int16_t(std::clamp(scaled, lo, hi));
        }
    return {};
}

std::string fullyConnectedFloat(Tensors& t, const Op& op)
{
    if (op.input(1) < 0)
        return "missing weights";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (w.dtype != DType::Float32 || y.dtype != DType::Float32)
        return "float32 input needs float32 weights and output";
    if (auto e = fcCommonChecks(w, op); !e.empty())
        return e;
    FcShape s;
    if (auto e = fcShape(x, w, y, s); !e.empty())
        return e;
    const int bias = op.input(2);
    if (bias >= 0 && (t.info(bias).dtype != DType::Float32 || elements(t.info(bias)) < s.outDepth))
        return "the bias must be float32 with one value per output unit";
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);

    const float* in = t.in<float>(op.inputs[0]);
    const float* weights = t.in<float>(op.inputs[1]);
    const float* biasData = bias >= 0 ? t.in<float>(bias) : nullptr;
    float* out = t.out<float>(op.outputs[0]);
    for (int b = 0; b < s.batches; ++b)
        for (int o = 0; o < s.outDepth; ++o) {
            float total = 0.0f;
            for (int d = 0; d < s.accumDepth; ++d)
                total += in[b * s.accumDepth + d] * weights[o * s.accumDepth + d];
            const float biasValue = biasData ? biasData[o] : 0.0f;
            out[b * s.outDepth + o] = std::min(std::max(total + biasValue, lo), hi);
        }
    return {};
}

// ---------------------------------------------------------------------------------------------
// SVDF
//
// Inputs: 0 input [batch, inputSize], 1 feature weights [filters, inputSize], 2 time weights
// [filters, memory], 3 bias [units] (optional), 4 state [batch, memory * filters] (a variable
// tensor, updated in place). Output [batch, units], units = filters / rank.

struct SvdfShape {
    int batch = 0, inputSize = 0, filters = 0, units = 0, memory = 0, rank = 0;
};

std::string svdfShape(Tensors& t, const Op& op, SvdfShape& s)
{
    const auto* o = std::get_if<SvdfOptions>(&op.options);
    if (!o)
        return "missing SvdfOptions";
    if (op.input(0) < 0 || op.input(1) < 0 || op.input(2) < 0 || op.input(4) < 0 || op.outputs.empty())
        return "SVDF needs input, feature weights, time weights and state tensors";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& wf = t.info(op.inputs[1]);
    const Tensor& wt = t.info(op.inputs[2]);
    const Tensor& state = t.info(op.inputs[4]);
    const Tensor& y = t.info(op.outputs[0]);
    if (x.shape.size() != 2 || wf.shape.size() != 2 || wt.shape.size() != 2 || state.shape.size() != 2
        || y.shape.size() != 2)
        return "SVDF tensors must be two-dimensional";
    s.rank = o->rank;
    s.batch = x.shape[0];
    s.inputSize = x.shape[1];
    s.filters = wf.shape[0];
    s.memory = wt.shape[1];
    if (s.rank <= 0 || s.filters % s.rank != 0)
        return "rank " + std::to_string(s.rank) + " does not divide " + std::to_string(s.filters) + " filters";
    s.units = s.filters / s.rank;
    if (wf.shape[1] != s.inputSize)
        return "feature weights " + shapeString(wf.shape) + " do not match input " + shapeString(x.shape);
    if (wt.shape[0] != s.filters)
        return "time weights " + shapeString(wt.shape) + " do not match " + std::to_string(s.filters) + " filters";
    if (state.shape[0] != s.batch || state.shape[1] != s.memory * s.filters)
        return "state " + shapeString(state.shape) + " is not [" + std::to_string(s.batch) + ","
               + std::to_string(s.memory * s.filters) + "]";
    if (y.shape[0] != s.batch || y.shape[1] != s.units)
        return "output " + shapeString(y.shape) + " is not [" + std::to_string(s.batch) + "," + std::to_string(s.units)
               + "]";
    if (op.input(3) >= 0 && elements(t.info(op.inputs[3])) < s.units)
        return sizeMismatch("the bias", elements(t.info(op.inputs[3])), s.units);
    return {};
}

// Drops the oldest entry of the whole state buffer: every element moves one place to the front.
template <typename T>
void shiftStateLeft(T* state, int64_t count)
{
    for (int64_t i = 0; i + 1 < count; ++i)
        state[i] = state[i + 1];
}

// The integer SVDF; T is the type of the state and the time weights (int8 or int16). Like TFLM's
// reference kernel it applies no fused activation: the result is only clamped to int8.
template <typename T>
std::string svdfInteger(Tensors& t, const Op& op, const SvdfShape& s)
{
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& wf = t.info(op.inputs[1]);
    const Tensor& wt = t.info(op.inputs[2]);
    const Tensor& stateInfo = t.info(op.inputs[4]);
    const Tensor& y = t.info(op.outputs[0]);
    const int bias = op.input(3);
    if (bias >= 0 && t.info(bias).dtype != DType::Int32)
        return "the bias must be int32";
    if (y.dtype != DType::Int8)
        return "the output must be int8";

    // Both effective scales are formed in float and only then widened, as TFLM's PrepareSvdf does.
    const float scale1 = scaleOf(x) * scaleOf(wf) / scaleOf(stateInfo);
    const float scale2 = scaleOf(stateInfo) * scaleOf(wt) / scaleOf(y);
    int32_t mult1 = 0, mult2 = 0;
    int shift1 = 0, shift2 = 0;
    quantizeMultiplier(double(scale1), &mult1, &shift1);
    quantizeMultiplier(double(scale2), &mult2, &shift2);
    const int32_t inZp = zeroPointOf(x), stateZp = zeroPointOf(stateInfo), outZp = zeroPointOf(y);

    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    const int8_t* featureWeights = t.in<int8_t>(op.inputs[1]);
    const T* timeWeights = t.in<T>(op.inputs[2]);
    const int32_t* biasData = bias >= 0 ? t.in<int32_t>(bias) : nullptr;
    T* state = t.out<T>(op.inputs[4]);
    int8_t* out = t.out<int8_t>(op.outputs[0]);

    const int64_t perBatch = int64_t(s.filters) * s.memory;
    shiftStateLeft(state, s.batch * perBatch);

    // Feature projection: the newest column of the state (the last of each filter's memory).
    for (int b = 0; b < s.batch; ++b)
        for (int f = 0; f < s.filters; ++f) {
            int32_t dot = 0;
            for (int c = 0; c < s.inputSize; ++c)
                dot = addWrap(dot, int32_t(featureWeights[f * s.inputSize + c]) * (int32_t(in[b * s.inputSize + c]) - inZp));
            dot = multiplyByQuantizedMultiplier(dot, mult1, shift1);
            // TFLM clamps to the state type first and adds the zero point afterwards, so the sum
            // wraps around when narrowed into the state.
            dot = std::clamp(dot, lowest<T>(), highest<T>());
            state[b * perBatch + int64_t(f) * s.memory + (s.memory - 1)] = static_cast<T>(stateZp + dot);
        }

    // Time filter per filter, reduced over the rank, plus bias, rescaled to the output.
    std::vector<int32_t> filtered(size_t(s.filters));
    for (int b = 0; b < s.batch; ++b) {
        const T* stateBatch = state + b * perBatch;
        for (int f = 0; f < s.filters; ++f) {
            int32_t acc = 0;
            for (int m = 0; m < s.memory; ++m)
                acc = addWrap(acc, int32_t(timeWeights[f * s.memory + m]) * (int32_t(stateBatch[f * s.memory + m]) - stateZp));
            filtered[size_t(f)] = acc;
        }
        for (int u = 0; u < s.units; ++u) {
            int32_t acc = biasData ? biasData[u] : 0;
            for (int r = 0; r < s.rank; ++r)
                acc = addWrap(acc, filtered[size_t(u * s.rank + r)]);
            const int32_t v = addWrap(multiplyByQuantizedMultiplier(acc, mult2, shift2), outZp);
            out[b * s.units + u] = int8_t(std::clamp(v, lowest<int8_t>(), highest<int8_t>()));
        }
    }
    return {};
}

float applyActivation(Activation a, float v)
{
    switch (a) {
    case Activation::None:
        return v;
    case Activation::Relu:
        return std::max(0.0f, v);
    case Activation::ReluN1To1:
        return std::max(-1.0f, std::min(v, 1.0f));
    case Activation::Relu6:
        return std::max(0.0f, std::min(v, 6.0f));
    case Activation::Tanh:
        return std::tanh(v);
    case Activation::SignBit:
        return std::signbit(v) ? 1.0f : 0.0f;
    }
    return 0.0f;
}

std::string svdfFloat(Tensors& t, const Op& op, const SvdfShape& s)
{
    const int bias = op.input(3);
    if (t.info(op.inputs[2]).dtype != DType::Float32 || t.info(op.inputs[4]).dtype != DType::Float32
        || t.info(op.outputs[0]).dtype != DType::Float32 || (bias >= 0 && t.info(bias).dtype != DType::Float32))
        return "float32 SVDF needs float32 weights, bias, state and output";

    const float* in = t.in<float>(op.inputs[0]);
    const float* featureWeights = t.in<float>(op.inputs[1]);
    const float* timeWeights = t.in<float>(op.inputs[2]);
    const float* biasData = bias >= 0 ? t.in<float>(bias) : nullptr;
    float* state = t.out<float>(op.inputs[4]);
    float* out = t.out<float>(op.outputs[0]);

    const int64_t perBatch = int64_t(s.filters) * s.memory;
    shiftStateLeft(state, s.batch * perBatch);

    for (int b = 0; b < s.batch; ++b)
        for (int f = 0; f < s.filters; ++f) {
            float dot = 0.0f;
            for (int c = 0; c < s.inputSize; ++c)
                dot += featureWeights[f * s.inputSize + c] * in[b * s.inputSize + c];
            state[b * perBatch + int64_t(f) * s.memory + (s.memory - 1)] = dot;
        }

    const Activation act = op.activation();
    std::vector<float> filtered(size_t(s.filters));
    for (int b = 0; b < s.batch; ++b) {
        const float* stateBatch = state + b * perBatch;
        for (int f = 0; f < s.filters; ++f) {
            float acc = 0.0f;
            for (int m = 0; m < s.memory; ++m)
                acc += timeWeights[f * s.memory + m] * stateBatch[f * s.memory + m];
            filtered[size_t(f)] = acc;
        }
        for (int u = 0; u < s.units; ++u) {
            float acc = biasData ? biasData[u] : 0.0f;
            for (int r = 0; r < s.rank; ++r)
                acc += filtered[size_t(u * s.rank + r)];
            out[b * s.units + u] = applyActivation(act, acc);
        }
    }
    return {};
}

std::string svdf(Tensors& t, const Op& op)
{
    SvdfShape s;
    if (auto e = svdfShape(t, op, s); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& wf = t.info(op.inputs[1]);
    const Tensor& wt = t.info(op.inputs[2]);
    const Tensor& state = t.info(op.inputs[4]);
    if (x.dtype == DType::Float32 && wf.dtype == DType::Float32)
        return svdfFloat(t, op, s);
    if (x.dtype != DType::Int8 || wf.dtype != DType::Int8)
        return std::string("SVDF on ") + dtypeName(x.dtype) + " input with " + dtypeName(wf.dtype)
               + " feature weights is not supported";
    if (wt.dtype != state.dtype)
        return "the time weights and the state must have the same type";
    if (wt.dtype == DType::Int8)
        return svdfInteger<int8_t>(t, op, s);
    if (wt.dtype == DType::Int16)
        return svdfInteger<int16_t>(t, op, s);
    return std::string("time weights of type ") + dtypeName(wt.dtype) + " are not supported";
}

// ---------------------------------------------------------------------------------------------
// QUANTIZE and DEQUANTIZE

template <typename Out>
void affineQuantize(const float* in, Out* out, int64_t n, float scale, int32_t zeroPoint)
{
    for (int64_t i = 0; i < n; ++i) {
        const float r = tfliteRound(in[i] / scale);
        // Saturate before converting: values beyond int32 cannot come back into the output range.
        int64_t q = r >= 2147483648.0f ? int64_t(std::numeric_limits<int32_t>::max())
                    : r < -2147483648.0f ? int64_t(std::numeric_limits<int32_t>::min())
                                         : int64_t(r);
        q += zeroPoint;
        q = std::clamp<int64_t>(q, lowest<Out>(), highest<Out>());
        out[i] = Out(q);
    }
}

template <typename In, typename Out>
void requantize(const In* in, Out* out, int64_t n, int32_t mult, int shift, int32_t inZp, int32_t outZp)
{
    for (int64_t i = 0; i < n; ++i) {
        const int32_t v = addWrap(multiplyByQuantizedMultiplier(int32_t(in[i]) - inZp, mult, shift), outZp);
        out[i] = Out(std::clamp(v, lowest<Out>(), highest<Out>()));
    }
}

template <typename In>
std::string requantizeTo(Tensors& t, const Op& op, int64_t n)
{
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    int32_t mult = 0;
    int shift = 0;
    quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &mult, &shift);
    const int32_t inZp = zeroPointOf(x), outZp = zeroPointOf(y);
    const In* in = t.in<In>(op.inputs[0]);
    switch (y.dtype) {
    case DType::Int8:
        requantize(in, t.out<int8_t>(op.outputs[0]), n, mult, shift, inZp, outZp);
        return {};
    case DType::UInt8:
        requantize(in, t.out<uint8_t>(op.outputs[0]), n, mult, shift, inZp, outZp);
        return {};
    case DType::Int16:
        requantize(in, t.out<int16_t>(op.outputs[0]), n, mult, shift, inZp, outZp);
        return {};
    case DType::Int32:
        requantize(in, t.out<int32_t>(op.outputs[0]), n, mult, shift, inZp, outZp);
        return {};
    default:
        return std::string("quantizing ") + dtypeName(x.dtype) + " to " + dtypeName(y.dtype) + " is not supported";
    }
}

std::string quantizeChecks(Tensors& t, const Op& op, int64_t& n)
{
    if (op.input(0) < 0 || op.outputs.empty())
        return "QUANTIZE needs one input and one output";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.quant.scale.size() != 1)
        return "the output must have exactly one quantization scale";
    n = elements(y);
    if (elements(x) != n)
        return "input " + shapeString(x.shape) + " and output " + shapeString(y.shape) + " differ in size";
    return {};
}

std::string quantizeFloat(Tensors& t, const Op& op)
{
    int64_t n = 0;
    if (auto e = quantizeChecks(t, op, n); !e.empty())
        return e;
    const Tensor& y = t.info(op.outputs[0]);
    const float scale = scaleOf(y);
    const int32_t zp = zeroPointOf(y);
    const float* in = t.in<float>(op.inputs[0]);
    switch (y.dtype) {
    case DType::Int8:
        affineQuantize(in, t.out<int8_t>(op.outputs[0]), n, scale, zp);
        return {};
    case DType::UInt8:
        affineQuantize(in, t.out<uint8_t>(op.outputs[0]), n, scale, zp);
        return {};
    case DType::Int16:
        affineQuantize(in, t.out<int16_t>(op.outputs[0]), n, scale, zp);
        return {};
    default:
        return std::string("quantizing float32 to ") + dtypeName(y.dtype) + " is not supported";
    }
}

template <typename In>
std::string quantizeInteger(Tensors& t, const Op& op)
{
    int64_t n = 0;
    if (auto e = quantizeChecks(t, op, n); !e.empty())
        return e;
    return requantizeTo<In>(t, op, n);
}

template <typename In>
std::string dequantize(Tensors& t, const Op& op)
{
    if (op.input(0) < 0 || op.outputs.empty())
        return "DEQUANTIZE needs one input and one output";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype != DType::Float32)
        return std::string("dequantizing to ") + dtypeName(y.dtype) + " is not supported";
    const int64_t n = elements(y);
    if (elements(x) != n)
        return "input " + shapeString(x.shape) + " and output " + shapeString(y.shape) + " differ in size";
    const float scale = scaleOf(x);
    const int32_t zp = zeroPointOf(x);
    const In* in = t.in<In>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    for (int64_t i = 0; i < n; ++i)
        out[i] = scale * float(int32_t(in[i]) - zp);
    return {};
}

} // namespace

void registerDenseKernels(KernelTable& t)
{
    t.add(OpKind::FullyConnected, DType::Int8, fullyConnectedInt8);
    t.add(OpKind::FullyConnected, DType::Int16, fullyConnectedInt16);
    t.add(OpKind::FullyConnected, DType::Float32, fullyConnectedFloat);
    t.add(OpKind::Svdf, DType::Int8, svdf);
    t.add(OpKind::Svdf, DType::Float32, svdf);
    t.add(OpKind::Quantize, DType::Float32, quantizeFloat);
    t.add(OpKind::Quantize, DType::Int8, quantizeInteger<int8_t>);
    t.add(OpKind::Quantize, DType::UInt8, quantizeInteger<uint8_t>);
    t.add(OpKind::Quantize, DType::Int16, quantizeInteger<int16_t>);
    t.add(OpKind::Quantize, DType::Int32, quantizeInteger<int32_t>);
    t.add(OpKind::Dequantize, DType::Int8, dequantize<int8_t>);
    t.add(OpKind::Dequantize, DType::UInt8, dequantize<uint8_t>);
    t.add(OpKind::Dequantize, DType::Int16, dequantize<int16_t>);
}

} // namespace ts::ref
