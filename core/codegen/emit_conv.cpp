// Emitters of the convolution family: CONV_2D (ts_conv), DEPTHWISE_CONV_2D (ts_depthwise),
// AVERAGE_POOL_2D and MAX_POOL_2D (ts_pool). The parameters come from params_conv.h, the same
// functions the kernel tests call.

#include "codegen/params_conv.h"

#include "kernels/scratch.h"
#include "reference/kernel_api.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace ts::codegen {

namespace {

bool fail(std::string* error, std::string text)
{
    if (error)
        *error = std::move(text);
    return false;
}

bool fitsI32(int64_t v) { return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(); }

// Geometry of one non-constant [N,H,W,C] operand as a kernel addresses it.
struct Map {
    int32_t n = 1, h = 1, w = 1, c = 1;
    int64_t pitch = 0; // bytes between rows
};

bool mapOf(const Operand& o, const char* role, DType want, Map& m, std::string* error)
{
    if (!o.present())
        return fail(error, std::string("the ") + role + " is missing");
    if (o.constant() || o.ptr.empty())
        return fail(error, std::string("the ") + role + " is a constant; the kernel reads it from the arena");
    if (o.info->dtype != want)
        return fail(error, std::string("the ") + role + " is " + dtypeName(o.info->dtype) + "; the kernel takes "
                               + dtypeName(want));
    if (o.shape.size() != 4 || std::any_of(o.shape.begin(), o.shape.end(), [](int32_t d) { return d < 1; }))
        return fail(error, std::string("the ") + role + " " + shapeString(o.shape) + " is not a 4-D NHWC map");
    m.n = o.shape[0], m.h = o.shape[1], m.w = o.shape[2], m.c = o.shape[3];
    const int64_t es = std::max(dtypeSize(want), 1);
    const int64_t natural = int64_t(m.w) * m.c * es;
    m.pitch = o.rowPitch ? o.rowPitch : natural;
    if (m.pitch < natural || m.pitch % es != 0)
        return fail(error, std::string("the ") + role + " row pitch " + std::to_string(m.pitch) + " is not a whole number of elements ≥ one row ("
                               + std::to_string(natural) + " B)");
    if (o.strided() && m.n != 1)
        return fail(error, std::string("the ") + role + " is a strided window with " + std::to_string(m.n) + " batches");
    if (!fitsI32(m.pitch) || !fitsI32(m.pitch * m.h * m.n))
        return fail(error, std::string("the ") + role + " is too large for the kernel's 32-bit indexing");
    return true;
}

bool zeroPointI8(const Tensor& t, const char* role, int32_t& zp, std::string* error)
{
    zp = ref::zeroPointOf(t);
    if (zp < -128 || zp > 127)
        return fail(error, std::string("the ") + role + " zero point " + std::to_string(zp) + " is outside int8");
    return true;
}

// Filter, bias and per-channel requantization shared by CONV_2D and DEPTHWISE_CONV_2D.
bool weightsOf(const EmitContext& c, int channels, int64_t filterElements, std::vector<int8_t>& filter,
               std::vector<int32_t>& bias, std::vector<int32_t>& mult, std::vector<int32_t>& shift, std::string* error)
{
    if (c.inputs.size() < 2 || !c.inputs[1].present() || !c.inputs[1].constant())
        return fail(error, "the filter must be a constant");
    const Tensor& w = *c.inputs[1].info;
    if (w.dtype != DType::Int8)
        return fail(error, std::string("the filter is ") + dtypeName(w.dtype) + "; the kernel takes int8");
    filter = constI8(w);
    if (int64_t(filter.size()) < filterElements)
        return fail(error, "the filter holds " + std::to_string(filter.size()) + " values; "
                               + std::to_string(filterElements) + " are needed");
    filter.resize(size_t(filterElements));
    bias.clear();
    if (c.inputs.size() > 2 && c.inputs[2].present()) {
        const Tensor& b = *c.inputs[2].info;
        if (!b.isConstant() || b.dtype != DType::Int32)
            return fail(error, "the bias must be a constant int32 tensor");
        bias = constI32(b);
        if (int64_t(bias.size()) < channels)
            return fail(error, "the bias holds " + std::to_string(bias.size()) + " values for " + std::to_string(channels)
                                   + " channels");
        bias.resize(size_t(channels));
    }
    std::string e;
    if (!perChannelMultipliers(*c.inputs[0].info, w, *c.outputs[0].info, channels, mult, shift, e))
        return fail(error, e);
    return true;
}

bool windowOptions(const EmitContext& c, int& sh, int& sw, int& dh, int& dw, std::string* error)
{
    if (const auto* o = std::get_if<Conv2DOptions>(&c.op->options))
        sh = o->strideH, sw = o->strideW, dh = o->dilationH, dw = o->dilationW;
    else if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&c.op->options))
        sh = d->strideH, sw = d->strideW, dh = d->dilationH, dw = d->dilationW;
    else if (const auto* p = std::get_if<Pool2DOptions>(&c.op->options))
        sh = p->strideH, sw = p->strideW, dh = dw = 1;
    else
        return fail(error, "the op has no window options");
    if (sh < 1 || sw < 1 || dh < 1 || dw < 1)
        return fail(error, "strides and dilations must be ≥ 1");
    return true;
}

bool paddingOf(const EmitContext& c, ExplicitPad& pad, std::string* error)
{
    pad = effectivePadding(*c.g, *c.op);
    if (pad.top < 0 || pad.left < 0 || pad.bottom < 0 || pad.right < 0)
        return fail(error, "negative padding");
    return true;
}

bool inputOutput(const EmitContext& c, DType t, Map& in, Map& out, std::string* error)
{
    if (c.inputs.empty() || c.outputs.size() != 1)
        return fail(error, "the op needs an input and one output");
    if (!mapOf(c.inputs[0], "input", t, in, error) || !mapOf(c.outputs[0], "output", t, out, error))
        return false;
    if (out.n > in.n)
        return fail(error, "the output has more batches than the input");
    return true;
}

