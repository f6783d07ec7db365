#include "model/demo_model.h"

#include <cmath>
#include <cstring>

namespace ts {

namespace {

// xorshift32: deterministic and the same on every platform.
class Rng {
public:
    explicit Rng(uint32_t seed) : m_x(seed ? seed : 1) {}
    uint32_t next()
    {
        m_x ^= m_x << 13;
        m_x ^= m_x >> 17;
        m_x ^= m_x << 5;
        return m_x;
    }
    // Uniform in [lo, hi].
    int32_t range(int32_t lo, int32_t hi) { return lo + int32_t(next() % uint32_t(hi - lo + 1)); }
    float unit() { return float(next() & 0xFFFFFF) / float(0xFFFFFF); }

private:
    uint32_t m_x;
};

struct QuantSpec {
    float scale;
    int64_t zeroPoint;
};

// Activation encodings used throughout (int8, per tensor).
constexpr QuantSpec kInputQ{1.0f / 128.0f, 0};       // input image in [-1, 1)
constexpr QuantSpec kRelu6Q{6.0f / 255.0f, -128};    // ReLU6 outputs cover [0, 6]
constexpr QuantSpec kLinearQ{0.05f, 0};              // linear projections, roughly [-6.4, 6.35]
constexpr QuantSpec kAddQ{0.07f, 0};                 // residual sums
constexpr QuantSpec kLogitQ{0.1f, 0};
constexpr QuantSpec kSoftmaxQ{1.0f / 256.0f, -128};  // TFLite's required softmax output encoding

class Builder {
public:
    Builder() : m_rng(0x5EED1234u) { m_model.subgraphs.emplace_back(); }

    Graph& g() { return m_model.main(); }

    int activation(const std::string& name, std::vector<int32_t> shape, QuantSpec q)
    {
        Tensor t;
        t.name = name;
        t.shape = std::move(shape);
        t.dtype = DType::Int8;
        t.quant.scale = {q.scale};
        t.quant.zeroPoint = {q.zeroPoint};
        g().tensors.push_back(std::move(t));
        return int(g().tensors.size() - 1);
    }

    int constant(const std::string& name, std::vector<int32_t> shape, DType dtype, Quantization q,
                 std::vector<uint8_t> bytes)
    {
        auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
        Tensor t;
        t.name = name;
        t.shape = std::move(shape);
        t.dtype = dtype;
        t.quant = std::move(q);
        t.data = ByteView{owned->data(), owned->size()};
        m_model.storage.push_back(std::move(owned));
        g().tensors.push_back(std::move(t));
        return int(g().tensors.size() - 1);
    }

    // Per-channel int8 weights along `qdim` with `channels` channels, and an int32 bias.
    std::pair<int, int> weights(const std::string& name, std::vector<int32_t> shape, int qdim, int fanIn, float inScale,
                                bool perChannel = true)
    {
        int64_t count = 1;
        for (int32_t d : shape)
            count *= d;
        const int channels = shape[size_t(qdim)];
        std::vector<uint8_t> w(static_cast<size_t>(count));
        for (auto& b : w)
            b = uint8_t(int8_t(m_rng.range(-127, 127)));
        // Output std ≈ sqrt(fanIn) * sigma_in * 73 * scale (uniform int8 has std ≈ 73): aim near 1.5.
        const float base = 1.5f / (std::sqrt(float(fanIn)) * 73.0f);
        Quantization wq;
        wq.quantizedDimension = perChannel ? qdim : 0;
        const int scales = perChannel ? channels : 1;
        for (int c = 0; c < scales; ++c) {
            wq.scale.push_back(base * (0.75f + 0.5f * m_rng.unit()));
            wq.zeroPoint.push_back(0);
        }
        const int wi = constant(name + "/weights", std::move(shape), DType::Int8, wq, std::move(w));

        Quantization bq;
        std::vector<uint8_t> b(static_cast<size_t>(channels) * 4);
        for (int c = 0; c < channels; ++c) {
            const float s = inScale * wq.scale[size_t(perChannel ? c : 0)];
            bq.scale.push_back(s);
            bq.zeroPoint.push_back(0);
            const int32_t v = int32_t(std::lround((m_rng.unit() - 0.5f) * 0.2f / s));
            std::memcpy(b.data() + 4 * size_t(c), &v, 4);
        }
        const int bi = constant(name + "/bias", {channels}, DType::Int32, bq, std::move(b));
        return {wi, bi};
    }

    const Tensor& t(int i) { return g().tensors[size_t(i)]; }

    void op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpOptions options, int version = 1)
    {
        Op o;
        o.kind = kind;
        o.version = version;
        o.inputs = std::move(inputs);
        o.outputs = std::move(outputs);
        o.options = std::move(options);
        g().ops.push_back(std::move(o));
    }

