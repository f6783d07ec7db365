// Checking ops against their operand contracts (model/operands.h): counts, omitted operands, ranks,
// types, options, then the sizes that must agree between operands. Every violation is one Error;
// a relation is only checked when the operands it involves passed their own checks, so one fault
// gives one diagnostic.

#include "model/operands.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <iterator>
#include <variant>

namespace ts {

namespace {

constexpr const char* kOptionsNames[] = {
    "no options",         "Conv2DOptions",   "DepthwiseConv2DOptions", "Pool2DOptions",  "FullyConnectedOptions",
    "SoftmaxOptions",     "ConcatenationOptions", "Add/Sub/Mul/DivOptions", "ReshapeOptions", "ReducerOptions",
    "Resize*Options",     "SqueezeOptions",  "StridedSliceOptions",    "SVDFOptions",    "LeakyReluOptions",
    "options with no fields",
};
static_assert(std::size(kOptionsNames) == std::variant_size_v<OpOptions>, "one name per OpOptions alternative");

std::string describe(const Tensor& t) { return "'" + t.name + "' " + dtypeName(t.dtype) + shapeString(t.shape); }

class OpChecker {
public:
    OpChecker(const Graph& g, const Op& op, int index, const std::string& file)
        : m_g(g), m_op(op), m_index(index), m_file(file)
    {
    }

    Diagnostics run(const OpContract& c);

private:
    std::string opName() const { return opKindName(m_op.kind) + " (op " + std::to_string(m_index) + ")"; }
    std::string at() const { return "subgraphs[0].operators[" + std::to_string(m_index) + "]"; }
    void fail(const std::string& where, const std::string& message, int tensor = -1)
    {
        Diagnostic d = makeError(m_file, at() + where, opName() + " " + message);
        d.op = m_index;
        d.tensor = tensor;
        m_diags.push_back(std::move(d));
    }
    // Operand `k` passed its own checks (nullptr otherwise, or when omitted).
    const Tensor* in(size_t k) const { return k < m_inputs.size() ? m_inputs[k] : nullptr; }
    const Tensor* out(size_t k) const { return k < m_outputs.size() ? m_outputs[k] : nullptr; }
    void failIn(size_t k, const std::string& message)
    {
        fail(".inputs[" + std::to_string(k) + "]", message, m_op.input(k));
    }
    void failOut(size_t k, const std::string& message)
    {
        fail(".outputs[" + std::to_string(k) + "]", message, k < m_op.outputs.size() ? m_op.outputs[k] : -1);
    }

    bool counts(const OpContract& c);
    const Tensor* operand(const OperandRule& r, int tensor, const std::string& role, const std::string& where);
    void options(const OpContract& c);
    void relations();
    void window();
    void convolution(bool depthwise);
    void fullyConnected();
    void concatenation();
    void sameElements(const char* what);
    void channelData(size_t filter, int channels, int quantizedDim, const std::string& axisText);