int64_t offsetDelta(const EmitContext& c, bool& known)
{
    known = c.inputs[0].offset >= 0 && c.outputs[0].offset >= 0;
    return known ? c.outputs[0].offset - c.inputs[0].offset : 0;
}

} // namespace

std::vector<int8_t> pointwiseArrange(const std::vector<int8_t>& filter, int outC, int inC)
{
    // TS_CONV_1X1 layout (ts_conv.h): pairs of rows interleaved in 4-byte chunks, then their tails.
    std::vector<int8_t> a(size_t(TS_CONV_1X1_FILTER_BYTES(inC, outC)), 0);
    if (outC < 1 || inC < 1 || filter.size() < size_t(outC) * size_t(inC))
        return a;
    const size_t g = size_t(inC / 4), t = size_t(inC % 4), blk = size_t(TS_CONV_1X1_BLOCK(inC)), n = size_t(inC);
    size_t at = 0;
    int oc = 0;
    for (; oc + 1 < outC; oc += 2, at += blk) {
        const int8_t* r0 = filter.data() + size_t(oc) * n;
        const int8_t* r1 = r0 + n;
        for (size_t j = 0; j < g; ++j)
            for (size_t b = 0; b < 4; ++b) {
                a[at + 8 * j + b] = r0[4 * j + b];
                a[at + 8 * j + 4 + b] = r1[4 * j + b];
            }
        for (size_t j = 0; j < t; ++j) {
            a[at + 8 * g + j] = r0[4 * g + j];
            a[at + 8 * g + t + j] = r1[4 * g + j];
        }
    }
    if (oc < outC)
        std::copy(filter.begin() + std::ptrdiff_t(size_t(oc) * n), filter.begin() + std::ptrdiff_t(size_t(oc + 1) * n),
                  a.begin() + std::ptrdiff_t(at));
    return a;
}

std::optional<ConvPlan> convPlan(const EmitContext& c, std::string* error)
{
    if (!c.g || !c.op || c.op->kind != OpKind::Conv2D)
        return fail(error, "not a CONV_2D"), std::nullopt;
    Map in, out;
    if (!inputOutput(c, DType::Int8, in, out, error))
        return std::nullopt;
    int sh, sw, dh, dw;
    ExplicitPad pad;
    if (!windowOptions(c, sh, sw, dh, dw, error) || !paddingOf(c, pad, error))
        return std::nullopt;
    if (c.inputs.size() < 2 || !c.inputs[1].present() || c.inputs[1].info->shape.size() != 4)
        return fail(error, "the filter must be 4-D [out_c, k_h, k_w, in_c]"), std::nullopt;
    const std::vector<int32_t>& ws = c.inputs[1].info->shape;
    const int outC = ws[0], kh = ws[1], kw = ws[2], filterC = ws[3];
    if (outC < 1 || kh < 1 || kw < 1 || filterC < 1 || in.c % filterC != 0 || outC % (in.c / filterC) != 0)
        return fail(error, "filter " + shapeString(ws) + " does not match input " + shapeString(c.inputs[0].shape)),
               std::nullopt;
    if (out.c != outC)
        return fail(error, "output " + shapeString(c.outputs[0].shape) + " does not have the filter's " + std::to_string(outC)
                               + " channels"),
               std::nullopt;
    ConvPlan plan;
    if (!weightsOf(c, outC, int64_t(outC) * kh * kw * filterC, plan.filter, plan.bias, plan.multiplier, plan.shift, error))
        return std::nullopt;
    int32_t inZp, outZp;
    if (!zeroPointI8(*c.inputs[0].info, "input", inZp, error) || !zeroPointI8(*c.outputs[0].info, "output", outZp, error))
        return std::nullopt;
    ts_conv_s8_params& p = plan.params;
    p.batches = out.n;
    p.in_h = in.h, p.in_w = in.w, p.in_c = in.c, p.in_row_pitch = int32_t(in.pitch);
    p.out_h = out.h, p.out_w = out.w, p.out_c = out.c, p.out_row_pitch = int32_t(out.pitch);
    p.filter_c = filterC, p.k_h = kh, p.k_w = kw;
    p.stride_h = sh, p.stride_w = sw, p.dilation_h = dh, p.dilation_w = dw;
    p.pad_top = pad.top, p.pad_left = pad.left;
    p.input_offset = -inZp, p.output_offset = outZp;
    activationClamp(c.op->activation(), *c.outputs[0].info, &p.act_min, &p.act_max);

    const bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && !pad.any() && filterC == in.c
        && out.h == in.h && out.w == in.w && out.n == in.n;
    if (pointwise) {
        // No tap is ever padded: the input offset term is a constant per output channel.
        std::vector<int32_t> folded(size_t(outC), 0);
        for (int oc = 0; oc < outC; ++oc) {
            int64_t sum = 0;
            for (int ic = 0; ic < filterC; ++ic)
                sum += plan.filter[size_t(oc) * size_t(filterC) + size_t(ic)];
            const uint32_t b = plan.bias.empty() ? 0u : uint32_t(plan.bias[size_t(oc)]);
            folded[size_t(oc)] = int32_t(b + uint32_t(int64_t(p.input_offset) * sum));
        }
        plan.bias = std::move(folded);
        plan.filter = pointwiseArrange(plan.filter, outC, filterC);
        plan.scratchBytes = TS_CONV_1X1_SCRATCH_BYTES(int64_t(out.n) * out.h * out.w, in.c);
        if (c.scratch.empty() || c.scratch[0].bytes < plan.scratchBytes)
            return fail(error, "the 1×1 kernel needs " + std::to_string(plan.scratchBytes) + " B of scratch (int16 copy of "
                                   + "a pixel pair); " + std::to_string(c.scratch.empty() ? 0 : c.scratch[0].bytes)
                                   + " B are planned"),
                   std::nullopt;
    }
    switch (c.inplace) {
    case InplaceKind::None:
        if (pointwise) {
            plan.variant = ConvPlan::Variant::Pointwise;
            plan.function = "ts_conv_1x1_s8";
            return plan;
        }
        plan.variant = ConvPlan::Variant::General;
        plan.function = "ts_conv_s8";
        plan.scratchBytes = TS_CONV_S8_SCRATCH_BYTES(&p);
        if (plan.scratchBytes > 0 && (c.scratch.empty() || c.scratch[0].bytes < plan.scratchBytes))
            return fail(error, "the im2col kernel needs " + std::to_string(plan.scratchBytes) + " B of scratch; "
                                   + std::to_string(c.scratch.empty() ? 0 : c.scratch[0].bytes) + " B are planned"),
                   std::nullopt;
        return plan;
    case InplaceKind::PointwiseShrink:
    case InplaceKind::PointwiseExpand: {
        if (!pointwise || out.n != 1)
            return fail(error, "in place needs a 1×1, stride-1, unpadded, ungrouped CONV_2D on one batch"), std::nullopt;
        if (c.inplaceOperand != 0)
            return fail(error, "in place only over input 0"), std::nullopt;
        if (c.inputs[0].strided() || c.outputs[0].strided())
            return fail(error, "in place over a strided window is not supported"), std::nullopt;
        if ((c.inplace == InplaceKind::PointwiseShrink) != (out.c <= in.c))
            return fail(error, std::string("in-place kind ") + inplaceKindName(c.inplace) + " does not match "
                                   + std::to_string(in.c) + " → " + std::to_string(out.c) + " channels"),
                   std::nullopt;
        if (c.order != IterationOrder::Forward && c.order != IterationOrder::Backward)
            return fail(error, "the in-place 1×1 kernel walks pixels forward or backward"), std::nullopt;
        plan.variant = ConvPlan::Variant::PointwiseInplace;
        plan.function = "ts_conv_1x1_s8_inplace";
        plan.backward = c.order == IterationOrder::Backward;
        // The placement must be one the chosen order executes (kernels/contracts.h).
        bool known = false;
        const int64_t delta = offsetDelta(c, known);
        if (known) {
            const int64_t P = int64_t(in.h) * in.w, ci = in.c, co = out.c;
            const bool ok = P <= 1
                || (plan.backward ? delta >= ci - co && delta >= (P - 1) * (ci - co)
                                  : delta + (co - ci) <= 0 && delta + (P - 1) * (co - ci) <= 0);
            if (!ok)
                return fail(error, "output at delta " + std::to_string(delta) + " is not safe walking pixels "
                                       + iterationOrderName(c.order)),
                       std::nullopt;
        }
        return plan;
    }
    default:
        return fail(error, std::string("CONV_2D has no in-place kernel of kind ") + inplaceKindName(c.inplace)),
               std::nullopt;
    }
}

