#include "model/net_builder.h"

#include <cmath>
#include <algorithm>
#include <cstring>

namespace ts {

NetBuilder::NetBuilder(uint32_t seed, bool randomWeights) : m_rng(seed), m_randomWeights(randomWeights)
{
    m_model.subgraphs.emplace_back();
}

int NetBuilder::activation(const std::string& name, std::vector<int32_t> shape, QuantSpec q)
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

int NetBuilder::constant(const std::string& name, std::vector<int32_t> shape, DType dtype, Quantization q,
                         std::vector<uint8_t> bytes)
{
    auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    const ByteView data{owned->data(), owned->size()};
    m_model.storage.push_back(std::move(owned));
    return addConstant(name, std::move(shape), dtype, std::move(q), data);
}

int NetBuilder::addConstant(const std::string& name, std::vector<int32_t> shape, DType dtype, Quantization q, ByteView data)
{
    Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.dtype = dtype;
    t.quant = std::move(q);
    t.data = data;
    g().tensors.push_back(std::move(t));
    return int(g().tensors.size() - 1);
}

std::pair<int, int> NetBuilder::weights(const std::string& name, std::vector<int32_t> shape, int qdim, int fanIn,
                                        float inScale, bool perChannel)
{
    int64_t count = 1;
    for (int32_t d : shape)
        count *= d;
    const int channels = shape[size_t(qdim)];
    std::vector<uint8_t> w;
    if (m_randomWeights) {
        w.resize(static_cast<size_t>(count));
        for (auto& b : w)
            b = uint8_t(int8_t(m_rng.range(-127, 127)));
    }
    // Output std ≈ sqrt(fanIn) * sigma_in * 73 * scale (uniform int8 has std ≈ 73): aim near 1.5.
    const float base = 1.5f / (std::sqrt(float(fanIn)) * 73.0f);
    Quantization wq;
    wq.quantizedDimension = perChannel ? qdim : 0;
    const int scales = perChannel ? channels : 1;
    for (int c = 0; c < scales; ++c) {
        wq.scale.push_back(base * (0.75f + 0.5f * m_rng.unit()));
        wq.zeroPoint.push_back(0);
    }
    const int wi = m_randomWeights ? constant(name + "/weights", std::move(shape), DType::Int8, wq, std::move(w))
                                   : zeroConstant(name + "/weights", std::move(shape), wq, size_t(count));

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

int NetBuilder::zeroConstant(const std::string& name, std::vector<int32_t> shape, Quantization q, size_t bytes)
{
    // One grow-only buffer of zeros per thread serves every zero-weight constant: no allocation
    // or clearing per tensor. Each model keeps the buffer it points into alive.
    thread_local std::shared_ptr<const std::vector<uint8_t>> zeros;
    if (!zeros || zeros->size() < bytes)
        zeros = std::make_shared<const std::vector<uint8_t>>(std::max<size_t>(bytes, 1 << 20), uint8_t(0));
    if (m_model.storage.empty() || m_model.storage.back() != zeros)
        m_model.storage.push_back(zeros);
    return addConstant(name, std::move(shape), DType::Int8, std::move(q), ByteView{zeros->data(), bytes});
}

void NetBuilder::op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpOptions options, int version)
{
    Op o;
    o.kind = kind;
    o.version = version;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.options = std::move(options);
    g().ops.push_back(std::move(o));
}

int NetBuilder::conv(const std::string& name, int in, int outC, int k, int stride, Activation act, QuantSpec q)
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

int NetBuilder::depthwise(const std::string& name, int in, int k, int stride, QuantSpec q)
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

int NetBuilder::add(const std::string& name, int a, int b)
{
    const auto shape = t(b).shape;
    const int sum = activation(name, shape, kAddQ);
    op(OpKind::Add, {a, b}, {sum}, ElementwiseOptions{Activation::None, true}, 2);
    return sum;
}

int NetBuilder::invertedResidual(const std::string& name, int in, int expand, int k, int stride, int outC,
                                 bool residual)
{
    int x = in;
    if (expand > 1)
        x = conv(name + "/expand", x, t(in).shape[3] * expand, 1, 1, Activation::Relu6, kRelu6Q);
    x = depthwise(name + "/depthwise", x, k, stride, kRelu6Q);
    x = conv(name + "/project", x, outC, 1, 1, Activation::None, kLinearQ);
    if (residual)
        x = add(name + "/add", in, x);
    return x;
}

int NetBuilder::basicBlock(const std::string& name, int in, int midC, int outC, int k, int stride)
{
    int x = conv(name + "/conv1", in, midC, k, stride, Activation::Relu, kReluQ);
    x = conv(name + "/conv2", x, outC, k, 1, Activation::None, kLinearQ);
    int shortcut = in;
    if (stride != 1 || t(in).shape[3] != outC)
        shortcut = conv(name + "/shortcut", in, outC, 1, stride, Activation::None, kLinearQ);
    const auto shape = t(x).shape;
    const int sum = activation(name + "/add", shape, kReluQ);
    op(OpKind::Add, {shortcut, x}, {sum}, ElementwiseOptions{Activation::Relu, true}, 2);
    return sum;
}

void NetBuilder::classifierHead(int input, int x, int classes)
{
    // Global average pool (int8 AVERAGE_POOL_2D keeps the input's encoding).
    const auto& last = t(x);
    const int pooled = activation("pool", {1, 1, 1, last.shape[3]},
                                  QuantSpec{last.quant.scale[0], last.quant.zeroPoint[0]});
    Pool2DOptions po;
    po.padding = Padding::Valid;
    po.filterH = t(x).shape[1];
    po.filterW = t(x).shape[2];
    op(OpKind::AveragePool2D, {x}, {pooled}, po, 2);

    const int channels = t(pooled).shape[3];
    const int flat = activation("flatten", {1, channels}, QuantSpec{t(pooled).quant.scale[0], t(pooled).quant.zeroPoint[0]});
    std::vector<uint8_t> shapeBytes(8);
    const int32_t newShape[2] = {1, channels};
    std::memcpy(shapeBytes.data(), newShape, 8);
    const int shapeT = constant("flatten/shape", {2}, DType::Int32, {}, std::move(shapeBytes));
    ReshapeOptions ro;
    ro.newShape = {1, channels};
    op(OpKind::Reshape, {pooled, shapeT}, {flat}, ro);

    auto [w, bias] = weights("classifier", {classes, channels}, 0, channels, t(flat).quant.scale[0], false);
    const int logits = activation("logits", {1, classes}, kLogitQ);
    op(OpKind::FullyConnected, {flat, w, bias}, {logits}, FullyConnectedOptions{}, 4);

    const int probs = activation("probabilities", {1, classes}, kSoftmaxQ);
    op(OpKind::Softmax, {logits}, {probs}, SoftmaxOptions{1.0f}, 2);

    g().inputs = {input};
    g().outputs = {probs};
}

} // namespace ts
