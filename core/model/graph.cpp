#include "model/graph.h"

#include "tflite_subset_generated.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <tuple>

namespace ts {

// The IR's named op kinds must carry TFLite's BuiltinOperator codes exactly.
#define TS_SAME_CODE(ir, fb) \
    static_assert(static_cast<int32_t>(OpKind::ir) == static_cast<int32_t>(tflite::BuiltinOperator::fb), #ir)
TS_SAME_CODE(Add, ADD);
TS_SAME_CODE(AveragePool2D, AVERAGE_POOL_2D);
TS_SAME_CODE(Concatenation, CONCATENATION);
TS_SAME_CODE(Conv2D, CONV_2D);
TS_SAME_CODE(DepthwiseConv2D, DEPTHWISE_CONV_2D);
TS_SAME_CODE(Dequantize, DEQUANTIZE);
TS_SAME_CODE(FullyConnected, FULLY_CONNECTED);
TS_SAME_CODE(Logistic, LOGISTIC);
TS_SAME_CODE(MaxPool2D, MAX_POOL_2D);
TS_SAME_CODE(Mul, MUL);
TS_SAME_CODE(Relu, RELU);
TS_SAME_CODE(Relu6, RELU6);
TS_SAME_CODE(Reshape, RESHAPE);
TS_SAME_CODE(ResizeBilinear, RESIZE_BILINEAR);
TS_SAME_CODE(Softmax, SOFTMAX);
TS_SAME_CODE(Svdf, SVDF);
TS_SAME_CODE(Tanh, TANH);
TS_SAME_CODE(Custom, CUSTOM);
TS_SAME_CODE(Pad, PAD);
TS_SAME_CODE(Transpose, TRANSPOSE);
TS_SAME_CODE(Mean, MEAN);
TS_SAME_CODE(Sub, SUB);
TS_SAME_CODE(Div, DIV);
TS_SAME_CODE(Squeeze, SQUEEZE);
TS_SAME_CODE(StridedSlice, STRIDED_SLICE);
TS_SAME_CODE(LogSoftmax, LOG_SOFTMAX);
TS_SAME_CODE(PadV2, PADV2);
TS_SAME_CODE(Sum, SUM);
TS_SAME_CODE(ReduceMax, REDUCE_MAX);
TS_SAME_CODE(ResizeNearestNeighbor, RESIZE_NEAREST_NEIGHBOR);
TS_SAME_CODE(LeakyRelu, LEAKY_RELU);
TS_SAME_CODE(Quantize, QUANTIZE);
TS_SAME_CODE(HardSwish, HARD_SWISH);
#undef TS_SAME_CODE
static_assert(static_cast<int8_t>(DType::Int8) == static_cast<int8_t>(tflite::TensorType::INT8), "dtype");
static_assert(static_cast<int8_t>(DType::BFloat16) == static_cast<int8_t>(tflite::TensorType::BFLOAT16), "dtype");
static_assert(static_cast<int8_t>(Activation::Relu6) == static_cast<int8_t>(tflite::ActivationFunctionType::RELU6), "act");
static_assert(static_cast<int8_t>(Activation::SignBit) == static_cast<int8_t>(tflite::ActivationFunctionType::SIGN_BIT), "act");

namespace {
struct DTypeInfo { DType type; const char* name; int size; };
constexpr DTypeInfo kDTypes[] = {
    {DType::Float32, "float32", 4}, {DType::Float16, "float16", 2}, {DType::Int32, "int32", 4},
    {DType::UInt8, "uint8", 1},     {DType::Int64, "int64", 8},     {DType::String, "string", 0},
    {DType::Bool, "bool", 1},       {DType::Int16, "int16", 2},     {DType::Complex64, "complex64", 8},
    {DType::Int8, "int8", 1},       {DType::Float64, "float64", 8}, {DType::Complex128, "complex128", 16},
    {DType::UInt64, "uint64", 8},   {DType::Resource, "resource", 0}, {DType::Variant, "variant", 0},
    {DType::UInt32, "uint32", 4},   {DType::UInt16, "uint16", 2},   {DType::Int4, "int4", 0},
    {DType::BFloat16, "bfloat16", 2},
};
const DTypeInfo* dtypeInfo(DType t)
{
    for (const auto& i : kDTypes)
        if (i.type == t)
            return &i;
    return nullptr;
}

bool sameFloat(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool sameFloats(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!sameFloat(a[i], b[i]))
            return false;
    return true;
}
} // namespace

const char* dtypeName(DType t)
{
    const DTypeInfo* i = dtypeInfo(t);
    return i ? i->name : "unknown";
}

std::optional<DType> dtypeFromName(const std::string& name)
{
    for (const auto& i : kDTypes)
        if (name == i.name)
            return i.type;
    return std::nullopt;
}

int dtypeSize(DType t)
{
    const DTypeInfo* i = dtypeInfo(t);
    return i ? i->size : 0;
}

std::optional<int64_t> dtypeBytes(DType t, int64_t elements)
{
    if (elements < 0)
        return std::nullopt;
    if (t == DType::Int4)
        return (elements + 1) / 2;
    const int64_t size = dtypeSize(t);
    if (size == 0)
        return std::nullopt;
    if (elements > std::numeric_limits<int64_t>::max() / size)
        return std::nullopt;
    return elements * size;
}

std::string opKindName(OpKind k)
{
    const auto code = static_cast<int32_t>(k);
    if (code >= static_cast<int32_t>(tflite::BuiltinOperator::MIN)
        && code <= static_cast<int32_t>(tflite::BuiltinOperator::MAX)) {
        const char* name = tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code));
        if (name && *name)
            return name;
    }
    return "UNKNOWN_" + std::to_string(code);
}

