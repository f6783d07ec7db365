// The convolution-family C kernels (ts_conv, ts_depthwise, ts_pool) against the reference
// interpreter, byte for byte. Each case builds a one-op graph, runs the reference kernel
// (ts::ref) on it, and runs the C kernel with the parameters and constants of params_conv.h (what
// the emitter prints) on the same bytes: out of place, inside larger maps (row pitches, untouched
// neighbours), in place at the contract's deltas, and with scratch of exactly the planned size
// between canaries.

#include "codegen/params_conv.h"
#include "kernels/scratch.h"
#include "reference/fixedpoint.h"
#include "reference/kernel_api.h"
#include "synthmodels.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace ts;
using namespace ts::codegen;

namespace {

constexpr uint8_t kCanary = 0xA5;
constexpr int kGuard = 64;

uint32_t g_rng = 0x12345678u;
uint32_t rnd()
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

std::vector<uint8_t> randomBytes(const Tensor& t)
{
    const int64_t n = t.elementCount().value_or(0);
    std::vector<uint8_t> b(size_t(n) * size_t(std::max(dtypeSize(t.dtype), 1)));
    if (t.dtype == DType::Float32) {
        for (int64_t i = 0; i < n; ++i) {
            const float f = float(int(rnd() % 2001) - 1000) / 300.0f;
            std::memcpy(b.data() + i * 4, &f, 4);
        }
    } else {
        for (auto& v : b)
            v = uint8_t(rnd());
    }
    return b;
}

int64_t bytesOf(const Tensor& t) { return t.byteSize().value_or(0); }

// Op 0 of `g` by the reference kernel on `input`: the output bytes.
std::vector<uint8_t> reference(const Graph& g, const std::vector<uint8_t>& input)
{
    std::vector<std::vector<uint8_t>> bytes(g.tensors.size());
    for (size_t i = 0; i < g.tensors.size(); ++i)
        if (g.tensors[i].isConstant())
            bytes[i].assign(g.tensors[i].data.data, g.tensors[i].data.data + g.tensors[i].data.size);
    const Op& op = g.ops[0];
    bytes[size_t(op.inputs[0])] = input;
    bytes[size_t(op.outputs[0])].assign(size_t(bytesOf(g.tensors[size_t(op.outputs[0])])), 0);
    ref::Tensors t(g, bytes);
    const ref::Kernel k = ref::findKernel(g, op);
    if (!k)
        qFatal("no reference kernel");
    const std::string e = k(t, op);
    if (!e.empty())
        qFatal("reference kernel failed: %s", e.c_str());
    return bytes[size_t(op.outputs[0])];
}

// The context the generator would hand the emitter for op 0: input at offset `inOff`, output at
// `outOff` of the arena, contiguous unless pitches are given.
EmitContext contextFor(const Graph& g, ConstPool& pool, int64_t inOff = 0, int64_t outOff = 1 << 20)
{
    EmitContext c;
    c.g = &g;
    c.op = &g.ops[0];
    c.opIndex = 0;
    c.opLabel = "op 0";
    c.pool = &pool;
    for (int idx : c.op->inputs) {
        Operand o;
        o.tensor = idx;
        if (idx >= 0) {
            o.info = g.tensor(idx);
            o.shape = o.info->shape;
            if (!o.info->isConstant()) {
                o.offset = inOff;
                o.ptr = "(ts_a + " + std::to_string(inOff) + ")";
            }
        }
        c.inputs.push_back(o);
    }
    Operand y;
    y.tensor = c.op->outputs[0];
    y.info = g.tensor(y.tensor);
    y.shape = y.info->shape;
    y.offset = outOff;
    y.ptr = "(ts_a + " + std::to_string(outOff) + ")";
    c.outputs.push_back(y);
    const KernelScratch ks = kernelScratch(g, *c.op, InplaceKind::None);
    if (ks.bytes > 0)
        c.scratch.push_back({"(ts_a + 8388608)", ks.bytes});
    return c;
}

// A buffer with canary guard bands on both sides.
struct Guarded {
    std::vector<uint8_t> bytes;
    explicit Guarded(int64_t n) : bytes(size_t(n + 2 * kGuard), kCanary) {}
    uint8_t* data() { return bytes.data() + kGuard; }
    bool guardsIntact() const
    {
        for (int i = 0; i < kGuard; ++i)
            if (bytes[size_t(i)] != kCanary || bytes[bytes.size() - 1 - size_t(i)] != kCanary)
                return false;
        return true;
    }
};

// ---- models ----------------------------------------------------------------------------------

std::vector<float> channelScales(int n, int taps)
{
    std::vector<float> s;
    for (int c = 0; c < n; ++c)
        s.push_back(0.01f / std::sqrt(float(taps)) * (0.7f + 0.15f * float(c % 4)));
    return s;
}

int outSize(int in, int k, int stride, int dilation, Padding p)
{
    const int eff = (k - 1) * dilation + 1;
    return p == Padding::Same ? (in + stride - 1) / stride : (in - eff) / stride + 1;
}

struct ConvSpec {
    int h, w, cin, cout, kh, kw, stride = 1, dilation = 1;
    Padding padding = Padding::Same;
    ExplicitPad pad{};
    Activation act = Activation::None;
    bool bias = true;
    int filterC = 0; // grouped: input channels per group
    int batches = 1;
};

Model convModel(const ConvSpec& s, uint32_t seed, bool isFloat = false)
{
    synth::Builder b(seed);
    const int fc = s.filterC ? s.filterC : s.cin;
    const DType t = isFloat ? DType::Float32 : DType::Int8;
    const int x = b.act("x", {s.batches, s.h, s.w, s.cin}, t, 0.05f, -7);
    const int w = isFloat ? b.floatWeights("w", {s.cout, s.kh, s.kw, fc})
                          : b.int8Weights("w", {s.cout, s.kh, s.kw, fc}, channelScales(s.cout, s.kh * s.kw * fc), 0);
    const int bias = s.bias ? b.bias("b", s.cout, isFloat ? DType::Float32 : DType::Int32) : -1;
    const int oh = outSize(s.h + s.pad.top + s.pad.bottom, s.kh, s.stride, s.dilation, s.padding);
    const int ow = outSize(s.w + s.pad.left + s.pad.right, s.kw, s.stride, s.dilation, s.padding);
    const int y = b.act("y", {s.batches, oh, ow, s.cout}, t, 0.05f, 6);
    Conv2DOptions o;
    o.padding = s.padding;
    o.strideH = o.strideW = s.stride;
    o.dilationH = o.dilationW = s.dilation;
    o.activation = s.act;
    o.pad = s.pad;
    b.op(OpKind::Conv2D, {x, w, bias}, {y}, o);
    return b.finish({x}, {y});
}

struct DwSpec {
    int h, w, c, k, stride = 1, dilation = 1, mult = 1;
    Padding padding = Padding::Same;
    ExplicitPad pad{};
    Activation act = Activation::None;
    bool bias = true;
    int kw = 0; // 0: square
    int inZp = 9;
};

Model dwModel(const DwSpec& s, uint32_t seed, bool isFloat = false)
{
    synth::Builder b(seed);
    const int kw = s.kw ? s.kw : s.k;
    const int cout = s.c * s.mult;
    const DType t = isFloat ? DType::Float32 : DType::Int8;
    const int x = b.act("x", {1, s.h, s.w, s.c}, t, 0.05f, s.inZp);
    const int w = isFloat ? b.floatWeights("w", {1, s.k, kw, cout})
                          : b.int8Weights("w", {1, s.k, kw, cout}, channelScales(cout, s.k * kw), 3);
    const int bias = s.bias ? b.bias("b", cout, isFloat ? DType::Float32 : DType::Int32) : -1;
    const int oh = outSize(s.h + s.pad.top + s.pad.bottom, s.k, s.stride, s.dilation, s.padding);
    const int ow = outSize(s.w + s.pad.left + s.pad.right, kw, s.stride, s.dilation, s.padding);
    const int y = b.act("y", {1, oh, ow, cout}, t, 0.04f, -3);
    DepthwiseConv2DOptions o;
    o.padding = s.padding;
    o.strideH = o.strideW = s.stride;
    o.dilationH = o.dilationW = s.dilation;
    o.depthMultiplier = s.mult;
    o.activation = s.act;
    o.pad = s.pad;
    b.op(OpKind::DepthwiseConv2D, {x, w, bias}, {y}, o);
    return b.finish({x}, {y});
}

struct PoolSpec {
    int h, w, c, filter, stride;
    Padding padding = Padding::Valid;
    ExplicitPad pad{};
    Activation act = Activation::None;
    bool average = true;
    bool isFloat = false;
};

Model poolModel(const PoolSpec& s, uint32_t seed)
{
    synth::Builder b(seed);
    const DType t = s.isFloat ? DType::Float32 : DType::Int8;
    const int x = b.act("x", {1, s.h, s.w, s.c}, t, 0.05f, -4);
    const int oh = outSize(s.h + s.pad.top + s.pad.bottom, s.filter, s.stride, 1, s.padding);
    const int ow = outSize(s.w + s.pad.left + s.pad.right, s.filter, s.stride, 1, s.padding);
    const int y = b.act("y", {1, oh, ow, s.c}, t, 0.05f, -4);
    Pool2DOptions o = synth::poolOptions(s.filter, s.stride, s.padding);
    o.pad = s.pad;
    o.activation = s.act;
    b.op(s.average ? OpKind::AveragePool2D : OpKind::MaxPool2D, {x}, {y}, o);
    return b.finish({x}, {y});
}

// ---- running the C kernels ---------------------------------------------------------------------

void runConv(const ConvPlan& p, const uint8_t* in, uint8_t* out, uint8_t* scratch)
{
    const auto* x = reinterpret_cast<const int8_t*>(in);
    auto* y = reinterpret_cast<int8_t*>(out);
    const int32_t* bias = p.bias.empty() ? nullptr : p.bias.data();
    switch (p.variant) {
    case ConvPlan::Variant::General:
        ts_conv_s8(&p.params, x, p.filter.data(), bias, p.multiplier.data(), p.shift.data(), y,
                   reinterpret_cast<int16_t*>(scratch));
        break;
    case ConvPlan::Variant::Pointwise:
        ts_conv_1x1_s8(&p.params, x, p.filter.data(), bias, p.multiplier.data(), p.shift.data(), y,
                       reinterpret_cast<int16_t*>(scratch));
        break;
    case ConvPlan::Variant::PointwiseInplace:
        ts_conv_1x1_s8_inplace(&p.params, x, p.filter.data(), bias, p.multiplier.data(), p.shift.data(), y,
                               reinterpret_cast<int16_t*>(scratch), p.backward ? 1 : 0);
        break;
    }
}

void runDepthwise(const DepthwisePlan& p, const uint8_t* in, uint8_t* out, uint8_t* scratch)
{
    using Fn = void (*)(const ts_depthwise_s8_params*, const int8_t*, const int8_t*, const int32_t*, const int32_t*,
                        const int32_t*, int8_t*);
    using FnIn = void (*)(const ts_depthwise_s8_params*, const int8_t*, const int8_t*, const int32_t*,
                          const int32_t*, const int32_t*, int8_t*, int8_t*);
    static const std::map<std::string, Fn> out_of_place{{"ts_depthwise_s8", ts_depthwise_s8},
        {"ts_depthwise_3x3_s8", ts_depthwise_3x3_s8}, {"ts_depthwise_5x5_s8", ts_depthwise_5x5_s8},
        {"ts_depthwise_7x7_s8", ts_depthwise_7x7_s8}};
    static const std::map<std::string, FnIn> in_place{{"ts_depthwise_s8_inplace", ts_depthwise_s8_inplace},
        {"ts_depthwise_3x3_s8_inplace", ts_depthwise_3x3_s8_inplace},
        {"ts_depthwise_5x5_s8_inplace", ts_depthwise_5x5_s8_inplace},
        {"ts_depthwise_7x7_s8_inplace", ts_depthwise_7x7_s8_inplace}};
    const auto* x = reinterpret_cast<const int8_t*>(in);
    auto* y = reinterpret_cast<int8_t*>(out);
    const int32_t* bias = p.bias.empty() ? nullptr : p.bias.data();
    if (std::string(p.function) == "ts_depthwise_c1_s8") {
        ts_depthwise_c1_s8(&p.params, x, p.c1Filter.data(), p.c1Bias.data(), p.multiplier.data(), p.shift.data(), y);
        return;
    }
    if (p.inplace)
        in_place.at(p.function)(&p.params, x, p.filter.data(), bias, p.multiplier.data(), p.shift.data(), y,
                                reinterpret_cast<int8_t*>(scratch));
    else
        out_of_place.at(p.function)(&p.params, x, p.filter.data(), bias, p.multiplier.data(), p.shift.data(), y);
}

void runPool(const PoolPlan& p, const uint8_t* in, uint8_t* out)
{
    const std::string f = p.function;
    if (f == "ts_avgpool_s8")
        ts_avgpool_s8(&p.params, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
    else if (f == "ts_maxpool_s8")
        ts_maxpool_s8(&p.params, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
    else if (f == "ts_avgpool_f32")
        ts_avgpool_f32(&p.params, reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out));
    else
        ts_maxpool_f32(&p.params, reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out));
}

// One out-of-place run of op 0 on `input`. With window geometry: the input is a [h,w] window at
// (row0, col0) of a map `extra` pixels wider and taller, the output likewise; all bytes outside
// the output window must stay untouched. Scratch is exactly the plan's size between canaries.
struct Geometry {
    int extraW = 0, extraH = 0, row0 = 0, col0 = 0;
};

QString runOutOfPlace(const Graph& g, const std::vector<uint8_t>& input, const std::vector<uint8_t>& expected,
                      const Geometry& geo, QString* variant = nullptr)
{
    const Op& op = g.ops[0];
    const Tensor& xt = *g.tensor(op.inputs[0]);
    const Tensor& yt = *g.tensor(op.outputs[0]);
    const int es = std::max(dtypeSize(xt.dtype), 1);
    const int ih = xt.shape[1], iw = xt.shape[2], ic = xt.shape[3], ib = xt.shape[0];
    const int oh = yt.shape[1], ow = yt.shape[2], oc = yt.shape[3], ob = yt.shape[0];
    const bool window = geo.extraW || geo.extraH;
    const int64_t inPitch = int64_t(iw + geo.extraW) * ic * es, outPitch = int64_t(ow + geo.extraW) * oc * es;
    const int64_t inMap = (ih + geo.extraH) * inPitch * ib, outMap = (oh + geo.extraH) * outPitch * ob;
    const int64_t inStart = (geo.row0 * inPitch) + geo.col0 * ic * es;
    const int64_t outStart = (geo.row0 * outPitch) + geo.col0 * oc * es;

    ConstPool pool;
    EmitContext c = contextFor(g, pool, inStart, 1 << 20);
    if (window) {
        c.inputs[0].rowPitch = inPitch;
        c.outputs[0].rowPitch = outPitch;
    }
    std::string error;
    Guarded in(inMap), out(outMap);
    std::vector<uint8_t> filler(static_cast<size_t>(outMap));
    for (auto& v : filler)
        v = uint8_t(rnd());
    std::memcpy(out.data(), filler.data(), filler.size());
    std::vector<uint8_t> inFill(static_cast<size_t>(inMap));
    for (auto& v : inFill)
        v = uint8_t(rnd());
    std::memcpy(in.data(), inFill.data(), inFill.size());
    // The window's rows into the bigger map (or the whole contiguous tensor).
    const int64_t inRow = int64_t(iw) * ic * es;
    for (int r = 0; r < ih * ib; ++r)
        std::memcpy(in.data() + inStart + r * inPitch, input.data() + r * inRow, size_t(inRow));
    const std::vector<uint8_t> inBefore(in.data(), in.data() + inMap);
    const int64_t planned = c.scratch.empty() ? 0 : c.scratch[0].bytes;
    Guarded scratch(planned);

    if (xt.dtype == DType::Float32 && op.kind == OpKind::Conv2D) {
        const auto plan = convF32Plan(c, &error);
        if (!plan)
            return QString::fromStdString("convF32Plan: " + error);
        if (variant)
            *variant = "ts_conv_f32";
        ts_conv_f32(&plan->params, reinterpret_cast<const float*>(in.data() + inStart), plan->filter.data(),
                    plan->bias.empty() ? nullptr : plan->bias.data(), reinterpret_cast<float*>(out.data() + outStart));
    } else if (xt.dtype == DType::Float32 && op.kind == OpKind::DepthwiseConv2D) {
        const auto plan = depthwiseF32Plan(c, &error);
        if (!plan)
            return QString::fromStdString("depthwiseF32Plan: " + error);
        if (variant)
            *variant = "ts_depthwise_f32";
        ts_depthwise_f32(&plan->params, reinterpret_cast<const float*>(in.data() + inStart), plan->filter.data(),
                         plan->bias.empty() ? nullptr : plan->bias.data(), reinterpret_cast<float*>(out.data() + outStart));
    } else if (op.kind == OpKind::Conv2D) {
        const auto plan = convPlan(c, &error);
        if (!plan)
            return QString::fromStdString("convPlan: " + error);
        if (plan->scratchBytes > planned)
            return "kernel scratch above the plan";
        if (variant)
            *variant = plan->function;
        runConv(*plan, in.data() + inStart, out.data() + outStart, scratch.data());
    } else if (op.kind == OpKind::DepthwiseConv2D) {
        const auto plan = depthwisePlan(c, &error);
        if (!plan)
            return QString::fromStdString("depthwisePlan: " + error);
        if (variant)
            *variant = plan->function;
        runDepthwise(*plan, in.data() + inStart, out.data() + outStart, scratch.data());
    } else {
        const auto plan = poolPlan(c, &error);
        if (!plan)
            return QString::fromStdString("poolPlan: " + error);
        if (variant)
            *variant = plan->function;
        runPool(*plan, in.data() + inStart, out.data() + outStart);
    }
    if (!scratch.guardsIntact())
        return "scratch canaries overwritten";
    if (!in.guardsIntact() || !out.guardsIntact())
        return "guard bands overwritten";
    if (std::memcmp(in.data(), inBefore.data(), inBefore.size()) != 0)
        return "input changed";
    // Compare the window; everything else must hold the filler.
    const int64_t outRow = int64_t(ow) * oc * es;
    std::vector<uint8_t> expectMap = filler;
    for (int r = 0; r < oh * ob; ++r)
        std::memcpy(expectMap.data() + outStart + r * outPitch, expected.data() + r * outRow, size_t(outRow));
    for (int64_t i = 0; i < outMap; ++i)
        if (out.data()[i] != expectMap[size_t(i)]) {
            const int64_t rel = i - outStart;
            return QString("output byte %1 (window row %2, byte %3 of the row): %4, expected %5")
                .arg(i)
                .arg(rel / outPitch)
                .arg(rel % outPitch)
                .arg(int(int8_t(out.data()[i])))
                .arg(int(int8_t(expectMap[size_t(i)])));
        }
    return {};
}

QString checkModel(const Model& m, const Geometry& geo = {}, QString* variant = nullptr)
{
    const Graph& g = m.main();
    const std::vector<uint8_t> input = randomBytes(*g.tensor(g.ops[0].inputs[0]));
    const std::vector<uint8_t> expected = reference(g, input);
    // A case whose output is saturated everywhere would prove little.
    if (expected.size() >= 64 && std::set<uint8_t>(expected.begin(), expected.end()).size() < 12)
        return "degenerate reference output (too few distinct bytes)";
    return runOutOfPlace(g, input, expected, geo, variant);
}

// In place: one buffer, input at `base`, output at base + delta; compares with the reference's
// out-of-place output. Scratch is exactly inplaceScratchBytes between canaries.
QString runInPlace(const Model& m, InplaceKind kind, IterationOrder order, int64_t delta)
{
    const Graph& g = m.main();
    const Op& op = g.ops[0];
    const Tensor& xt = *g.tensor(op.inputs[0]);
    const Tensor& yt = *g.tensor(op.outputs[0]);
    const std::vector<uint8_t> input = randomBytes(xt);
    const std::vector<uint8_t> expected = reference(g, input);
    const int64_t inBytes = bytesOf(xt), outBytes = bytesOf(yt);
    const int64_t lo = std::min<int64_t>(0, delta), hi = std::max(inBytes, delta + outBytes);
    const int64_t base = -lo;
    Guarded buf(hi - lo);
    std::memcpy(buf.data() + base, input.data(), input.size());

    ConstPool pool;
    EmitContext c = contextFor(g, pool, 4096 + base, 4096 + base + delta);
    c.inplace = kind;
    c.order = order;
    c.inplaceOperand = 0;
    c.scratch.clear();
    const int64_t planned = inplaceScratchBytes(g, op, kind);
    c.scratch.push_back({"(ts_a + 8388608)", planned});
    Guarded scratch(planned);
    std::string error;
    if (op.kind == OpKind::Conv2D) {
        const auto plan = convPlan(c, &error);
        if (!plan)
            return QString::fromStdString("convPlan: " + error);
        if (plan->variant != ConvPlan::Variant::PointwiseInplace)
            return "not the in-place variant";
        runConv(*plan, buf.data() + base, buf.data() + base + delta, scratch.data());
    } else {
        const auto plan = depthwisePlan(c, &error);
        if (!plan)
            return QString::fromStdString("depthwisePlan: " + error);
        if (!plan->inplace)
            return "not the in-place variant";
        runDepthwise(*plan, buf.data() + base, buf.data() + base + delta, scratch.data());
    }
    if (!scratch.guardsIntact())
        return "scratch canaries overwritten";
    if (!buf.guardsIntact())
        return "guard bands overwritten";
    for (int64_t i = 0; i < outBytes; ++i)
        if (buf.data()[base + delta + i] != expected[size_t(i)])
            return QString("output byte %1: %2, expected %3")
                .arg(i)
                .arg(int(int8_t(buf.data()[base + delta + i])))
                .arg(int(int8_t(expected[size_t(i)])));
    return {};
}

ExplicitPad pads(int t, int b, int l, int r)
{
    ExplicitPad p;
    p.top = t, p.bottom = b, p.left = l, p.right = r;
    return p;
}

} // namespace

