#include "model/shapes.h"

#include <algorithm>
#include <cstring>

namespace ts {

std::optional<std::vector<int64_t>> constantInts(const Tensor& t)
{
    if (!t.isConstant())
        return std::nullopt;
    std::vector<int64_t> out;
    if (t.dtype == DType::Int32) {
        const size_t n = t.data.size / 4;
        for (size_t i = 0; i < n; ++i) {
            int32_t v;
            std::memcpy(&v, t.data.data + 4 * i, 4);
            out.push_back(v);
        }
    } else if (t.dtype == DType::Int64) {
        const size_t n = t.data.size / 8;
        for (size_t i = 0; i < n; ++i) {
            int64_t v;
            std::memcpy(&v, t.data.data + 8 * i, 8);
            out.push_back(v);
        }
    } else {
        return std::nullopt;
    }
    return out;
}

int windowOutputSize(int in, int kernel, int stride, int dilation, Padding padding)
{
    if (stride <= 0)
        return -1;
    const int64_t effective = int64_t(kernel - 1) * dilation + 1;
    if (padding == Padding::Same)
        return int((int64_t(in) + stride - 1) / stride);
    const int64_t span = int64_t(in) - effective;
    return span < 0 ? 0 : int(span / stride + 1);
}

namespace {

using Shape = std::vector<int32_t>;

struct Ctx {
    const Graph& g;
    const Op& op;
    std::string* why;