void depthwiseC1Arrange(const std::vector<int8_t>& filter, const std::vector<int32_t>& bias, int kh, int kw, int outC,
                        int32_t inputOffset, std::vector<int32_t>& words, std::vector<int32_t>& folded)
{
    const int kq = (kw + 3) / 4;
    const size_t taps = size_t(kh) * size_t(kw);
    auto tap = [&](int oc, int fy, int fx) -> uint32_t {
        return fx < kw ? uint32_t(uint16_t(int16_t(filter[size_t(oc) * taps + size_t(fy) * kw + fx]))) : 0u;
    };
    words.assign(size_t(kh) * kq * outC * 2, 0);
    folded.assign(size_t(outC), 0);
    for (int fy = 0; fy < kh; ++fy)
        for (int g = 0; g < kq; ++g)
            for (int oc = 0; oc < outC; ++oc) {
                const size_t at = ((size_t(fy) * kq + g) * outC + oc) * 2;
                words[at] = int32_t(tap(oc, fy, 4 * g) | (tap(oc, fy, 4 * g + 2) << 16));
                words[at + 1] = int32_t(tap(oc, fy, 4 * g + 1) | (tap(oc, fy, 4 * g + 3) << 16));
            }
    for (int oc = 0; oc < outC; ++oc) {
        uint32_t sum = 0;
        for (size_t t = 0; t < taps; ++t)
            sum += uint32_t(int32_t(filter[size_t(oc) * taps + t]));
        folded[size_t(oc)] = int32_t((bias.empty() ? 0u : uint32_t(bias[size_t(oc)])) + uint32_t(inputOffset) * sum);
    }
}