    int conv(const std::string& name, int in, int outC, int k, int stride, Activation act, QuantSpec q)
    {
        const auto& x = t(in);
        const int inC = x.shape[3];
        const float inScale = x.quant.scale[0];
        const int32_t oh = (x.shape[1] + stride - 1) / stride, ow = (x.shape[2] + stride - 1) / stride;
        auto [w, b] = weights(name, {outC, k, k, inC}, 0, k * k * inC, inScale);
        const int out = activation(name, {1, oh, ow, outC}, q);
        Conv2DOptions o;
        o.padding = Padding::Same;
        o.strideH = o.strideW = stride;
        o.activation = act;
        op(OpKind::Conv2D, {in, w, b}, {out}, o, 3);
        return out;
    }

    int depthwise(const std::string& name, int in, int k, int stride, QuantSpec q)
    {
        const auto& x = t(in);
        const int c = x.shape[3];
        const float inScale = x.quant.scale[0];
        const int32_t oh = (x.shape[1] + stride - 1) / stride, ow = (x.shape[2] + stride - 1) / stride;
        auto [w, b] = weights(name, {1, k, k, c}, 3, k * k, inScale);
        const int out = activation(name, {1, oh, ow, c}, q);
        DepthwiseConv2DOptions o;
        o.padding = Padding::Same;
        o.strideH = o.strideW = stride;
        o.depthMultiplier = 1;
        o.activation = Activation::Relu6;
        op(OpKind::DepthwiseConv2D, {in, w, b}, {out}, o, 3);
        return out;
    }

    // Inverted residual: 1×1 expand (ReLU6) → k×k depthwise (ReLU6) → 1×1 linear projection,
    // plus a residual ADD when the shapes allow it.
    int block(const std::string& name, int in, int expand, int k, int stride, int outC, bool residual)
    {
        int x = in;
        if (expand > 1)
            x = conv(name + "/expand", x, t(in).shape[3] * expand, 1, 1, Activation::Relu6, kRelu6Q);
        x = depthwise(name + "/depthwise", x, k, stride, kRelu6Q);
        x = conv(name + "/project", x, outC, 1, 1, Activation::None, kLinearQ);
        if (residual) {
            const auto shape = t(x).shape;
            const int sum = activation(name + "/add", shape, kAddQ);
            op(OpKind::Add, {in, x}, {sum}, ElementwiseOptions{Activation::None, true}, 2);
            x = sum;
        }
        return x;
    }

    Model finish() { return std::move(m_model); }

private:
    Model m_model;
    Rng m_rng;
};

} // namespace

Model buildDemoModel()
{
    Builder b;
    b.g().name = "tinystudio_demo";
    const int input = b.activation("input", {1, 96, 96, 3}, kInputQ);
    int x = b.conv("stem", input, 16, 3, 2, Activation::Relu6, kRelu6Q);   // 48×48×16
    x = b.block("block1", x, 1, 3, 1, 8, false);                           // 48×48×8
    x = b.block("block2", x, 3, 5, 2, 16, false);                          // 24×24×16
    x = b.block("block3", x, 3, 3, 1, 16, true);                           // 24×24×16, residual
    x = b.block("block4", x, 4, 7, 2, 24, false);                          // 12×12×24
    x = b.block("block5", x, 3, 5, 1, 24, true);                           // 12×12×24, residual
    x = b.block("block6", x, 4, 3, 2, 40, false);                          // 6×6×40

    // Global average pool (int8 AVERAGE_POOL_2D keeps the input's encoding).
    const auto& last = b.t(x);
    const int pooled = b.activation("pool", {1, 1, 1, last.shape[3]},
                                    QuantSpec{last.quant.scale[0], last.quant.zeroPoint[0]});
    Pool2DOptions po;
    po.padding = Padding::Valid;
    po.filterH = last.shape[1];
    po.filterW = last.shape[2];
    b.op(OpKind::AveragePool2D, {x}, {pooled}, po, 2);

    const int flat = b.activation("flatten", {1, b.t(pooled).shape[3]},
                                  QuantSpec{b.t(pooled).quant.scale[0], b.t(pooled).quant.zeroPoint[0]});
    std::vector<uint8_t> shapeBytes(8);
    const int32_t newShape[2] = {1, b.t(pooled).shape[3]};
    std::memcpy(shapeBytes.data(), newShape, 8);
    const int shapeT = b.constant("flatten/shape", {2}, DType::Int32, {}, std::move(shapeBytes));
    ReshapeOptions ro;
    ro.newShape = {1, b.t(pooled).shape[3]};
    b.op(OpKind::Reshape, {pooled, shapeT}, {flat}, ro);

    const int classes = 10;
    auto [w, bias] = b.weights("classifier", {classes, b.t(flat).shape[1]}, 0, b.t(flat).shape[1],
                               b.t(flat).quant.scale[0], false);
    const int logits = b.activation("logits", {1, classes}, kLogitQ);
    b.op(OpKind::FullyConnected, {flat, w, bias}, {logits}, FullyConnectedOptions{}, 4);

    const int probs = b.activation("probabilities", {1, classes}, kSoftmaxQ);
    b.op(OpKind::Softmax, {logits}, {probs}, SoftmaxOptions{1.0f}, 2);

    b.g().inputs = {input};
    b.g().outputs = {probs};
    Model m = b.finish();
    m.description = "TinyStudio demo: MCUNet-style int8 CNN, deterministic pseudo-random weights (not trained)";
    return m;
}

} // namespace ts