Q_DECLARE_METATYPE(ConvSpec)
Q_DECLARE_METATYPE(DwSpec)
Q_DECLARE_METATYPE(PoolSpec)

class TestCKernelsConv : public QObject {
    Q_OBJECT
private slots:
    void conv_data();
    void conv();
    void convWindow();
    void convInplace_data();
    void convInplace();
    void convRefusals();
    void depthwise_data();
    void depthwise();
    void depthwiseWindow();
    void depthwiseInplace_data();
    void depthwiseInplace();
    void depthwiseRefusals();
    void pointwiseLayout();
    void pointwiseRequantize();
    void depthwiseC1Layout();
    void depthwiseC1Requantize();
    void pool_data();
    void pool();
    void poolWindow();
    void float32();
    void randomSweep();
    void emittedCompiles();
};

void TestCKernelsConv::conv_data()
{
    QTest::addColumn<ConvSpec>("spec");
    QTest::addColumn<QString>("variant");
    auto row = [](const char* name, ConvSpec s, const char* v) { QTest::newRow(name) << s << QString(v); };
    row("3x3 s1 SAME", {9, 7, 5, 6, 3, 3}, "ts_conv_s8");
    row("3x3 s1 SAME relu6", {8, 8, 4, 7, 3, 3, 1, 1, Padding::Same, {}, Activation::Relu6}, "ts_conv_s8");
    row("3x3 s2 SAME even", {8, 10, 4, 5, 3, 3, 2, 1, Padding::Same, {}, Activation::Relu}, "ts_conv_s8");
    row("3x3 s2 SAME odd", {9, 11, 3, 4, 3, 3, 2}, "ts_conv_s8");
    row("5x5 VALID", {11, 9, 3, 5, 5, 5, 1, 1, Padding::Valid}, "ts_conv_s8");
    row("5x5 s2 VALID no bias", {12, 13, 2, 3, 5, 5, 2, 1, Padding::Valid, {}, Activation::None, false}, "ts_conv_s8");
    row("dilation 2", {10, 9, 3, 4, 3, 3, 1, 2}, "ts_conv_s8");
    row("dilation 2 VALID", {10, 9, 3, 4, 3, 3, 1, 2, Padding::Valid}, "ts_conv_s8");
    row("1x1 fast", {7, 5, 16, 9, 1, 1}, "ts_conv_1x1_s8");
    row("1x1 fast relu6 no bias", {3, 5, 7, 4, 1, 1, 1, 1, Padding::Valid, {}, Activation::Relu6, false},
        "ts_conv_1x1_s8");
    row("1x1 stride 2", {7, 8, 6, 5, 1, 1, 2}, "ts_conv_s8");
    row("1x1 padded", {4, 5, 6, 3, 1, 1, 1, 1, Padding::Valid, pads(1, 0, 0, 2)}, "ts_conv_s8");
    row("first layer cin 3 s2", {16, 15, 3, 8, 3, 3, 2, 1, Padding::Same, {}, Activation::Relu6}, "ts_conv_s8");
    row("explicit padding", {7, 8, 4, 5, 3, 3, 1, 1, Padding::Valid, pads(1, 2, 0, 1)}, "ts_conv_s8");
    row("explicit + SAME s2", {7, 8, 4, 5, 3, 3, 2, 1, Padding::Same, pads(2, 0, 1, 1), Activation::Relu}, "ts_conv_s8");
    row("2x3 kernel", {6, 7, 3, 4, 2, 3, 1, 1, Padding::Same}, "ts_conv_s8");
    row("odd out_c 1 pixel", {1, 1, 5, 3, 1, 1}, "ts_conv_1x1_s8");
    row("1x1 cin 3 odd pixels", {3, 3, 3, 5, 1, 1}, "ts_conv_1x1_s8");
    row("1x1 cin 1", {2, 3, 1, 4, 1, 1}, "ts_conv_1x1_s8");
    row("1x1 cin 12 cout 2", {4, 3, 12, 2, 1, 1, 1, 1, Padding::Same, {}, Activation::Relu}, "ts_conv_1x1_s8");
    row("grouped", {6, 5, 8, 6, 3, 3, 1, 1, Padding::Same, {}, Activation::None, true, 4}, "ts_conv_s8");
    row("two batches", {5, 4, 3, 4, 3, 3, 1, 1, Padding::Same, {}, Activation::None, true, 0, 2}, "ts_conv_s8");
    row("two batches 1x1", {5, 4, 3, 4, 1, 1, 1, 1, Padding::Same, {}, Activation::None, true, 0, 2}, "ts_conv_1x1_s8");
}

