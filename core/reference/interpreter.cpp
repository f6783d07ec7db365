#include "reference/interpreter.h"

#include "model/operands.h"
#include "reference/fixedpoint.h"
#include "reference/kernel_api.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <cstring>

namespace ts {

namespace ref {

void activationRange(Activation a, const Tensor& output, int32_t* lo, int32_t* hi)
{
    const bool is16 = output.dtype == DType::Int16;
    const bool isU8 = output.dtype == DType::UInt8;
    const int32_t qmin = is16 ? -32768 : isU8 ? 0 : -128;
    const int32_t qmax = is16 ? 32767 : isU8 ? 255 : 127;
    const float scale = scaleOf(output);
    const int32_t zp = zeroPointOf(output);
    // Bounded before the conversion: an odd scale (the operand contracts refuse them) must not
    // turn into an undefined float-to-int cast.
    auto quantize = [&](float f) {
        float q = f / scale;
        if (!std::isfinite(q))
            q = f == 0.0f || std::isnan(q) ? 0.0f : (q > 0 ? 1e9f : -1e9f);
        q = std::clamp(q, -1e9f, 1e9f);
        return int32_t(std::clamp<int64_t>(int64_t(zp) + int64_t(roundHalfAway(q)), qmin - 1, qmax + 1));
    };
    switch (a) {
    case Activation::Relu:
        *lo = std::max(qmin, quantize(0.0f));
        *hi = qmax;
        break;
    case Activation::Relu6:
        *lo = std::max(qmin, quantize(0.0f));
        *hi = std::min(qmax, quantize(6.0f));
        break;
    case Activation::ReluN1To1:
        *lo = std::max(qmin, quantize(-1.0f));
        *hi = std::min(qmax, quantize(1.0f));
        break;
    default:
        *lo = qmin;
        *hi = qmax;
        break;
    }
}

void activationRangeFloat(Activation a, float* lo, float* hi)
{
    *lo = -std::numeric_limits<float>::max();
    *hi = std::numeric_limits<float>::max();
    if (a == Activation::Relu)
        *lo = 0.0f;
    else if (a == Activation::Relu6) {
        *lo = 0.0f;
        *hi = 6.0f;
    } else if (a == Activation::ReluN1To1) {
        *lo = -1.0f;
        *hi = 1.0f;
    }
}

Shape4 Shape4::of(const std::vector<int32_t>& s)
{
    Shape4 r;
    int* dims[4] = {&r.n, &r.h, &r.w, &r.c};
    const size_t k = std::min<size_t>(s.size(), 4);
    for (size_t i = 0; i < k; ++i)
        *dims[4 - k + i] = s[s.size() - k + i];
    return r;
}

} // namespace ref

Result<ReferenceInterpreter> ReferenceInterpreter::create(const Graph& graph)
{
    Result<ReferenceInterpreter> r;
    // Kernels index their operands: an op that breaks its contract (model/operands.h) never runs.
    r.diagnostics = refuseInvalidOps(graph, "the reference interpreter");
    if (!r.diagnostics.empty())
        return r;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        const Op& op = graph.ops[i];
        if (!ref::findKernel(graph, op)) {
            const Tensor* x = graph.tensor(op.input(0));
            std::string name = opKindName(op.kind);
            if (op.kind == OpKind::Custom)
                name += " '" + op.customCode + "'";
            Diagnostic d = makeError("", "operators[" + std::to_string(i) + "]",
                                     "the reference interpreter has no kernel for " + name + " on "
                                         + (x ? dtypeName(x->dtype) : "no") + " input (layer " + std::to_string(i)
                                         + "); nothing was run");
            d.op = int(i);
            r.diagnostics.push_back(d);
            return r;
        }
    }
    // Kernels index elements with int: a tensor past 2^31 - 1 elements cannot run here.
    for (size_t t = 0; t < graph.tensors.size(); ++t)
        if (graph.tensors[t].elementCount().value_or(INT64_MAX) > std::numeric_limits<int32_t>::max()) {
            Diagnostic d = makeError("", "tensors[" + std::to_string(t) + "]",
                                     "'" + graph.tensors[t].name + "' " + shapeString(graph.tensors[t].shape)
                                         + " has more than 2^31 - 1 elements; the reference interpreter cannot hold it");
            d.tensor = int(t);
            r.diagnostics.push_back(d);
            return r;
        }
    ReferenceInterpreter interp;
    interp.m_graph = graph;
    interp.m_bytes.resize(graph.tensors.size());
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
        const Tensor& x = graph.tensors[t];
        if (x.isConstant())
            interp.m_bytes[t].assign(x.data.data, x.data.data + x.data.size);
        else
            interp.m_bytes[t].assign(size_t(x.byteSize().value_or(0)), 0);
    }
    interp.resetState();
    r.value = std::move(interp);
    return r;
}

void ReferenceInterpreter::resetState()
{
    // TFLM resets a variable tensor to its zero point (int8/int16 state), not to zero bytes.
    for (size_t t = 0; t < m_graph.tensors.size(); ++t) {
        const Tensor& x = m_graph.tensors[t];
        if (!x.isVariable)
            continue;
        const int32_t zp = x.quant.zeroPoint.empty() ? 0 : int32_t(x.quant.zeroPoint[0]);
        auto& b = m_bytes[t];
        if (x.dtype == DType::Int8 || x.dtype == DType::UInt8) {
            std::fill(b.begin(), b.end(), uint8_t(zp));
        } else if (x.dtype == DType::Int16) {
            const auto v = int16_t(zp);
            for (size_t i = 0; i + 1 < b.size(); i += 2)
                std::memcpy(b.data() + i, &v, 2);
        } else {
            std::fill(b.begin(), b.end(), 0);
        }
    }
}

