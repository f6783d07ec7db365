#include "codegen/emit.h"

#include "codegen/cwriter.h"
#include "reference/kernel_api.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace ts::codegen {

bool Operand::strided() const
{
    if (rowPitch == 0 || !info || shape.size() != 4)
        return false;
    return rowPitch != int64_t(shape[2]) * shape[3] * std::max(dtypeSize(info->dtype), 1);
}

std::string Operand::as(const char* ctype, bool isConst) const
{
    return std::string("((") + (isConst ? "const " : "") + ctype + " *)" + ptr + ")";
}

std::string ConstPool::add(const std::string& key, const std::string& hint, const char* ctype,
                           std::vector<std::string> values, int64_t bytes, int align)
{
    if (auto it = m_byKey.find(key); it != m_byKey.end())
        return it->second;
    Array a;
    a.name = cIdentifier(prefix + hint, "ts_w", &m_used, 64);
    a.ctype = ctype;
    a.values = std::move(values);
    a.bytes = bytes;
    a.align = std::max(align, 4);
    a.comment = key;
    m_byKey[key] = a.name;
    m_arrays.push_back(std::move(a));
    return m_arrays.back().name;
}

namespace {
template <typename T>
std::vector<std::string> intTexts(const std::vector<T>& v)
{
    std::vector<std::string> out;
    out.reserve(v.size());
    for (T x : v)
        out.push_back(cInt(int64_t(x)));
    return out;
}
} // namespace

std::string ConstPool::addI8(const std::string& key, const std::string& hint, const std::vector<int8_t>& v, int align)
{
    return add(key, hint, "int8_t", intTexts(v), int64_t(v.size()), align);
}
std::string ConstPool::addU8(const std::string& key, const std::string& hint, const std::vector<uint8_t>& v, int align)
{
    return add(key, hint, "uint8_t", intTexts(v), int64_t(v.size()), align);
}
std::string ConstPool::addI16(const std::string& key, const std::string& hint, const std::vector<int16_t>& v, int align)
{
    return add(key, hint, "int16_t", intTexts(v), int64_t(v.size()) * 2, align);
}
std::string ConstPool::addI32(const std::string& key, const std::string& hint, const std::vector<int32_t>& v, int align)
{
    return add(key, hint, "int32_t", intTexts(v), int64_t(v.size()) * 4, align);
}
std::string ConstPool::addF32(const std::string& key, const std::string& hint, const std::vector<float>& v, int align)
{
    std::vector<std::string> t;
    t.reserve(v.size());
    for (float x : v)
        t.push_back(cFloat(x));
    return add(key, hint, "float", std::move(t), int64_t(v.size()) * 4, align);
}

int64_t ConstPool::bytes() const
{
    int64_t n = 0;
    for (const Array& a : m_arrays)
        n += a.bytes;
    return n;
}

std::string cInt(int64_t v)
{
    if (v == INT32_MIN)
        return "INT32_MIN";
    if (v < INT32_MIN || v > INT32_MAX)
        return "INT64_C(" + std::to_string(v) + ")";
    return std::to_string(v);
}

std::string cFloat(float v)
{
    if (std::isnan(v))
        return "NAN";
    if (std::isinf(v))
        return v > 0 ? "INFINITY" : "(-INFINITY)";
    if (v == 0.0f)
        return std::signbit(v) ? "-0.0f" : "0.0f";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%af", double(v)); // hexadecimal: exact
    return buf;
}

Result<Emitted> emitError(const EmitContext& c, const std::string& message)
{
    Result<Emitted> r;
    Diagnostic d = makeError("", "ops[" + std::to_string(c.opIndex) + "]", c.opLabel + ": " + message);
    d.op = c.opIndex;
    r.diagnostics.push_back(std::move(d));
    return r;
}

bool perChannelMultipliers(const Tensor& in, const Tensor& filter, const Tensor& out, int channels,
                           std::vector<int32_t>& mult, std::vector<int32_t>& shift, std::string& error)
{
    std::vector<int> s;
    error = ref::perChannel(in, filter, out, channels, mult, s);
    shift.assign(s.begin(), s.end());
    return error.empty();
}

void activationClamp(Activation a, const Tensor& out, int32_t* lo, int32_t* hi) { ref::activationRange(a, out, lo, hi); }

namespace {
template <typename T>
std::vector<T> constOf(const Tensor& t)
{
    std::vector<T> v(t.data.size / sizeof(T));
    if (!v.empty())
        std::memcpy(v.data(), t.data.data, v.size() * sizeof(T));
    return v;
}
} // namespace
std::vector<int8_t> constI8(const Tensor& t) { return constOf<int8_t>(t); }
std::vector<int16_t> constI16(const Tensor& t) { return constOf<int16_t>(t); }
std::vector<int32_t> constI32(const Tensor& t) { return constOf<int32_t>(t); }
std::vector<float> constF32(const Tensor& t) { return constOf<float>(t); }

Result<Emitted> emitOp(const EmitContext& c)
{
    switch (c.op->kind) {
    case OpKind::Conv2D: return emitConv(c);
    case OpKind::DepthwiseConv2D: return emitDepthwise(c);
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return emitPool(c);
    case OpKind::FullyConnected: return emitFullyConnected(c);
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul: return emitElementwise(c);
    case OpKind::Mean:
    case OpKind::Sum: return emitReduce(c);
    case OpKind::Softmax:
    case OpKind::LogSoftmax:
    case OpKind::Logistic:
    case OpKind::Tanh:
    case OpKind::Relu:
    case OpKind::Relu6:
    case OpKind::LeakyRelu: return emitActivation(c);
    case OpKind::Concatenation:
    case OpKind::Pad:
    case OpKind::PadV2:
    case OpKind::Transpose:
    case OpKind::ResizeNearestNeighbor: return emitShape(c);
    case OpKind::Quantize:
    case OpKind::Dequantize: return emitQuantize(c);
    case OpKind::Svdf: return emitSvdf(c);
    default: return emitError(c, "TinyStudio has no C kernel for " + opKindName(c.op->kind));
    }
}

} // namespace ts::codegen
