// Reference CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D and MAX_POOL_2D (int8 and float32), written
// as TFLite's reference kernels compute them, including the explicit per-border padding that the
// fold-PAD pass and patch-based execution set.

#include "kernels/scratch.h"
#include "reference/fixedpoint.h"
#include "reference/registry.h"

#include <algorithm>

namespace ts::ref {

namespace {

struct Window {
    int strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    int padTop = 0, padLeft = 0;
};

Window windowOf(const Graph& g, const Op& op)
{
    Window w;
    const ExplicitPad p = effectivePadding(g, op); // SAME resolved + explicit
    w.padTop = p.top;
    w.padLeft = p.left;
    if (const auto* c = std::get_if<Conv2DOptions>(&op.options)) {
        w.strideH = c->strideH, w.strideW = c->strideW, w.dilationH = c->dilationH, w.dilationW = c->dilationW;
    } else if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&op.options)) {
        w.strideH = d->strideH, w.strideW = d->strideW, w.dilationH = d->dilationH, w.dilationW = d->dilationW;
    } else if (const auto* p2 = std::get_if<Pool2DOptions>(&op.options)) {
        w.strideH = p2->strideH, w.strideW = p2->strideW;
    }
    return w;
}

// The operands every convolution kernel indexes: input 0, a 4-D filter, an optional bias of
// `channels` values, output 0 with `channels` channels and no more batches than the input; types
// as given. Everything the loops below index is then inside its tensor.
std::string checkConvOperands(Tensors& t, const Op& op, DType act, DType weights, DType biasType)
{
    if (op.input(1) < 0)
        return "the filter (input 1) is missing";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    if (w.shape.size() != 4 || std::any_of(w.shape.begin(), w.shape.end(), [](int32_t d) { return d < 1; }))
        return "filter " + shapeString(w.shape) + " must be 4-D with no empty dimension";
    for (const auto& e : {expectType(x, act, "input"), expectType(w, weights, "filter"), expectType(y, act, "output")})
        if (!e.empty())
            return e;
    const int channels = op.kind == OpKind::DepthwiseConv2D ? w.shape[3] : w.shape[0];
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    if (os.c != channels || os.n > is.n)
        return "output " + shapeString(y.shape) + " does not match filter " + shapeString(w.shape) + " and input "
               + shapeString(x.shape);
    if (op.input(2) >= 0) {
        const Tensor& b = t.info(op.inputs[2]);
        if (auto e = expectType(b, biasType, "bias"); !e.empty())
            return e;
        if (auto e = expectElements(b, channels, "bias"); !e.empty())
            return e;
    }
    return {};
}


std::string convInt8(Tensors& t, const Op& op)
{
    if (auto e = checkConvOperands(t, op, DType::Int8, DType::Int8, DType::Int32); !e.empty())
        return e;
    const Graph& g = t.graph();
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), ws = Shape4::of(w.shape), os = Shape4::of(y.shape);
    const int outC = w.shape[0], kh = w.shape[1], kw = w.shape[2], filterC = w.shape[3];
    if (filterC <= 0 || is.c < filterC || is.c % filterC != 0 || outC != os.c || outC % std::max(is.c / filterC, 1) != 0)
        return "filter " + shapeString(w.shape) + " does not match input " + shapeString(x.shape);
    (void)ws;
    const int groups = is.c / filterC, perGroup = outC / std::max(groups, 1);
    std::vector<int32_t> mult;
    std::vector<int> shift;
    if (auto e = perChannel(x, w, y, outC, mult, shift); !e.empty())
        return e;
    const Window win = windowOf(g, op);
    int32_t lo, hi;
    activationRange(op.activation(), y, &lo, &hi);
    const int32_t inOffset = -zeroPointOf(x), outOffset = zeroPointOf(y);
    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    const int8_t* filter = t.in<int8_t>(op.inputs[1]);
    const int32_t* bias = op.input(2) >= 0 ? t.in<int32_t>(op.inputs[2]) : nullptr;
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox)
                for (int oc = 0; oc < outC; ++oc) {
                    const int group = oc / std::max(perGroup, 1);
                    const int iy0 = oy * win.strideH - win.padTop, ix0 = ox * win.strideW - win.padLeft;
                    int32_t acc = 0;
                    for (int fy = 0; fy < kh; ++fy) {
                        const int iy = iy0 + win.dilationH * fy;
                        for (int fx = 0; fx < kw; ++fx) {
                            const int ix = ix0 + win.dilationW * fx;
                            if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w)
                                continue;
                            for (int ic = 0; ic < filterC; ++ic) {
                                const int32_t v = in[((b * is.h + iy) * is.w + ix) * is.c + group * filterC + ic];
                                const int32_t f = filter[((oc * kh + fy) * kw + fx) * filterC + ic];
                                acc = addWrap(acc, f * (v + inOffset));
                            }
                        }
                    }
                    if (bias)
                        acc = addWrap(acc, bias[oc]);
                    acc = addWrap(multiplyByQuantizedMultiplier(acc, mult[size_t(oc)], shift[size_t(oc)]), outOffset);
                    out[((b * os.h + oy) * os.w + ox) * outC + oc] = int8_t(std::clamp(acc, lo, hi));
                }
    return {};
}