int64_t ReferenceInterpreter::inputBytes() const
{
    int64_t n = 0;
    for (int t : m_graph.inputs)
        n += int64_t(m_bytes[size_t(t)].size());
    return n;
}

Diagnostics ReferenceInterpreter::setInputs(const std::vector<std::vector<uint8_t>>& inputs)
{
    if (inputs.size() != m_graph.inputs.size())
        return {makeError("", "inputs", "got " + std::to_string(inputs.size()) + " inputs; the model has "
                                            + std::to_string(m_graph.inputs.size()))};
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto& dst = m_bytes[size_t(m_graph.inputs[i])];
        if (inputs[i].size() != dst.size())
            return {makeError("", "inputs[" + std::to_string(i) + "]",
                              std::to_string(inputs[i].size()) + " bytes; expected " + std::to_string(dst.size()) + " for '"
                                  + m_graph.tensors[size_t(m_graph.inputs[i])].name + "'")};
        dst = inputs[i];
    }
    return {};
}

Diagnostics ReferenceInterpreter::setInputsFromConcatenated(const std::vector<uint8_t>& bytes)
{
    if (int64_t(bytes.size()) != inputBytes())
        return {makeError("", "input", "the input file holds " + std::to_string(bytes.size()) + " bytes; the model's inputs take "
                                           + std::to_string(inputBytes()))};
    std::vector<std::vector<uint8_t>> parts;
    size_t pos = 0;
    for (int t : m_graph.inputs) {
        const size_t n = m_bytes[size_t(t)].size();
        parts.emplace_back(bytes.begin() + long(pos), bytes.begin() + long(pos + n));
        pos += n;
    }
    return setInputs(parts);
}

// Before a kernel indexes anything: every kernel reads input 0 and writes output 0, and each
// operand's bytes must hold what its shape says (patch execution swaps bytes in).
std::string ReferenceInterpreter::checkOperandBytes(const Op& op) const
{
    if (op.input(0) < 0 || op.outputs.empty())
        return "needs input 0 and an output";
    auto check = [&](int t, const char* role, size_t k) -> std::string {
        if (t == -1)
            return {};
        if (t < 0 || size_t(t) >= m_graph.tensors.size())
            return std::string(role) + " " + std::to_string(k) + ": tensor index " + std::to_string(t) + " out of range";
        const Tensor& x = m_graph.tensors[size_t(t)];
        const auto need = x.byteSize();
        if (!need || int64_t(m_bytes[size_t(t)].size()) < *need)
            return std::string(role) + " " + std::to_string(k) + " '" + x.name + "' holds "
                   + std::to_string(m_bytes[size_t(t)].size()) + " bytes; " + dtypeName(x.dtype) + shapeString(x.shape)
                   + " needs " + (need ? std::to_string(*need) : std::string("a fixed size"));
        return {};
    };
    for (size_t k = 0; k < op.inputs.size(); ++k)
        if (auto e = check(op.inputs[k], "input", k); !e.empty())
            return e;
    for (size_t k = 0; k < op.outputs.size(); ++k)
        if (auto e = check(op.outputs[k], "output", k); !e.empty())
            return e;
    return {};
}

Diagnostics ReferenceInterpreter::runOp(int index)
{
    if (index < 0 || size_t(index) >= m_graph.ops.size())
        return {makeError("", "order", "op " + std::to_string(index) + " out of range; the graph has "
                                           + std::to_string(m_graph.ops.size()) + " ops")};
    const Op& op = m_graph.ops[size_t(index)];
    ref::Kernel k = ref::findKernel(m_graph, op);
    ref::Tensors tensors(m_graph, m_bytes);
    std::string err = checkOperandBytes(op);
    if (err.empty())
        err = k ? k(tensors, op) : "no kernel";
    if (err.empty())
        return {};
    Diagnostic d = makeError("", "operators[" + std::to_string(index) + "]", opKindName(op.kind) + ": " + err);
    d.op = index;
    return {d};
}

Diagnostics ReferenceInterpreter::run(const std::vector<int>* order)
{
    if (order) {
        for (int o : *order)
            if (auto d = runOp(o); !d.empty())
                return d;
        return {};
    }
    for (size_t i = 0; i < m_graph.ops.size(); ++i)
        if (auto d = runOp(int(i)); !d.empty())
            return d;
    return {};
}

std::vector<uint8_t> ReferenceInterpreter::outputsConcatenated() const
{
    std::vector<uint8_t> out;
    for (int t : m_graph.outputs)
        out.insert(out.end(), m_bytes[size_t(t)].begin(), m_bytes[size_t(t)].end());
    return out;
}

std::vector<uint8_t> goldenInput(const Graph& graph, uint32_t seed)
{
    std::vector<uint8_t> out;
    uint32_t x = seed;
    for (int t : graph.inputs) {
        const Tensor& tensor = graph.tensors[size_t(t)];
        const int64_t n = tensor.elementCount().value_or(0);
        for (int64_t i = 0; i < n; ++i) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            auto put = [&](const void* p, size_t k) {
                const auto* b = static_cast<const uint8_t*>(p);
                out.insert(out.end(), b, b + k);
            };
            switch (tensor.dtype) {
            case DType::Int8: { const auto v = int8_t(x & 0xFF); put(&v, 1); break; }
            case DType::UInt8: { const auto v = uint8_t(x & 0xFF); put(&v, 1); break; }
            case DType::Int16: { const auto v = int16_t(x & 0xFFFF); put(&v, 2); break; }
            case DType::Int32: { const auto v = int32_t(x); put(&v, 4); break; }
            case DType::Float32: { const float v = float(int8_t(x & 0xFF)) / 128.0f; put(&v, 4); break; }
            default: break;
            }
        }
    }
    return out;
}

} // namespace ts