std::optional<DepthwisePlan> depthwisePlan(const EmitContext& c, std::string* error)
{
    if (!c.g || !c.op || c.op->kind != OpKind::DepthwiseConv2D)
        return fail(error, "not a DEPTHWISE_CONV_2D"), std::nullopt;
    Map in, out;
    if (!inputOutput(c, DType::Int8, in, out, error))
        return std::nullopt;
    int sh, sw, dh, dw;
    ExplicitPad pad;
    if (!windowOptions(c, sh, sw, dh, dw, error) || !paddingOf(c, pad, error))
        return std::nullopt;
    if (c.inputs.size() < 2 || !c.inputs[1].present() || c.inputs[1].info->shape.size() != 4)
        return fail(error, "the filter must be 4-D [1, k_h, k_w, out_c]"), std::nullopt;
    const std::vector<int32_t>& ws = c.inputs[1].info->shape;
    const int kh = ws[1], kw = ws[2], outC = ws[3];
    const auto* o = std::get_if<DepthwiseConv2DOptions>(&c.op->options);
    if (!o)
        return fail(error, "missing DepthwiseConv2DOptions"), std::nullopt;
    const int mult = o->depthMultiplier > 0 ? o->depthMultiplier : std::max(outC / std::max(in.c, 1), 1);
    if (kh < 1 || kw < 1 || outC < 1 || int64_t(in.c) * mult != outC || out.c != outC)
        return fail(error, "filter " + shapeString(ws) + " with depth multiplier " + std::to_string(mult) + " does not map input "
                               + shapeString(c.inputs[0].shape) + " to output " + shapeString(c.outputs[0].shape)),
               std::nullopt;
    DepthwisePlan plan;
    std::vector<int8_t> f;
    if (!weightsOf(c, outC, int64_t(kh) * kw * outC, f, plan.bias, plan.multiplier, plan.shift, error))
        return std::nullopt;
    // Channel-major: the kernel walks one output channel's taps at a time.
    const size_t taps = size_t(kh) * size_t(kw);
    plan.filter.resize(f.size());
    for (size_t oc = 0; oc < size_t(outC); ++oc)
        for (size_t t = 0; t < taps; ++t)
            plan.filter[oc * taps + t] = f[t * size_t(outC) + oc];
    int32_t inZp, outZp;
    if (!zeroPointI8(*c.inputs[0].info, "input", inZp, error) || !zeroPointI8(*c.outputs[0].info, "output", outZp, error))
        return std::nullopt;
    ts_depthwise_s8_params& p = plan.params;
    p.batches = out.n;
    p.in_h = in.h, p.in_w = in.w, p.in_c = in.c, p.in_row_pitch = int32_t(in.pitch);
    p.out_h = out.h, p.out_w = out.w, p.out_c = out.c, p.out_row_pitch = int32_t(out.pitch);
    p.depth_multiplier = mult;
    p.k_h = kh, p.k_w = kw, p.stride_h = sh, p.stride_w = sw, p.dilation_h = dh, p.dilation_w = dw;
    p.pad_top = pad.top, p.pad_left = pad.left;
    p.input_offset = -inZp, p.output_offset = outZp;
    activationClamp(c.op->activation(), *c.outputs[0].info, &p.act_min, &p.act_max);
    std::string base = "ts_depthwise_s8";
    if (kh == kw && (kh == 3 || kh == 5 || kh == 7))
        base = "ts_depthwise_" + std::to_string(kh) + "x" + std::to_string(kw) + "_s8";
    static const std::set<std::string> names{"ts_depthwise_s8", "ts_depthwise_3x3_s8", "ts_depthwise_5x5_s8",
        "ts_depthwise_7x7_s8", "ts_depthwise_s8_inplace", "ts_depthwise_3x3_s8_inplace", "ts_depthwise_5x5_s8_inplace",
        "ts_depthwise_7x7_s8_inplace"};
    if (c.inplace == InplaceKind::None) {
        plan.function = names.find(base)->c_str();
        // One input channel: every output channel reads the same window (pixel by pixel, DSP pairs).
        if (in.c == 1 && dh == 1 && dw == 1 && int64_t(kh) * ((kw + 3) / 4 * 4) <= TS_DEPTHWISE_C1_MAX_PATCH) {
            plan.function = "ts_depthwise_c1_s8";
            depthwiseC1Arrange(plan.filter, plan.bias, kh, kw, outC, p.input_offset, plan.c1Filter, plan.c1Bias);
        }
        return plan;
    }
    if (c.inplace != InplaceKind::Depthwise)
        return fail(error, std::string("DEPTHWISE_CONV_2D has no in-place kernel of kind ") + inplaceKindName(c.inplace)),
               std::nullopt;
    if (c.inplaceOperand != 0 || c.order != IterationOrder::ChannelByChannel)
        return fail(error, "the in-place depthwise kernel runs over input 0, channel by channel"), std::nullopt;
    if (mult != 1 || out.n != 1 || in.n != 1)
        return fail(error, "the in-place depthwise kernel needs depth multiplier 1 and one batch"), std::nullopt;
    if (c.inputs[0].strided() || c.outputs[0].strided())
        return fail(error, "in place over a strided window is not supported"), std::nullopt;
    plan.inplace = true;
    plan.scratchBytes = TS_DEPTHWISE_INPLACE_SCRATCH_BYTES(&p);
    if (c.scratch.empty() || c.scratch[0].bytes < plan.scratchBytes)
        return fail(error, "the in-place depthwise kernel needs " + std::to_string(plan.scratchBytes)
                               + " B of channel scratch"),
               std::nullopt;
    bool known = false;
    const int64_t delta = offsetDelta(c, known);
    if (known && delta % in.c != 0)
        return fail(error, "output at delta " + std::to_string(delta) + " is not a whole number of pixels ("
                               + std::to_string(in.c) + " channels) from the input"),
               std::nullopt;
    plan.function = names.find(base + "_inplace")->c_str();
    return plan;
}

namespace {

// Filter and optional bias of a float32 convolution.
bool floatWeightsOf(const EmitContext& c, int channels, int64_t filterElements, std::vector<float>& filter,
                    std::vector<float>& bias, std::string* error)
{
    if (c.inputs.size() < 2 || !c.inputs[1].present() || !c.inputs[1].constant()
        || c.inputs[1].info->dtype != DType::Float32)
        return fail(error, "the filter must be a constant float32 tensor");
    filter = constF32(*c.inputs[1].info);
    if (int64_t(filter.size()) < filterElements)
        return fail(error, "the filter holds " + std::to_string(filter.size()) + " values; "
                               + std::to_string(filterElements) + " are needed");
    filter.resize(size_t(filterElements));
    bias.clear();
    if (c.inputs.size() > 2 && c.inputs[2].present()) {
        const Tensor& b = *c.inputs[2].info;
        if (!b.isConstant() || b.dtype != DType::Float32)
            return fail(error, "the bias must be a constant float32 tensor");
        bias = constF32(b);
        if (int64_t(bias.size()) < channels)
            return fail(error, "the bias holds " + std::to_string(bias.size()) + " values for " + std::to_string(channels)
                                   + " channels");
        bias.resize(size_t(channels));
    }
    return true;
}

} // namespace