std::string convFloat(Tensors& t, const Op& op)
{
    if (auto e = checkConvOperands(t, op, DType::Float32, DType::Float32, DType::Float32); !e.empty())
        return e;
    const Graph& g = t.graph();
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    const int outC = w.shape[0], kh = w.shape[1], kw = w.shape[2], filterC = w.shape[3];
    if (filterC <= 0 || is.c < filterC || is.c % filterC != 0 || outC % std::max(is.c / filterC, 1) != 0)
        return "filter " + shapeString(w.shape) + " does not match input " + shapeString(x.shape);
    const int perGroup = outC / std::max(is.c / filterC, 1);
    const Window win = windowOf(g, op);
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);
    const float* in = t.in<float>(op.inputs[0]);
    const float* filter = t.in<float>(op.inputs[1]);
    const float* bias = op.input(2) >= 0 ? t.in<float>(op.inputs[2]) : nullptr;
    float* out = t.out<float>(op.outputs[0]);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox)
                for (int oc = 0; oc < outC; ++oc) {
                    const int group = oc / std::max(perGroup, 1);
                    const int iy0 = oy * win.strideH - win.padTop, ix0 = ox * win.strideW - win.padLeft;
                    float total = 0.0f;
                    for (int fy = 0; fy < kh; ++fy)
                        for (int fx = 0; fx < kw; ++fx) {
                            const int iy = iy0 + win.dilationH * fy, ix = ix0 + win.dilationW * fx;
                            if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w)
                                continue;
                            for (int ic = 0; ic < filterC; ++ic)
                                total += in[((b * is.h + iy) * is.w + ix) * is.c + group * filterC + ic]
                                    * filter[((oc * kh + fy) * kw + fx) * filterC + ic];
                        }
                    const float v = total + (bias ? bias[oc] : 0.0f);
                    out[((b * os.h + oy) * os.w + ox) * outC + oc] = std::min(std::max(v, lo), hi);
                }
    return {};
}