const char* activationName(Activation a)
{
    switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::ReluN1To1: return "relu_n1_to_1";
    case Activation::Relu6: return "relu6";
    case Activation::Tanh: return "tanh";
    case Activation::SignBit: return "sign_bit";
    }
    return "unknown";
}

bool Conv2DOptions::operator==(const Conv2DOptions& o) const
{
    return std::tie(padding, strideW, strideH, dilationW, dilationH, activation, pad)
        == std::tie(o.padding, o.strideW, o.strideH, o.dilationW, o.dilationH, o.activation, o.pad);
}
bool DepthwiseConv2DOptions::operator==(const DepthwiseConv2DOptions& o) const
{
    return std::tie(padding, strideW, strideH, depthMultiplier, dilationW, dilationH, activation, pad)
        == std::tie(o.padding, o.strideW, o.strideH, o.depthMultiplier, o.dilationW, o.dilationH,
                    o.activation, o.pad);
}
bool Pool2DOptions::operator==(const Pool2DOptions& o) const
{
    return std::tie(padding, strideW, strideH, filterW, filterH, activation, pad)
        == std::tie(o.padding, o.strideW, o.strideH, o.filterW, o.filterH, o.activation, o.pad);
}
bool FullyConnectedOptions::operator==(const FullyConnectedOptions& o) const
{
    return std::tie(activation, weightsFormat, keepNumDims, asymmetricQuantizeInputs)
        == std::tie(o.activation, o.weightsFormat, o.keepNumDims, o.asymmetricQuantizeInputs);
}
bool SoftmaxOptions::operator==(const SoftmaxOptions& o) const { return sameFloat(beta, o.beta); }
bool ConcatenationOptions::operator==(const ConcatenationOptions& o) const
{
    return axis == o.axis && activation == o.activation;
}
bool ElementwiseOptions::operator==(const ElementwiseOptions& o) const
{
    return activation == o.activation && potScaleInt16 == o.potScaleInt16;
}
bool ReshapeOptions::operator==(const ReshapeOptions& o) const { return newShape == o.newShape; }
bool ReducerOptions::operator==(const ReducerOptions& o) const { return keepDims == o.keepDims; }
bool ResizeOptions::operator==(const ResizeOptions& o) const
{
    return alignCorners == o.alignCorners && halfPixelCenters == o.halfPixelCenters;
}
bool SqueezeOptions::operator==(const SqueezeOptions& o) const { return squeezeDims == o.squeezeDims; }
bool StridedSliceOptions::operator==(const StridedSliceOptions& o) const
{
    return std::tie(beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask, offset)
        == std::tie(o.beginMask, o.endMask, o.ellipsisMask, o.newAxisMask, o.shrinkAxisMask, o.offset);
}
bool SvdfOptions::operator==(const SvdfOptions& o) const
{
    return rank == o.rank && activation == o.activation
        && asymmetricQuantizeInputs == o.asymmetricQuantizeInputs;
}
bool LeakyReluOptions::operator==(const LeakyReluOptions& o) const { return sameFloat(alpha, o.alpha); }
bool EmptyOptions::operator==(const EmptyOptions& o) const { return type == o.type; }

Activation fusedActivation(const OpOptions& options)
{
    return std::visit(
        [](const auto& o) -> Activation {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, Conv2DOptions> || std::is_same_v<T, DepthwiseConv2DOptions>
                          || std::is_same_v<T, Pool2DOptions> || std::is_same_v<T, FullyConnectedOptions>
                          || std::is_same_v<T, ConcatenationOptions> || std::is_same_v<T, ElementwiseOptions>
                          || std::is_same_v<T, SvdfOptions>)
                return o.activation;
            else
                return Activation::None;
        },
        options);
}

bool Quantization::operator==(const Quantization& o) const
{
    return sameFloats(scale, o.scale) && zeroPoint == o.zeroPoint && sameFloats(min, o.min)
        && sameFloats(max, o.max) && quantizedDimension == o.quantizedDimension;
}

