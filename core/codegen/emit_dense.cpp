// Emitters of the dense family: FULLY_CONNECTED (ts_fc), ADD/SUB/MUL (ts_elementwise), MEAN/SUM
// (ts_reduce), SOFTMAX/LOG_SOFTMAX/LOGISTIC/TANH/RELU/RELU6/LEAKY_RELU (ts_activation). The
// parameters are derived exactly as the reference interpreter derives them (params_dense.h).

#include "codegen/params_dense.h"

#include "model/shapes.h"
#include "reference/fixedpoint.h"
#include "reference/kernel_api.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ts::codegen {

namespace {

using ref::scaleOf;
using ref::zeroPointOf;

int64_t countOf(const std::vector<int32_t>& s)
{
    int64_t n = 1;
    for (int32_t d : s)
        n *= d;
    return n;
}

// The shape an operand has for the op: the window's for a non-constant operand, the tensor's for a
// constant one.
const std::vector<int32_t>& shapeOf(const Operand& o) { return o.constant() ? o.info->shape : o.shape; }

bool fitsInt32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

void setError(std::string* error, const std::string& message)
{
    if (error)
        *error = message;
}

// Per-dimension element strides of an operand (row-major over its own shape), with the H stride
// of a [1,h,w,c] window replaced by its row pitch. False when the pitch is not whole elements.
bool elementStrides(const Operand& o, const std::vector<int32_t>& shape, std::vector<int64_t>& strides)
{
    strides.assign(shape.size(), 0);
    int64_t run = 1;
    for (size_t k = shape.size(); k-- > 0;) {
        strides[k] = run;
        run *= shape[k];
    }
    if (!o.constant() && o.rowPitch != 0 && shape.size() == 4) {
        const int es = std::max(dtypeSize(o.info->dtype), 1);
        if (o.rowPitch % es != 0)
            return false;
        strides[1] = o.rowPitch / es;
        strides[0] = strides[1] * shape[1];
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Printing

std::string joinInts(const int32_t* v, int n)
{
    std::string s = "{";
    for (int i = 0; i < n; ++i)
        s += (i ? ", " : "") + cInt(v[i]);
    return s + "}";
}

struct Fields {
    std::vector<std::string> items;
    Fields& i(const char* name, int64_t v)
    {
        items.push_back(std::string(".") + name + " = " + cInt(v));
        return *this;
    }
    Fields& f(const char* name, float v)
    {
        items.push_back(std::string(".") + name + " = " + cFloat(v));
        return *this;
    }
    Fields& a(const char* name, const int32_t* v, int n)
    {
        items.push_back(std::string(".") + name + " = " + joinInts(v, n));
        return *this;
    }
    std::string init() const
    {
        std::string s = "{";
        for (size_t k = 0; k < items.size(); ++k)
            s += (k ? ", " : "") + items[k];
        return s + "}";
    }
};

Emitted callBlock(const char* kernelFile, const char* type, const Fields& f, const std::string& call)
{
    Emitted e;
    e.kernels.insert(kernelFile);
    e.lines.push_back("{");
    e.lines.push_back(std::string("    static const ") + type + " ts_p = " + f.init() + ";");
    e.lines.push_back("    " + call + ";");
    e.lines.push_back("}");
    return e;
}

std::string key(const EmitContext& c, const char* what) { return "op" + std::to_string(c.opIndex) + "." + what; }
std::string hint(const EmitContext& c, const char* what) { return "op" + std::to_string(c.opIndex) + "_" + what; }

// C expression of input `k` as `const ctype *`: the arena pointer, or a ConstPool array.
std::string inputExpr(const EmitContext& c, size_t k, const char* ctype)
{
    const Operand& o = c.inputs[k];
    if (!o.constant())
        return o.as(ctype, true);
    const std::string what = "in" + std::to_string(k);
    switch (o.info->dtype) {
    case DType::Int8: return c.pool->addI8(key(c, what.c_str()), hint(c, what.c_str()), constI8(*o.info));
    case DType::Int16: return c.pool->addI16(key(c, what.c_str()), hint(c, what.c_str()), constI16(*o.info));
    case DType::Int32: return c.pool->addI32(key(c, what.c_str()), hint(c, what.c_str()), constI32(*o.info));
    case DType::Float32: return c.pool->addF32(key(c, what.c_str()), hint(c, what.c_str()), constF32(*o.info));
    default: return "NULL";
    }
}

const char* ctypeOf(DType t)
{
    switch (t) {
    case DType::Int8: return "int8_t";
    case DType::Int16: return "int16_t";
    case DType::Int32: return "int32_t";
    case DType::Float32: return "float";
    default: return nullptr;
    }
}

const char* suffixOf(DType t)
{
    switch (t) {
    case DType::Int8: return "s8";
    case DType::Int16: return "s16";
    case DType::Int32: return "s32";
    case DType::Float32: return "f32";
    default: return nullptr;
    }
}

// Softmax helpers (TFLite's quantization_util, default build), as the reference.
void preprocessSoftmaxScaling(double beta, double inputScale, int inputIntegerBits, int32_t* multiplier, int* leftShift)
{
    const double maxRealMultiplier = double((int64_t(1) << 31) - 1);
    const double real = std::min(beta * inputScale * double(1 << (31 - inputIntegerBits)), maxRealMultiplier);
    ref::quantizeMultiplierGreaterThanOne(real, multiplier, leftShift);
}

int calculateInputRadius(int inputIntegerBits, int inputLeftShift, int totalSignedBits = 31)
{
    const double maxInputRescaled = 1.0 * double((1 << inputIntegerBits) - 1)
        * std::ldexp(1.0, totalSignedBits - inputIntegerBits) / std::ldexp(1.0, inputLeftShift);
    return int(std::min(std::floor(maxInputRescaled), double(std::numeric_limits<int>::max())));
}

} // namespace

// =============================================================================================
// FULLY_CONNECTED

namespace {
struct FcDims {
    int batches = 0, outDepth = 0, accumDepth = 0;
};

bool fcCommon(const EmitContext& c, DType inType, FcDims& s, std::string* error)
{
    if (c.inputs.size() < 2 || !c.inputs[0].present() || !c.inputs[1].present() || c.outputs.empty()
        || !c.outputs[0].present()) {
        setError(error, "FULLY_CONNECTED needs an input, weights and an output");
        return false;
    }
    const Operand& x = c.inputs[0];
    const Operand& w = c.inputs[1];
    const Operand& y = c.outputs[0];
    if (x.info->dtype != inType) {
        setError(error, "unexpected input type");
        return false;
    }
    if (!w.constant()) {
        setError(error, "the weights must be constant");
        return false;
    }
    if (x.strided() || y.strided()) {
        setError(error, "a strided window cannot be the operand of FULLY_CONNECTED");
        return false;
    }
    if (const auto* o = std::get_if<FullyConnectedOptions>(&c.op->options); o && o->weightsFormat != 0) {
        setError(error, "shuffled weights are not supported");
        return false;
    }
    const auto& ws = w.info->shape;
    const auto& ys = y.shape;
    if (ws.size() < 2 || ys.empty()) {
        setError(error, "weights " + shapeString(ws) + " / output " + shapeString(ys) + " have too few dimensions");
        return false;
    }
    s.accumDepth = ws.back();
    s.outDepth = ys.back();
    if (s.outDepth <= 0 || s.accumDepth <= 0 || s.outDepth > ws[ws.size() - 2]) {
        setError(error, "weights " + shapeString(ws) + " do not match output " + shapeString(ys));
        return false;
    }
    const int64_t batches = countOf(ys) / s.outDepth;
    if (!fitsInt32(batches) || countOf(shapeOf(x)) < batches * s.accumDepth) {
        setError(error, "input " + shapeString(shapeOf(x)) + " is too small for the output");
        return false;
    }
    s.batches = int(batches);
    if (c.inputs.size() > 2 && c.inputs[2].present() && !c.inputs[2].constant()) {
        setError(error, "the bias must be constant");
        return false;
    }
    return true;
}
} // namespace

std::optional<FcS8Params> fcS8Params(const EmitContext& c, std::string* error)
{
    FcDims s;
    if (!fcCommon(c, DType::Int8, s, error))
        return std::nullopt;
    const Tensor& x = *c.inputs[0].info;
    const Tensor& w = *c.inputs[1].info;
    const Tensor& y = *c.outputs[0].info;
    if (w.dtype != DType::Int8 || y.dtype != DType::Int8 || w.quant.scale.empty()) {
        setError(error, "int8 FULLY_CONNECTED needs quantized int8 weights and an int8 output");
        return std::nullopt;
    }
    // int32 accumulator of the plain dot product: |w·x| <= 2^14 per term.
    if (s.accumDepth > 131071) {
        setError(error, "accumulation depth " + std::to_string(s.accumDepth) + " could overflow the int32 accumulator");
        return std::nullopt;
    }
    const Tensor* bias = c.inputs.size() > 2 && c.inputs[2].present() ? c.inputs[2].info : nullptr;
    if (bias && (bias->dtype != DType::Int32 || ref::elements(*bias) < s.outDepth)) {
        setError(error, "the bias must be int32 with one value per output unit");
        return std::nullopt;
    }
    FcS8Params r;
    const bool perChannel = w.quant.scale.size() > 1;
    int32_t filterOffset = 0;
    if (perChannel) {
        if (int64_t(w.quant.scale.size()) < s.outDepth) {
            setError(error, "per-channel weights have fewer scales than output units");
            return std::nullopt;
        }
        const float inScale = scaleOf(x), outScale = scaleOf(y);
        r.multipliers.resize(size_t(s.outDepth));
        r.shifts.resize(size_t(s.outDepth));
        for (int o = 0; o < s.outDepth; ++o) {
            int sh = 0;
            const double effective = double(inScale) * double(w.quant.scale[size_t(o)]) / double(outScale);
            ref::quantizeMultiplier(effective, &r.multipliers[size_t(o)], &sh);
            r.shifts[size_t(o)] = sh;
        }
    } else {
        const float product = scaleOf(x) * w.quant.scale[0];
        int sh = 0;
        ref::quantizeMultiplier(double(product) / double(scaleOf(y)), &r.p.multiplier, &sh);
        r.p.shift = sh;
        filterOffset = -zeroPointOf(w);
    }
    const int32_t inOffset = -zeroPointOf(x);
    // Fold: sum_k (w + fo)(x + io) = sum w·x + fo·sum x + io·sum w + K·fo·io (wrapping int32).
    const std::vector<int8_t> wv = constI8(w);
    const std::vector<int32_t> bv = bias ? constI32(*bias) : std::vector<int32_t>();
    if (int64_t(wv.size()) < int64_t(s.outDepth) * s.accumDepth) {
        setError(error, "the weights hold too few values");
        return std::nullopt;
    }
    r.bias.resize(size_t(s.outDepth));
    for (int o = 0; o < s.outDepth; ++o) {
        uint32_t sumW = 0;
        for (int k = 0; k < s.accumDepth; ++k)
            sumW += uint32_t(int32_t(wv[size_t(o) * size_t(s.accumDepth) + size_t(k)]));
        uint32_t b = bias ? uint32_t(bv[size_t(o)]) : 0u;
        b += uint32_t(inOffset) * sumW;
        b += uint32_t(s.accumDepth) * uint32_t(filterOffset) * uint32_t(inOffset);
        r.bias[size_t(o)] = int32_t(b);
    }
    r.p.batches = s.batches;
    r.p.accum_depth = s.accumDepth;
    r.p.out_depth = s.outDepth;
    r.p.filter_offset = filterOffset;
    r.p.out_offset = zeroPointOf(y);
    activationClamp(c.op->activation(), y, &r.p.act_min, &r.p.act_max);
    return r;
}

std::optional<FcS16Params> fcS16Params(const EmitContext& c, std::string* error)
{
    FcDims s;
    if (!fcCommon(c, DType::Int16, s, error))
        return std::nullopt;
    const Tensor& x = *c.inputs[0].info;
    const Tensor& w = *c.inputs[1].info;
    const Tensor& y = *c.outputs[0].info;
    if (w.dtype != DType::Int8 || y.dtype != DType::Int16 || w.quant.scale.empty()) {
        setError(error, "int16 FULLY_CONNECTED needs quantized int8 weights and an int16 output");
        return std::nullopt;
    }
    if (w.quant.scale.size() > 1) {
        setError(error, "per-channel weights are not supported with int16 input");
        return std::nullopt;
    }
    const Tensor* bias = c.inputs.size() > 2 && c.inputs[2].present() ? c.inputs[2].info : nullptr;
    if (bias && ((bias->dtype != DType::Int64 && bias->dtype != DType::Int32) || ref::elements(*bias) < s.outDepth)) {
        setError(error, "the bias must be int64 (or int32) with one value per output unit");
        return std::nullopt;
    }
    FcS16Params r;
    const float product = scaleOf(x) * w.quant.scale[0];
    int sh = 0;
    ref::quantizeMultiplier(double(product) / double(scaleOf(y)), &r.p.multiplier, &sh);
    r.p.shift = sh;
    r.p.filter_offset = -zeroPointOf(w);
    r.p.batches = s.batches;
    r.p.accum_depth = s.accumDepth;
    r.p.out_depth = s.outDepth;
    activationClamp(c.op->activation(), y, &r.p.act_min, &r.p.act_max);
    r.p.bias_words = 1;
    if (bias) {
        if (bias->dtype == DType::Int32) {
            r.bias = constI32(*bias);
            r.bias.resize(size_t(s.outDepth));
        } else {
            std::vector<int64_t> v(bias->data.size / 8);
            std::memcpy(v.data(), bias->data.data, v.size() * 8);
            r.p.bias_words = 2;
            for (int o = 0; o < s.outDepth; ++o) {
                const uint64_t u = uint64_t(v[size_t(o)]);
                r.bias.push_back(int32_t(uint32_t(u)));
                r.bias.push_back(int32_t(uint32_t(u >> 32)));
            }
        }
    }
    return r;
}

std::optional<ts_fc_f32_params> fcF32Params(const EmitContext& c, std::string* error)
{
    FcDims s;
    if (!fcCommon(c, DType::Float32, s, error))
        return std::nullopt;
    if (c.inputs[1].info->dtype != DType::Float32 || c.outputs[0].info->dtype != DType::Float32) {
        setError(error, "float32 input needs float32 weights and output");
        return std::nullopt;
    }
    const Tensor* bias = c.inputs.size() > 2 && c.inputs[2].present() ? c.inputs[2].info : nullptr;
    if (bias && (bias->dtype != DType::Float32 || ref::elements(*bias) < s.outDepth)) {
        setError(error, "the bias must be float32 with one value per output unit");
        return std::nullopt;
    }
    ts_fc_f32_params p{};
    p.batches = s.batches;
    p.accum_depth = s.accumDepth;
    p.out_depth = s.outDepth;
    ref::activationRangeFloat(c.op->activation(), &p.act_min, &p.act_max);
    return p;
}

Result<Emitted> emitFullyConnected(const EmitContext& c)
{
    if (c.inputs.empty() || !c.inputs[0].present())
        return emitError(c, "FULLY_CONNECTED needs an input");
    std::string error;
    const DType t = c.inputs[0].info->dtype;
    const std::string in = c.inputs[0].as(ctypeOf(t) ? ctypeOf(t) : "int8_t", true);
    const std::string out = c.outputs.empty() ? "" : c.outputs[0].as(ctypeOf(t) ? ctypeOf(t) : "int8_t");
    const bool hasBias = c.inputs.size() > 2 && c.inputs[2].present();
    if (t == DType::Int8) {
        auto r = fcS8Params(c, &error);
        if (!r)
            return emitError(c, error);
        const std::string w = c.pool->addI8(key(c, "weights"), hint(c, "weights"), constI8(*c.inputs[1].info));
        const std::string b = c.pool->addI32(key(c, "bias_folded"), hint(c, "bias"), r->bias);
        std::string m = "NULL", s = "NULL";
        if (!r->multipliers.empty()) {
            m = c.pool->addI32(key(c, "multipliers"), hint(c, "mult"), r->multipliers);
            s = c.pool->addI32(key(c, "shifts"), hint(c, "shift"), r->shifts);
        }
        Fields f;
        f.i("batches", r->p.batches).i("accum_depth", r->p.accum_depth).i("out_depth", r->p.out_depth);
        f.i("filter_offset", r->p.filter_offset).i("out_offset", r->p.out_offset);
        f.i("multiplier", r->p.multiplier).i("shift", r->p.shift).i("act_min", r->p.act_min).i("act_max", r->p.act_max);
        Result<Emitted> res;
        res.value = callBlock("ts_fc", "ts_fc_s8_params", f,
                              "ts_fc_s8(" + in + ", " + w + ", " + b + ", " + m + ", " + s + ", " + out + ", &ts_p)");
        return res;
    }
    if (t == DType::Int16) {
        auto r = fcS16Params(c, &error);
        if (!r)
            return emitError(c, error);
        const std::string w = c.pool->addI8(key(c, "weights"), hint(c, "weights"), constI8(*c.inputs[1].info));
        const std::string b = r->bias.empty() ? "NULL" : c.pool->addI32(key(c, "bias_words"), hint(c, "bias"), r->bias);
        Fields f;
        f.i("batches", r->p.batches).i("accum_depth", r->p.accum_depth).i("out_depth", r->p.out_depth);
        f.i("filter_offset", r->p.filter_offset).i("multiplier", r->p.multiplier).i("shift", r->p.shift);
        f.i("act_min", r->p.act_min).i("act_max", r->p.act_max).i("bias_words", r->p.bias_words);
        Result<Emitted> res;
        res.value = callBlock("ts_fc", "ts_fc_s16_params", f,
                              "ts_fc_s16(" + in + ", " + w + ", " + b + ", " + out + ", &ts_p)");
        return res;
    }
    if (t == DType::Float32) {
        auto p = fcF32Params(c, &error);
        if (!p)
            return emitError(c, error);
        const std::string w = c.pool->addF32(key(c, "weights"), hint(c, "weights"), constF32(*c.inputs[1].info));
        std::string b = "NULL";
        if (hasBias) {
            std::vector<float> bv = constF32(*c.inputs[2].info);
            bv.resize(size_t(p->out_depth));
            b = c.pool->addF32(key(c, "bias"), hint(c, "bias"), bv);
        }
        Fields f;
        f.i("batches", p->batches).i("accum_depth", p->accum_depth).i("out_depth", p->out_depth);
        f.f("act_min", p->act_min).f("act_max", p->act_max);
        Result<Emitted> res;
        res.value = callBlock("ts_fc", "ts_fc_f32_params", f,
                              "ts_fc_f32(" + in + ", " + w + ", " + b + ", " + out + ", &ts_p)");
        return res;
    }
    return emitError(c, std::string("FULLY_CONNECTED on ") + dtypeName(t) + " input has no C kernel");
}

// =============================================================================================
// ADD, SUB, MUL

std::optional<ts_elementwise_params> elementwiseParams(const EmitContext& c, std::string* error)
{
    if (c.inputs.size() < 2 || !c.inputs[0].present() || !c.inputs[1].present() || c.outputs.empty()
        || !c.outputs[0].present()) {
        setError(error, "expects two inputs and one output");
        return std::nullopt;
    }
    const Operand* ops[3] = {&c.inputs[0], &c.inputs[1], &c.outputs[0]};
    const DType type = ops[2]->info->dtype;
    if (ops[0]->info->dtype != type || ops[1]->info->dtype != type) {
        setError(error, "mixed input and output types are not supported");
        return std::nullopt;
    }
    if (type != DType::Int8 && type != DType::Int16 && type != DType::Int32 && type != DType::Float32) {
        setError(error, std::string("elements of type ") + dtypeName(type) + " have no C kernel");
        return std::nullopt;
    }
    const std::vector<int32_t>* shapes[3] = {&shapeOf(*ops[0]), &shapeOf(*ops[1]), &shapeOf(*ops[2])};
    const bool anyStrided = ops[0]->rowPitch != 0 || ops[1]->rowPitch != 0 || ops[2]->rowPitch != 0;
    if (anyStrided) {
        // Over a window, an input either has the window's shape or is broadcast along all of H and W
        // (e.g. an SE block's [1,1,1,c] scale): where the window lies then does not matter.
        if (shapes[2]->size() != 4) {
            setError(error, "a strided window must be [1,h,w,c]");
            return std::nullopt;
        }
        for (int k = 0; k < 2; ++k) {
            const std::vector<int32_t>& s = *shapes[k];
            const size_t pad = 4 - std::min<size_t>(s.size(), 4);
            auto dim = [&](size_t i) { return i < pad ? 1 : s[i - pad]; };
            const bool windowed = s == *shapes[2];
            const bool spatialBroadcast = s.size() <= 4 && dim(1) == 1 && dim(2) == 1;
            if (!windowed && !spatialBroadcast) {
                setError(error, "broadcasting along H or W over a strided window is not supported");
                return std::nullopt;
            }
            if (!windowed && ops[k]->rowPitch != 0) {
                setError(error, "a broadcast input cannot be a strided window");
                return std::nullopt;
            }
        }
    }
    if (c.inplace == InplaceKind::Elementwise) {
        const int k = c.inplaceOperand;
        if (k < 0 || k > 1 || *shapes[k] != *shapes[2] || ops[k]->rowPitch != ops[2]->rowPitch) {
            setError(error, "in place over an input whose layout differs from the output's");
            return std::nullopt;
        }
    } else if (c.inplace != InplaceKind::None) {
        setError(error, std::string("in-place kind ") + inplaceKindName(c.inplace) + " is not an element-wise one");
        return std::nullopt;
    }

    const size_t rank = std::max({shapes[0]->size(), shapes[1]->size(), shapes[2]->size()});
    if (rank > 6) {
        setError(error, "broadcasting supports at most 6 dimensions");
        return std::nullopt;
    }
    std::vector<int64_t> own[3];
    for (int k = 0; k < 3; ++k)
        if (!elementStrides(*ops[k], *shapes[k], own[k])) {
            setError(error, "a row pitch that is not a whole number of elements");
            return std::nullopt;
        }
    // Right-aligned dims and strides (0 where an input is broadcast).
    struct Dim {
        int64_t n;
        int64_t s[3];
    };
    std::vector<Dim> dims(rank);
    for (size_t i = 0; i < rank; ++i) {
        int64_t d[3];
        for (int k = 0; k < 3; ++k) {
            const size_t pad = rank - shapes[k]->size();
            d[k] = i < pad ? 1 : (*shapes[k])[i - pad];
            dims[i].s[k] = i < pad ? 0 : own[k][i - pad];
        }
        const int64_t expected = d[0] == 1 ? d[1] : d[0];
        if ((d[0] != 1 && d[1] != 1 && d[0] != d[1]) || d[2] != expected) {
            setError(error, "shapes " + shapeString(*shapes[0]) + " and " + shapeString(*shapes[1])
                                + " do not broadcast to " + shapeString(*shapes[2]));
            return std::nullopt;
        }
        dims[i].n = d[2];
        for (int k = 0; k < 2; ++k)
            if (d[k] == 1)
                dims[i].s[k] = 0;
    }
    // Collapse, innermost first: drop size-1 dims, merge contiguous neighbours.
    std::vector<Dim> col; // innermost first
    for (size_t i = rank; i-- > 0;) {
        const Dim& d = dims[i];
        if (d.n == 1)
            continue;
        if (!col.empty() && d.n != 0 && col.back().n != 0) {
            Dim& in = col.back();
            bool merge = true;
            for (int k = 0; k < 3; ++k)
                merge = merge && d.s[k] == in.s[k] * in.n;
            if (merge) {
                in.n *= d.n;
                continue;
            }
        }
        col.push_back(d);
    }
    ts_elementwise_params p{};
    for (int k = 0; k < TS_EW_OUTER; ++k)
        p.dims[k] = 1;
    p.inner = 1;
    size_t outerStart = 0;
    if (!col.empty() && col[0].s[2] == 1 && (col[0].s[0] == 0 || col[0].s[0] == 1)
        && (col[0].s[1] == 0 || col[0].s[1] == 1)) {
        if (!fitsInt32(col[0].n)) {
            setError(error, "too many elements");
            return std::nullopt;
        }
        p.inner = int32_t(col[0].n);
        p.a_step = int32_t(col[0].s[0]);
        p.b_step = int32_t(col[0].s[1]);
        outerStart = 1;
    }
    if (col.size() - outerStart > size_t(TS_EW_OUTER)) {
        setError(error, "the broadcast needs more than " + std::to_string(TS_EW_OUTER) + " outer loops");
        return std::nullopt;
    }
    for (size_t j = outerStart; j < col.size(); ++j) {
        const int slot = TS_EW_OUTER - 1 - int(j - outerStart);
        const Dim& d = col[j];
        if (!fitsInt32(d.n) || !fitsInt32(d.s[0]) || !fitsInt32(d.s[1]) || !fitsInt32(d.s[2])) {
            setError(error, "too many elements");
            return std::nullopt;
        }
        p.dims[slot] = int32_t(d.n);
        p.a_stride[slot] = int32_t(d.s[0]);
        p.b_stride[slot] = int32_t(d.s[1]);
        p.o_stride[slot] = int32_t(d.s[2]);
    }

    const Tensor& a = *ops[0]->info;
    const Tensor& b = *ops[1]->info;
    const Tensor& y = *ops[2]->info;
    const Activation act = c.op->activation();
    const OpKind kind = c.op->kind;
    if (type == DType::Float32) {
        ref::activationRangeFloat(act, &p.act_min_f, &p.act_max_f);
        return p;
    }
    if (type == DType::Int32) {
        p.act_min = INT32_MIN;
        p.act_max = INT32_MAX;
        if (kind != OpKind::Add) { // TFLM's int32 ADD ignores the fused activation
            if (act == Activation::Relu) {
                p.act_min = 0;
            } else if (act == Activation::Relu6) {
                p.act_min = 0;
                p.act_max = 6;
            } else if (act == Activation::ReluN1To1) {
                p.act_min = -1;
                p.act_max = 1;
            }
        }
        return p;
    }
    if (a.quant.scale.empty() || b.quant.scale.empty() || y.quant.scale.empty()) {
        setError(error, "quantized operands need a scale");
        return std::nullopt;
    }
    p.a_offset = -zeroPointOf(a);
    p.b_offset = -zeroPointOf(b);
    p.out_offset = zeroPointOf(y);
    activationClamp(act, y, &p.act_min, &p.act_max);
    if (kind == OpKind::Mul) {
        if (type == DType::Int16 && (p.a_offset != 0 || p.b_offset != 0 || p.out_offset != 0)) {
            setError(error, "int16 MUL needs zero points of 0");
            return std::nullopt;
        }
        int sh = 0;
        ref::quantizeMultiplier(double(scaleOf(a)) * double(scaleOf(b)) / double(scaleOf(y)), &p.out_mult, &sh);
        p.out_shift = sh;
        return p;
    }
    if (kind != OpKind::Add && kind != OpKind::Sub) {
        setError(error, "not an element-wise op");
        return std::nullopt;
    }
    p.left_shift = type == DType::Int16 ? 15 : 20;
    const float s1 = scaleOf(a), s2 = scaleOf(b), so = scaleOf(y);
    double real1, real2, realOut;
    if (kind == OpKind::Sub) { // SUB prepares in float, ADD in double (TFLM)
        const float twiceMax = 2 * std::max(s1, s2);
        real1 = double(s1 / twiceMax);
        real2 = double(s2 / twiceMax);
        realOut = double(twiceMax / (float(1 << p.left_shift) * so));
    } else {
        const double twiceMax = 2 * double(std::max(s1, s2));
        real1 = double(s1) / twiceMax;
        real2 = double(s2) / twiceMax;
        realOut = twiceMax / (double(1 << p.left_shift) * double(so));
    }
    int sh1 = 0, sh2 = 0, sho = 0;
    ref::quantizeMultiplierSmallerThanOneExp(real1, &p.a_mult, &sh1);
    ref::quantizeMultiplierSmallerThanOneExp(real2, &p.b_mult, &sh2);
    ref::quantizeMultiplierSmallerThanOneExp(realOut, &p.out_mult, &sho);
    p.a_shift = sh1;
    p.b_shift = sh2;
    p.out_shift = sho;
    return p;
}

Result<Emitted> emitElementwise(const EmitContext& c)
{
    std::string error;
    auto p = elementwiseParams(c, &error);
    if (!p)
        return emitError(c, error);
    const DType t = c.outputs[0].info->dtype;
    const char* op = c.op->kind == OpKind::Add ? "add" : c.op->kind == OpKind::Sub ? "sub" : "mul";
    Fields f;
    f.a("dims", p->dims, TS_EW_OUTER).a("a_stride", p->a_stride, TS_EW_OUTER).a("b_stride", p->b_stride, TS_EW_OUTER);
    f.a("o_stride", p->o_stride, TS_EW_OUTER).i("inner", p->inner).i("a_step", p->a_step).i("b_step", p->b_step);
    if (t == DType::Float32) {
        f.f("act_min_f", p->act_min_f).f("act_max_f", p->act_max_f);
    } else {
        if (t != DType::Int32) {
            f.i("a_offset", p->a_offset).i("b_offset", p->b_offset).i("out_offset", p->out_offset);
            if (c.op->kind != OpKind::Mul)
                f.i("left_shift", p->left_shift).i("a_mult", p->a_mult).i("a_shift", p->a_shift).i("b_mult", p->b_mult).i(
                    "b_shift", p->b_shift);
            f.i("out_mult", p->out_mult).i("out_shift", p->out_shift);
        }
        f.i("act_min", p->act_min).i("act_max", p->act_max);
    }
    const char* ct = ctypeOf(t);
    const std::string call = std::string("ts_") + op + "_" + suffixOf(t) + "(" + inputExpr(c, 0, ct) + ", "
        + inputExpr(c, 1, ct) + ", " + c.outputs[0].as(ct) + ", &ts_p)";
    Result<Emitted> res;
    res.value = callBlock("ts_elementwise", "ts_elementwise_params", f, call);
    return res;
}

// =============================================================================================
// MEAN, SUM

std::optional<ts_reduce_params> reduceParams(const EmitContext& c, std::string* error)
{
    if (c.inputs.size() < 2 || !c.inputs[0].present() || !c.inputs[1].present() || c.outputs.empty()
        || !c.outputs[0].present()) {
        setError(error, "expects an input, an axis tensor and one output");
        return std::nullopt;
    }
    const Operand& xo = c.inputs[0];
    const Operand& yo = c.outputs[0];
    const Tensor& x = *xo.info;
    const Tensor& y = *yo.info;
    if (yo.strided()) {
        setError(error, "a strided output window is not supported");
        return std::nullopt;
    }
    const auto axes = c.inputs[1].constant() ? constantInts(*c.inputs[1].info) : std::nullopt;
    if (!axes) {
        setError(error, "the axis tensor must be constant int32");
        return std::nullopt;
    }
    const std::vector<int32_t>& shape = shapeOf(xo);
    const int rank = int(shape.size());
    std::vector<bool> reduced(size_t(rank), false);
    for (int64_t a : *axes) {
        const int64_t axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= rank) {
            setError(error, "axis " + std::to_string(a) + " is out of range for " + shapeString(shape));
            return std::nullopt;
        }
        reduced[size_t(axis)] = true;
    }
    std::vector<int64_t> strides;
    if (!elementStrides(xo, shape, strides)) {
        setError(error, "a row pitch that is not a whole number of elements");
        return std::nullopt;
    }
    int64_t outputs = 1, count = 1;
    for (int k = 0; k < rank; ++k)
        (reduced[size_t(k)] ? count : outputs) *= shape[size_t(k)];
    if (countOf(shapeOf(yo)) != outputs) {
        setError(error, "output " + shapeString(shapeOf(yo)) + " does not match the reduction of " + shapeString(shape));
        return std::nullopt;
    }
    if (!fitsInt32(count) || !fitsInt32(outputs)) {
        setError(error, "too many elements");
        return std::nullopt;
    }
    struct Dim {
        int64_t n, s;
        bool red;
    };
    std::vector<Dim> col; // outermost first
    for (int k = 0; k < rank; ++k) {
        const Dim d{shape[size_t(k)], strides[size_t(k)], reduced[size_t(k)]};
        if (d.n == 1)
            continue;
        if (!col.empty() && col.back().red == d.red && d.n != 0 && col.back().n != 0 && col.back().s == d.s * d.n) {
            col.back().n *= d.n;
            col.back().s = d.s;
            continue;
        }
        col.push_back(d);
    }
    ts_reduce_params p{};
    std::vector<Dim> keep, red;
    for (const Dim& d : col)
        (d.red ? red : keep).push_back(d);
    if (keep.size() > 3 || red.size() > 3) {
        setError(error, "the reduction needs more than three kept or reduced loops");
        return std::nullopt;
    }
    for (int k = 0; k < 3; ++k) {
        p.keep_dims[k] = p.red_dims[k] = 1;
    }
    for (size_t j = 0; j < keep.size(); ++j) {
        const int slot = 3 - int(keep.size()) + int(j);
        if (!fitsInt32(keep[j].s)) {
            setError(error, "too many elements");
            return std::nullopt;
        }
        p.keep_dims[slot] = int32_t(keep[j].n);
        p.keep_stride[slot] = int32_t(keep[j].s);
    }
    for (size_t j = 0; j < red.size(); ++j) {
        const int slot = 3 - int(red.size()) + int(j);
        if (!fitsInt32(red[j].s)) {
            setError(error, "too many elements");
            return std::nullopt;
        }
        p.red_dims[slot] = int32_t(red[j].n);
        p.red_stride[slot] = int32_t(red[j].s);
    }
    p.count = int32_t(count);
    p.mean = c.op->kind == OpKind::Mean ? 1 : 0;
    if (x.dtype == DType::Float32) {
        if (y.dtype != DType::Float32) {
            setError(error, "float32 input needs a float32 output");
            return std::nullopt;
        }
        return p;
    }
    if (x.dtype != DType::Int8 && x.dtype != DType::Int16) {
        setError(error, std::string(dtypeName(x.dtype)) + " reductions have no C kernel");
        return std::nullopt;
    }
    if (x.dtype != y.dtype) {
        setError(error, "mixed input and output types are not supported");
        return std::nullopt;
    }
    if (x.quant.scale.empty() || y.quant.scale.empty()) {
        setError(error, "quantized operands need a scale");
        return std::nullopt;
    }
    int32_t mult = 0;
    int shift = 0;
    ref::quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &mult, &shift);
    if (p.mean && count > 0) {
        int extra = 0;
        while ((uint64_t(count) >> (extra + 1)) != 0)
            ++extra;
        extra = std::min(extra, 32);
        extra = std::min(extra, 31 + shift);
        mult = int32_t((int64_t(mult) * (int64_t(1) << extra)) / count);
        shift -= extra;
    }
    p.mult = mult;
    p.shift = shift;
    p.in_zp_count = int32_t(uint32_t(uint64_t(int64_t(zeroPointOf(x)) * count)));
    p.out_zp = zeroPointOf(y);
    return p;
}