std::string depthwiseInt8(Tensors& t, const Op& op)
{
    if (auto e = checkConvOperands(t, op, DType::Int8, DType::Int8, DType::Int32); !e.empty())
        return e;
    const Graph& g = t.graph();
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    const int kh = w.shape[1], kw = w.shape[2], outC = w.shape[3];
    const auto* o = std::get_if<DepthwiseConv2DOptions>(&op.options);
    const int mult = o && o->depthMultiplier > 0 ? o->depthMultiplier : std::max(outC / std::max(is.c, 1), 1);
    if (int64_t(is.c) * mult != outC || os.c != outC)
        return "depth multiplier " + std::to_string(mult) + " does not map " + std::to_string(is.c) + " input channels to "
               + std::to_string(outC);
    std::vector<int32_t> m;
    std::vector<int> shift;
    if (auto e = perChannel(x, w, y, outC, m, shift); !e.empty())
        return e;
    const Window win = windowOf(g, op);
    int32_t lo, hi;
    activationRange(op.activation(), y, &lo, &hi);
    const int32_t inOffset = -zeroPointOf(x), outOffset = zeroPointOf(y);
    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    const int8_t* filter = t.in<int8_t>(op.inputs[1]);
    const int32_t* bias = op.input(2) >= 0 ? t.in<int32_t>(op.inputs[2]) : nullptr;
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox)
                for (int ic = 0; ic < is.c; ++ic)
                    for (int k = 0; k < mult; ++k) {
                        const int oc = k + ic * mult;
                        const int iy0 = oy * win.strideH - win.padTop, ix0 = ox * win.strideW - win.padLeft;
                        int32_t acc = 0;
                        for (int fy = 0; fy < kh; ++fy)
                            for (int fx = 0; fx < kw; ++fx) {
                                const int iy = iy0 + win.dilationH * fy, ix = ix0 + win.dilationW * fx;
                                if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w)
                                    continue;
                                const int32_t v = in[((b * is.h + iy) * is.w + ix) * is.c + ic];
                                acc = addWrap(acc, int32_t(filter[(fy * kw + fx) * outC + oc]) * (v + inOffset));
                            }
                        if (bias)
                            acc = addWrap(acc, bias[oc]);
                        acc = addWrap(multiplyByQuantizedMultiplier(acc, m[size_t(oc)], shift[size_t(oc)]), outOffset);
                        out[((b * os.h + oy) * os.w + ox) * outC + oc] = int8_t(std::clamp(acc, lo, hi));
                    }
    return {};
}

std::string depthwiseFloat(Tensors& t, const Op& op)
{
    if (auto e = checkConvOperands(t, op, DType::Float32, DType::Float32, DType::Float32); !e.empty())
        return e;
    const Graph& g = t.graph();
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& w = t.info(op.inputs[1]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    const int kh = w.shape[1], kw = w.shape[2], outC = w.shape[3];
    const int mult = std::max(outC / std::max(is.c, 1), 1);
    if (is.c * mult != outC)
        return "filter " + shapeString(w.shape) + " does not map the " + std::to_string(is.c) + " input channels to "
               + std::to_string(outC);
    const Window win = windowOf(g, op);
    float lo, hi;
    activationRangeFloat(op.activation(), &lo, &hi);
    const float* in = t.in<float>(op.inputs[0]);
    const float* filter = t.in<float>(op.inputs[1]);
    const float* bias = op.input(2) >= 0 ? t.in<float>(op.inputs[2]) : nullptr;
    float* out = t.out<float>(op.outputs[0]);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox)
                for (int ic = 0; ic < is.c; ++ic)
                    for (int k = 0; k < mult; ++k) {
                        const int oc = k + ic * mult;
                        const int iy0 = oy * win.strideH - win.padTop, ix0 = ox * win.strideW - win.padLeft;
                        float total = 0.0f;
                        for (int fy = 0; fy < kh; ++fy)
                            for (int fx = 0; fx < kw; ++fx) {
                                const int iy = iy0 + win.dilationH * fy, ix = ix0 + win.dilationW * fx;
                                if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w)
                                    continue;
                                total += in[((b * is.h + iy) * is.w + ix) * is.c + ic] * filter[(fy * kw + fx) * outC + oc];
                            }
                        const float v = total + (bias ? bias[oc] : 0.0f);
                        out[((b * os.h + oy) * os.w + ox) * outC + oc] = std::min(std::max(v, lo), hi);
                    }
    return {};
}