std::optional<ConvF32Plan> convF32Plan(const EmitContext& c, std::string* error)
{
    if (!c.g || !c.op || c.op->kind != OpKind::Conv2D)
        return fail(error, "not a CONV_2D"), std::nullopt;
    if (c.inplace != InplaceKind::None)
        return fail(error, "float32 CONV_2D has no in-place kernel"), std::nullopt;
    Map in, out;
    if (!inputOutput(c, DType::Float32, in, out, error))
        return std::nullopt;
    int sh, sw, dh, dw;
    ExplicitPad pad;
    if (!windowOptions(c, sh, sw, dh, dw, error) || !paddingOf(c, pad, error))
        return std::nullopt;
    if (c.inputs.size() < 2 || !c.inputs[1].present() || c.inputs[1].info->shape.size() != 4)
        return fail(error, "the filter must be 4-D [out_c, k_h, k_w, in_c]"), std::nullopt;
    const std::vector<int32_t>& ws = c.inputs[1].info->shape;
    const int outC = ws[0], kh = ws[1], kw = ws[2], filterC = ws[3];
    if (outC < 1 || kh < 1 || kw < 1 || filterC < 1 || in.c % filterC != 0 || outC % (in.c / filterC) != 0
        || out.c != outC)
        return fail(error, "filter " + shapeString(ws) + " does not match input " + shapeString(c.inputs[0].shape)
                               + " and output " + shapeString(c.outputs[0].shape)),
               std::nullopt;
    ConvF32Plan plan;
    if (!floatWeightsOf(c, outC, int64_t(outC) * kh * kw * filterC, plan.filter, plan.bias, error))
        return std::nullopt;
    ts_conv_f32_params& p = plan.params;
    p.batches = out.n;
    p.in_h = in.h, p.in_w = in.w, p.in_c = in.c, p.in_row_pitch = int32_t(in.pitch);
    p.out_h = out.h, p.out_w = out.w, p.out_c = out.c, p.out_row_pitch = int32_t(out.pitch);
    p.filter_c = filterC, p.k_h = kh, p.k_w = kw;
    p.stride_h = sh, p.stride_w = sw, p.dilation_h = dh, p.dilation_w = dw;
    p.pad_top = pad.top, p.pad_left = pad.left;
    ref::activationRangeFloat(c.op->activation(), &p.act_min, &p.act_max);
    return plan;
}

std::optional<DepthwiseF32Plan> depthwiseF32Plan(const EmitContext& c, std::string* error)
{
    if (!c.g || !c.op || c.op->kind != OpKind::DepthwiseConv2D)
        return fail(error, "not a DEPTHWISE_CONV_2D"), std::nullopt;
    if (c.inplace != InplaceKind::None)
        return fail(error, "float32 DEPTHWISE_CONV_2D has no in-place kernel"), std::nullopt;
    Map in, out;
    if (!inputOutput(c, DType::Float32, in, out, error))
        return std::nullopt;
    int sh, sw, dh, dw;
    ExplicitPad pad;
    if (!windowOptions(c, sh, sw, dh, dw, error) || !paddingOf(c, pad, error))
        return std::nullopt;
    if (c.inputs.size() < 2 || !c.inputs[1].present() || c.inputs[1].info->shape.size() != 4)
        return fail(error, "the filter must be 4-D [1, k_h, k_w, out_c]"), std::nullopt;
    const std::vector<int32_t>& ws = c.inputs[1].info->shape;
    const int kh = ws[1], kw = ws[2], outC = ws[3];
    const int mult = std::max(outC / std::max(in.c, 1), 1); // as the reference: from the shapes
    if (kh < 1 || kw < 1 || outC < 1 || int64_t(in.c) * mult != outC || out.c != outC)
        return fail(error, "filter " + shapeString(ws) + " does not map input " + shapeString(c.inputs[0].shape)
                               + " to output " + shapeString(c.outputs[0].shape)),
               std::nullopt;
    DepthwiseF32Plan plan;
    if (!floatWeightsOf(c, outC, int64_t(kh) * kw * outC, plan.filter, plan.bias, error))
        return std::nullopt;
    ts_depthwise_f32_params& p = plan.params;
    p.batches = out.n;
    p.in_h = in.h, p.in_w = in.w, p.in_c = in.c, p.in_row_pitch = int32_t(in.pitch);
    p.out_h = out.h, p.out_w = out.w, p.out_c = out.c, p.out_row_pitch = int32_t(out.pitch);
    p.depth_multiplier = mult;
    p.k_h = kh, p.k_w = kw, p.stride_h = sh, p.stride_w = sw, p.dilation_h = dh, p.dilation_w = dw;
    p.pad_top = pad.top, p.pad_left = pad.left;
    ref::activationRangeFloat(c.op->activation(), &p.act_min, &p.act_max);
    return plan;
}