Result<Emitted> emitReduce(const EmitContext& c)
{
    std::string error;
    auto p = reduceParams(c, &error);
    if (!p)
        return emitError(c, error);
    const DType t = c.inputs[0].info->dtype;
    Fields f;
    f.a("keep_dims", p->keep_dims, 3).a("keep_stride", p->keep_stride, 3).a("red_dims", p->red_dims, 3);
    f.a("red_stride", p->red_stride, 3).i("count", p->count);
    if (t == DType::Float32)
        f.i("mean", p->mean);
    else
        f.i("in_zp_count", p->in_zp_count).i("mult", p->mult).i("shift", p->shift).i("out_zp", p->out_zp);
    const char* ct = ctypeOf(t);
    Result<Emitted> res;
    res.value = callBlock("ts_reduce", "ts_reduce_params", f,
                          std::string("ts_reduce_") + suffixOf(t) + "(" + inputExpr(c, 0, ct) + ", "
                              + c.outputs[0].as(ct) + ", &ts_p)");
    return res;
}

// =============================================================================================
// Activations

std::optional<ts_act_params> activationParams(const EmitContext& c, std::string* error)
{
    if (c.inputs.empty() || !c.inputs[0].present() || c.outputs.empty() || !c.outputs[0].present()) {
        setError(error, "expects one input and one output");
        return std::nullopt;
    }
    const Operand& xo = c.inputs[0];
    const Operand& yo = c.outputs[0];
    const Tensor& x = *xo.info;
    const Tensor& y = *yo.info;
    const OpKind kind = c.op->kind;
    if (x.dtype != y.dtype) {
        setError(error, "mixed input and output types are not supported");
        return std::nullopt;
    }
    const DType t = x.dtype;
    const bool intOk = t == DType::Int8 || (t == DType::Int16 && kind != OpKind::Logistic && kind != OpKind::Tanh);
    if (!intOk && t != DType::Float32) {
        setError(error, opKindName(kind) + " on " + dtypeName(t) + " has no C kernel");
        return std::nullopt;
    }
    if (t != DType::Float32 && (x.quant.scale.empty() || y.quant.scale.empty())) {
        setError(error, "quantized operands need a scale");
        return std::nullopt;
    }
    if (xo.constant()) {
        setError(error, "a constant input has no C kernel (fold it)");
        return std::nullopt;
    }
    const std::vector<int32_t>& xs = shapeOf(xo);
    const std::vector<int32_t>& ys = shapeOf(yo);
    const int64_t n = countOf(xs);
    if (n != countOf(ys)) {
        setError(error, "input " + shapeString(xs) + " and output " + shapeString(ys) + " differ in size");
        return std::nullopt;
    }
    ts_act_params p{};
    const int es = std::max(dtypeSize(t), 1);
    if (xo.rowPitch != 0 || yo.rowPitch != 0) {
        if (xs.size() != 4 || xs != ys || xs[0] != 1 || xo.rowPitch % es != 0 || yo.rowPitch % es != 0) {
            setError(error, "a strided window must be [1,h,w,c] on both sides");
            return std::nullopt;
        }
        const int64_t row = int64_t(xs[2]) * xs[3];
        p.rows = xs[1];
        p.row_len = int32_t(row);
        p.in_pitch = int32_t(xo.rowPitch ? xo.rowPitch / es : row);
        p.out_pitch = int32_t(yo.rowPitch ? yo.rowPitch / es : row);
    } else {
        if (!fitsInt32(n)) {
            setError(error, "too many elements");
            return std::nullopt;
        }
        p.rows = 1;
        p.row_len = p.in_pitch = p.out_pitch = int32_t(n);
    }
    if (t == DType::Float32) {
        if (kind == OpKind::LeakyRelu) {
            const auto* o = std::get_if<LeakyReluOptions>(&c.op->options);
            p.alpha = o ? o->alpha : 0.0f;
        }
        return p;
    }
    const int32_t inZp = zeroPointOf(x), outZp = zeroPointOf(y);
    const int32_t tmin = t == DType::Int16 ? -32768 : -128, tmax = t == DType::Int16 ? 32767 : 127;
    p.in_zp = inZp;
    p.out_zp = outZp;
    int sh = 0;
    switch (kind) {
    case OpKind::Relu:
        ref::quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &p.mult, &sh);
        p.shift = sh;
        p.act_min = std::max(tmin, outZp);
        p.act_max = tmax;
        return p;
    case OpKind::Relu6: {
        const float ratio = 6.0f / scaleOf(x);
        const float six = std::round(ratio) + float(inZp);
        const auto six32 = std::isnan(six) ? inZp : int32_t(std::clamp(six, -2147483648.0f, 2147483520.0f));
        p.act_min = std::clamp(inZp, tmin, tmax);
        p.act_max = std::clamp(six32, tmin, tmax);
        return p;
    }
    case OpKind::LeakyRelu: {
        const auto* o = std::get_if<LeakyReluOptions>(&c.op->options);
        const float alpha = o ? o->alpha : 0.0f;
        int sa = 0;
        ref::quantizeMultiplier(double(scaleOf(x) * alpha / scaleOf(y)), &p.alpha_mult, &sa);
        ref::quantizeMultiplier(double(scaleOf(x) / scaleOf(y)), &p.mult, &sh);
        p.alpha_shift = sa;
        p.shift = sh;
        return p;
    }
    case OpKind::Logistic:
    case OpKind::Tanh: {
        if (kind == OpKind::Logistic && outZp != -128) {
            setError(error, "int8 logistic needs output zero point -128");
            return std::nullopt;
        }
        constexpr int kInputIntegerBits = 4;
        const double real = double(scaleOf(x)) * double(1 << (31 - kInputIntegerBits));
        int leftShift = 0;
        const double q = std::isfinite(real) ? std::frexp(real, &leftShift) : 0.0;
        p.mult = int32_t(uint32_t(int64_t(std::round(q * double(int64_t(1) << 31)))));
        p.shift = leftShift;
        p.range_radius = calculateInputRadius(kInputIntegerBits, leftShift, 31);
        return p;
    }
    default:
        setError(error, "not an element-wise activation");
        return std::nullopt;
    }
}