void TestCKernelsConv::conv()
{
    QFETCH(ConvSpec, spec);
    QFETCH(QString, variant);
    for (uint32_t seed : {1u, 77u, 1234u}) {
        QString used;
        const QString e = checkModel(convModel(spec, seed), {}, &used);
        QVERIFY2(e.isEmpty(), qPrintable(e));
        QCOMPARE(used, variant);
    }
}

void TestCKernelsConv::convWindow()
{
    // A patch's input window inside a larger stored map, its output tile into the stitched map.
    const ConvSpec specs[] = {{6, 5, 4, 5, 3, 3, 1, 1, Padding::Valid, pads(1, 0, 1, 0)},
                              {6, 7, 3, 4, 3, 3, 2, 1, Padding::Valid, pads(0, 1, 0, 1), Activation::Relu6},
                              {5, 6, 8, 5, 1, 1}};
    for (const ConvSpec& s : specs)
        for (const Geometry& geo : {Geometry{3, 2, 1, 2}, Geometry{1, 0, 0, 1}, Geometry{5, 3, 3, 0}}) {
            const QString e = checkModel(convModel(s, 99), geo);
            QVERIFY2(e.isEmpty(), qPrintable(e));
        }
}

void TestCKernelsConv::convInplace_data()
{
    QTest::addColumn<int>("cin");
    QTest::addColumn<int>("cout");
    QTest::addColumn<int>("order"); // 0 forward, 1 backward
    QTest::addColumn<qint64>("delta");
    const int P = 5 * 7;
    QTest::newRow("shrink forward head") << 16 << 8 << 0 << qint64(0);
    QTest::newRow("shrink forward delta cin-cout") << 16 << 8 << 0 << qint64(8);
    QTest::newRow("shrink backward tail") << 16 << 8 << 1 << qint64((P - 1) * 8);
    QTest::newRow("equal forward") << 8 << 8 << 0 << qint64(0);
    QTest::newRow("equal backward") << 8 << 8 << 1 << qint64(0);
    QTest::newRow("expand backward head") << 6 << 13 << 1 << qint64(0);
    QTest::newRow("expand backward delta cin-cout") << 6 << 13 << 1 << qint64(-7);
    QTest::newRow("expand forward tail") << 6 << 13 << 0 << qint64(-(P - 1) * 7);
    QTest::newRow("expand forward further") << 6 << 13 << 0 << qint64(-(P - 1) * 7 - 20);
}