    const Graph& m_g;
    const Op& m_op;
    int m_index;
    const std::string& m_file;
    const OpContract* m_contract = nullptr;
    std::vector<const Tensor*> m_inputs, m_outputs;
    Diagnostics m_diags;
};

// Quantized int8/uint8/int16 operands: every scale finite and positive, every zero point inside
// the type's range (kernels divide by scales and subtract zero points in int32).
std::string quantizationProblem(const Tensor& t)
{
    int64_t lo = 0, hi = 0;
    switch (t.dtype) {
    case DType::Int8: lo = -128, hi = 127; break;
    case DType::UInt8: lo = 0, hi = 255; break;
    case DType::Int16: lo = -32768, hi = 32767; break;
    default: return {};
    }
    for (size_t i = 0; i < t.quant.scale.size(); ++i)
        if (!(t.quant.scale[i] > 0.0f) || !std::isfinite(t.quant.scale[i]))
            return "has scale " + std::to_string(t.quant.scale[i]) + " (scale[" + std::to_string(i)
                   + "]); expected finite scales > 0";
    for (size_t i = 0; i < t.quant.zeroPoint.size(); ++i)
        if (t.quant.zeroPoint[i] < lo || t.quant.zeroPoint[i] > hi)
            return "has zero point " + std::to_string(t.quant.zeroPoint[i]) + " (zero_point[" + std::to_string(i)
                   + "]); expected " + std::to_string(lo) + ".." + std::to_string(hi) + " for " + dtypeName(t.dtype);
    return {};
}

const OperandRule* ruleFor(const OpContract& c, size_t k)
{
    if (k < c.inputs.size())
        return &c.inputs[k];
    return c.variadic && !c.inputs.empty() ? &c.inputs.back() : nullptr;
}

std::string operandList(const OpContract& c)
{
    std::string s;
    for (size_t i = 0; i < c.inputs.size(); ++i)
        s += std::string(i ? ", " : "") + (c.inputs[i].optional ? "optional " : "") + c.inputs[i].name;
    return s + (c.variadic ? ", ..." : "");
}

bool OpChecker::counts(const OpContract& c)
{
    size_t minInputs = c.variadic ? c.inputs.size() : 0;
    for (size_t i = 0; i < c.inputs.size(); ++i)
        if (!c.inputs[i].optional)
            minInputs = std::max(minInputs, i + 1);
    const size_t maxInputs = c.variadic ? SIZE_MAX : c.inputs.size();
    const size_t n = m_op.inputs.size();
    bool ok = true;
    if (n < minInputs || n > maxInputs) {
        std::string expected = c.variadic ? "at least " + std::to_string(minInputs)
                               : minInputs == maxInputs ? std::to_string(minInputs)
                                                        : std::to_string(minInputs) + " to " + std::to_string(maxInputs);
        fail(".inputs", "has " + std::to_string(n) + " input" + (n == 1 ? "" : "s") + "; expected " + expected + " ("
                            + operandList(c) + ")");
        ok = false;
    }
    if (m_op.outputs.size() != c.outputs.size()) {
        fail(".outputs", "has " + std::to_string(m_op.outputs.size()) + " outputs; expected "
                             + std::to_string(c.outputs.size()));
        ok = false;
    }
    return ok;
}

const Tensor* OpChecker::operand(const OperandRule& r, int tensor, const std::string& role, const std::string& where)
{
    const std::string what = role + " (" + r.name + ")";
    if (tensor == -1) {
        if (!r.optional)
            fail(where, what + " is omitted (-1); expected a tensor: the op cannot run without it");
        return nullptr;
    }
    const Tensor* t = m_g.tensor(tensor);
    if (!t) {
        fail(where, what + ": tensor index " + std::to_string(tensor) + " out of range; expected 0.."
                        + std::to_string(int64_t(m_g.tensors.size()) - 1));
        return nullptr;
    }
    const int rank = int(t->shape.size());
    if (rank < r.minRank || rank > r.maxRank) {
        const std::string expected = r.minRank == r.maxRank ? "rank " + std::to_string(r.minRank)
                                                            : "rank " + std::to_string(r.minRank) + ".."
                                                                  + std::to_string(r.maxRank);
        fail(where, what + " " + describe(*t) + " has rank " + std::to_string(rank) + "; expected " + expected, tensor);
        return nullptr;
    }
    if (!r.types.contains(t->dtype)) {
        fail(where, what + " " + describe(*t) + " is " + dtypeName(t->dtype) + "; expected " + r.types.names(), tensor);
        return nullptr;
    }
    if (auto bad = quantizationProblem(*t); !bad.empty()) {
        fail(where, what + " " + describe(*t) + " " + bad, tensor);
        return nullptr;
    }
    if (r.sameTypeAs >= 0) {
        if (const Tensor* ref = in(size_t(r.sameTypeAs)); ref && ref != t && ref->dtype != t->dtype) {
            fail(where, what + " " + describe(*t) + " is " + dtypeName(t->dtype) + "; expected " + dtypeName(ref->dtype)
                            + " like input " + std::to_string(r.sameTypeAs) + " " + describe(*ref),
                 tensor);
            return nullptr;
        }
    }
    return t;
}

void OpChecker::options(const OpContract& c)
{
    const size_t have = m_op.options.index();
    if (c.optionsIndex > 0) {
        if (have == 0 && c.optionsRequired)
            fail(".builtin_options", std::string("has no options; expected ") + kOptionsNames[c.optionsIndex]
                                         + " (its strides, padding or axis cannot be guessed)");
        else if (have != 0 && have != size_t(c.optionsIndex))
            fail(".builtin_options", std::string("has ") + kOptionsNames[have] + "; expected "
                                         + kOptionsNames[c.optionsIndex]);
    }
    const auto act = static_cast<int>(m_op.activation());
    if (act < 0 || act > static_cast<int>(Activation::SignBit))
        fail(".builtin_options.fused_activation_function",
             "has fused activation " + std::to_string(act) + "; expected 0..5 (NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT)");
}

Diagnostics OpChecker::run(const OpContract& c)
{
    m_contract = &c;
    const bool countsOk = counts(c);
    m_inputs.assign(m_op.inputs.size(), nullptr);
    for (size_t k = 0; k < m_op.inputs.size(); ++k)
        if (const OperandRule* r = ruleFor(c, k))
            m_inputs[k] = operand(*r, m_op.inputs[k], "input " + std::to_string(k), ".inputs[" + std::to_string(k) + "]");
    m_outputs.assign(m_op.outputs.size(), nullptr);
    for (size_t k = 0; k < m_op.outputs.size() && k < c.outputs.size(); ++k)
        m_outputs[k] = operand(c.outputs[k], m_op.outputs[k], "output " + std::to_string(k),
                             ".outputs[" + std::to_string(k) + "]");
    for (size_t k = 0; k < m_op.outputs.size(); ++k)
        if (std::find(m_op.inputs.begin(), m_op.inputs.end(), m_op.outputs[k]) != m_op.inputs.end()) {
            failOut(k, "writes tensor " + std::to_string(m_op.outputs[k]) + ", which it also reads; expected an output "
                                                                              "distinct from every input");
            m_outputs[k] = nullptr;
        }
    const size_t before = m_diags.size();
    options(c);
    if (countsOk && m_diags.size() == before)
        relations();
    return std::move(m_diags);
}

void OpChecker::relations()
{
    switch (m_op.kind) {
    case OpKind::Conv2D:
        return convolution(false);
    case OpKind::DepthwiseConv2D:
        return convolution(true);
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D:
        window();
        if (const Tensor *x = in(0), *y = out(0); x && y && (x->shape[3] != y->shape[3] || x->shape[0] != y->shape[0]))
            failOut(0, "output 0 (output) " + describe(*y) + " does not keep the batch and channels of input " + describe(*x));
        return;
    case OpKind::FullyConnected:
        return fullyConnected();
    case OpKind::Concatenation:
        return concatenation();
    case OpKind::Reshape: case OpKind::Squeeze: case OpKind::Softmax: case OpKind::LogSoftmax:
    case OpKind::Logistic: case OpKind::Tanh: case OpKind::Relu: case OpKind::Relu6: case OpKind::HardSwish:
    case OpKind::LeakyRelu: case OpKind::Quantize: case OpKind::Dequantize:
        return sameElements("input");
    case OpKind::Pad: case OpKind::PadV2:
        if (const Tensor *x = in(0), *p = in(1); x && p) {
            const std::vector<int32_t> want{int32_t(x->shape.size()), 2};
            if (p->shape != want)
                failIn(1, "input 1 (paddings) " + describe(*p) + " must be " + shapeString(want)
                              + ": one (before, after) pair per dimension of input " + describe(*x));
        }
        if (const Tensor *x = in(0), *y = out(0); x && y && x->shape.size() != y->shape.size())
            failOut(0, "output 0 (output) " + describe(*y) + " has rank " + std::to_string(y->shape.size()) + "; expected "
                           + std::to_string(x->shape.size()) + " like input " + describe(*x));
        return;
    case OpKind::Transpose:
        if (const Tensor *x = in(0), *p = in(1); x && p && p->elementCount() != int64_t(x->shape.size()))
            failIn(1, "input 1 (permutation) " + describe(*p) + " must hold " + std::to_string(x->shape.size())
                          + " entries, one per dimension of input " + describe(*x));
        else
            sameElements("input");
        return;
    case OpKind::ResizeNearestNeighbor:
    case OpKind::ResizeBilinear:
        if (const Tensor* s = in(1); s && s->shape != std::vector<int32_t>{2})
            failIn(1, "input 1 (size) " + describe(*s) + " must be [2] (new height and width)");
        else if (const Tensor *x = in(0), *y = out(0); x && y && (x->shape[0] != y->shape[0] || x->shape[3] != y->shape[3]))
            failOut(0, "output 0 (output) " + describe(*y) + " does not keep the batch and channels of input " + describe(*x));
        return;
    case OpKind::Svdf:
        if (const auto* o = std::get_if<SvdfOptions>(&m_op.options); o && o->rank < 1)
            fail(".builtin_options.rank", "has rank " + std::to_string(o->rank) + "; expected a rank >= 1");
        return;
    default:
        return;
    }
}

void OpChecker::sameElements(const char* what)
{
    const Tensor* x = in(0);
    const Tensor* y = out(0);
    if (x && y && x->elementCount() != y->elementCount())
        failOut(0, "output 0 (output) " + describe(*y) + " holds " + std::to_string(y->elementCount().value_or(-1))
                       + " elements; expected " + std::to_string(x->elementCount().value_or(-1)) + " like the " + what
                       + " " + describe(*x));
}

void OpChecker::window()
{
    int sh = 1, sw = 1, dh = 1, dw = 1, fh = 1, fw = 1;
    if (const auto* c = std::get_if<Conv2DOptions>(&m_op.options))
        sh = c->strideH, sw = c->strideW, dh = c->dilationH, dw = c->dilationW;
    else if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&m_op.options))
        sh = d->strideH, sw = d->strideW, dh = d->dilationH, dw = d->dilationW;
    else if (const auto* p = std::get_if<Pool2DOptions>(&m_op.options))
        sh = p->strideH, sw = p->strideW, fh = p->filterH, fw = p->filterW;
    if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || fh < 1 || fw < 1) {
        fail(".builtin_options", "has stride " + std::to_string(sh) + "x" + std::to_string(sw) + ", dilation "
                                     + std::to_string(dh) + "x" + std::to_string(dw) + ", filter " + std::to_string(fh)
                                     + "x" + std::to_string(fw) + "; expected every one >= 1");
        return;
    }
    // Window arithmetic (output row × stride + dilated filter extent, padding) stays far inside int:
    // absurd strides, dilations or filters are refused here rather than overflowing in a kernel.
    if (const Tensor* w = m_op.kind == OpKind::Conv2D || m_op.kind == OpKind::DepthwiseConv2D ? in(1) : nullptr)
        fh = w->shape[1], fw = w->shape[2];
    const Tensor* x = in(0);
    const Tensor* y = out(0);
    constexpr int64_t kLimit = int64_t(1) << 30;
    auto extent = [&](size_t axis, int stride, int dilation, int filter) {
        return int64_t(y ? std::max(y->shape[axis], 1) - 1 : 0) * stride + int64_t(std::max(filter, 1) - 1) * dilation + 1
               + (x ? int64_t(x->shape[axis]) : 0) + stride;
    };
    if (extent(1, sh, dh, fh) > kLimit || extent(2, sw, dw, fw) > kLimit)
        fail(".builtin_options", "has stride " + std::to_string(sh) + "x" + std::to_string(sw) + ", dilation "
                                     + std::to_string(dh) + "x" + std::to_string(dw) + " and a " + std::to_string(fh)
                                     + "x" + std::to_string(fw) + " window: its extent exceeds 2^30 rows or columns");
}