std::vector<int8_t> activationTableS8(OpKind kind, const ts_act_params& p)
{
    std::vector<int8_t> in(256), out(256);
    for (int i = 0; i < 256; ++i)
        in[size_t(i)] = int8_t(uint8_t(i));
    ts_act_params q = p;
    q.rows = 1;
    q.row_len = q.in_pitch = q.out_pitch = 256;
    switch (kind) {
    case OpKind::Logistic: ts_logistic_s8(in.data(), out.data(), &q); break;
    case OpKind::Tanh: ts_tanh_s8(in.data(), out.data(), &q); break;
    case OpKind::Relu: ts_relu_s8(in.data(), out.data(), &q); break;
    case OpKind::Relu6: ts_relu6_s8(in.data(), out.data(), &q); break;
    case OpKind::LeakyRelu: ts_leaky_relu_s8(in.data(), out.data(), &q); break;
    default: break;
    }
    return out;
}

std::optional<ts_softmax_params> softmaxParams(const EmitContext& c, std::string* error)
{
    if (c.inputs.empty() || !c.inputs[0].present() || c.outputs.empty() || !c.outputs[0].present()) {
        setError(error, "expects one input and one output");
        return std::nullopt;
    }
    const Operand& xo = c.inputs[0];
    const Operand& yo = c.outputs[0];
    const Tensor& x = *xo.info;
    const Tensor& y = *yo.info;
    if (xo.constant()) {
        setError(error, "a constant input has no C kernel (fold it)");
        return std::nullopt;
    }
    if (xo.strided() || yo.strided()) {
        setError(error, "a strided window is not supported by the softmax kernels");
        return std::nullopt;
    }
    const std::vector<int32_t>& xs = shapeOf(xo);
    const int64_t n = countOf(xs);
    if (xs.empty() || n != countOf(shapeOf(yo)) || !fitsInt32(n)) {
        setError(error, "input " + shapeString(xs) + " does not match output " + shapeString(shapeOf(yo)));
        return std::nullopt;
    }
    ts_softmax_params p{};
    p.depth = xs.back();
    p.rows = p.depth <= 0 ? 0 : int32_t(n / p.depth);
    const bool isLog = c.op->kind == OpKind::LogSoftmax;
    const auto* so = std::get_if<SoftmaxOptions>(&c.op->options);
    const float beta = so ? so->beta : 1.0f;
    if (x.dtype == DType::Float32) {
        if (y.dtype != DType::Float32) {
            setError(error, "float softmax needs a float32 output");
            return std::nullopt;
        }
        p.beta = float(double(beta));
        return p;
    }
    if (x.dtype != DType::Int8) {
        setError(error, std::string(isLog ? "LOG_SOFTMAX" : "SOFTMAX") + " on " + dtypeName(x.dtype) + " has no C kernel");
        return std::nullopt;
    }
    int leftShift = 0;
    if (!isLog) {
        if (!(y.dtype == DType::Int8 && zeroPointOf(y) == -128) && !(y.dtype == DType::Int16 && zeroPointOf(y) == -32768)) {
            setError(error, "int8 softmax needs an int8 output with zero point -128 or int16 with -32768");
            return std::nullopt;
        }
        preprocessSoftmaxScaling(double(beta), double(scaleOf(x)), 5, &p.mult, &leftShift);
        p.left_shift = leftShift;
        p.diff_min = int32_t(-1.0 * calculateInputRadius(5, leftShift));
        return p;
    }
    if (y.dtype != DType::Int8 || scaleOf(y) != 16.0f / 256 || zeroPointOf(y) != 127) {
        setError(error, "int8 log_softmax needs an int8 output with scale 16/256 and zero point 127");
        return std::nullopt;
    }
    preprocessSoftmaxScaling(1.0, double(scaleOf(x)), 5, &p.mult, &leftShift);
    if (leftShift < 0 || leftShift > 31 || p.mult <= 0) {
        setError(error, "the input scale is out of the range int8 log_softmax can rescale");
        return std::nullopt;
    }
    p.left_shift = leftShift;
    const double reverseNumerator = double(int32_t(uint32_t(1) << (31 - leftShift)));
    int rs = 0;
    ref::quantizeMultiplierSmallerThanOneExp(reverseNumerator / double(p.mult), &p.reverse_mult, &rs);
    p.reverse_shift = rs;
    p.diff_min = -calculateInputRadius(5, leftShift);
    return p;
}

