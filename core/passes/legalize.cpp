#include "passes/legalize.h"

#include "model/operands.h"
#include "model/shapes.h"

#include <algorithm>

namespace ts {

int LegalGraph::root(int tensor) const
{
    // Alias chains are short and acyclic (an alias always points at an earlier producer).
    for (int guard = 0; tensor >= 0 && size_t(tensor) < aliasOf.size() && aliasOf[size_t(tensor)] >= 0 && guard < 1 << 20;
         ++guard)
        tensor = aliasOf[size_t(tensor)];
    return tensor;
}

LegalGraph makeLegalGraph(const Graph& g)
{
    LegalGraph lg;
    lg.graph = g;
    lg.sourceOp.resize(g.ops.size());
    for (size_t i = 0; i < g.ops.size(); ++i)
        lg.sourceOp[i] = int(i);
    lg.aliasOf.assign(g.tensors.size(), -1);
    return lg;
}

namespace {

std::vector<int> consumers(const Graph& g, int tensor)
{
    std::vector<int> out;
    for (size_t i = 0; i < g.ops.size(); ++i)
        for (int t : g.ops[i].inputs)
            if (t == tensor) {
                out.push_back(int(i));
                break;
            }
    return out;
}

bool isGraphOutput(const Graph& g, int tensor)
{
    return std::find(g.outputs.begin(), g.outputs.end(), tensor) != g.outputs.end();
}

bool sameQuant(const Tensor& a, const Tensor& b)
{
    return a.dtype == b.dtype && a.quant.scale == b.quant.scale && a.quant.zeroPoint == b.quant.zeroPoint;
}

void removeOps(LegalGraph& lg, const std::vector<bool>& dead)
{
    std::vector<Op> ops;
    std::vector<int> source;
    for (size_t i = 0; i < lg.graph.ops.size(); ++i)
        if (!dead[i]) {
            ops.push_back(std::move(lg.graph.ops[i]));
            source.push_back(lg.sourceOp[i]);
        }
    lg.graph.ops = std::move(ops);
    lg.sourceOp = std::move(source);
}

std::string opName(const LegalGraph& lg, size_t i)
{
    return opKindName(lg.graph.ops[i].kind) + " (op " + std::to_string(lg.sourceOp[i]) + ")";
}

} // namespace

int foldPad(LegalGraph& lg)
{
    Graph& g = lg.graph;
    std::vector<bool> dead(g.ops.size(), false);
    int folded = 0;
    for (size_t p = 0; p < g.ops.size(); ++p) {
        Op& pad = g.ops[p];
        if (pad.kind != OpKind::Pad && pad.kind != OpKind::PadV2)
            continue;
        const Tensor* x = g.tensor(pad.input(0));
        const Tensor* paddings = g.tensor(pad.input(1));
        if (!x || !paddings || pad.outputs.size() != 1 || x->shape.size() != 4 || x->isConstant())
            continue;
        const int y = pad.outputs[0];
        if (!g.tensor(y))
            continue;
        const auto amounts = constantInts(*paddings);
        if (!amounts || amounts->size() != 8)
            continue;
        const auto& a = *amounts;
        if (a[0] || a[1] || a[6] || a[7]) // batch or channel padding cannot be folded
            continue;
        // Only a PAD whose output is exactly its input padded by sane non-negative amounts: the
        // convolution's window arithmetic then stays what it was.
        bool sane = true;
        for (size_t k = 2; k < 6; ++k)
            sane = sane && a[k] >= 0 && a[k] <= 0xFFFF;
        if (!sane
            || g.tensors[size_t(y)].shape
                   != std::vector<int32_t>{x->shape[0], int32_t(x->shape[1] + a[2] + a[3]),
                                           int32_t(x->shape[2] + a[4] + a[5]), x->shape[3]})
            continue;
        if (!sameQuant(*x, g.tensors[size_t(y)]) || x->quant.zeroPoint.size() > 1)
            continue;
        if (pad.kind == OpKind::PadV2) {
            // PADV2 pads with an explicit constant: foldable only if it is the zero point.
            const Tensor* value = g.tensor(pad.input(2));
            if (!value || !value->isConstant() || value->data.size < 1)
                continue;
            const int64_t zp = x->quant.zeroPoint.empty() ? 0 : x->quant.zeroPoint[0];
            if (x->dtype != DType::Int8 || int8_t(value->data.data[0]) != zp)
                continue;
        }
        const auto users = consumers(g, y);
        if (users.size() != 1 || isGraphOutput(g, y))
            continue;
        Op& conv = g.ops[size_t(users[0])];
        if (conv.input(0) != y)
            continue;
        // The convolution will read the PAD's input: never one of its own outputs.
        if (std::find(conv.outputs.begin(), conv.outputs.end(), pad.inputs[0]) != conv.outputs.end())
            continue;
        ExplicitPad* target = nullptr;
        if (auto* c = std::get_if<Conv2DOptions>(&conv.options); c && conv.kind == OpKind::Conv2D && c->padding == Padding::Valid)
            target = &c->pad;
        else if (auto* d = std::get_if<DepthwiseConv2DOptions>(&conv.options);
                 d && conv.kind == OpKind::DepthwiseConv2D && d->padding == Padding::Valid)
            target = &d->pad;
        if (!target)
            continue;
        target->top += int(a[2]);
        target->bottom += int(a[3]);
        target->left += int(a[4]);
        target->right += int(a[5]);
        conv.inputs[0] = pad.inputs[0];
        dead[p] = true;
        ++folded;
        lg.log.push_back("folded " + opName(lg, p) + " into " + opName(lg, size_t(users[0])) + " as padding "
                         + std::to_string(a[2]) + "/" + std::to_string(a[3]) + "/" + std::to_string(a[4]) + "/"
                         + std::to_string(a[5]) + " (top/bottom/left/right)");
    }
    removeOps(lg, dead);
    return folded;
}

int aliasReshapes(LegalGraph& lg)
{
    Graph& g = lg.graph;
    int aliased = 0;
    for (size_t i = 0; i < g.ops.size(); ++i) {
        const Op& op = g.ops[i];
        if (op.kind != OpKind::Reshape && op.kind != OpKind::Squeeze)
            continue;
        const Tensor* in = g.tensor(op.input(0));
        if (!in || in->isConstant() || in->isVariable || op.outputs.size() != 1 || !g.tensor(op.outputs[0]))
            continue;
        const Tensor& out = g.tensors[size_t(op.outputs[0])];
        if (in->byteSize() != out.byteSize() || in->dtype != out.dtype)
            continue;
        if (lg.aliasOf[size_t(op.outputs[0])] >= 0)
            continue;
        lg.aliasOf[size_t(op.outputs[0])] = op.inputs[0];
        ++aliased;
        lg.log.push_back(opName(lg, i) + ": output '" + out.name + "' aliases its input (no copy, no extra memory)");
    }
    return aliased;
}

bool fusedActivationApplied(OpKind kind, DType output)
{
    switch (kind) {
    case OpKind::Conv2D:
    case OpKind::DepthwiseConv2D:
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D:
        return output == DType::Int8 || output == DType::Float32;
    case OpKind::FullyConnected:
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
        return output == DType::Int8 || output == DType::Int16 || output == DType::Float32;
    default:
        return false; // CONCATENATION ignores its fused activation; others have none
    }
}

int fuseActivations(LegalGraph& lg)
{
    Graph& g = lg.graph;
    std::vector<bool> dead(g.ops.size(), false);
    int fused = 0;
    for (size_t r = 0; r < g.ops.size(); ++r) {
        const Op& relu = g.ops[r];
        Activation act;
        if (relu.kind == OpKind::Relu)
            act = Activation::Relu;
        else if (relu.kind == OpKind::Relu6)
            act = Activation::Relu6;
        else if (relu.kind == static_cast<OpKind>(20)) // RELU_N1_TO_1
            act = Activation::ReluN1To1;
        else
            continue;
        const int t = relu.input(0);
        if (!g.tensor(t) || relu.outputs.size() != 1 || !g.tensor(relu.outputs[0])
            || !sameQuant(g.tensors[size_t(t)], g.tensors[size_t(relu.outputs[0])]))
            continue;
        if (consumers(g, t).size() != 1 || isGraphOutput(g, t))
            continue;
        for (size_t p = 0; p < g.ops.size(); ++p) {
            Op& prod = g.ops[p];
            if (dead[p] || prod.outputs.size() != 1 || prod.outputs[0] != t || prod.activation() != Activation::None)
                continue;
            // Only where the producer's kernel applies the activation: elsewhere it would be dropped.
            if (!fusedActivationApplied(prod.kind, g.tensors[size_t(t)].dtype))
                break;
            // The producer takes over the activation's output: never one it reads (a graph that
            // writes its input back would become an op reading and writing one tensor).
            if (std::find(prod.inputs.begin(), prod.inputs.end(), relu.outputs[0]) != prod.inputs.end())
                break;
            bool ok = true;
            std::visit(
                [&](auto& o) {
                    using T = std::decay_t<decltype(o)>;
                    if constexpr (std::is_same_v<T, Conv2DOptions> || std::is_same_v<T, DepthwiseConv2DOptions>
                                  || std::is_same_v<T, Pool2DOptions> || std::is_same_v<T, FullyConnectedOptions>
                                  || std::is_same_v<T, ConcatenationOptions> || std::is_same_v<T, ElementwiseOptions>)
                        o.activation = act;
                    else
                        ok = false;
                },
                prod.options);
            if (!ok)
                break;
            prod.outputs[0] = relu.outputs[0];
            dead[r] = true;
            ++fused;
            lg.log.push_back("fused " + opName(lg, r) + " into " + opName(lg, p));
            break;
        }
    }
    removeOps(lg, dead);
    return fused;
}

int quantizedIo(LegalGraph& lg)
{
    Graph& g = lg.graph;
    std::vector<bool> dead(g.ops.size(), false);
    int removed = 0;
    auto isFloat = [](DType t) { return t == DType::Float32 || t == DType::Float16; };
    auto isInt = [](DType t) { return t == DType::Int8 || t == DType::UInt8; };
    for (int& in : g.inputs) {
        const auto users = consumers(g, in);
        if (users.size() != 1)
            continue;
        const Op& q = g.ops[size_t(users[0])];
        if (q.kind != OpKind::Quantize || q.outputs.size() != 1 || !g.tensor(q.outputs[0]) || !g.tensor(in)
            || !isFloat(g.tensors[size_t(in)].dtype)
            || !isInt(g.tensors[size_t(q.outputs[0])].dtype))
            continue;
        lg.log.push_back("input arrives quantized: removed " + opName(lg, size_t(users[0])) + "; graph input is now '"
                         + g.tensors[size_t(q.outputs[0])].name + "'");
        in = q.outputs[0];
        dead[size_t(users[0])] = true;
        ++removed;
    }
    for (int& out : g.outputs) {
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const Op& d = g.ops[i];
            if (dead[i] || d.kind != OpKind::Dequantize || d.outputs.size() != 1 || d.outputs[0] != out)
                continue;
            if (!g.tensor(d.input(0)) || !isInt(g.tensors[size_t(d.inputs[0])].dtype)
                || !isFloat(g.tensors[size_t(out)].dtype))
                continue;
            if (consumers(g, out).size() != 0)
                continue;
            lg.log.push_back("output leaves quantized: removed " + opName(lg, i) + "; graph output is now '"
                             + g.tensors[size_t(d.inputs[0])].name + "'");
            out = d.inputs[0];
            dead[i] = true;
            ++removed;
            break;
        }
    }
    removeOps(lg, dead);
    return removed;
}

LegalGraph legalize(const Model& model, const LegalizeOptions& options)
{
    LegalGraph lg = legalize(model.main(), options);
    lg.storage = model.storage;
    return lg;
}

LegalGraph legalize(const Graph& g, const LegalizeOptions& options)
{
    LegalGraph lg = makeLegalGraph(g);
    // Passes index operands; on an op that breaks its contract they must not run at all.
    lg.errors = refuseInvalidOps(g, "legalization");
    if (!lg.errors.empty()) {
        lg.log.push_back("not legalized: the graph has " + std::to_string(lg.errors.size()) + " invalid op"
                         + (lg.errors.size() == 1 ? "" : "s"));
        return lg;
    }
    if (options.quantizedIo)
        quantizedIo(lg);
    if (options.foldPad)
        foldPad(lg);
    if (options.fuseActivations)
        fuseActivations(lg);
    if (options.aliasReshapes)
        aliasReshapes(lg);
    return lg;
}

} // namespace ts
