#pragma once
// Small synthetic models built in memory, for tests and fuzz seeds (no third-party file is ever
// copied into the repository). Values come from xorshift32, so every build makes the same bytes.

#include "model/graph.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace synth {

using namespace ts;

class Builder {
public:
    explicit Builder(uint32_t seed = 0x5EED) : m_x(seed ? seed : 1)
    {
        m_model.subgraphs.emplace_back();
        g().name = "synthetic";
        m_model.description = "TinyStudio synthetic test model";
    }

    Graph& g() { return m_model.main(); }
    Tensor& t(int i) { return g().tensors[size_t(i)]; }

    uint32_t next()
    {
        m_x ^= m_x << 13;
        m_x ^= m_x >> 17;
        m_x ^= m_x << 5;
        return m_x;
    }

    // A non-constant tensor (per-tensor quantization for integer types).
    int act(const std::string& name, std::vector<int32_t> shape, DType dtype = DType::Int8, float scale = 0.05f,
            int64_t zeroPoint = -10)
    {
        Tensor x;
        x.name = name;
        x.shape = std::move(shape);
        x.dtype = dtype;
        if (dtype != DType::Float32) {
            x.quant.scale = {scale};
            x.quant.zeroPoint = {dtype == DType::Int8 || dtype == DType::Int16 || dtype == DType::UInt8 ? zeroPoint : 0};
        }
        g().tensors.push_back(std::move(x));
        return int(g().tensors.size() - 1);
    }

    int constant(const std::string& name, std::vector<int32_t> shape, DType dtype, std::vector<uint8_t> bytes,
                 Quantization q = {})
    {
        auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
        Tensor x;
        x.name = name;
        x.shape = std::move(shape);
        x.dtype = dtype;
        x.quant = std::move(q);
        x.data = ByteView{owned->data(), owned->size()};
        m_model.storage.push_back(std::move(owned));
        g().tensors.push_back(std::move(x));
        return int(g().tensors.size() - 1);
    }

    static int64_t count(const std::vector<int32_t>& shape)
    {
        int64_t n = 1;
        for (int32_t d : shape)
            n *= d;
        return n;
    }

    // Pseudo-random int8 weights in [-100, 100] with `scales` along `qdim` (one scale: per tensor).
    int int8Weights(const std::string& name, std::vector<int32_t> shape, std::vector<float> scales, int qdim = 0)
    {
        std::vector<uint8_t> b(size_t(count(shape)));
        for (auto& v : b)
            v = uint8_t(int8_t(int(next() % 201) - 100));
        Quantization q;
        q.scale = std::move(scales);
        q.zeroPoint.assign(q.scale.size(), 0);
        q.quantizedDimension = qdim;
        return constant(name, std::move(shape), DType::Int8, std::move(b), q);
    }

    int floatWeights(const std::string& name, std::vector<int32_t> shape)
    {
        std::vector<float> v(size_t(count(shape)));
        for (auto& f : v)
            f = float(int(next() % 201) - 100) / 100.0f;
        std::vector<uint8_t> b(v.size() * 4);
        std::memcpy(b.data(), v.data(), b.size());
        return constant(name, std::move(shape), DType::Float32, std::move(b));
    }

    int int32Values(const std::string& name, std::vector<int32_t> shape, const std::vector<int32_t>& values)
    {
        std::vector<uint8_t> b(values.size() * 4);
        if (!values.empty())
            std::memcpy(b.data(), values.data(), b.size());
        return constant(name, std::move(shape), DType::Int32, std::move(b));
    }

    // Pseudo-random bias values in [-200, 200] (int32) or [-0.5, 0.5] (float32).
    int bias(const std::string& name, int channels, DType dtype = DType::Int32)
    {
        if (dtype == DType::Float32) {
            std::vector<float> v(static_cast<size_t>(channels));
            for (auto& f : v)
                f = float(int(next() % 101) - 50) / 100.0f;
            std::vector<uint8_t> b(v.size() * 4);
            std::memcpy(b.data(), v.data(), b.size());
            return constant(name, {channels}, DType::Float32, std::move(b));
        }
        std::vector<int32_t> v(static_cast<size_t>(channels));
        for (auto& x : v)
            x = int32_t(next() % 401) - 200;
        return int32Values(name, {channels}, v);
    }

    int op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpOptions options = {})
    {
        Op o;
        o.kind = kind;
        o.inputs = std::move(inputs);
        o.outputs = std::move(outputs);
        o.options = std::move(options);
        g().ops.push_back(std::move(o));
        return int(g().ops.size() - 1);
    }

    Model finish(std::vector<int> inputs, std::vector<int> outputs)
    {
        g().inputs = std::move(inputs);
        g().outputs = std::move(outputs);
        return std::move(m_model);
    }