std::optional<PoolPlan> poolPlan(const EmitContext& c, std::string* error)
{
    if (!c.g || !c.op || (c.op->kind != OpKind::AveragePool2D && c.op->kind != OpKind::MaxPool2D))
        return fail(error, "not a pooling op"), std::nullopt;
    const auto* o = std::get_if<Pool2DOptions>(&c.op->options);
    if (!o)
        return fail(error, "missing Pool2DOptions"), std::nullopt;
    if (c.inputs.empty() || !c.inputs[0].present())
        return fail(error, "the input is missing"), std::nullopt;
    const DType t = c.inputs[0].info->dtype;
    if (t != DType::Int8 && t != DType::Float32)
        return fail(error, std::string("no ") + dtypeName(t) + " pooling kernel (int8 and float32 only)"), std::nullopt;
    Map in, out;
    if (!inputOutput(c, t, in, out, error))
        return std::nullopt;
    if (out.c != in.c)
        return fail(error, "the output does not keep the input's channels"), std::nullopt;
    int sh, sw, dh, dw;
    ExplicitPad pad;
    if (!windowOptions(c, sh, sw, dh, dw, error) || !paddingOf(c, pad, error))
        return std::nullopt;
    if (o->filterH < 1 || o->filterW < 1)
        return fail(error, "the pooling filter must be at least 1×1"), std::nullopt;
    // Every window must hold an in-bounds tap (the reference refuses one lying in the padding).
    auto covered = [](int outN, int inN, int filter, int stride, int before) {
        for (int k = 0; k < outN; ++k) {
            const int64_t i0 = int64_t(k) * stride - before;
            if (std::min<int64_t>(filter, inN - i0) <= std::max<int64_t>(0, -i0))
                return false;
        }
        return true;
    };
    if (!covered(out.h, in.h, o->filterH, sh, pad.top) || !covered(out.w, in.w, o->filterW, sw, pad.left))
        return fail(error, "a pooling window lies entirely in the padding"), std::nullopt;
    PoolPlan plan;
    plan.isFloat = t == DType::Float32;
    const bool average = c.op->kind == OpKind::AveragePool2D;
    plan.function = average ? (plan.isFloat ? "ts_avgpool_f32" : "ts_avgpool_s8")
                            : (plan.isFloat ? "ts_maxpool_f32" : "ts_maxpool_s8");
    ts_pool_params& p = plan.params;
    p.batches = out.n;
    p.in_h = in.h, p.in_w = in.w, p.channels = in.c, p.in_row_pitch = int32_t(in.pitch);
    p.out_h = out.h, p.out_w = out.w, p.out_row_pitch = int32_t(out.pitch);
    p.filter_h = o->filterH, p.filter_w = o->filterW, p.stride_h = sh, p.stride_w = sw;
    p.pad_top = pad.top, p.pad_left = pad.left;
    if (plan.isFloat) {
        ref::activationRangeFloat(c.op->activation(), &p.act_min_f, &p.act_max_f);
        p.act_min = p.act_max = 0;
    } else {
        // As TFLite (and the reference): the values pass through unrequantized, only the
        // output's activation range applies.
        activationClamp(c.op->activation(), *c.outputs[0].info, &p.act_min, &p.act_max);
        p.act_min_f = p.act_max_f = 0.0f;
    }
    return plan;
}

// ---------------------------------------------------------------------------------------------
// Printing.

namespace {

using Fields = std::vector<std::pair<const char*, std::string>>;

// "static const <type> ts_p = {.a = 1, ...};" wrapped at about 110 columns.
void printParams(Emitted& e, const char* type, const Fields& fields)
{
    std::string line = std::string("    static const ") + type + " ts_p = {";
    bool first = true;
    for (const auto& [name, value] : fields) {
        const std::string item = std::string(".") + name + " = " + value;
        if (line.size() + item.size() + 3 > 110) {
            e.lines.push_back(line + ",");
            line = "        " + item;
        } else {
            line += (first ? "" : ", ") + item;
        }
        first = false;
    }
    e.lines.push_back(line + "};");
}

std::string joinArgs(const std::string& function, const std::vector<std::string>& args)
{
    std::string s = function + "(";
    for (size_t i = 0; i < args.size(); ++i)
        s += (i ? ", " : "") + args[i];
    return s + ");";
}

std::string key(const EmitContext& c, const char* what) { return "op" + std::to_string(c.opIndex) + "." + what; }
std::string hint(const EmitContext& c, const char* what) { return "op" + std::to_string(c.opIndex) + "_" + what; }

std::string comment(const EmitContext& c, const std::string& what)
{
    return "{ /* op " + std::to_string(c.opIndex) + " " + opKindName(c.op->kind) + ": " + what + " */";
}

Result<Emitted> finish(Emitted e, const std::string& call, const char* kernel)
{
    e.lines.push_back("    " + call);
    e.lines.push_back("}");
    e.kernels.insert(kernel);
    Result<Emitted> r;
    r.value = std::move(e);
    return r;
}

std::string x(int a, int b) { return std::to_string(a) + "x" + std::to_string(b); }

} // namespace