void TestCKernelsConv::convInplace()
{
    QFETCH(int, cin);
    QFETCH(int, cout);
    QFETCH(int, order);
    QFETCH(qint64, delta);
    for (Activation a : {Activation::None, Activation::Relu6}) {
        const Model m = convModel({5, 7, cin, cout, 1, 1, 1, 1, Padding::Valid, {}, a}, 5u + uint32_t(cin));
        const InplaceKind kind = inplaceKind(m.main(), m.main().ops[0], 0);
        QCOMPARE(kind, cout <= cin ? InplaceKind::PointwiseShrink : InplaceKind::PointwiseExpand);
        const QString e = runInPlace(m, kind, order ? IterationOrder::Backward : IterationOrder::Forward, delta);
        QVERIFY2(e.isEmpty(), qPrintable(e));
    }
}

void TestCKernelsConv::convRefusals()
{
    std::string error;
    ConstPool pool;
    // In place over a strided window.
    {
        const Model m = convModel({5, 7, 8, 4, 1, 1, 1, 1, Padding::Valid}, 3);
        EmitContext c = contextFor(m.main(), pool, 0, 0);
        c.inplace = InplaceKind::PointwiseShrink;
        c.inplaceOperand = 0;
        c.scratch = {{"(ts_a + 100000)", 4 * 8}}; // a pixel pair as int16
        QVERIFY(convPlan(c, &error));
        c.inputs[0].rowPitch = 7 * 8 + 8;
        QVERIFY(!convPlan(c, &error));
        QVERIFY2(QString::fromStdString(error).contains("strided"), error.c_str());
        QVERIFY(!emitConv(c).ok());
    }
    // An expanding 1×1 walked forward at the head placement overwrites unread input.
    {
        const Model m = convModel({5, 7, 4, 8, 1, 1, 1, 1, Padding::Valid}, 3);
        EmitContext c = contextFor(m.main(), pool, 0, 0);
        c.inplace = InplaceKind::PointwiseExpand;
        c.inplaceOperand = 0;
        c.order = IterationOrder::Forward;
        c.scratch = {{"(ts_a + 100000)", 4 * 4}};
        QVERIFY(!convPlan(c, &error));
        c.order = IterationOrder::Backward;
        QVERIFY(convPlan(c, &error));
        QVERIFY(emitConv(c).ok());
        c.scratch[0].ptr = "(ts_a + 100002)"; // the 1×1 kernels read their int16 pairs as words
        QVERIFY(!emitConv(c).ok());
        c.scratch[0].bytes = 4 * 4 - 1; // less than a pixel pair as int16
        QVERIFY(!convPlan(c, &error));
    }
    // Out of place, the 1×1 kernel plans the same pixel pair; one pixel needs half.
    {
        const Model m = convModel({5, 7, 6, 8, 1, 1, 1, 1, Padding::Valid}, 3);
        EmitContext c = contextFor(m.main(), pool);
        QCOMPARE(c.scratch.at(0).bytes, int64_t(4 * 6));
        c.scratch[0].bytes -= 1;
        QVERIFY(!convPlan(c, &error));
        const Model one = convModel({1, 1, 6, 8, 1, 1, 1, 1, Padding::Valid}, 3);
        QCOMPARE(contextFor(one.main(), pool).scratch.at(0).bytes, int64_t(2 * 6));
    }
    // The general path with less scratch than the im2col needs; and a float conv.
    {
        const Model m = convModel({5, 7, 4, 8, 3, 3}, 3);
        EmitContext c = contextFor(m.main(), pool);
        QCOMPARE(c.scratch.at(0).bytes, int64_t(2 * 3 * 3 * 4 * 2));
        c.scratch[0].bytes -= 1;
        QVERIFY(!convPlan(c, &error));
        c.scratch[0].bytes += 1;
        QVERIFY(emitConv(c).ok());
        c.scratch[0].ptr = "(ts_a + 4097)"; // the int16 im2col needs 2-byte alignment
        QVERIFY(!emitConv(c).ok());
        const Result<Emitted> r = emitConv(c);
        QVERIFY(!r.ok());
        QVERIFY(!r.diagnostics.empty());
    }
    // No int16 convolution kernel: an error naming the op, not code.
    {
        Model m = convModel({4, 4, 3, 2, 1, 1}, 3);
        Graph& g = m.main();
        g.tensors[size_t(g.ops[0].inputs[0])].dtype = DType::Int16;
        const Result<Emitted> r = emitOp(contextFor(g, pool));
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.diagnostics.at(0).message).contains("op 0"));
    }
}