Result<Emitted> emitActivation(const EmitContext& c)
{
    std::string error;
    const OpKind kind = c.op->kind;
    if (c.inputs.empty() || !c.inputs[0].present() || c.outputs.empty() || !c.outputs[0].present())
        return emitError(c, "expects one input and one output");
    const DType t = c.inputs[0].info->dtype;
    const DType to = c.outputs[0].info->dtype;
    if (kind == OpKind::Softmax || kind == OpKind::LogSoftmax) {
        auto p = softmaxParams(c, &error);
        if (!p)
            return emitError(c, error);
        Fields f;
        f.i("rows", p->rows).i("depth", p->depth);
        std::string fn;
        if (t == DType::Float32) {
            if (kind == OpKind::Softmax)
                f.f("beta", p->beta);
            fn = kind == OpKind::Softmax ? "ts_softmax_f32" : "ts_log_softmax_f32";
        } else {
            f.i("mult", p->mult).i("left_shift", p->left_shift).i("diff_min", p->diff_min);
            if (kind == OpKind::LogSoftmax)
                f.i("reverse_mult", p->reverse_mult).i("reverse_shift", p->reverse_shift);
            fn = kind == OpKind::LogSoftmax ? "ts_log_softmax_s8" : to == DType::Int16 ? "ts_softmax_s8_s16" : "ts_softmax_s8";
        }
        Result<Emitted> res;
        res.value = callBlock("ts_activation", "ts_softmax_params", f,
                              fn + "(" + c.inputs[0].as(ctypeOf(t), true) + ", " + c.outputs[0].as(ctypeOf(to)) + ", &ts_p)");
        return res;
    }
    auto p = activationParams(c, &error);
    if (!p)
        return emitError(c, error);
    Fields f;
    f.i("rows", p->rows).i("row_len", p->row_len).i("in_pitch", p->in_pitch).i("out_pitch", p->out_pitch);
    const char* ct = ctypeOf(t);
    const std::string in = c.inputs[0].as(ct, true), out = c.outputs[0].as(ct);
    const char* name = kind == OpKind::Relu ? "relu" : kind == OpKind::Relu6 ? "relu6" : kind == OpKind::LeakyRelu ? "leaky_relu"
                     : kind == OpKind::Logistic ? "logistic" : "tanh";
    std::string call;
    if (t == DType::Float32) {
        if (kind == OpKind::LeakyRelu)
            f.f("alpha", p->alpha);
        call = std::string("ts_") + name + "_f32(" + in + ", " + out + ", &ts_p)";
    } else if (t == DType::Int8 && kind != OpKind::Relu6) {
        // The kernel once per int8 value, at generation time: a 256-byte table (one load per
        // element instead of fixed-point exp/reciprocal or a 64-bit requantization).
        const std::string table = c.pool->addI8(key(c, "lut"), hint(c, name), activationTableS8(kind, *p));
        call = "ts_lut_s8(" + in + ", " + out + ", " + table + ", &ts_p)";
    } else {
        if (kind == OpKind::Relu)
            f.i("in_zp", p->in_zp).i("out_zp", p->out_zp).i("mult", p->mult).i("shift", p->shift);
        else if (kind == OpKind::LeakyRelu)
            f.i("in_zp", p->in_zp).i("out_zp", p->out_zp).i("mult", p->mult).i("shift", p->shift)
                .i("alpha_mult", p->alpha_mult).i("alpha_shift", p->alpha_shift);
        if (kind == OpKind::Relu || kind == OpKind::Relu6)
            f.i("act_min", p->act_min).i("act_max", p->act_max);
        call = std::string("ts_") + name + "_" + suffixOf(t) + "(" + in + ", " + out + ", &ts_p)";
    }
    Result<Emitted> res;
    res.value = callBlock("ts_activation", "ts_act_params", f, call);
    return res;
}

} // namespace ts::codegen
