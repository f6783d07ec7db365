#include "analysis/opfacts.h"

#include <initializer_list>
#include <limits>
#include <set>

namespace ts {

int biasInputIndex(OpKind kind)
{
    switch (kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D:
    case OpKind::FullyConnected:
        return 2;
    case OpKind::Svdf:
        return 3;
    default:
        return -1;
    }
}

namespace {

// The int8 operator set TinyStudio models end to end (shapes, costs, memory) and targets with its
// kernels. Float ops are modelled for analysis but flagged: the studio deploys int8 bodies.
struct SupportRow { OpKind kind; bool needsInt8; };
constexpr SupportRow kSupport[] = {
    {OpKind::Conv2D, true},         {OpKind::DepthwiseConv2D, true}, {OpKind::FullyConnected, true},
    {OpKind::Add, true},            {OpKind::Sub, true},             {OpKind::Mul, true},
    {OpKind::AveragePool2D, true},  {OpKind::MaxPool2D, true},       {OpKind::Mean, true},
    {OpKind::Softmax, true},        {OpKind::LogSoftmax, true},      {OpKind::Reshape, false},
    {OpKind::Squeeze, false},       {OpKind::Pad, true},             {OpKind::PadV2, true},
    {OpKind::Concatenation, true},  {OpKind::Transpose, true},       {OpKind::ResizeNearestNeighbor, true},
    {OpKind::Quantize, false},      {OpKind::Dequantize, false},     {OpKind::Relu, true},
    {OpKind::Relu6, true},          {OpKind::Logistic, true},        {OpKind::Svdf, true},
};

const Tensor* activationOperand(const Graph& g, const Op& op)
{
    for (int i : op.inputs)
        if (const Tensor* t = g.tensor(i); t && !t->isConstant())
            return t;
    return op.outputs.empty() ? nullptr : g.tensor(op.outputs[0]);
}

int64_t bytesOf(const Tensor* t)
{
    if (!t)
        return 0;
    return t->byteSize().value_or(0);
}

int64_t elementsOf(const Tensor* t) { return t ? t->elementCount().value_or(0) : 0; }

// The product of non-negative factors, saturating at INT64_MAX (absurd shapes must not overflow).
int64_t product(std::initializer_list<int64_t> factors)
{
    int64_t p = 1;
    for (int64_t f : factors) {
        if (f <= 0)
            return 0;
        if (p > std::numeric_limits<int64_t>::max() / f)
            return std::numeric_limits<int64_t>::max();
        p *= f;
    }
    return p;
}

} // namespace

bool isParameterOperand(OpKind kind)
{
    switch (kind) {
    case OpKind::Reshape: case OpKind::Pad: case OpKind::PadV2: case OpKind::Mean: case OpKind::Transpose:
    case OpKind::Sum: case OpKind::ReduceMax: case OpKind::ResizeNearestNeighbor: case OpKind::ResizeBilinear:
    case OpKind::StridedSlice: case OpKind::Squeeze:
        return false; // their constant operands are shapes, axes, paddings or sizes
    default:
        return true;
    }
}

OpSupport opSupport(const Graph& graph, const Op& op)
{
    if (!op.invalid.empty()) // breaks its operand contract (model/operands.h): nothing can run it
        return {false, "invalid: " + op.invalid};
    if (op.kind == OpKind::Custom)
        return {false, "CUSTOM op '" + op.customCode + "' has no TinyStudio kernel"};
    for (const auto& row : kSupport) {
        if (row.kind != op.kind)
            continue;
        if (row.needsInt8) {
            const Tensor* t = activationOperand(graph, op);
            if (t && t->dtype != DType::Int8 && !(op.kind == OpKind::Svdf && t->dtype == DType::Int16))
                return {false, opKindName(op.kind) + " on " + dtypeName(t->dtype) + " data: only int8 is supported"};
        }
        return {true, {}};
    }
    return {false, opKindName(op.kind) + " is not in TinyStudio's operator set yet"};
}

OpFacts computeOpFacts(const Graph& graph, const Op& op)
{
    OpFacts f;
    const int bias = biasInputIndex(op.kind);
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        const Tensor* t = graph.tensor(op.inputs[i]);
        if (!t)
            continue;
        if (t->isConstant()) {
            if (int(i) == bias)
                f.biasBytes += int64_t(t->data.size);
            else if (isParameterOperand(op.kind))
                f.weightBytes += int64_t(t->data.size);
        } else if (!t->isVariable) {
            f.inputBytes += bytesOf(t);
        }
    }
    for (int o : op.outputs)
        f.outputBytes += bytesOf(graph.tensor(o));

    const Tensor* out = op.outputs.empty() ? nullptr : graph.tensor(op.outputs[0]);
    const Tensor* w = graph.tensor(op.input(1));
    const Tensor* x = graph.tensor(op.input(0));
    switch (op.kind) {
    case OpKind::Conv2D:
        // Every output element needs KH*KW*(filter input channels) MACs.
        if (w && w->shape.size() == 4)
            f.macs = product({elementsOf(out), w->shape[1], w->shape[2], w->shape[3]});
        break;
    case OpKind::DepthwiseConv2D:
        if (w && w->shape.size() == 4)
            f.macs = product({elementsOf(out), w->shape[1], w->shape[2]});
        break;
    case OpKind::FullyConnected:
        if (w && w->shape.size() == 2)
            f.macs = product({elementsOf(out), w->shape[1]});
        break;
    case OpKind::Svdf: {
        const Tensor* wt = graph.tensor(op.input(2));
        if (x && x->shape.size() == 2 && w && w->shape.size() == 2 && wt && wt->shape.size() == 2)
            f.macs = product({x->shape[0], w->shape[0], int64_t(w->shape[1]) + wt->shape[1]});
        break;
    }
    default:
        break;
    }
    const OpSupport s = opSupport(graph, op);
    f.supported = s.supported;
    f.unsupportedReason = s.reason;
    return f;
}

ModelTotals computeTotals(const Graph& graph)
{
    ModelTotals t;
    std::set<int> counted;
    for (const Op& op : graph.ops) {
        const OpFacts f = computeOpFacts(graph, op);
        t.macs += f.macs;
        if (!f.supported)
            ++t.unsupportedOps;
    }
    // Shared constants (one bias used by two ops) are counted once.
    for (const Op& op : graph.ops) {
        const int bias = biasInputIndex(op.kind);
        for (size_t k = 0; k < op.inputs.size(); ++k) {
            const int i = op.inputs[k];
            const Tensor* x = graph.tensor(i);
            if (x && x->isConstant() && (int(k) == bias || isParameterOperand(op.kind)) && counted.insert(i).second)
                t.weightBytes += int64_t(x->data.size);
        }
    }
    return t;
}

} // namespace ts
