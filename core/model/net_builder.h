#pragma once
// Builds int8 CNNs in memory with valid TFLite quantization: the demo model and every candidate of
// the model search come from here, so a searched network goes through the same pipeline, export and
// code generator as any imported model. Per-channel symmetric int8 weights, int32 biases, per-tensor
// int8 activations with fixed encodings (ReLU6 outputs, linear projections, residual sums, logits,
// softmax). Deterministic: the same calls with the same seed give the same bytes on every machine.
//
// Weights are pseudo-random (xorshift32) or, for analysis only, all zero (`randomWeights` false):
// shapes, quantization parameters and every memory/flash/MAC figure are the same either way, and
// the zero model is much cheaper to build (the search evaluates thousands of candidates a second).

#include "model/graph.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ts {

// xorshift32: deterministic and the same on every platform.
class XorShift32 {
public:
    explicit XorShift32(uint32_t seed) : m_x(seed ? seed : 1) {}
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
constexpr QuantSpec kInputQ{1.0f / 128.0f, 0};      // input image in [-1, 1)
constexpr QuantSpec kRelu6Q{6.0f / 255.0f, -128};   // ReLU6 outputs cover [0, 6]
constexpr QuantSpec kReluQ{8.0f / 255.0f, -128};    // ReLU outputs, [0, 8]
constexpr QuantSpec kLinearQ{0.05f, 0};             // linear projections, roughly [-6.4, 6.35]
constexpr QuantSpec kAddQ{0.07f, 0};                // residual sums
constexpr QuantSpec kLogitQ{0.1f, 0};
constexpr QuantSpec kSoftmaxQ{1.0f / 256.0f, -128}; // TFLite's required softmax output encoding

class NetBuilder {
public:
    explicit NetBuilder(uint32_t seed = 0x5EED1234u, bool randomWeights = true);

    Graph& g() { return m_model.main(); }
    const Tensor& t(int i) { return g().tensors[size_t(i)]; }

    int activation(const std::string& name, std::vector<int32_t> shape, QuantSpec q);
    int constant(const std::string& name, std::vector<int32_t> shape, DType dtype, Quantization q,
                 std::vector<uint8_t> bytes);
    // Per-channel int8 weights along `qdim` with `channels` channels, and an int32 bias.
    std::pair<int, int> weights(const std::string& name, std::vector<int32_t> shape, int qdim, int fanIn,
                                float inScale, bool perChannel = true);
    void op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpOptions options, int version = 1);

    // SAME-padded k×k convolution / depthwise convolution (depth multiplier 1, ReLU6).
    int conv(const std::string& name, int in, int outC, int k, int stride, Activation act, QuantSpec q);
    int depthwise(const std::string& name, int in, int k, int stride, QuantSpec q);
    // Residual ADD of two tensors of the same shape.
    int add(const std::string& name, int a, int b);
    // Inverted residual (MobileNetV2 / MCUNet): 1×1 expand (ReLU6, skipped for expand 1) → k×k
    // depthwise (ReLU6) → 1×1 linear projection, plus a residual ADD when `residual`.
    int invertedResidual(const std::string& name, int in, int expand, int k, int stride, int outC, bool residual);
    // ResNet basic block: k×k conv to `midC` (ReLU) → k×k conv to `outC` (linear) + shortcut (identity,
    // or a 1×1 strided projection when the shape changes) → ADD with ReLU.
    int basicBlock(const std::string& name, int in, int midC, int outC, int k, int stride);
    // Global average pool → reshape → fully connected → softmax; sets the graph's input and output.
    void classifierHead(int input, int x, int classes);

    Model finish() { return std::move(m_model); }

private:
    int zeroConstant(const std::string& name, std::vector<int32_t> shape, Quantization q, size_t bytes);
    // Appends a constant tensor over `data` (kept alive by the model's storage).
    int addConstant(const std::string& name, std::vector<int32_t> shape, DType dtype, Quantization q, ByteView data);

    Model m_model;
    XorShift32 m_rng;
    bool m_randomWeights = true;
};

} // namespace ts