template <typename T, bool Average>
std::string pool(Tensors& t, const Op& op)
{
    const Graph& g = t.graph();
    const auto* o = std::get_if<Pool2DOptions>(&op.options);
    if (!o)
        return "missing Pool2DOptions";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    const Shape4 is = Shape4::of(x.shape), os = Shape4::of(y.shape);
    if (x.dtype != y.dtype)
        return "input " + std::string(dtypeName(x.dtype)) + " and output " + dtypeName(y.dtype) + " differ in type";
    if (os.n > is.n || os.c != is.c)
        return "output " + shapeString(y.shape) + " does not keep the batches and channels of input " + shapeString(x.shape);
    const Window win = windowOf(g, op);
    const T* in = t.in<T>(op.inputs[0]);
    T* out = t.out<T>(op.outputs[0]);
    int32_t lo = 0, hi = 0;
    float flo = 0, fhi = 0;
    if constexpr (std::is_same_v<T, float>)
        activationRangeFloat(op.activation(), &flo, &fhi);
    else
        activationRange(op.activation(), y, &lo, &hi);
    for (int b = 0; b < os.n; ++b)
        for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox)
                for (int c = 0; c < os.c; ++c) {
                    const int iy0 = oy * win.strideH - win.padTop, ix0 = ox * win.strideW - win.padLeft;
                    const int fy0 = std::max(0, -iy0), fy1 = std::min(o->filterH, is.h - iy0);
                    const int fx0 = std::max(0, -ix0), fx1 = std::min(o->filterW, is.w - ix0);
                    if constexpr (std::is_same_v<T, float>) {
                        float acc = Average ? 0.0f : std::numeric_limits<float>::lowest();
                        int count = 0;
                        for (int fy = fy0; fy < fy1; ++fy)
                            for (int fx = fx0; fx < fx1; ++fx) {
                                const float v = in[((b * is.h + iy0 + fy) * is.w + ix0 + fx) * is.c + c];
                                acc = Average ? acc + v : std::max(acc, v);
                                ++count;
                            }
                        if (count == 0)
                            return "a pooling window lies entirely in the padding";
                        const float v = Average ? acc / float(count) : acc;
                        out[((b * os.h + oy) * os.w + ox) * os.c + c] = std::min(std::max(v, flo), fhi);
                    } else {
                        int64_t acc = Average ? 0 : std::numeric_limits<int32_t>::min(); // wide: huge windows
                        int count = 0;
                        for (int fy = fy0; fy < fy1; ++fy)
                            for (int fx = fx0; fx < fx1; ++fx) {
                                const int64_t v = in[((b * is.h + iy0 + fy) * is.w + ix0 + fx) * is.c + c];
                                acc = Average ? acc + v : std::max(acc, v);
                                ++count;
                            }
                        if (count == 0)
                            return "a pooling window lies entirely in the padding";
                        if (Average)
                            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                        out[((b * os.h + oy) * os.w + ox) * os.c + c] = T(std::clamp<int64_t>(acc, lo, hi));
                    }
                }
    return {};
}

} // namespace

void registerConvKernels(KernelTable& t)
{
    t.add(OpKind::Conv2D, DType::Int8, convInt8);
    t.add(OpKind::Conv2D, DType::Float32, convFloat);
    t.add(OpKind::DepthwiseConv2D, DType::Int8, depthwiseInt8);
    t.add(OpKind::DepthwiseConv2D, DType::Float32, depthwiseFloat);
    t.add(OpKind::AveragePool2D, DType::Int8, pool<int8_t, true>);
    t.add(OpKind::AveragePool2D, DType::Float32, pool<float, true>);
    t.add(OpKind::MaxPool2D, DType::Int8, pool<int8_t, false>);
    t.add(OpKind::MaxPool2D, DType::Float32, pool<float, false>);
}

std::string perChannel(const Tensor& in, const Tensor& filter, const Tensor& out, int channels,
                       std::vector<int32_t>& mult, std::vector<int>& shift)
{
    if (filter.quant.scale.empty())
        return "the filter has no quantization scale";
    if (filter.quant.scale.size() > 1 && filter.quant.scale.size() != size_t(channels))
        return "the filter has " + std::to_string(filter.quant.scale.size()) + " per-channel scales for "
               + std::to_string(channels) + " output channels";
    mult.resize(size_t(channels));
    shift.resize(size_t(channels));
    for (int c = 0; c < channels; ++c) {
        const float fs = filter.quant.scale.size() > 1 ? filter.quant.scale[size_t(c)] : filter.quant.scale[0];
        const double effective = double(scaleOf(in)) * double(fs) / double(scaleOf(out));
        quantizeMultiplier(effective, &mult[size_t(c)], &shift[size_t(c)]);
    }
    return {};
}

} // namespace ts::ref