namespace {

Result<Emitted> emitConvF32(const EmitContext& c)
{
    std::string error;
    const auto plan = convF32Plan(c, &error);
    if (!plan)
        return emitError(c, error);
    const ts_conv_f32_params& p = plan->params;
    Emitted e;
    e.lines.push_back(comment(c, x(p.k_h, p.k_w) + " stride " + x(p.stride_h, p.stride_w) + ", float32"));
    printParams(e, "ts_conv_f32_params",
                {{"batches", cInt(p.batches)}, {"in_h", cInt(p.in_h)}, {"in_w", cInt(p.in_w)}, {"in_c", cInt(p.in_c)},
                 {"in_row_pitch", cInt(p.in_row_pitch)}, {"out_h", cInt(p.out_h)}, {"out_w", cInt(p.out_w)},
                 {"out_c", cInt(p.out_c)}, {"out_row_pitch", cInt(p.out_row_pitch)}, {"filter_c", cInt(p.filter_c)},
                 {"k_h", cInt(p.k_h)}, {"k_w", cInt(p.k_w)}, {"stride_h", cInt(p.stride_h)},
                 {"stride_w", cInt(p.stride_w)}, {"dilation_h", cInt(p.dilation_h)}, {"dilation_w", cInt(p.dilation_w)},
                 {"pad_top", cInt(p.pad_top)}, {"pad_left", cInt(p.pad_left)}, {"act_min", cFloat(p.act_min)},
                 {"act_max", cFloat(p.act_max)}});
    const std::string filter = c.pool->addF32(key(c, "filter"), hint(c, "filter"), plan->filter);
    const std::string bias = plan->bias.empty() ? "NULL" : c.pool->addF32(key(c, "bias"), hint(c, "bias"), plan->bias);
    return finish(std::move(e),
                  joinArgs("ts_conv_f32", {"&ts_p", c.inputs[0].as("float", true), filter, bias, c.outputs[0].as("float")}),
                  "ts_conv");
}

Result<Emitted> emitDepthwiseF32(const EmitContext& c)
{
    std::string error;
    const auto plan = depthwiseF32Plan(c, &error);
    if (!plan)
        return emitError(c, error);
    const ts_depthwise_f32_params& p = plan->params;
    Emitted e;
    e.lines.push_back(comment(c, x(p.k_h, p.k_w) + " stride " + x(p.stride_h, p.stride_w) + ", float32"));
    printParams(e, "ts_depthwise_f32_params",
                {{"batches", cInt(p.batches)}, {"in_h", cInt(p.in_h)}, {"in_w", cInt(p.in_w)}, {"in_c", cInt(p.in_c)},
                 {"in_row_pitch", cInt(p.in_row_pitch)}, {"out_h", cInt(p.out_h)}, {"out_w", cInt(p.out_w)},
                 {"out_c", cInt(p.out_c)}, {"out_row_pitch", cInt(p.out_row_pitch)},
                 {"depth_multiplier", cInt(p.depth_multiplier)}, {"k_h", cInt(p.k_h)}, {"k_w", cInt(p.k_w)},
                 {"stride_h", cInt(p.stride_h)}, {"stride_w", cInt(p.stride_w)}, {"dilation_h", cInt(p.dilation_h)},
                 {"dilation_w", cInt(p.dilation_w)}, {"pad_top", cInt(p.pad_top)}, {"pad_left", cInt(p.pad_left)},
                 {"act_min", cFloat(p.act_min)}, {"act_max", cFloat(p.act_max)}});
    const std::string filter = c.pool->addF32(key(c, "filter"), hint(c, "filter"), plan->filter);
    const std::string bias = plan->bias.empty() ? "NULL" : c.pool->addF32(key(c, "bias"), hint(c, "bias"), plan->bias);
    return finish(
        std::move(e),
        joinArgs("ts_depthwise_f32", {"&ts_p", c.inputs[0].as("float", true), filter, bias, c.outputs[0].as("float")}),
        "ts_depthwise");
}

} // namespace

Result<Emitted> emitConv(const EmitContext& c)
{
    if (c.inputs.empty() || !c.inputs[0].present())
        return emitError(c, "the input is missing");
    if (c.inputs[0].info->dtype == DType::Float32)
        return emitConvF32(c);
    if (c.inputs[0].info->dtype != DType::Int8)
        return emitError(c, std::string("no ") + dtypeName(c.inputs[0].info->dtype) + " CONV_2D kernel (int8, float32)");
    std::string error;
    const auto plan = convPlan(c, &error);
    if (!plan)
        return emitError(c, error);
    const ts_conv_s8_params& p = plan->params;
    Emitted e;
    std::string what = x(p.k_h, p.k_w) + " stride " + x(p.stride_h, p.stride_w);
    if (p.dilation_h != 1 || p.dilation_w != 1)
        what += " dilation " + x(p.dilation_h, p.dilation_w);
    what += plan->variant == ConvPlan::Variant::General ? (p.filter_c == p.in_c ? ", im2col" : ", grouped")
        : plan->variant == ConvPlan::Variant::Pointwise ? ", pointwise"
        : std::string(", in place, pixels ") + (plan->backward ? "backward" : "forward");
    e.lines.push_back(comment(c, what));
    printParams(e, "ts_conv_s8_params",
                {{"batches", cInt(p.batches)}, {"in_h", cInt(p.in_h)}, {"in_w", cInt(p.in_w)}, {"in_c", cInt(p.in_c)},
                 {"in_row_pitch", cInt(p.in_row_pitch)}, {"out_h", cInt(p.out_h)}, {"out_w", cInt(p.out_w)},
                 {"out_c", cInt(p.out_c)}, {"out_row_pitch", cInt(p.out_row_pitch)}, {"filter_c", cInt(p.filter_c)},
                 {"k_h", cInt(p.k_h)}, {"k_w", cInt(p.k_w)}, {"stride_h", cInt(p.stride_h)},
                 {"stride_w", cInt(p.stride_w)}, {"dilation_h", cInt(p.dilation_h)}, {"dilation_w", cInt(p.dilation_w)},
                 {"pad_top", cInt(p.pad_top)}, {"pad_left", cInt(p.pad_left)}, {"input_offset", cInt(p.input_offset)},
                 {"output_offset", cInt(p.output_offset)}, {"act_min", cInt(p.act_min)}, {"act_max", cInt(p.act_max)}});
    const std::string filter = c.pool->addI8(key(c, "filter"), hint(c, "filter"), plan->filter);
    const bool folded = plan->variant != ConvPlan::Variant::General;
    std::string bias = "NULL";
    if (folded)
        bias = c.pool->addI32(key(c, "bias_folded"), hint(c, "bias_folded"), plan->bias);
    else if (!plan->bias.empty())
        bias = c.pool->addI32(key(c, "bias"), hint(c, "bias"), plan->bias);
    const std::string mult = c.pool->addI32(key(c, "mult"), hint(c, "mult"), plan->multiplier);
    const std::string shift = c.pool->addI32(key(c, "shift"), hint(c, "shift"), plan->shift);
    std::vector<std::string> args{"&ts_p", c.inputs[0].as("int8_t", true), filter, bias, mult, shift,
                                  c.outputs[0].as("int8_t")};
    if (plan->scratchBytes > 0) {
        // The im2col is int16 (2-byte aligned); the 1×1 kernels read their int16 pairs as words
        // (4-byte aligned). Arena offsets are checked here; the generator aligns the arena itself.
        const int64_t align = plan->variant == ConvPlan::Variant::General ? 2 : 4;
        const std::string& sp = c.scratch[0].ptr;
        const std::string head = "(ts_a + ";
        if (sp.rfind(head, 0) == 0 && sp.size() > head.size() + 1) {
            const std::string digits = sp.substr(head.size(), sp.size() - head.size() - 1);
            if (digits.find_first_not_of("0123456789") == std::string::npos && digits.size() < 18
                && std::stoll(digits) % align != 0)
                return emitError(c, "the int16 scratch " + sp + " is not " + std::to_string(align)
                                        + "-byte aligned (plan with an alignment of at least 4)");
        }
    }
    args.push_back(plan->scratchBytes > 0 ? "((int16_t *)" + c.scratch[0].ptr + ")" : std::string("NULL"));
    if (plan->variant == ConvPlan::Variant::PointwiseInplace)
        args.push_back(plan->backward ? "1" : "0");
    return finish(std::move(e), joinArgs(plan->function, args), "ts_conv");
}