// Bias length and per-channel scales of the filter (input `filter`) against `channels`.
void OpChecker::channelData(size_t filter, int channels, int quantizedDim, const std::string& axisText)
{
    if (const Tensor* w = in(filter); w && w->quant.scale.size() > 1
        && (int64_t(w->quant.scale.size()) != channels || w->quant.quantizedDimension != quantizedDim))
        failIn(filter, "input " + std::to_string(filter) + " (" + m_contract->inputs[filter].name + ") " + describe(*w)
                           + " has " + std::to_string(w->quant.scale.size()) + " per-channel scales along dimension "
                           + std::to_string(w->quant.quantizedDimension) + "; expected " + std::to_string(channels)
                           + " along dimension " + std::to_string(quantizedDim) + " (" + axisText + ")");
    if (const Tensor* b = in(2)) {
        if (b->elementCount() != channels)
            failIn(2, "input 2 (bias) " + describe(*b) + " holds " + std::to_string(b->elementCount().value_or(-1))
                          + " values; expected " + std::to_string(channels) + " (" + axisText + ")");
        else if (b->quant.scale.size() > 1 && int64_t(b->quant.scale.size()) != channels)
            failIn(2, "input 2 (bias) " + describe(*b) + " has " + std::to_string(b->quant.scale.size())
                          + " per-channel scales; expected " + std::to_string(channels) + " (" + axisText + ")");
    }
}

