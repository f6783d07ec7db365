#pragma once
// What a reference kernel sees: the graph, the op, and the bytes of every tensor. Kernels are plain
// functions returning an empty string on success or a description of what is wrong.

#include "model/graph.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ts::ref {

class Tensors {
public:
    Tensors(const Graph& g, std::vector<std::vector<uint8_t>>& bytes) : m_graph(g), m_bytes(bytes) {}

    const Graph& graph() const { return m_graph; }
    const Tensor& info(int t) const { return m_graph.tensors[size_t(t)]; }

    template <typename T>
    const T* in(int t) const
    {
        return reinterpret_cast<const T*>(m_bytes[size_t(t)].data());
    }
    template <typename T>
    T* out(int t)
    {
        return reinterpret_cast<T*>(m_bytes[size_t(t)].data());
    }
    std::vector<uint8_t>& bytes(int t) { return m_bytes[size_t(t)]; }
    const std::vector<uint8_t>& bytes(int t) const { return m_bytes[size_t(t)]; }

private:
    const Graph& m_graph;
    std::vector<std::vector<uint8_t>>& m_bytes;
};

// Returns "" on success, otherwise what went wrong (the interpreter adds op and layer).
using Kernel = std::string (*)(Tensors& t, const Op& op);

// The kernel for an op (by kind and the dtype of its first input), or nullptr.
Kernel findKernel(const Graph& g, const Op& op);

// Helpers shared by kernels.
inline float scaleOf(const Tensor& t) { return t.quant.scale.empty() ? 1.0f : t.quant.scale[0]; }

// Per-output-channel requantization of a convolution: input_scale × filter_scale[c] / output_scale
// (in double, as TFLite) as multiplier/shift pairs. An error text when the scales do not fit.
std::string perChannel(const Tensor& in, const Tensor& filter, const Tensor& out, int channels,
                       std::vector<int32_t>& mult, std::vector<int>& shift);
inline int32_t zeroPointOf(const Tensor& t) { return t.quant.zeroPoint.empty() ? 0 : int32_t(t.quant.zeroPoint[0]); }
inline int64_t elements(const Tensor& t) { return t.elementCount().value_or(0); }

// "" when `t` has element type `want`, else what is wrong with the `role` operand.
inline std::string expectType(const Tensor& t, DType want, const char* role)
{
    if (t.dtype == want)
        return {};
    return std::string(role) + " '" + t.name + "' is " + dtypeName(t.dtype) + "; expected " + dtypeName(want);
}
// "" when `t` holds at least `count` elements, else what is wrong with the `role` operand.
inline std::string expectElements(const Tensor& t, int64_t count, const char* role)
{
    if (elements(t) >= count)
        return {};
    return std::string(role) + " '" + t.name + "' " + shapeString(t.shape) + " holds " + std::to_string(elements(t))
           + " elements; " + std::to_string(count) + " are needed";
}

// The quantized clamp range of a fused activation on an int8/int16 output (TFLite's
// CalculateActivationRangeQuantized).
void activationRange(Activation a, const Tensor& output, int32_t* lo, int32_t* hi);
// The float clamp range of a fused activation.
void activationRangeFloat(Activation a, float* lo, float* hi);

// 4-D shape access with missing leading dimensions as 1.
struct Shape4 {
    int n = 1, h = 1, w = 1, c = 1;
    static Shape4 of(const std::vector<int32_t>& s);
};

} // namespace ts::ref
