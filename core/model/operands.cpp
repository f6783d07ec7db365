// The operand contract table: one row per op kind the studio models, written from TFLite's own
// kernel Prepare() checks (operand counts, ranks, types). Size relations between operands (bias
// length, per-channel scales, concatenated dimensions) are checked in operands_check.cpp.

#include "model/operands.h"

#include <map>

namespace ts {

std::string DTypeSet::names() const
{
    std::vector<std::string> names;
    for (int v = 0; v <= static_cast<int>(DType::BFloat16); ++v)
        if (contains(static_cast<DType>(v)))
            names.push_back(dtypeName(static_cast<DType>(v)));
    if (names.size() == size_t(DType::BFloat16) + 1)
        return "any type";
    std::string out;
    for (size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return out;
}

namespace {

using D = DType;

// Activations and their quantized forms.
const DTypeSet kActivation{D::Float32, D::Int8, D::UInt8, D::Int16};
// Filters and weights (float, or quantized, int4 packed; float16 for hybrid models).
const DTypeSet kWeights{D::Float32, D::Float16, D::Int8, D::UInt8, D::Int4};
const DTypeSet kBias{D::Float32, D::Int32, D::Int64};
const DTypeSet kNumeric{D::Float32, D::Int8, D::UInt8, D::Int16, D::Int32, D::Int64};
// Every type with a fixed element size: what data-movement kernels can copy element by element.
const DTypeSet kFixedSize{D::Float32, D::Float16,   D::Int32,  D::UInt8,      D::Int64,  D::Bool,
                          D::Int16,   D::Complex64, D::Int8,   D::Float64,    D::Complex128,
                          D::UInt64,  D::UInt32,    D::UInt16, D::BFloat16};
const DTypeSet kIndex{D::Int32, D::Int64};

OperandRule rule(const char* name, int minRank, int maxRank, DTypeSet types, int sameTypeAs = -1)
{
    OperandRule r;
    r.name = name;
    r.minRank = minRank;
    r.maxRank = maxRank;
    r.types = types;
    r.sameTypeAs = sameTypeAs;
    return r;
}

OperandRule optional(OperandRule r)
{
    r.optional = true;
    return r;
}

template <typename Options>
int optionsIndex()
{
    return int(OpOptions(Options{}).index());
}

OpContract contract(OpKind kind, std::vector<OperandRule> inputs, std::vector<OperandRule> outputs,
                    int options = 0, bool required = false)
{
    OpContract c;
    c.kind = kind;
    c.inputs = std::move(inputs);
    c.outputs = std::move(outputs);
    c.optionsIndex = options;
    c.optionsRequired = required;
    return c;
}

std::vector<OpContract> buildTable()
{
    std::vector<OpContract> t;
    const OperandRule out4 = rule("output", 4, 4, kActivation, 0);
    const OperandRule sameOut = rule("output", 0, 6, kFixedSize, 0);

    for (OpKind k : {OpKind::Conv2D, OpKind::DepthwiseConv2D}) {
        const bool conv = k == OpKind::Conv2D;
        t.push_back(contract(k,
                             {rule("input", 4, 4, kActivation), rule("filter", 4, 4, kWeights),
                              optional(rule("bias", 1, 1, kBias))},
                             {out4},
                             conv ? optionsIndex<Conv2DOptions>() : optionsIndex<DepthwiseConv2DOptions>(), true));
    }
    for (OpKind k : {OpKind::AveragePool2D, OpKind::MaxPool2D})
        t.push_back(contract(k, {rule("input", 4, 4, kActivation)}, {out4}, optionsIndex<Pool2DOptions>(), true));
    t.push_back(contract(OpKind::FullyConnected,
                         {rule("input", 1, 6, kActivation), rule("weights", 2, 2, kWeights),
                          optional(rule("bias", 1, 1, kBias))},
                         {rule("output", 1, 6, kActivation)}, optionsIndex<FullyConnectedOptions>()));
    for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div})
        t.push_back(contract(k, {rule("input 0", 0, 6, kNumeric), rule("input 1", 0, 6, kNumeric, 0)},
                             {rule("output", 0, 6, kNumeric, 0)}, optionsIndex<ElementwiseOptions>()));

    OpContract concat = contract(OpKind::Concatenation, {rule("input", 1, 6, kFixedSize, 0)},
                                 {rule("output", 1, 6, kFixedSize, 0)}, optionsIndex<ConcatenationOptions>(), true);
    concat.variadic = true;
    t.push_back(concat);

    t.push_back(contract(OpKind::Reshape, {rule("input", 0, 6, kFixedSize), optional(rule("shape", 0, 1, kIndex))},
                         {sameOut}, optionsIndex<ReshapeOptions>()));
    t.push_back(contract(OpKind::Squeeze, {rule("input", 0, 6, kFixedSize)}, {sameOut}, optionsIndex<SqueezeOptions>()));
    t.push_back(contract(OpKind::Pad, {rule("input", 0, 6, kFixedSize), rule("paddings", 2, 2, kIndex)}, {sameOut}));
    t.push_back(contract(OpKind::PadV2,
                         {rule("input", 0, 6, kFixedSize), rule("paddings", 2, 2, kIndex),
                          optional(rule("constant value", 0, 1, kFixedSize, 0))},
                         {sameOut}));
    t.push_back(contract(OpKind::Transpose, {rule("input", 0, 6, kFixedSize), rule("permutation", 0, 1, kIndex)},
                         {sameOut}));
    t.push_back(contract(OpKind::StridedSlice,
                         {rule("input", 0, 6, kFixedSize), rule("begin", 1, 1, kIndex), rule("end", 1, 1, kIndex),
                          rule("strides", 1, 1, kIndex)},
                         {sameOut}, optionsIndex<StridedSliceOptions>()));
    for (OpKind k : {OpKind::Mean, OpKind::Sum, OpKind::ReduceMax})
        t.push_back(contract(k, {rule("input", 0, 6, kNumeric), rule("axis", 0, 1, kIndex)},
                             {rule("output", 0, 6, kNumeric, 0)}, optionsIndex<ReducerOptions>()));
    t.push_back(contract(OpKind::ResizeNearestNeighbor, {rule("input", 4, 4, kNumeric), rule("size", 1, 1, {D::Int32})},
                         {rule("output", 4, 4, kNumeric, 0)}, optionsIndex<ResizeOptions>()));
    t.push_back(contract(OpKind::ResizeBilinear, {rule("input", 4, 4, kActivation), rule("size", 1, 1, {D::Int32})},
                         {rule("output", 4, 4, kActivation, 0)}, optionsIndex<ResizeOptions>()));

    t.push_back(contract(OpKind::Softmax, {rule("input", 1, 6, kActivation)}, {rule("output", 1, 6, kActivation)},
                         optionsIndex<SoftmaxOptions>()));
    t.push_back(contract(OpKind::LogSoftmax, {rule("input", 1, 6, kActivation)}, {rule("output", 1, 6, kActivation, 0)}));
    for (OpKind k : {OpKind::Logistic, OpKind::Tanh, OpKind::Relu, OpKind::Relu6, static_cast<OpKind>(20) /* RELU_N1_TO_1 */,
                     OpKind::HardSwish})
        t.push_back(contract(k, {rule("input", 0, 6, kActivation)}, {rule("output", 0, 6, kActivation, 0)}));
    t.push_back(contract(OpKind::LeakyRelu, {rule("input", 0, 6, kActivation)}, {rule("output", 0, 6, kActivation, 0)},
                         optionsIndex<LeakyReluOptions>()));
    t.push_back(contract(OpKind::Quantize, {rule("input", 0, 6, {D::Float32, D::Float16, D::Int8, D::UInt8, D::Int16, D::Int32})},
                         {rule("output", 0, 6, {D::Int8, D::UInt8, D::Int16, D::Int32})}));
    t.push_back(contract(OpKind::Dequantize, {rule("input", 0, 6, {D::Int8, D::UInt8, D::Int16, D::Float16})},
                         {rule("output", 0, 6, {D::Float32})}));

    t.push_back(contract(OpKind::Svdf,
                         {rule("input", 2, 2, {D::Float32, D::Int8}), rule("feature weights", 2, 2, {D::Float32, D::Int8}),
                          rule("time weights", 2, 2, {D::Float32, D::Int8, D::Int16}), optional(rule("bias", 1, 1, kBias)),
                          rule("state", 2, 2, {D::Float32, D::Int8, D::Int16})},
                         {rule("output", 2, 2, {D::Float32, D::Int8})}, optionsIndex<SvdfOptions>(), true));
    return t;
}

} // namespace

const OpContract* findOpContract(OpKind kind)
{
    static const std::map<int32_t, OpContract> table = [] {
        std::map<int32_t, OpContract> m;
        for (OpContract& c : buildTable())
            m.emplace(static_cast<int32_t>(c.kind), std::move(c));
        return m;
    }();
    const auto it = table.find(static_cast<int32_t>(kind));
    return it == table.end() ? nullptr : &it->second;
}

} // namespace ts