void OpChecker::convolution(bool depthwise)
{
    window();
    const Tensor* x = in(0);
    const Tensor* w = in(1);
    const Tensor* y = out(0);
    if (!w)
        return;
    if (std::any_of(w->shape.begin(), w->shape.end(), [](int32_t d) { return d < 1; })) {
        failIn(1, "input 1 (filter) " + describe(*w) + " has an empty dimension; expected every dimension >= 1");
        return;
    }
    const int channels = depthwise ? w->shape[3] : w->shape[0];
    if (depthwise && w->shape[0] != 1) {
        failIn(1, "input 1 (filter) " + describe(*w) + " must be [1,KH,KW,C*M]; found dimension 0 = "
                      + std::to_string(w->shape[0]));
        return;
    }
    channelData(1, channels, depthwise ? 3 : 0,
                depthwise ? "one per output channel, the filter's dimension 3" : "one per output channel, the filter's dimension 0");
    if (x) {
        const int inC = x->shape[3];
        const int filterC = depthwise ? inC : w->shape[3];
        if (!depthwise && (filterC <= 0 || inC % filterC != 0))
            failIn(1, "input 1 (filter) " + describe(*w) + " reads " + std::to_string(filterC)
                          + " channels per group; expected a divisor of the " + std::to_string(inC) + " channels of input "
                          + describe(*x));
        const auto* o = std::get_if<DepthwiseConv2DOptions>(&m_op.options);
        if (depthwise && (inC <= 0 || channels % inC != 0 || (o && o->depthMultiplier > 0 && int64_t(inC) * o->depthMultiplier != channels)))
            failIn(1, "input 1 (filter) " + describe(*w) + " has " + std::to_string(channels)
                          + " channels; expected the input's " + std::to_string(inC) + " channels times the depth multiplier "
                          + std::to_string(o ? o->depthMultiplier : 0) + " (input " + describe(*x) + ")");
    }
    if (y && (y->shape[3] != channels || (x && x->shape[0] != y->shape[0])))
        failOut(0, "output 0 (output) " + describe(*y) + " must have " + std::to_string(channels) + " channels (the filter's) and "
                       + (x ? std::to_string(x->shape[0]) : std::string("the input's")) + " batches (the input's)");
}