void TestCKernelsConv::depthwise_data()
{
    QTest::addColumn<DwSpec>("spec");
    QTest::addColumn<QString>("variant");
    auto row = [](const char* name, DwSpec s, const char* v) { QTest::newRow(name) << s << QString(v); };
    row("3x3 s1 SAME", {9, 8, 5, 3}, "ts_depthwise_3x3_s8");
    row("3x3 s1 SAME relu6", {7, 7, 8, 3, 1, 1, 1, Padding::Same, {}, Activation::Relu6}, "ts_depthwise_3x3_s8");
    row("3x3 s2 SAME even", {8, 10, 6, 3, 2, 1, 1, Padding::Same, {}, Activation::Relu}, "ts_depthwise_3x3_s8");
    row("3x3 s2 SAME odd", {9, 11, 3, 3, 2}, "ts_depthwise_3x3_s8");
    row("3x3 VALID no bias", {6, 7, 4, 3, 1, 1, 1, Padding::Valid, {}, Activation::None, false}, "ts_depthwise_3x3_s8");
    row("5x5 s1", {10, 9, 4, 5}, "ts_depthwise_5x5_s8");
    row("5x5 s2", {11, 12, 3, 5, 2}, "ts_depthwise_5x5_s8");
    row("7x7 s1", {12, 10, 3, 7}, "ts_depthwise_7x7_s8");
    row("7x7 s2 relu6", {13, 14, 2, 7, 2, 1, 1, Padding::Same, {}, Activation::Relu6}, "ts_depthwise_7x7_s8");
    row("7x7 larger than input", {4, 5, 3, 7}, "ts_depthwise_7x7_s8");
    row("multiplier 2", {7, 6, 3, 3, 1, 1, 2}, "ts_depthwise_3x3_s8");
    row("multiplier 3 s2", {8, 7, 2, 3, 2, 1, 3}, "ts_depthwise_3x3_s8");
    row("dilation 2", {10, 9, 4, 3, 1, 2}, "ts_depthwise_3x3_s8");
    row("explicit padding", {7, 8, 4, 3, 1, 1, 1, Padding::Valid, pads(1, 0, 2, 1)}, "ts_depthwise_3x3_s8");
    row("explicit + SAME s2", {7, 8, 4, 3, 2, 1, 1, Padding::Same, pads(0, 1, 1, 0)}, "ts_depthwise_3x3_s8");
    row("4x4 generic", {9, 9, 3, 4}, "ts_depthwise_s8");
    row("2x5 generic s2", {9, 11, 3, 2, 2, 1, 1, Padding::Same, {}, Activation::None, true, 5}, "ts_depthwise_s8");
    row("1x1", {5, 4, 6, 1}, "ts_depthwise_s8");
    // One input channel: ts_depthwise_c1_s8 (pixel by pixel, every depth multiplier 1..8).
    const char* c1 = "ts_depthwise_c1_s8";
    auto c1row = [&](const char* name, DwSpec s) { row(name, s, c1); };
    c1row("c1 micro_speech 10x8 s2 x8", {49, 40, 1, 10, 2, 1, 8, Padding::Same, {}, Activation::None, true, 8});
    c1row("c1 micro_speech zp -128", {49, 40, 1, 10, 2, 1, 8, Padding::Same, {}, Activation::None, true, 8, -128});
    c1row("c1 micro_speech zp 127 relu", {49, 40, 1, 10, 2, 1, 8, Padding::Same, {}, Activation::Relu, true, 8, 127});
    for (int m = 1; m <= 8; ++m) {
        static std::vector<std::string> names;
        names.push_back("c1 odd 3x5 s1 x" + std::to_string(m));
        c1row(names.back().c_str(), {11, 13, 1, 3, 1, 1, m, Padding::Same, {}, Activation::None, true, 5, 3 - 15 * m});
        names.push_back("c1 7x8 s2 x" + std::to_string(m));
        c1row(names.back().c_str(), {15, 17, 1, 7, 2, 1, m, Padding::Same, {}, Activation::Relu6, m % 2 == 0, 8, m});
    }
    c1row("c1 VALID 4x4 s3", {13, 14, 1, 4, 3, 1, 5, Padding::Valid, {}, Activation::None, true, 4, -1});
    c1row("c1 kernel larger than input", {3, 5, 1, 6, 1, 1, 3, Padding::Same, {}, Activation::None, true, 7, 0});
    c1row("c1 explicit padding", {9, 10, 1, 3, 2, 1, 6, Padding::Valid, pads(2, 1, 0, 3), Activation::None, true, 9, 40});
    c1row("c1 1x1", {5, 6, 1, 1, 1, 1, 7, Padding::Same, {}, Activation::None, true, 1, -9});
    row("c1 dilation 2 keeps the generic kernel", {10, 9, 1, 3, 1, 2, 4}, "ts_depthwise_3x3_s8");
    row("c1 20x26 patch > 512 B keeps the generic kernel",
        {30, 30, 1, 20, 2, 1, 2, Padding::Same, {}, Activation::None, true, 26}, "ts_depthwise_s8");
}

void TestCKernelsConv::depthwise()
{
    QFETCH(DwSpec, spec);
    QFETCH(QString, variant);
    for (uint32_t seed : {2u, 31u, 4096u}) {
        QString used;
        const QString e = checkModel(dwModel(spec, seed), {}, &used);
        QVERIFY2(e.isEmpty(), qPrintable(e));
        QCOMPARE(used, variant);
    }
}

void TestCKernelsConv::depthwiseWindow()
{
    const DwSpec specs[] = {{6, 5, 4, 3, 1, 1, 1, Padding::Valid, pads(1, 0, 1, 0)},
                            {7, 6, 3, 3, 2, 1, 1, Padding::Valid, pads(0, 1, 1, 0), Activation::Relu6},
                            {9, 9, 2, 5, 1, 1, 2, Padding::Valid, pads(2, 2, 2, 2)},
                            {8, 8, 3, 4, 1}};
    for (const DwSpec& s : specs)
        for (const Geometry& geo : {Geometry{3, 2, 1, 2}, Geometry{1, 0, 0, 1}}) {
            const QString e = checkModel(dwModel(s, 17), geo);
            QVERIFY2(e.isEmpty(), qPrintable(e));
        }
}