std::optional<int64_t> Tensor::elementCount() const
{
    int64_t n = 1;
    for (int32_t d : shape) {
        if (d < 0)
            return std::nullopt;
        if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
            return std::nullopt;
        n *= d;
    }
    return n;
}

std::optional<int64_t> Tensor::byteSize() const
{
    auto n = elementCount();
    if (!n)
        return std::nullopt;
    return dtypeBytes(dtype, *n);
}

const MetadataEntry* Model::findMetadata(const std::string& name) const
{
    for (const auto& m : metadata)
        if (m.name == name)
            return &m;
    return nullptr;
}

std::string shapeString(const std::vector<int32_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i)
            s += ",";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

namespace {
bool sameBytes(ByteView a, ByteView b)
{
    return a.size == b.size && (a.size == 0 || std::memcmp(a.data, b.data, a.size) == 0);
}

bool fail(std::string* difference, const std::string& text)
{
    if (difference)
        *difference = text;
    return false;
}

bool sameSubgraph(const Graph& a, const Graph& b, const std::string& at, std::string* difference)
{
    if (a.name != b.name)
        return fail(difference, at + ".name: '" + a.name + "' vs '" + b.name + "'");
    if (a.inputs != b.inputs || a.outputs != b.outputs)
        return fail(difference, at + ": graph inputs/outputs differ");
    if (a.tensors.size() != b.tensors.size())
        return fail(difference, at + ": tensor count " + std::to_string(a.tensors.size()) + " vs "
                                    + std::to_string(b.tensors.size()));
    for (size_t i = 0; i < a.tensors.size(); ++i) {
        const Tensor& x = a.tensors[i];
        const Tensor& y = b.tensors[i];
        const std::string where = at + ".tensors[" + std::to_string(i) + "]";
        if (x.name != y.name)
            return fail(difference, where + ".name: '" + x.name + "' vs '" + y.name + "'");
        if (x.shape != y.shape || x.shapeSignature != y.shapeSignature)
            return fail(difference, where + ".shape: " + shapeString(x.shape) + " vs " + shapeString(y.shape));
        if (x.dtype != y.dtype)
            return fail(difference, where + ".type: " + dtypeName(x.dtype) + " vs " + dtypeName(y.dtype));
        if (!(x.quant == y.quant))
            return fail(difference, where + ".quantization differs");
        if (x.isVariable != y.isVariable)
            return fail(difference, where + ".is_variable differs");
        if (!sameBytes(x.data, y.data))
            return fail(difference, where + ": constant data differs (" + std::to_string(x.data.size)
                                        + " vs " + std::to_string(y.data.size) + " bytes)");
    }
    if (a.ops.size() != b.ops.size())
        return fail(difference, at + ": op count " + std::to_string(a.ops.size()) + " vs "
                                    + std::to_string(b.ops.size()));
    for (size_t i = 0; i < a.ops.size(); ++i) {
        const Op& x = a.ops[i];
        const Op& y = b.ops[i];
        const std::string where = at + ".operators[" + std::to_string(i) + "]";
        if (x.kind != y.kind || x.customCode != y.customCode || x.version != y.version)
            return fail(difference, where + ": op " + opKindName(x.kind) + " v" + std::to_string(x.version)
                                        + " vs " + opKindName(y.kind) + " v" + std::to_string(y.version));
        if (x.inputs != y.inputs || x.outputs != y.outputs || x.intermediates != y.intermediates)
            return fail(difference, where + ": operands differ");
        if (!(x.options == y.options))
            return fail(difference, where + ": options differ");
        if (x.customOptions != y.customOptions)
            return fail(difference, where + ": custom options differ");
    }
    return true;
}
} // namespace

bool sameGraph(const Model& a, const Model& b, std::string* difference)
{
    if (a.schemaVersion != b.schemaVersion)
        return fail(difference, "version differs");
    if (a.description != b.description)
        return fail(difference, "description differs");
    if (a.subgraphs.size() != b.subgraphs.size())
        return fail(difference, "subgraph count differs");
    for (size_t i = 0; i < a.subgraphs.size(); ++i)
        if (!sameSubgraph(a.subgraphs[i], b.subgraphs[i], "subgraphs[" + std::to_string(i) + "]", difference))
            return false;
    if (a.metadata.size() != b.metadata.size())
        return fail(difference, "metadata count differs");
    for (size_t i = 0; i < a.metadata.size(); ++i)
        if (a.metadata[i].name != b.metadata[i].name || !sameBytes(a.metadata[i].data, b.metadata[i].data))
            return fail(difference, "metadata[" + std::to_string(i) + "] ('" + a.metadata[i].name + "') differs");
    return true;
}

} // namespace ts