    const Tensor* in(size_t i) const { return g.tensor(op.input(i)); }
    std::optional<Shape> fail(const std::string& reason) const
    {
        if (why)
            *why = reason;
        return std::nullopt;
    }
};

std::optional<Shape> window(const Ctx& c, int kh, int kw, int sh, int sw, int dh, int dw, Padding pad, int channels,
                            ExplicitPad extra = {})
{
    const Tensor* x = c.in(0);
    if (!x || x->shape.size() != 4)
        return c.fail("input 0 must be a 4-D NHWC tensor");
    if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
        return c.fail("strides and dilations must be positive");
    const int h = x->shape[1] + extra.top + extra.bottom, w = x->shape[2] + extra.left + extra.right;
    return Shape{x->shape[0], windowOutputSize(h, kh, sh, dh, pad), windowOutputSize(w, kw, sw, dw, pad), channels};
}

std::optional<Shape> broadcast(const Ctx& c)
{
    const Tensor* a = c.in(0);
    const Tensor* b = c.in(1);
    if (!a || !b)
        return c.fail("needs two inputs");
    const size_t rank = std::max(a->shape.size(), b->shape.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int32_t da = i < rank - a->shape.size() ? 1 : a->shape[i - (rank - a->shape.size())];
        const int32_t db = i < rank - b->shape.size() ? 1 : b->shape[i - (rank - b->shape.size())];
        if (da != db && da != 1 && db != 1)
            return c.fail("shapes " + shapeString(a->shape) + " and " + shapeString(b->shape) + " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

std::optional<Shape> reshape(const Ctx& c)
{
    const Tensor* x = c.in(0);
    if (!x)
        return c.fail("needs an input");
    std::vector<int64_t> target;
    if (const Tensor* s = c.in(1)) {
        auto v = constantInts(*s);
        if (!v)
            return c.fail("the new shape is not a constant int32 tensor");
        target = *v;
    } else if (const auto* o = std::get_if<ReshapeOptions>(&c.op.options)) {
        target.assign(o->newShape.begin(), o->newShape.end());
    } else {
        return c.fail("no new shape given");
    }
    const auto total = x->elementCount();
    if (!total)
        return c.fail("input element count unknown");
    int64_t known = 1;
    int unknown = -1;
    for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == -1) {
            if (unknown >= 0)
                return c.fail("more than one -1 in the new shape");
            unknown = int(i);
        } else if (target[i] < 0) {
            return c.fail("negative dimension in the new shape");
        } else {
            known *= target[i];
        }
    }
    if (unknown >= 0)
        target[size_t(unknown)] = known ? *total / known : 0;
    Shape out(target.begin(), target.end());
    int64_t n = 1;
    for (auto d : target)
        n *= d;
    if (n != *total)
        return c.fail("new shape " + shapeString(out) + " holds " + std::to_string(n) + " elements; the input has "
                      + std::to_string(*total));
    return out;
}

std::optional<Shape> reduce(const Ctx& c)
{
    const Tensor* x = c.in(0);
    const Tensor* axes = c.in(1);
    if (!x || !axes)
        return c.fail("needs an input and an axis tensor");
    auto v = constantInts(*axes);
    if (!v)
        return c.fail("the axes are not a constant int32 tensor");
    const int rank = int(x->shape.size());
    std::vector<bool> reduced(size_t(rank), false);
    for (int64_t a : *v) {
        const int64_t axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank)
            return c.fail("axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank));
        reduced[size_t(axis)] = true;
    }
    const auto* o = std::get_if<ReducerOptions>(&c.op.options);
    const bool keep = o && o->keepDims;
    Shape out;
    for (int i = 0; i < rank; ++i) {
        if (!reduced[size_t(i)])
            out.push_back(x->shape[size_t(i)]);
        else if (keep)
            out.push_back(1);
    }
    return out;
}

std::optional<Shape> infer(const Ctx& c)
{
    const Tensor* x = c.in(0);
    switch (c.op.kind) {
    case OpKind::Conv2D: {
        const auto* o = std::get_if<Conv2DOptions>(&c.op.options);
        const Tensor* w = c.in(1);
        if (!o || !w || w->shape.size() != 4)
            return c.fail("needs Conv2DOptions and a 4-D filter [O,KH,KW,I]");
        if (x && x->shape.size() == 4 && w->shape[3] > 0 && x->shape[3] % w->shape[3] != 0)
            return c.fail("input channels " + std::to_string(x->shape[3]) + " are not a multiple of the filter's "
                          + std::to_string(w->shape[3]));
        return window(c, w->shape[1], w->shape[2], o->strideH, o->strideW, o->dilationH, o->dilationW, o->padding,
                      w->shape[0], o->pad);
    }
    case OpKind::DepthwiseConv2D: {
        const auto* o = std::get_if<DepthwiseConv2DOptions>(&c.op.options);
        const Tensor* w = c.in(1);
        if (!o || !w || w->shape.size() != 4)
            return c.fail("needs DepthwiseConv2DOptions and a 4-D filter [1,KH,KW,C*M]");
        return window(c, w->shape[1], w->shape[2], o->strideH, o->strideW, o->dilationH, o->dilationW, o->padding,
                      w->shape[3], o->pad);
    }
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: {
        const auto* o = std::get_if<Pool2DOptions>(&c.op.options);
        if (!o || !x || x->shape.size() != 4)
            return c.fail("needs Pool2DOptions and a 4-D input");
        return window(c, o->filterH, o->filterW, o->strideH, o->strideW, 1, 1, o->padding, x->shape[3], o->pad);
    }
    case OpKind::FullyConnected: {
        const Tensor* w = c.in(1);
        if (!x || !w || w->shape.size() != 2 || w->shape[1] <= 0)
            return c.fail("needs an input and a 2-D weight [units, depth]");
        const auto n = x->elementCount();
        if (!n || *n % w->shape[1] != 0)
            return c.fail("input " + shapeString(x->shape) + " is not a multiple of the weight depth "
                          + std::to_string(w->shape[1]));
        const auto* o = std::get_if<FullyConnectedOptions>(&c.op.options);
        if (o && o->keepNumDims && !x->shape.empty()) {
            Shape out = x->shape;
            out.back() = w->shape[0];
            return out;
        }
        return Shape{int32_t(*n / w->shape[1]), w->shape[0]};
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
        return broadcast(c);
    case OpKind::Reshape:
        return reshape(c);
    case OpKind::Softmax: case OpKind::LogSoftmax: case OpKind::Logistic: case OpKind::Tanh:
    case OpKind::Relu: case OpKind::Relu6: case OpKind::LeakyRelu: case OpKind::Quantize:
    case OpKind::Dequantize: case OpKind::HardSwish:
        if (!x)
            return c.fail("needs an input");
        return x->shape;
    case OpKind::Concatenation: {
        const auto* o = std::get_if<ConcatenationOptions>(&c.op.options);
        if (!x || !o)
            return c.fail("needs inputs and ConcatenationOptions");
        const int rank = int(x->shape.size());
        const int axis = o->axis < 0 ? o->axis + rank : o->axis;
        if (axis < 0 || axis >= rank)
            return c.fail("axis " + std::to_string(o->axis) + " out of range for rank " + std::to_string(rank));
        Shape out = x->shape;
        out[size_t(axis)] = 0;
        for (size_t i = 0; i < c.op.inputs.size(); ++i) {
            const Tensor* t = c.in(i);
            if (!t || int(t->shape.size()) != rank)
                return c.fail("input " + std::to_string(i) + " has another rank");
            out[size_t(axis)] += t->shape[size_t(axis)];
        }
        return out;
    }
    case OpKind::Pad:
    case OpKind::PadV2: {
        const Tensor* p = c.in(1);
        if (!x || !p)
            return c.fail("needs an input and paddings");
        auto v = constantInts(*p);
        if (!v || v->size() != 2 * x->shape.size())
            return c.fail("paddings must be a constant [rank,2] int tensor");
        Shape out = x->shape;
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = int32_t(out[i] + (*v)[2 * i] + (*v)[2 * i + 1]);
        return out;
    }
    case OpKind::Mean:
    case OpKind::Sum:
    case OpKind::ReduceMax:
        return reduce(c);
    case OpKind::ResizeNearestNeighbor:
    case OpKind::ResizeBilinear: {
        const Tensor* s = c.in(1);
        if (!x || x->shape.size() != 4 || !s)
            return c.fail("needs a 4-D input and a size tensor");
        auto v = constantInts(*s);
        if (!v || v->size() != 2)
            return c.fail("the size is not a constant [2] int32 tensor");
        return Shape{x->shape[0], int32_t((*v)[0]), int32_t((*v)[1]), x->shape[3]};
    }
    case OpKind::Squeeze: {
        if (!x)
            return c.fail("needs an input");
        const auto* o = std::get_if<SqueezeOptions>(&c.op.options);
        const int rank = int(x->shape.size());
        std::vector<bool> drop(size_t(rank), false);
        if (!o || o->squeezeDims.empty()) {
            for (int i = 0; i < rank; ++i)
                drop[size_t(i)] = x->shape[size_t(i)] == 1;
        } else {
            for (int32_t d : o->squeezeDims) {
                const int a = d < 0 ? d + rank : d;
                if (a < 0 || a >= rank || x->shape[size_t(a)] != 1)
                    return c.fail("squeeze dimension " + std::to_string(d) + " is not a size-1 dimension");
                drop[size_t(a)] = true;
            }
        }
        Shape out;
        for (int i = 0; i < rank; ++i)
            if (!drop[size_t(i)])
                out.push_back(x->shape[size_t(i)]);
        return out;
    }
    case OpKind::Transpose: {
        const Tensor* p = c.in(1);
        if (!x || !p)
            return c.fail("needs an input and a permutation");
        auto v = constantInts(*p);
        if (!v || v->size() != x->shape.size())
            return c.fail("the permutation is not a constant int tensor of the input's rank");
        Shape out;
        for (int64_t a : *v) {
            if (a < 0 || size_t(a) >= x->shape.size())
                return c.fail("permutation entry " + std::to_string(a) + " out of range");
            out.push_back(x->shape[size_t(a)]);
        }
        return out;
    }
    case OpKind::Svdf: {
        const auto* o = std::get_if<SvdfOptions>(&c.op.options);
        const Tensor* wf = c.in(1);
        if (!x || x->shape.size() != 2 || !wf || wf->shape.size() != 2 || !o || o->rank <= 0)
            return c.fail("needs a [batch, input] input, a [filters, input] feature weight and a positive rank");
        return Shape{x->shape[0], wf->shape[0] / o->rank};
    }
    default:
        return std::nullopt; // not modelled: no check
    }
}

} // namespace

std::optional<std::vector<int32_t>> inferOutputShape(const Graph& graph, const Op& op, std::string* why)
{
    return infer(Ctx{graph, op, why});
}

Diagnostics checkShapes(const Graph& graph, const std::string& file)
{
    Diagnostics out;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        const Op& op = graph.ops[i];
        if (op.outputs.empty() || !op.invalid.empty()) // an invalid op already has its error
            continue;
        std::string why;
        const auto shape = inferOutputShape(graph, op, &why);
        const std::string where = "subgraphs[0].operators[" + std::to_string(i) + "] (" + opKindName(op.kind) + ")";
        Diagnostic d;
        d.severity = Severity::Warning;
        d.file = file;
        d.where = where;
        d.op = int(i);
        if (!shape) {
            if (!why.empty()) {
                d.message = "cannot compute the output shape: " + why;
                out.push_back(d);
            }
            continue;
        }
        const Tensor& stored = graph.tensors[size_t(op.outputs[0])];
        if (stored.shape != *shape) {
            d.tensor = op.outputs[0];
            d.message = "output '" + stored.name + "' is stored as " + shapeString(stored.shape)
                        + " but TFLite semantics give " + shapeString(*shape);
            out.push_back(d);
        }
    }
    return out;
}

} // namespace ts