void OpChecker::fullyConnected()
{
    const Tensor* x = in(0);
    const Tensor* w = in(1);
    const Tensor* y = out(0);
    if (!w)
        return;
    const int units = w->shape[0], depth = w->shape[1];
    channelData(1, units, 0, "one per output unit, the weights' dimension 0");
    if (depth <= 0) {
        failIn(1, "input 1 (weights) " + describe(*w) + " has depth " + std::to_string(depth) + "; expected at least 1");
        return;
    }
    if (x && x->elementCount().value_or(0) % depth != 0) {
        failIn(0, "input 0 (input) " + describe(*x) + " holds " + std::to_string(x->elementCount().value_or(0))
                      + " values, not a whole number of rows of the weights' depth " + std::to_string(depth));
        return;
    }
    if (x && y) {
        const int64_t rows = x->elementCount().value_or(0) / depth;
        if (y->shape.back() != units || y->elementCount() != rows * units)
            failOut(0, "output 0 (output) " + describe(*y) + " must hold " + std::to_string(rows) + " rows of " + std::to_string(units)
                           + " units (input " + describe(*x) + ", weights " + describe(*w) + ")");
    }
}

void OpChecker::concatenation()
{
    const Tensor* y = out(0);
    const auto* o = std::get_if<ConcatenationOptions>(&m_op.options);
    if (!y || !o)
        return;
    const int rank = int(y->shape.size());
    const int axis = o->axis < 0 ? o->axis + rank : o->axis;
    if (axis < 0 || axis >= rank) {
        fail(".builtin_options.axis", "has axis " + std::to_string(o->axis) + "; expected -" + std::to_string(rank) + ".."
                                          + std::to_string(rank - 1) + " for output " + describe(*y));
        return;
    }
    int64_t total = 0;
    for (size_t k = 0; k < m_op.inputs.size(); ++k) {
        const Tensor* x = in(k);
        if (!x)
            return;
        bool same = int(x->shape.size()) == rank;
        for (int d = 0; same && d < rank; ++d)
            same = d == axis || x->shape[size_t(d)] == y->shape[size_t(d)];
        if (!same) {
            failIn(k, "input " + std::to_string(k) + " (input) " + describe(*x) + " does not match output " + describe(*y)
                          + " outside axis " + std::to_string(axis) + "; expected rank " + std::to_string(rank)
                          + " and the same dimensions elsewhere");
            return;
        }
        total += x->shape[size_t(axis)];
    }
    if (total != y->shape[size_t(axis)])
        failOut(0, "output 0 (output) " + describe(*y) + " has " + std::to_string(y->shape[size_t(axis)]) + " along axis "
                       + std::to_string(axis) + "; the " + std::to_string(m_op.inputs.size()) + " inputs add up to "
                       + std::to_string(total));
}

} // namespace