private:
    Model m_model;
    uint32_t m_x;
};

inline Conv2DOptions convOptions(Padding p = Padding::Same, int stride = 1, Activation a = Activation::None)
{
    Conv2DOptions o;
    o.padding = p;
    o.strideH = o.strideW = stride;
    o.activation = a;
    return o;
}

inline Pool2DOptions poolOptions(int filter, int stride, Padding p = Padding::Valid)
{
    Pool2DOptions o;
    o.padding = p;
    o.filterH = o.filterW = filter;
    o.strideH = o.strideW = stride;
    return o;
}

// What the crafted bad-input models vary, one fault each (see conv()).
struct ConvFault {
    bool omitInput = false;      // input 0 is -1
    bool dropFilter = false;     // the op has only its input
    bool filterRank2 = false;    // the filter is [3,2]
    bool shortBias = false;      // the bias holds 2 values for 3 channels
    bool scalesOnInputAxis = false; // 2 per-channel scales along dimension 3 instead of 3 along 0
};

// input int8[1,4,4,2] → CONV_2D 1×1 (3 filters, per-channel, bias) → int8[1,4,4,3], with one fault.
inline Model conv(const ConvFault& f = {})
{
    Builder b;
    const int x = b.act("input", {1, 4, 4, 2});
    int w;
    if (f.filterRank2)
        w = b.int8Weights("filter", {3, 2}, {0.01f, 0.02f, 0.03f});
    else if (f.scalesOnInputAxis)
        w = b.int8Weights("filter", {3, 1, 1, 2}, {0.01f, 0.02f}, 3);
    else
        w = b.int8Weights("filter", {3, 1, 1, 2}, {0.01f, 0.02f, 0.03f});
    const int bias = b.bias("bias", f.shortBias ? 2 : 3);
    const int y = b.act("output", {1, 4, 4, 3});
    std::vector<int> in{f.omitInput ? -1 : x, w, bias};
    if (f.dropFilter)
        in = {x};
    b.op(OpKind::Conv2D, in, {y}, convOptions());
    return b.finish({x}, {y});
}

// Two int8 inputs [1,2,2,1] and [1,2,2,2] → CONCATENATION on axis 3 → [1,2,2,outChannels].
inline Model concat(int outChannels = 3)
{
    Builder b;
    const int a = b.act("a", {1, 2, 2, 1});
    const int c = b.act("b", {1, 2, 2, 2});
    const int y = b.act("output", {1, 2, 2, outChannels});
    b.op(OpKind::Concatenation, {a, c}, {y}, ConcatenationOptions{3, Activation::None});
    return b.finish({a, c}, {y});
}

// A PyTorch-style export: an NCHW int8 input [1,3,16,16] → TRANSPOSE (0,2,3,1) → [1,16,16,3] →
// CONV_2D 3×3 SAME 3→8 → [1,16,16,8] → DEPTHWISE 3×3 stride 2 SAME → [1,8,8,8] → AVERAGE_POOL 8×8
// → [1,1,1,8]. The TRANSPOSE is not spatial: patch schedules run it whole first (stage 0).
inline Model nchwNet()
{
    Builder b(0xBEEF);
    const int x = b.act("input_nchw", {1, 3, 16, 16});
    const int perm = b.int32Values("perm", {4}, {0, 2, 3, 1});
    const int t = b.act("nhwc", {1, 16, 16, 3});
    b.op(OpKind::Transpose, {x, perm}, {t});
    const int w1 = b.int8Weights("conv_w", {8, 3, 3, 3}, {0.01f, 0.012f, 0.014f, 0.016f, 0.018f, 0.02f, 0.022f, 0.024f});
    const int b1 = b.bias("conv_b", 8);
    const int c1 = b.act("conv", {1, 16, 16, 8});
    b.op(OpKind::Conv2D, {t, w1, b1}, {c1}, convOptions(Padding::Same, 1, Activation::Relu6));
    const int w2 = b.int8Weights("dw_w", {1, 3, 3, 8}, {0.02f, 0.021f, 0.022f, 0.023f, 0.024f, 0.025f, 0.026f, 0.027f}, 3);
    const int b2 = b.bias("dw_b", 8);
    const int d = b.act("dw", {1, 8, 8, 8});
    DepthwiseConv2DOptions dw;
    dw.padding = Padding::Same;
    dw.strideH = dw.strideW = 2;
    dw.depthMultiplier = 1;
    b.op(OpKind::DepthwiseConv2D, {c1, w2, b2}, {d}, dw);
    const int y = b.act("pool", {1, 1, 1, 8});
    b.op(OpKind::AveragePool2D, {d}, {y}, poolOptions(8, 8));
    return b.finish({x}, {y});
}