void TestCKernelsConv::depthwiseInplace_data()
{
    QTest::addColumn<DwSpec>("spec");
    QTest::addColumn<int>("deltaPixels"); // delta in pixels (delta = pixels · C); INT_MAX: the tail
    QTest::newRow("3x3 s1 head") << DwSpec{7, 9, 5, 3} << 0;
    QTest::newRow("3x3 s1 before") << DwSpec{7, 9, 5, 3} << -4;
    QTest::newRow("3x3 s2 head") << DwSpec{8, 9, 4, 3, 2} << 0;
    QTest::newRow("3x3 s2 tail") << DwSpec{8, 9, 4, 3, 2} << INT_MAX;
    QTest::newRow("5x5 s1 relu6 head") << DwSpec{9, 8, 3, 5, 1, 1, 1, Padding::Same, {}, Activation::Relu6} << 0;
    QTest::newRow("7x7 s2 tail") << DwSpec{10, 11, 3, 7, 2} << INT_MAX;
    QTest::newRow("4x4 generic valid tail") << DwSpec{9, 9, 3, 4, 1, 1, 1, Padding::Valid} << INT_MAX;
    QTest::newRow("explicit padding head") << DwSpec{6, 7, 4, 3, 1, 1, 1, Padding::Valid, pads(1, 1, 1, 1)} << 0;
    QTest::newRow("3x3 s2 valid leftover") << DwSpec{9, 10, 3, 3, 2, 1, 1, Padding::Valid} << 0;
    QTest::newRow("3x3 dilation 2") << DwSpec{9, 8, 3, 3, 1, 2} << INT_MAX;
    QTest::newRow("3x3 s1 3x3 map") << DwSpec{3, 3, 6, 3} << 0;
    // Planes above TS_DEPTHWISE_PLANE_MAX: one unpadded channel, the border bounds-checked.
    QTest::newRow("3x3 s1 large map") << DwSpec{34, 33, 3, 3} << 0;
    QTest::newRow("3x3 s2 large map tail") << DwSpec{40, 38, 2, 3, 2} << INT_MAX;
}

void TestCKernelsConv::depthwiseInplace()
{
    QFETCH(DwSpec, spec);
    QFETCH(int, deltaPixels);
    const Model m = dwModel(spec, 23);
    const Graph& g = m.main();
    QCOMPARE(inplaceKind(g, g.ops[0], 0), InplaceKind::Depthwise);
    const int64_t inBytes = bytesOf(*g.tensor(g.ops[0].inputs[0])), outBytes = bytesOf(*g.tensor(g.ops[0].outputs[0]));
    const int64_t delta = deltaPixels == INT_MAX ? inBytes - outBytes : int64_t(deltaPixels) * spec.c;
    QCOMPARE(inplaceOrder(g, g.ops[0], InplaceKind::Depthwise, 0, delta), std::optional(IterationOrder::ChannelByChannel));
    const QString e = runInPlace(m, InplaceKind::Depthwise, IterationOrder::ChannelByChannel, delta);
    QVERIFY2(e.isEmpty(), qPrintable(e));
}

void TestCKernelsConv::pointwiseLayout()
{
    // Three output channels of 6 inputs (rows r0, r1, r2): the pair (r0, r1) in 4-byte chunks,
    // then both 2-byte tails, padded to 4; r2 as is. Worked by hand.
    const std::vector<int8_t> f{1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6, 10, 20, 30, 40, 50, 60};
    const std::vector<int8_t> expect{1, 2, 3, 4, -1, -2, -3, -4, 5, 6, -5, -6, 10, 20, 30, 40, 50, 60};
    QCOMPARE(pointwiseArrange(f, 3, 6), expect);
    QCOMPARE(int64_t(TS_CONV_1X1_FILTER_BYTES(6, 3)), int64_t(expect.size()));
    // in_c 3: the pair block is 6 bytes padded to 8.
    QCOMPARE(pointwiseArrange({1, 2, 3, 4, 5, 6}, 2, 3), (std::vector<int8_t>{1, 2, 3, 4, 5, 6, 0, 0}));
    // in_c 8, 2 channels: two chunks each.
    QCOMPARE(pointwiseArrange({0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17}, 2, 8),
             (std::vector<int8_t>{0, 1, 2, 3, 10, 11, 12, 13, 4, 5, 6, 7, 14, 15, 16, 17}));
}

void TestCKernelsConv::pointwiseRequantize()
{
    // The 1×1 kernels' own requantization (one rounding for positive multipliers and right shifts
    // 1..31, else the generic path) against the reference's MultiplyByQuantizedMultiplier over
    // every shift -31..3 and accumulators across int32: two pixels (a pair) and one pixel, 1 input
    // channel (x = 1), 7 output channels with weight 1 and biases spread over the int32 range.
    const std::vector<int32_t> biases{INT32_MIN, -1000000, -12345, -1, 0, 123456789, INT32_MAX - 1};
    const int outZp = -3;
    for (int pixels : {1, 2}) {
        ts_conv_s8_params p{};
        p.batches = 1, p.in_h = 1, p.in_w = pixels, p.in_c = 1, p.in_row_pitch = pixels;
        p.out_h = 1, p.out_w = pixels, p.out_c = 7, p.out_row_pitch = 7 * pixels, p.filter_c = 1;
        p.k_h = p.k_w = 1, p.stride_h = p.stride_w = 1, p.dilation_h = p.dilation_w = 1;
        p.output_offset = outZp, p.act_min = -128, p.act_max = 127;
        const std::vector<int8_t> filter = pointwiseArrange(std::vector<int8_t>(7, 1), 7, 1);
        const int8_t in[2] = {1, 1};
        for (int32_t m : {0x40000000, 0x40000001, 0x5A5A5A5A, 0x7FFFFFFF, 0x4CCCCCCD, 0, -0x40000000, INT32_MIN})
            for (int32_t sh = -31; sh <= 3; ++sh) {
                const std::vector<int32_t> mult(7, m), shift(7, sh);
                int8_t out[14];
                int16_t scratch[8];
                ts_conv_1x1_s8(&p, in, filter.data(), biases.data(), mult.data(), shift.data(), out, scratch);
                for (int i = 0; i < 7 * pixels; ++i) {
                    const int32_t acc = int32_t(uint32_t(biases[size_t(i % 7)]) + 1u);
                    const int32_t v = std::clamp(ref::multiplyByQuantizedMultiplier(acc, m, sh) + outZp, -128, 127);
                    QVERIFY2(out[i] == v, qPrintable(QString("pixels %1 multiplier %2 shift %3 output %4: %5, expected %6")
                                                         .arg(pixels).arg(m).arg(sh).arg(i).arg(int(out[i])).arg(v)));
                }
            }
    }
}

void TestCKernelsConv::depthwiseC1Layout()
{
    // Two channels, 2x5 taps (channel-major), input offset 2, biases 10 and -7; worked by hand:
    // channel 0 row 0 = 1 -2 3 -4 5, row 1 = 0 0 0 0 -1; channel 1 row 0 = 6 0 0 0 0, row 1 = -128 127 1 2 3.
    const std::vector<int8_t> f{1, -2, 3, -4, 5, 0, 0, 0, 0, -1, 6, 0, 0, 0, 0, -128, 127, 1, 2, 3};
    std::vector<int32_t> words, folded;
    depthwiseC1Arrange(f, {10, -7}, 2, 5, 2, 2, words, folded);
    auto pair = [](int lo, int hi) { return int32_t(uint32_t(uint16_t(int16_t(lo))) | (uint32_t(uint16_t(int16_t(hi))) << 16)); };
    // [row][group][channel][even, odd]
    const std::vector<int32_t> expect{pair(1, 3), pair(-2, -4), pair(6, 0), pair(0, 0),     // row 0, taps 0..3
                                      pair(5, 0), pair(0, 0), pair(0, 0), pair(0, 0),       // row 0, tap 4 (5..7 pad)
                                      pair(0, 0), pair(0, 0), pair(-128, 1), pair(127, 2),  // row 1, taps 0..3
                                      pair(-1, 0), pair(0, 0), pair(3, 0), pair(0, 0)};     // row 1, tap 4
    QCOMPARE(words, expect);
    // 10 + 2 * (1 - 2 + 3 - 4 + 5 - 1) = 14; -7 + 2 * (6 - 128 + 127 + 1 + 2 + 3) = 15.
    QCOMPARE(folded, (std::vector<int32_t>{14, 15}));
    depthwiseC1Arrange(f, {}, 2, 5, 2, -3, words, folded);
    QCOMPARE(folded, (std::vector<int32_t>{-6, -33}));
}