Result<Emitted> emitDepthwise(const EmitContext& c)
{
    if (c.inputs.empty() || !c.inputs[0].present())
        return emitError(c, "the input is missing");
    if (c.inputs[0].info->dtype == DType::Float32)
        return emitDepthwiseF32(c);
    if (c.inputs[0].info->dtype != DType::Int8)
        return emitError(c, std::string("no ") + dtypeName(c.inputs[0].info->dtype)
                                + " DEPTHWISE_CONV_2D kernel (int8, float32)");
    std::string error;
    const auto plan = depthwisePlan(c, &error);
    if (!plan)
        return emitError(c, error);
    const ts_depthwise_s8_params& p = plan->params;
    Emitted e;
    std::string what = x(p.k_h, p.k_w) + " stride " + x(p.stride_h, p.stride_w);
    if (p.dilation_h != 1 || p.dilation_w != 1)
        what += " dilation " + x(p.dilation_h, p.dilation_w);
    if (p.depth_multiplier != 1)
        what += " multiplier " + std::to_string(p.depth_multiplier);
    if (plan->inplace)
        what += ", in place channel by channel";
    e.lines.push_back(comment(c, what));
    printParams(e, "ts_depthwise_s8_params",
                {{"batches", cInt(p.batches)}, {"in_h", cInt(p.in_h)}, {"in_w", cInt(p.in_w)}, {"in_c", cInt(p.in_c)},
                 {"in_row_pitch", cInt(p.in_row_pitch)}, {"out_h", cInt(p.out_h)}, {"out_w", cInt(p.out_w)},
                 {"out_c", cInt(p.out_c)}, {"out_row_pitch", cInt(p.out_row_pitch)},
                 {"depth_multiplier", cInt(p.depth_multiplier)}, {"k_h", cInt(p.k_h)}, {"k_w", cInt(p.k_w)},
                 {"stride_h", cInt(p.stride_h)}, {"stride_w", cInt(p.stride_w)}, {"dilation_h", cInt(p.dilation_h)},
                 {"dilation_w", cInt(p.dilation_w)}, {"pad_top", cInt(p.pad_top)}, {"pad_left", cInt(p.pad_left)},
                 {"input_offset", cInt(p.input_offset)}, {"output_offset", cInt(p.output_offset)},
                 {"act_min", cInt(p.act_min)}, {"act_max", cInt(p.act_max)}});
    const bool c1 = std::string(plan->function) == "ts_depthwise_c1_s8";
    const std::string filter = c1 ? c.pool->addI32(key(c, "filter_c1"), hint(c, "filter"), plan->c1Filter)
                                  : c.pool->addI8(key(c, "filter_cm"), hint(c, "filter"), plan->filter);
    const std::string bias = c1 ? c.pool->addI32(key(c, "bias_c1"), hint(c, "bias"), plan->c1Bias)
        : plan->bias.empty()    ? "NULL"
                                : c.pool->addI32(key(c, "bias"), hint(c, "bias"), plan->bias);
    const std::string mult = c.pool->addI32(key(c, "mult"), hint(c, "mult"), plan->multiplier);
    const std::string shift = c.pool->addI32(key(c, "shift"), hint(c, "shift"), plan->shift);
    std::vector<std::string> args{"&ts_p", c.inputs[0].as("int8_t", true), filter, bias, mult, shift,
                                  c.outputs[0].as("int8_t")};
    if (plan->inplace)
        args.push_back("((int8_t *)" + c.scratch[0].ptr + ")");
    return finish(std::move(e), joinArgs(plan->function, args), "ts_depthwise");
}

Result<Emitted> emitPool(const EmitContext& c)
{
    std::string error;
    const auto plan = poolPlan(c, &error);
    if (!plan)
        return emitError(c, error);
    if (c.inplace != InplaceKind::None)
        return emitError(c, "pooling has no in-place kernel");
    const ts_pool_params& p = plan->params;
    Emitted e;
    e.lines.push_back(comment(c, x(p.filter_h, p.filter_w) + " stride " + x(p.stride_h, p.stride_w)));
    printParams(e, "ts_pool_params",
                {{"batches", cInt(p.batches)}, {"in_h", cInt(p.in_h)}, {"in_w", cInt(p.in_w)},
                 {"channels", cInt(p.channels)}, {"in_row_pitch", cInt(p.in_row_pitch)}, {"out_h", cInt(p.out_h)},
                 {"out_w", cInt(p.out_w)}, {"out_row_pitch", cInt(p.out_row_pitch)}, {"filter_h", cInt(p.filter_h)},
                 {"filter_w", cInt(p.filter_w)}, {"stride_h", cInt(p.stride_h)}, {"stride_w", cInt(p.stride_w)},
                 {"pad_top", cInt(p.pad_top)}, {"pad_left", cInt(p.pad_left)}, {"act_min", cInt(p.act_min)},
                 {"act_max", cInt(p.act_max)}, {"act_min_f", cFloat(p.act_min_f)}, {"act_max_f", cFloat(p.act_max_f)}});
    const char* ctype = plan->isFloat ? "float" : "int8_t";
    return finish(std::move(e), joinArgs(plan->function, {"&ts_p", c.inputs[0].as(ctype, true), c.outputs[0].as(ctype)}),
                  "ts_pool");
}

} // namespace ts::codegen