struct Quant {
    float scale;
    int64_t zeroPoint;
};

inline Quant quantFor(DType t)
{
    if (t == DType::Int16)
        return {0.002f, 0};
    return {0.05f, -10};
}

// `kind` (on `dtype` activations) producing `t`, then `relu` (RELU, RELU6, or CUSTOM for none)
// producing the graph output: the legalization cases (tst_legalize) and fuzz seeds. An empty model
// for a kind with no case.
inline Model activationCase(OpKind kind, DType dtype, OpKind relu)
{
    Builder b(0xC0FFEE);
    const Quant q = quantFor(dtype);
    const bool isFloat = dtype == DType::Float32;
    auto act = [&](const std::string& name, std::vector<int32_t> shape) { return b.act(name, std::move(shape), dtype, q.scale, q.zeroPoint); };
    auto weights = [&](const std::string& name, std::vector<int32_t> shape, std::vector<float> scales, int qdim) {
        return isFloat ? b.floatWeights(name, std::move(shape)) : b.int8Weights(name, std::move(shape), std::move(scales), qdim);
    };
    const DType biasType = isFloat ? DType::Float32 : DType::Int32;
    std::vector<int> inputs;
    int t = -1;
    switch (kind) {
    case OpKind::Conv2D: {
        const int x = act("x", {1, 4, 4, 3});
        const int w = weights("w", {4, 3, 3, 3}, {0.004f, 0.005f, 0.006f, 0.007f}, 0);
        const int bias = b.bias("bias", 4, biasType);
        t = act("t", {1, 4, 4, 4});
        b.op(kind, {x, w, bias}, {t}, convOptions());
        inputs = {x};
        break;
    }
    case OpKind::DepthwiseConv2D: {
        const int x = act("x", {1, 4, 4, 3});
        const int w = weights("w", {1, 3, 3, 3}, {0.01f, 0.02f, 0.03f}, 3);
        const int bias = b.bias("bias", 3, biasType);
        t = act("t", {1, 4, 4, 3});
        DepthwiseConv2DOptions o;
        o.padding = Padding::Same;
        b.op(kind, {x, w, bias}, {t}, o);
        inputs = {x};
        break;
    }
    case OpKind::FullyConnected: {
        const int x = act("x", {1, 12});
        const int w = weights("w", {5, 12}, {0.01f}, 0);
        const int bias = b.bias("bias", 5, biasType);
        t = act("t", {1, 5});
        b.op(kind, {x, w, bias}, {t}, FullyConnectedOptions{});
        inputs = {x};
        break;
    }
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
        // A 2×2 maximum is negative a sixteenth of the time: max pooling gets a larger input and
        // overlapping windows (stride 1) so that some outputs are.
        const bool max = kind == OpKind::MaxPool2D;
        const int x = act("x", {1, max ? 8 : 4, max ? 8 : 4, 3});
        t = act("t", {1, max ? 7 : 2, max ? 7 : 2, 3});
        b.op(kind, {x}, {t}, poolOptions(2, max ? 1 : 2));
        inputs = {x};
        break;
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul: {
        const int x = act("x", {1, 4, 4, 3});
        const int y = act("x2", {1, 4, 4, 3});
        t = act("t", {1, 4, 4, 3});
        b.op(kind, {x, y}, {t}, ElementwiseOptions{});
        inputs = {x, y};
        break;
    }
    case OpKind::Concatenation: {
        const int x = act("x", {1, 4, 4, 3});
        const int y = act("x2", {1, 4, 4, 2});
        t = act("t", {1, 4, 4, 5});
        b.op(kind, {x, y}, {t}, ConcatenationOptions{3, Activation::None});
        inputs = {x, y};
        break;
    }
    case OpKind::Svdf: { // int8: feature and time weights, bias, a variable state
        const int x = act("x", {1, 4});
        const int wf = b.int8Weights("feature", {8, 4}, {0.01f}, 0);
        const int wt = b.int8Weights("time", {8, 3}, {0.01f}, 0);
        const int bias = b.bias("bias", 4);
        const int state = act("state", {1, 24});
        b.t(state).isVariable = true;
        t = act("t", {1, 4});
        SvdfOptions o;
        o.rank = 2;
        b.op(kind, {x, wf, wt, bias, state}, {t}, o);
        inputs = {x};
        break;
    }
    default:
        return {};
    }
    if (relu == OpKind::Custom)
        return b.finish(inputs, {t});
    const int y = act("y", b.t(t).shape);
    b.op(relu, {t}, {y});
    return b.finish(inputs, {y});
}

} // namespace synth