Diagnostics checkOp(const Graph& graph, const Op& op, int index, const std::string& file)
{
    const OpContract* c = findOpContract(op.kind);
    if (!c)
        return {};
    return OpChecker(graph, op, index, file).run(*c);
}

Diagnostics checkOperands(const Graph& graph, const std::string& file)
{
    Diagnostics out;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        Diagnostics d = checkOp(graph, graph.ops[i], int(i), file);
        out.insert(out.end(), d.begin(), d.end());
    }
    return out;
}

Diagnostics validateOperands(Graph& graph, const std::string& file)
{
    Diagnostics out;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        Diagnostics d = checkOp(graph, graph.ops[i], int(i), file);
        graph.ops[i].invalid = d.empty() ? std::string() : d.front().message;
        out.insert(out.end(), d.begin(), d.end());
    }
    return out;
}

Diagnostics refuseInvalidOps(const Graph& graph, const std::string& stage)
{
    Diagnostics out;
    for (size_t i = 0; i < graph.ops.size(); ++i) {
        const Op& op = graph.ops[i];
        std::string why = op.invalid;
        if (why.empty()) {
            const Diagnostics d = checkOp(graph, op, int(i));
            if (!d.empty())
                why = d.front().message;
        }
        if (why.empty())
            continue;
        Diagnostic d = makeError("", "operators[" + std::to_string(i) + "]",
                                 stage + " cannot run on an invalid op: " + why);
        d.op = int(i);
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace ts