void TestCKernelsConv::depthwiseC1Requantize()
{
    // The one-channel kernel's own requantization (a fast path for right shifts 1..30) against the
    // reference's MultiplyByQuantizedMultiplier over every shift -31..3 and accumulators across
    // the int32 range: one 1x1 pixel, a 1x1 kernel, 8 channels with tap c - 4.
    const std::vector<int32_t> biases{INT32_MIN + 5, -1000000, -12345, -1, 0, 777, 123456789, INT32_MAX - 100};
    const int32_t x = 17, zp = -3, outZp = 5;
    ts_depthwise_s8_params p{};
    p.batches = 1, p.in_h = p.in_w = p.in_c = 1, p.in_row_pitch = 1;
    p.out_h = p.out_w = 1, p.out_c = 8, p.out_row_pitch = 8, p.depth_multiplier = 8;
    p.k_h = p.k_w = 1, p.stride_h = p.stride_w = 1, p.dilation_h = p.dilation_w = 1;
    p.input_offset = -zp, p.output_offset = outZp, p.act_min = -128, p.act_max = 127;
    std::vector<int8_t> taps(8);
    for (int c = 0; c < 8; ++c)
        taps[size_t(c)] = int8_t(c - 4);
    std::vector<int32_t> words, folded;
    depthwiseC1Arrange(taps, biases, 1, 1, 8, p.input_offset, words, folded);
    const int8_t in = int8_t(x);
    for (int32_t m : {0x40000000, 0x40000001, 0x5A5A5A5A, 0x7FFFFFFF, 0x4CCCCCCD})
        for (int32_t sh = -31; sh <= 3; ++sh) {
            const std::vector<int32_t> mult(8, m), shift(8, sh);
            int8_t out[8];
            ts_depthwise_c1_s8(&p, &in, words.data(), folded.data(), mult.data(), shift.data(), out);
            for (int c = 0; c < 8; ++c) {
                const int32_t acc = int32_t(uint32_t(biases[size_t(c)]) + uint32_t((c - 4) * (x - zp)));
                const int32_t v = std::clamp(ref::multiplyByQuantizedMultiplier(acc, m, sh) + outZp, -128, 127);
                QVERIFY2(out[c] == v, qPrintable(QString("multiplier %1 shift %2 channel %3: %4, expected %5")
                                                     .arg(m).arg(sh).arg(c).arg(int(out[c])).arg(v)));
            }
        }
}

void TestCKernelsConv::depthwiseRefusals()
{
    std::string error;
    ConstPool pool;
    const Model m = dwModel({6, 7, 4, 3}, 3);
    EmitContext c = contextFor(m.main(), pool, 0, 0);
    c.inplace = InplaceKind::Depthwise;
    c.order = IterationOrder::ChannelByChannel;
    c.inplaceOperand = 0;
    // A small map: the zero-point padded plane of the output's input window, 8 x 9.
    QCOMPARE(inplaceScratchBytes(m.main(), m.main().ops[0], InplaceKind::Depthwise), int64_t(8 * 9));
    c.scratch = {{"(ts_a + 100000)", 8 * 9}};
    QVERIFY2(depthwisePlan(c, &error), error.c_str());
    c.outputs[0].offset = 3; // not a whole pixel away
    QVERIFY(!depthwisePlan(c, &error));
    c.outputs[0].offset = 0;
    c.scratch[0].bytes = 8 * 9 - 1;
    QVERIFY(!depthwisePlan(c, &error));
    c.scratch[0].bytes = 8 * 9;
    c.outputs[0].rowPitch = 7 * 4 + 4;
    QVERIFY(!depthwisePlan(c, &error));
    QVERIFY(!emitDepthwise(c).ok());
    const Model m2 = dwModel({6, 7, 4, 3, 1, 1, 2}, 3); // multiplier 2 cannot run in place
    EmitContext c2 = contextFor(m2.main(), pool, 0, 0);
    c2.inplace = InplaceKind::Depthwise;
    c2.order = IterationOrder::ChannelByChannel;
    c2.inplaceOperand = 0;
    c2.scratch = {{"(ts_a + 100000)", 6 * 7}};
    QVERIFY(!depthwisePlan(c2, &error));
    // A large map (a 42 x 42 plane is above TS_DEPTHWISE_PLANE_MAX): one unpadded channel; a VALID
    // stride-2 window smaller than the map: still the whole channel.
    const Model big = dwModel({40, 40, 2, 3}, 3);
    QCOMPARE(inplaceScratchBytes(big.main(), big.main().ops[0], InplaceKind::Depthwise), int64_t(40 * 40));
    const Model valid = dwModel({9, 10, 3, 3, 2, 1, 1, Padding::Valid}, 3);
    QCOMPARE(inplaceScratchBytes(valid.main(), valid.main().ops[0], InplaceKind::Depthwise), int64_t(9 * 10));
}

void TestCKernelsConv::pool_data()
{
    QTest::addColumn<PoolSpec>("spec");
    auto row = [](const char* name, PoolSpec s) { QTest::newRow(name) << s; };
    for (bool f : {false, true}) {
        const std::string t = f ? " f32" : " s8";
        for (bool avg : {true, false}) {
            const std::string k = avg ? "avg" : "max";
            row((k + " 2x2 s2" + t).c_str(), {8, 9, 5, 2, 2, Padding::Valid, {}, Activation::None, avg, f});
            row((k + " 3x3 s2 SAME" + t).c_str(), {9, 8, 4, 3, 2, Padding::Same, {}, Activation::None, avg, f});
            row((k + " 3x3 s1 SAME relu6" + t).c_str(), {7, 7, 3, 3, 1, Padding::Same, {}, Activation::Relu6, avg, f});
            row((k + " global" + t).c_str(), {7, 6, 9, 0, 1, Padding::Valid, {}, Activation::None, avg, f});
            row((k + " explicit padding relu" + t).c_str(),
                {6, 7, 3, 3, 2, Padding::Valid, pads(1, 0, 2, 1), Activation::Relu, avg, f});
        }
    }
}

void TestCKernelsConv::pool()
{
    QFETCH(PoolSpec, spec);
    if (spec.filter == 0) { // global: the filter covers the map
        spec.filter = std::max(spec.h, spec.w);
        spec.h = spec.w = spec.filter;
    }
    for (uint32_t seed : {3u, 8u}) {
        const QString e = checkModel(poolModel(spec, seed));
        QVERIFY2(e.isEmpty(), qPrintable(e));
    }
}

void TestCKernelsConv::poolWindow()
{
    for (bool f : {false, true})
        for (bool avg : {true, false}) {
            const PoolSpec s{6, 7, 3, 3, 2, Padding::Valid, pads(1, 0, 0, 1), Activation::None, avg, f};
            for (const Geometry& geo : {Geometry{3, 2, 1, 2}, Geometry{1, 1, 0, 1}}) {
                const QString e = checkModel(poolModel(s, 5), geo);
                QVERIFY2(e.isEmpty(), qPrintable(e));
            }
        }
    // A window entirely in the padding is refused.
    ConstPool pool;
    const Model m = poolModel({4, 4, 2, 2, 2, Padding::Valid, pads(2, 0, 0, 0)}, 1);
    std::string error;
    QVERIFY(!poolPlan(contextFor(m.main(), pool), &error));
}

void TestCKernelsConv::float32()
{
    const ConvSpec convs[] = {{9, 7, 5, 6, 3, 3},
                              {8, 10, 3, 4, 3, 3, 2, 1, Padding::Same, {}, Activation::Relu6},
                              {7, 8, 4, 5, 3, 3, 1, 2, Padding::Valid, pads(1, 2, 0, 1), Activation::Relu, false},
                              {6, 5, 8, 6, 3, 3, 1, 1, Padding::Same, {}, Activation::None, true, 4},
                              {5, 6, 8, 5, 1, 1}};
    for (const ConvSpec& s : convs)
        for (const Geometry& geo : {Geometry{}, Geometry{2, 1, 1, 1}}) {
            QString used;
            const QString e = checkModel(convModel(s, 41, true), geo, &used);
            QVERIFY2(e.isEmpty(), qPrintable(e));
            QCOMPARE(used, QString("ts_conv_f32"));
        }
    const DwSpec dws[] = {{9, 8, 5, 3},
                          {8, 10, 6, 3, 2, 1, 1, Padding::Same, {}, Activation::Relu6},
                          {7, 6, 3, 5, 1, 2, 2, Padding::Valid, pads(2, 2, 2, 2), Activation::None, false}};
    for (const DwSpec& s : dws)
        for (const Geometry& geo : {Geometry{}, Geometry{2, 1, 1, 1}}) {
            QString used;
            const QString e = checkModel(dwModel(s, 43, true), geo, &used);
            QVERIFY2(e.isEmpty(), qPrintable(e));
            QCOMPARE(used, QString("ts_depthwise_f32"));
        }
}

// Many random shapes of every kind, out of place and as windows of larger maps.
void TestCKernelsConv::randomSweep()
{
    g_rng = 0xC0DE5EEDu;
    auto pick = [](int lo, int hi) { return lo + int(rnd() % uint32_t(hi - lo + 1)); };
    const Activation acts[] = {Activation::None, Activation::Relu, Activation::Relu6, Activation::ReluN1To1};
    int ran = 0;
    for (int i = 0; i < 600; ++i) {
        const int kind = i % 3;
        const Padding padding = rnd() % 2 ? Padding::Same : Padding::Valid;
        const Activation act = acts[rnd() % 4];
        const bool explicitPad = rnd() % 3 == 0;
        Geometry geo;
        if (rnd() % 2) { // a window inside a larger map (the window must lie inside it)
            geo.extraW = pick(1, 3), geo.extraH = pick(0, 2);
            geo.row0 = pick(0, geo.extraH), geo.col0 = pick(0, geo.extraW);
        }
        const uint32_t seed = rnd();
        const bool isFloat = rnd() % 8 == 0;
        QString e;
        if (kind == 0) {
            ConvSpec s{pick(1, 9), pick(1, 9), pick(1, 9), pick(1, 9), pick(1, 5), pick(1, 5), pick(1, 3), pick(1, 2), padding};
            if (explicitPad)
                s.pad = pads(pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2));
            s.act = act;
            s.bias = rnd() % 4 != 0;
            if (outSize(s.h + s.pad.top + s.pad.bottom, s.kh, s.stride, s.dilation, padding) < 1
                || outSize(s.w + s.pad.left + s.pad.right, s.kw, s.stride, s.dilation, padding) < 1)
                continue;
            e = checkModel(convModel(s, seed, isFloat), geo);
        } else if (kind == 1) {
            DwSpec s{pick(1, 10), pick(1, 10), pick(1, 6), pick(1, 7), pick(1, 3), pick(1, 2), pick(1, 3), padding};
            if (explicitPad)
                s.pad = pads(pick(0, 3), pick(0, 3), pick(0, 3), pick(0, 3));
            s.act = act;
            s.bias = rnd() % 4 != 0;
            s.kw = rnd() % 3 == 0 ? pick(1, 7) : 0;
            const int kw = s.kw ? s.kw : s.k;
            if (outSize(s.h + s.pad.top + s.pad.bottom, s.k, s.stride, s.dilation, padding) < 1
                || outSize(s.w + s.pad.left + s.pad.right, kw, s.stride, s.dilation, padding) < 1)
                continue;
            e = checkModel(dwModel(s, seed, isFloat), geo);
        } else {
            PoolSpec s{pick(1, 9), pick(1, 9), pick(1, 6), pick(1, 4), pick(1, 3), padding};
            s.act = act;
            s.average = rnd() % 2;
            s.isFloat = isFloat;
            if (explicitPad) { // VALID + explicit padding below the filter: no window lies in the padding
                s.padding = Padding::Valid;
                s.pad = pads(pick(0, s.filter - 1), pick(0, s.filter - 1), pick(0, s.filter - 1), pick(0, s.filter - 1));
            }
            if (outSize(s.h + s.pad.top + s.pad.bottom, s.filter, s.stride, 1, s.padding) < 1
                || outSize(s.w + s.pad.left + s.pad.right, s.filter, s.stride, 1, s.padding) < 1)
                continue;
            e = checkModel(poolModel(s, seed), geo);
        }
        if (e.startsWith("degenerate"))
            continue;
        QVERIFY2(e.isEmpty(), qPrintable(QString("case %1 (kind %2): %3").arg(i).arg(kind).arg(e)));
        ++ran;
    }
    QVERIFY(ran > 300);
}

// The emitted statements compile as C99 with warnings as errors, with the constant pool's arrays.
void TestCKernelsConv::emittedCompiles()
{
    ConstPool pool;
    std::vector<Model> models;
    models.push_back(convModel({9, 7, 5, 6, 3, 3, 2, 1, Padding::Same, {}, Activation::Relu6}, 1));
    models.push_back(convModel({7, 5, 16, 9, 1, 1}, 2));
    models.push_back(convModel({6, 5, 8, 6, 3, 3, 1, 1, Padding::Same, {}, Activation::None, true, 4}, 3));
    models.push_back(dwModel({9, 8, 5, 3}, 4));
    models.push_back(dwModel({9, 8, 5, 4, 1, 1, 1, Padding::Same, {}, Activation::None, false}, 5));
    models.push_back(poolModel({8, 9, 5, 2, 2}, 6));
    models.push_back(poolModel({8, 9, 5, 2, 2, Padding::Same, {}, Activation::None, false, true}, 7));
    models.push_back(convModel({9, 7, 5, 6, 3, 3, 2, 1, Padding::Same, {}, Activation::Relu6}, 10, true));
    models.push_back(dwModel({9, 8, 5, 3}, 11, true));
    std::vector<std::string> body;
    std::set<std::string> kernels;
    for (size_t i = 0; i < models.size(); ++i) {
        EmitContext c = contextFor(models[i].main(), pool);
        c.opIndex = int(i); // distinct constant keys
        const Result<Emitted> r = emitOp(c);
        QVERIFY2(r.ok(), r.diagnostics.empty() ? "" : r.diagnostics[0].message.c_str());
        body.insert(body.end(), r->lines.begin(), r->lines.end());
        kernels.insert(r->kernels.begin(), r->kernels.end());
    }
    // In place 1×1 and depthwise.
    {
        models.push_back(convModel({5, 7, 16, 8, 1, 1, 1, 1, Padding::Valid}, 8));
        EmitContext c = contextFor(models.back().main(), pool, 0, 0);
        c.opIndex = 100;
        c.inplace = InplaceKind::PointwiseShrink;
        c.inplaceOperand = 0;
        c.scratch = {{"(ts_a + 8388608)", 4 * 16}};
        const Result<Emitted> r = emitConv(c);
        QVERIFY(r.ok());
        body.insert(body.end(), r->lines.begin(), r->lines.end());
        models.push_back(dwModel({6, 7, 4, 3}, 9));
        EmitContext d = contextFor(models.back().main(), pool, 0, 0);
        d.opIndex = 101;
        d.inplace = InplaceKind::Depthwise;
        d.order = IterationOrder::ChannelByChannel;
        d.inplaceOperand = 0;
        d.scratch = {{"(ts_a + 8388608)", 8 * 9}}; // the padded plane
        const Result<Emitted> r2 = emitDepthwise(d);
        QVERIFY(r2.ok());
        body.insert(body.end(), r2->lines.begin(), r2->lines.end());
    }
    QCOMPARE(kernels, (std::set<std::string>{"ts_conv", "ts_depthwise", "ts_pool"}));
    std::string src = "#include <stddef.h>\n#include \"ts_conv.h\"\n#include \"ts_depthwise.h\"\n#include \"ts_pool.h\"\n";
    for (const ConstPool::Array& a : pool.arrays()) {
        src += "static const " + a.ctype + " " + a.name + "[] = {";
        for (size_t i = 0; i < a.values.size(); ++i)
            src += (i ? ", " : "") + a.values[i];
        src += "};\n";
    }
    src += "void run(uint8_t *const ts_a);\nvoid run(uint8_t *const ts_a)\n{\n";
    for (const std::string& l : body)
        src += "    " + l + "\n";
    src += "}\n";
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile f(dir.filePath("model.c"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(src.data(), qint64(src.size()));
    f.close();
    QProcess cc;
    cc.start("cc", {"-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c", "-I",
                    QString(TINYSTUDIO_SOURCE_DIR) + "/core/kernels/c", f.fileName(), "-o", dir.filePath("model.o")});
    if (!cc.waitForStarted())
        QSKIP("no C compiler (cc) on this host");
    QVERIFY(cc.waitForFinished(60000));
    QVERIFY2(cc.exitCode() == 0, (cc.readAllStandardError() + "\n" + QByteArray::fromStdString(src)).constData());
}

QTEST_GUILESS_MAIN(TestCKernelsConv)
#include "tst_ckernels_conv.moc"
