// Emitters and kernel parameters of the shape (CONCATENATION, PAD, PADV2, TRANSPOSE,
// RESIZE_NEAREST_NEIGHBOR), quantization (QUANTIZE, DEQUANTIZE) and SVDF families.

#include "codegen/params_misc.h"

#include "model/shapes.h"
#include "reference/fixedpoint.h"
#include "reference/kernel_api.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ts::codegen {

namespace {

using ref::elements;
using ref::scaleOf;
using ref::zeroPointOf;

// The shape the op sees: the operand's (a window's) for arena operands, the tensor's otherwise.
const std::vector<int32_t>& shapeOf(const Operand& o) { return o.shape.empty() && o.info ? o.info->shape : o.shape; }

int64_t count(const std::vector<int32_t>& s)
{
    int64_t n = 1;
    for (int32_t d : s)
        n *= d;
    return n;
}

template <typename T>
T fail(std::string* error, const std::string& message)
{
    if (error)
        *error = message;
    return T{};
}

bool fitsInt32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

std::string sameElementType(const Tensor& x, const Tensor& y)
{
    if (dtypeSize(x.dtype) <= 0)
        return std::string("input of type ") + dtypeName(x.dtype) + " has no fixed element size";
    if (x.dtype != y.dtype)
        return std::string("input ") + dtypeName(x.dtype) + " and output " + dtypeName(y.dtype) + " differ in type";
    return {};
}

// The data-movement kernels take any of the reference's element types.
bool movableType(DType d)
{
    return d == DType::Int8 || d == DType::UInt8 || d == DType::Int16 || d == DType::Int32 || d == DType::Float32;
}

// A row pitch other than the rows' own size (Operand::strided), or one on a shape that is not [1,h,w,c].
bool strided(const Operand& o) { return o.rowPitch != 0 && (o.shape.size() != 4 || o.strided()); }

// A refusal shared by every op of these families: absent operands, strided windows, in place.
std::string commonChecks(const EmitContext& c, const std::vector<size_t>& required)
{
    if (!c.g || !c.op)
        return "no graph or op";
    if (c.outputs.empty())
        return "missing operands";
    for (size_t k : required)
        if (k >= c.inputs.size() || !c.inputs[k].present())
            return "input " + std::to_string(k) + " is omitted";
    if (!c.outputs[0].present())
        return "the output is omitted";
    for (const Operand& o : c.inputs)
        if (o.present() && strided(o))
            return "a strided (windowed) input is not supported by this kernel";
    for (const Operand& o : c.outputs)
        if (o.present() && strided(o))
            return "a strided (windowed) output is not supported by this kernel";
    if (c.inplace != InplaceKind::None)
        return "this kernel does not run in place";
    if (c.outputs[0].constant())
        return "the output is a constant";
    return {};
}

// C expression of an operand's data as `const ctype *`: the arena pointer, or a constant pool
// array holding the tensor's bytes.
std::string dataPtr(const EmitContext& c, const Operand& o, const char* ctype)
{
    if (!o.constant())
        return o.as(ctype, true);
    const Tensor& t = *o.info;
    // Keyed by the op (stable across patches and stage graphs, whose tensor numbers may differ) and
    // the operand position.
    size_t k = 0;
    while (k < c.inputs.size() && &c.inputs[k] != &o)
        ++k;
    const std::string key = "op" + std::to_string(c.opIndex) + ".in" + std::to_string(k);
    const std::string hint = t.name.empty() ? "t" + std::to_string(o.tensor) : t.name;
    std::string name;
    switch (t.dtype) {
    case DType::Int8: name = c.pool->addI8(key, hint, constI8(t)); break;
    case DType::Int16: name = c.pool->addI16(key, hint, constI16(t)); break;
    case DType::Int32: name = c.pool->addI32(key, hint, constI32(t)); break;
    case DType::Float32: name = c.pool->addF32(key, hint, constF32(t)); break;
    default: name = c.pool->addU8(key, hint, std::vector<uint8_t>(t.data.data, t.data.data + t.data.size)); break;
    }
    return std::string("((const ") + ctype + " *)" + name + ")";
}

std::string outPtr(const Operand& o, const char* ctype) { return o.as(ctype); }

std::string intList(const int32_t* v, int n)
{
    std::string s = "{";
    for (int i = 0; i < n; ++i)
        s += (i ? ", " : "") + cInt(v[i]);
    return s + "}";
}

// "{" + lines + "}" around one kernel call.
Emitted block(std::vector<std::string> body, const char* kernel)
{
    Emitted e;
    e.lines.push_back("{");
    for (std::string& l : body)
        e.lines.push_back("    " + l);
    e.lines.push_back("}");
    e.kernels.insert(kernel);
    return e;
}

Result<Emitted> ok(Emitted e)
{
    Result<Emitted> r;
    r.value = std::move(e);
    return r;
}

} // namespace

// ------------------------------------------------------------------------------------------------
// Parameters

ConcatParams concatParams(const EmitContext& c, std::string* error)
{
    std::vector<size_t> all;
    for (size_t k = 0; c.op && k < c.op->inputs.size(); ++k)
        all.push_back(k);
    if (auto e = commonChecks(c, all); !e.empty())
        return fail<ConcatParams>(error, e);
    const auto* o = std::get_if<ConcatenationOptions>(&c.op->options);
    const Tensor& y = *c.outputs[0].info;
    const auto& ys = shapeOf(c.outputs[0]);
    const int rank = int(ys.size());
    const int axis = o ? (o->axis < 0 ? o->axis + rank : o->axis) : 0;
    if (axis < 0 || axis >= rank)
        return fail<ConcatParams>(error, "axis out of range");
    if (!movableType(y.dtype))
        return fail<ConcatParams>(error, std::string("no kernel for ") + dtypeName(y.dtype) + " data");
    const int64_t es = std::max(dtypeSize(y.dtype), 1);
    int64_t outer = 1, inner = es;
    for (int d = 0; d < axis; ++d)
        outer *= ys[size_t(d)];
    for (int d = axis + 1; d < rank; ++d)
        inner *= ys[size_t(d)];
    ConcatParams r;
    int64_t along = 0;
    for (size_t k = 0; k < c.op->inputs.size(); ++k) {
        const Tensor& x = *c.inputs[k].info;
        const auto& xs = shapeOf(c.inputs[k]);
        if (auto e = sameElementType(x, y); !e.empty())
            return fail<ConcatParams>(error, "input " + std::to_string(k) + ": " + e);
        bool same = int(xs.size()) == rank;
        for (int d = 0; same && d < rank; ++d)
            same = d == axis || xs[size_t(d)] == ys[size_t(d)];
        if (!same)
            return fail<ConcatParams>(error, "input " + std::to_string(k) + " " + shapeString(xs) + " does not match output "
                                                 + shapeString(ys) + " outside axis " + std::to_string(axis));
        // As the reference (and TFLM): inputs are copied, never requantized.
        if ((x.dtype == DType::Int8 || x.dtype == DType::UInt8)
            && (scaleOf(x) != scaleOf(y) || zeroPointOf(x) != zeroPointOf(y)))
            return fail<ConcatParams>(error, "input " + std::to_string(k)
                                                 + " has another quantization than the output (the reference "
                                                   "kernel does not requantize)");
        along += xs[size_t(axis)];
        const int64_t chunk = int64_t(xs[size_t(axis)]) * inner;
        if (!fitsInt32(chunk))
            return fail<ConcatParams>(error, "input too large");
        r.chunkBytes.push_back(int32_t(chunk));
    }
    if (along != ys[size_t(axis)])
        return fail<ConcatParams>(error, "the inputs add up to " + std::to_string(along) + " along axis "
                                             + std::to_string(axis) + "; output " + shapeString(ys) + " has "
                                             + std::to_string(ys[size_t(axis)]));
    if (!fitsInt32(outer) || r.chunkBytes.empty())
        return fail<ConcatParams>(error, r.chunkBytes.empty() ? "no inputs" : "output too large");
    r.p.outer = int32_t(outer);
    r.p.count = int32_t(r.chunkBytes.size());
    return r;
}

PadParams padParams(const EmitContext& c, std::string* error)
{
    if (auto e = commonChecks(c, {0, 1}); !e.empty())
        return fail<PadParams>(error, e);
    const Tensor& x = *c.inputs[0].info;
    const Tensor& y = *c.outputs[0].info;
    const auto& xs = shapeOf(c.inputs[0]);
    const auto& ys = shapeOf(c.outputs[0]);
    if (!c.inputs[1].constant())
        return fail<PadParams>(error, "paddings must be a constant [rank, 2] tensor");
    const auto p = constantInts(*c.inputs[1].info);
    const size_t rank = xs.size();
    if (!p || p->size() != 2 * rank || rank > 6)
        return fail<PadParams>(error, "paddings must be a constant [rank, 2] tensor");
    if (auto e = sameElementType(x, y); !e.empty())
        return fail<PadParams>(error, e);
    if (!movableType(x.dtype))
        return fail<PadParams>(error, std::string("no kernel for ") + dtypeName(x.dtype) + " data");
    bool fits = ys.size() == rank;
    for (size_t d = 0; fits && d < rank; ++d)
        fits = (*p)[2 * d] >= 0 && (*p)[2 * d + 1] >= 0 && int64_t(xs[d]) + (*p)[2 * d] + (*p)[2 * d + 1] == ys[d];
    if (!fits)
        return fail<PadParams>(error, "output " + shapeString(ys) + " is not input " + shapeString(xs)
                                          + " padded by non-negative paddings");
    const int es = std::max(dtypeSize(x.dtype), 1);
    PadParams r;
    r.fill.assign(size_t(es), 0);
    if (c.op->kind == OpKind::PadV2 && c.op->input(2) >= 0) {
        const Operand& v = c.inputs.size() > 2 ? c.inputs[2] : Operand{};
        if (!v.present())
            return fail<PadParams>(error, "the constant value (input 2) is missing");
        const int64_t bytes = elements(*v.info) * std::max(dtypeSize(v.info->dtype), 1);
        if (bytes >= es) {
            if (v.constant()) {
                if (int64_t(v.info->data.size) < es)
                    return fail<PadParams>(error, "the constant value holds too few bytes");
                std::copy(v.info->data.data, v.info->data.data + es, r.fill.begin());
            } else {
                r.fillFromInput = true;
            }
        }
    } else if (x.dtype == DType::Int8 || x.dtype == DType::UInt8) {
        r.fill[0] = uint8_t(zeroPointOf(y));
    } else if (x.dtype == DType::Int16) {
        const auto zp = int16_t(zeroPointOf(y));
        std::memcpy(r.fill.data(), &zp, 2);
    }
    // Normalize: drop unpadded unit dimensions, merge a dimension into the unpadded one inside it.
    struct Dim {
        int64_t in, before, after;
    };
    std::vector<Dim> dims;
    for (size_t d = 0; d < rank; ++d)
        dims.push_back({xs[d], (*p)[2 * d], (*p)[2 * d + 1]});
    dims.erase(std::remove_if(dims.begin(), dims.end(), [](const Dim& d) { return d.in == 1 && !d.before && !d.after; }),
               dims.end());
    for (size_t d = dims.size(); d-- > 1;) {
        Dim& inner = dims[d];
        if (inner.before == 0 && inner.after == 0) {
            const Dim& outer = dims[d - 1];
            inner = {outer.in * inner.in, outer.before * inner.in, outer.after * inner.in};
            dims.erase(dims.begin() + long(d - 1));
        }
    }
    if (dims.size() > TS_SHAPE_MAX_RANK)
        return fail<PadParams>(error, "too many dimensions");
    r.p.elem_size = es;
    const size_t lead = TS_SHAPE_MAX_RANK - dims.size();
    for (size_t d = 0; d < TS_SHAPE_MAX_RANK; ++d) {
        const Dim v = d < lead ? Dim{1, 0, 0} : dims[d - lead];
        if (!fitsInt32(v.in + v.before + v.after) || !fitsInt32(v.before) || !fitsInt32(v.after))
            return fail<PadParams>(error, "output too large");
        r.p.in_shape[d] = int32_t(v.in);
        r.p.before[d] = int32_t(v.before);
        r.p.after[d] = int32_t(v.after);
    }
    if (!fitsInt32(count(ys) * es))
        return fail<PadParams>(error, "output too large");
    return r;
}

ts_transpose_params transposeParams(const EmitContext& c, std::string* error)
{
    using P = ts_transpose_params;
    if (auto e = commonChecks(c, {0, 1}); !e.empty())
        return fail<P>(error, e);
    const Tensor& x = *c.inputs[0].info;
    const Tensor& y = *c.outputs[0].info;
    const auto& xs = shapeOf(c.inputs[0]);
    const auto& ys = shapeOf(c.outputs[0]);
    const auto perm = c.inputs[1].constant() ? constantInts(*c.inputs[1].info) : std::nullopt;
    const size_t rank = xs.size();
    if (!perm || perm->size() != rank)
        return fail<P>(error, "the permutation must be a constant of the input's rank");
    std::vector<bool> seen(rank, false);
    for (int64_t a : *perm) {
        if (a < 0 || size_t(a) >= rank || seen[size_t(a)])
            return fail<P>(error, "the permutation must hold each of 0.." + std::to_string(int64_t(rank) - 1) + " once");
        seen[size_t(a)] = true;
    }
    if (auto e = sameElementType(x, y); !e.empty())
        return fail<P>(error, e);
    if (!movableType(x.dtype))
        return fail<P>(error, std::string("no kernel for ") + dtypeName(x.dtype) + " data");
    if (count(ys) != count(xs))
        return fail<P>(error, "output " + shapeString(ys) + " does not hold the " + std::to_string(count(xs))
                                  + " elements of input " + shapeString(xs));
    const int es = std::max(dtypeSize(x.dtype), 1);
    if (!fitsInt32(count(xs) * es))
        return fail<P>(error, "input too large");
    std::vector<int64_t> inStride(rank, 1);
    for (size_t d = rank; d-- > 1;)
        inStride[d - 1] = inStride[d] * xs[d];
    // Output dimensions with their input strides; unit dimensions dropped, runs that stay
    // consecutive in the input merged.
    struct Dim {
        int64_t size, stride;
    };
    std::vector<Dim> dims;
    for (size_t d = 0; d < rank; ++d)
        if (xs[size_t((*perm)[d])] != 1)
            dims.push_back({xs[size_t((*perm)[d])], inStride[size_t((*perm)[d])]});
    P r{};
    r.elem_size = es;
    if (count(xs) == 0) {
        for (int d = 0; d < TS_SHAPE_MAX_RANK; ++d)
            r.out_shape[d] = d == TS_SHAPE_MAX_RANK - 1 ? 0 : 1;
        return r;
    }
    for (size_t d = dims.size(); d-- > 1;)
        if (dims[d - 1].stride == dims[d].stride * dims[d].size) {
            dims[d] = {dims[d - 1].size * dims[d].size, dims[d].stride};
            dims.erase(dims.begin() + long(d - 1));
        }
    if (dims.size() > TS_SHAPE_MAX_RANK)
        return fail<P>(error, "a transpose of more than " + std::to_string(TS_SHAPE_MAX_RANK)
                                  + " dimensions that cannot be merged");
    const size_t lead = TS_SHAPE_MAX_RANK - dims.size();
    for (size_t d = 0; d < TS_SHAPE_MAX_RANK; ++d) {
        const Dim v = d < lead ? Dim{1, 0} : dims[d - lead];
        r.out_shape[d] = int32_t(v.size);
        r.in_stride[d] = int32_t(v.stride);
    }
    return r;
}

ResizeParams resizeNearestParams(const EmitContext& c, std::string* error)
{
    if (auto e = commonChecks(c, {0}); !e.empty())
        return fail<ResizeParams>(error, e);
    const auto* o = std::get_if<ResizeOptions>(&c.op->options);
    const Tensor& x = *c.inputs[0].info;
    const Tensor& y = *c.outputs[0].info;
    const auto is = ref::Shape4::of(shapeOf(c.inputs[0])), os = ref::Shape4::of(shapeOf(c.outputs[0]));
    if (auto e = sameElementType(x, y); !e.empty())
        return fail<ResizeParams>(error, e);
    if (!movableType(x.dtype))
        return fail<ResizeParams>(error, std::string("no kernel for ") + dtypeName(x.dtype) + " data");
    if (os.n > is.n || os.c != is.c || (count(shapeOf(c.outputs[0])) > 0 && (is.h < 1 || is.w < 1)))
        return fail<ResizeParams>(error, "output " + shapeString(shapeOf(c.outputs[0]))
                                             + " does not keep the batches and channels of input "
                                             + shapeString(shapeOf(c.inputs[0])));
    const int es = std::max(dtypeSize(x.dtype), 1);
    if (!fitsInt32(int64_t(is.c) * es) || !fitsInt32(count(shapeOf(c.inputs[0])) * es)
        || !fitsInt32(count(shapeOf(c.outputs[0])) * es))
        return fail<ResizeParams>(error, "tensors too large");
    // The source indices, computed exactly as the reference kernel computes them (float).
    const bool align = o && o->alignCorners, half = o && o->halfPixelCenters;
    auto scale = [&](int in, int out) {
        return align && out > 1 ? float(in - 1) / float(out - 1) : float(in) / float(out);
    };
    const float sy = scale(is.h, os.h), sx = scale(is.w, os.w);
    auto source = [&](int o2, float s, int in) {
        const float offset = half ? 0.5f : 0.0f;
        const float v = (float(o2) + offset) * s;
        int r = align ? int(ref::roundHalfAway(v)) : int(std::floor(v));
        if (half)
            r = std::max(0, r);
        return std::min(r, in - 1);
    };
    ResizeParams r;
    for (int oy = 0; oy < os.h; ++oy)
        r.srcY.push_back(source(oy, sy, is.h));
    for (int ox = 0; ox < os.w; ++ox)
        r.srcX.push_back(source(ox, sx, is.w));
    r.p.batches = os.n;
    r.p.in_h = is.h;
    r.p.in_w = is.w;
    r.p.out_h = os.h;
    r.p.out_w = os.w;
    r.p.pixel_bytes = int32_t(int64_t(is.c) * es);
    return r;
}

namespace {
const char* intName(DType d)
{
    switch (d) {
    case DType::Int8: return "s8";
    case DType::UInt8: return "u8";
    case DType::Int16: return "s16";
    case DType::Int32: return "s32";
    default: return nullptr;
    }
}
} // namespace

QuantizeParams quantizeParams(const EmitContext& c, std::string* error)
{
    if (auto e = commonChecks(c, {0}); !e.empty())
        return fail<QuantizeParams>(error, e);
    const Tensor& x = *c.inputs[0].info;
    const Tensor& y = *c.outputs[0].info;
    const int64_t n = count(shapeOf(c.outputs[0]));
    if (count(shapeOf(c.inputs[0])) != n)
        return fail<QuantizeParams>(error, "input " + shapeString(shapeOf(c.inputs[0])) + " and output "
                                               + shapeString(shapeOf(c.outputs[0])) + " differ in size");
    if (!fitsInt32(n))
        return fail<QuantizeParams>(error, "too many elements");
    QuantizeParams r;
    if (c.op->kind == OpKind::Dequantize) {
        const char* in = intName(x.dtype);
        if (!in || x.dtype == DType::Int32)
            return fail<QuantizeParams>(error, std::string("dequantizing ") + dtypeName(x.dtype) + " is not supported");
        if (y.dtype != DType::Float32)
            return fail<QuantizeParams>(error, std::string("dequantizing to ") + dtypeName(y.dtype) + " is not supported");
        r.kernel = std::string("ts_dequantize_") + in + "_f32";
        r.affine = {int32_t(n), zeroPointOf(x), scaleOf(x)};
        return r;
    }
    if (c.op->kind != OpKind::Quantize)
        return fail<QuantizeParams>(error, "not a QUANTIZE or DEQUANTIZE op");
    if (y.quant.scale.size() != 1)
        return fail<QuantizeParams>(error, "the output must have exactly one quantization scale");
    if (x.dtype == DType::Float32) {
        if (y.dtype != DType::Int8 && y.dtype != DType::UInt8 && y.dtype != DType::Int16)
            return fail<QuantizeParams>(error, std::string("quantizing float32 to ") + dtypeName(y.dtype)
                                                   + " is not supported");
        r.kernel = std::string("ts_quantize_f32_") + intName(y.dtype);
        r.affine = {int32_t(n), zeroPointOf(y), scaleOf(y)};
        return r;
    }
    const char* in = intName(x.dtype);
    const char* out = intName(y.dtype);
    if (!in)
        return fail<QuantizeParams>(error, std::string("quantizing ") + dtypeName(x.dtype) + " is not supported");
    if (!out)
        return fail<QuantizeParams>(error, std::string("quantizing ") + dtypeName(x.dtype) + " to " + dtypeName(y.dtype)
                                               + " is not supported");
    int32_t mult = 0;
    int shift = 0;
    ref::quantizeMultiplier(double(scaleOf(x)) / double(scaleOf(y)), &mult, &shift);
    r.integer = true;
    r.kernel = std::string("ts_requantize_") + in + "_" + out;
    r.requant = {int32_t(n), zeroPointOf(x), zeroPointOf(y), mult, int32_t(shift)};
    return r;
}

SvdfParams svdfParams(const EmitContext& c, std::string* error)
{
    if (auto e = commonChecks(c, {0, 1, 2, 4}); !e.empty())
        return fail<SvdfParams>(error, e.find("omitted") != std::string::npos
                                           ? "SVDF needs input, feature weights, time weights and state tensors"
                                           : e);
    const auto* o = std::get_if<SvdfOptions>(&c.op->options);
    if (!o)
        return fail<SvdfParams>(error, "missing SvdfOptions");
    const Tensor& x = *c.inputs[0].info;
    const Tensor& wf = *c.inputs[1].info;
    const Tensor& wt = *c.inputs[2].info;
    const Tensor& state = *c.inputs[4].info;
    const Tensor& y = *c.outputs[0].info;
    const Tensor* bias = c.inputs.size() > 3 && c.inputs[3].present() ? c.inputs[3].info : nullptr;
    const auto &xs = shapeOf(c.inputs[0]), &wfs = shapeOf(c.inputs[1]), &wts = shapeOf(c.inputs[2]),
               &ss = shapeOf(c.inputs[4]), &ys = shapeOf(c.outputs[0]);
    if (xs.size() != 2 || wfs.size() != 2 || wts.size() != 2 || ss.size() != 2 || ys.size() != 2)
        return fail<SvdfParams>(error, "SVDF tensors must be two-dimensional");
    const int rank = o->rank, batch = xs[0], inputSize = xs[1], filters = wfs[0], memory = wts[1];
    if (rank <= 0 || filters % rank != 0)
        return fail<SvdfParams>(error, "rank " + std::to_string(rank) + " does not divide " + std::to_string(filters)
                                           + " filters");
    const int units = filters / rank;
    if (wfs[1] != inputSize)
        return fail<SvdfParams>(error, "feature weights " + shapeString(wfs) + " do not match input " + shapeString(xs));
    if (wts[0] != filters)
        return fail<SvdfParams>(error, "time weights " + shapeString(wts) + " do not match " + std::to_string(filters)
                                           + " filters");
    if (ss[0] != batch || int64_t(ss[1]) != int64_t(memory) * filters)
        return fail<SvdfParams>(error, "state " + shapeString(ss) + " is not [" + std::to_string(batch) + ","
                                           + std::to_string(int64_t(memory) * filters) + "]");
    if (ys[0] != batch || ys[1] != units)
        return fail<SvdfParams>(error, "output " + shapeString(ys) + " is not [" + std::to_string(batch) + ","
                                           + std::to_string(units) + "]");
    if (bias && elements(*bias) < units)
        return fail<SvdfParams>(error, "the bias holds " + std::to_string(elements(*bias)) + " elements; "
                                           + std::to_string(units) + " are needed");
    if (c.inputs[4].constant())
        return fail<SvdfParams>(error, "the state must be a variable tensor in the arena");
    if (batch < 0 || inputSize < 0 || memory <= 0 || !fitsInt32(int64_t(batch) * memory * filters)
        || !fitsInt32(int64_t(filters) * inputSize))
        return fail<SvdfParams>(error, "unsupported SVDF sizes");
    SvdfParams r;
    if (x.dtype == DType::Float32 && wf.dtype == DType::Float32) {
        if (wt.dtype != DType::Float32 || state.dtype != DType::Float32 || y.dtype != DType::Float32
            || (bias && bias->dtype != DType::Float32))
            return fail<SvdfParams>(error, "float32 SVDF needs float32 weights, bias, state and output");
        r.isFloat = true;
        r.kernel = "ts_svdf_f32";
        r.f32 = {batch, inputSize, filters, units, rank, memory, int32_t(o->activation)};
        return r;
    }
    if (x.dtype != DType::Int8 || wf.dtype != DType::Int8)
        return fail<SvdfParams>(error, std::string("SVDF on ") + dtypeName(x.dtype) + " input with "
                                           + dtypeName(wf.dtype) + " feature weights is not supported");
    if (wt.dtype != state.dtype)
        return fail<SvdfParams>(error, "the time weights and the state must have the same type");
    if (wt.dtype != DType::Int8 && wt.dtype != DType::Int16)
        return fail<SvdfParams>(error, std::string("time weights of type ") + dtypeName(wt.dtype) + " are not supported");
    if (bias && bias->dtype != DType::Int32)
        return fail<SvdfParams>(error, "the bias must be int32");
    if (y.dtype != DType::Int8)
        return fail<SvdfParams>(error, "the output must be int8");
    // Both effective scales are formed in float and only then widened, as TFLM's PrepareSvdf does.
    const float scale1 = scaleOf(x) * scaleOf(wf) / scaleOf(state);
    const float scale2 = scaleOf(state) * scaleOf(wt) / scaleOf(y);
    int32_t mult1 = 0, mult2 = 0;
    int shift1 = 0, shift2 = 0;
    ref::quantizeMultiplier(double(scale1), &mult1, &shift1);
    ref::quantizeMultiplier(double(scale2), &mult2, &shift2);
    r.kernel = wt.dtype == DType::Int16 ? "ts_svdf_s8_s16" : "ts_svdf_s8_s8";
    r.s8 = {batch, inputSize, filters, units, rank, memory, zeroPointOf(x), zeroPointOf(state), zeroPointOf(y),
            mult1, int32_t(shift1), mult2, int32_t(shift2)};
    r.scratchFilterBytes = int64_t(batch) * filters * 4;
    r.scratchUnitBytes = int64_t(batch) * units * 4;
    // The scratch the plan gave this op: kernelScratch()'s two parts (or one part holding both).
    const bool twoParts = c.scratch.size() >= 2 && c.scratch[0].bytes >= r.scratchFilterBytes
        && c.scratch[1].bytes >= r.scratchUnitBytes;
    const bool onePart = c.scratch.size() == 1 && c.scratch[0].bytes >= r.scratchFilterBytes + r.scratchUnitBytes;
    if (!twoParts && !onePart)
        return fail<SvdfParams>(error, "the planned scratch is smaller than the " + std::to_string(r.scratchFilterBytes)
                                           + " + " + std::to_string(r.scratchUnitBytes) + " bytes the kernel needs");
    return r;
}

// ------------------------------------------------------------------------------------------------
// Emitters

Result<Emitted> emitShape(const EmitContext& c)
{
    std::string error;
    switch (c.op->kind) {
    case OpKind::Concatenation: {
        const ConcatParams r = concatParams(c, &error);
        if (!error.empty())
            return emitError(c, error);
        std::string ins;
        for (size_t k = 0; k < c.op->inputs.size(); ++k)
            ins += (k ? ", " : "") + dataPtr(c, c.inputs[k], "uint8_t");
        return ok(block({"static const ts_concat_params ts_p = {.outer = " + cInt(r.p.outer) + ", .count = " + cInt(r.p.count) + "};",
                         "static const int32_t ts_chunk[" + std::to_string(r.chunkBytes.size()) + "] = "
                             + intList(r.chunkBytes.data(), int(r.chunkBytes.size())) + ";",
                         "const uint8_t *const ts_in[" + std::to_string(r.chunkBytes.size()) + "] = {" + ins + "};",
                         "ts_concat(&ts_p, ts_in, ts_chunk, " + outPtr(c.outputs[0], "uint8_t") + ");"},
                        "ts_shape"));
    }
    case OpKind::Pad:
    case OpKind::PadV2: {
        const PadParams r = padParams(c, &error);
        if (!error.empty())
            return emitError(c, error);
        std::string fill;
        std::vector<std::string> body;
        if (r.fillFromInput) {
            fill = c.inputs[2].as("uint8_t", true);
        } else {
            std::string bytes;
            for (size_t i = 0; i < r.fill.size(); ++i)
                bytes += (i ? ", " : "") + cInt(r.fill[i]);
            body.push_back("static const uint8_t ts_fill[" + std::to_string(r.fill.size()) + "] = {" + bytes + "};");
            fill = "ts_fill";
        }
        body.insert(body.begin(), "static const ts_pad_params ts_p = {.elem_size = " + cInt(r.p.elem_size)
                                      + ", .in_shape = " + intList(r.p.in_shape, TS_SHAPE_MAX_RANK)
                                      + ", .before = " + intList(r.p.before, TS_SHAPE_MAX_RANK)
                                      + ", .after = " + intList(r.p.after, TS_SHAPE_MAX_RANK) + "};");
        body.push_back("ts_pad(&ts_p, " + dataPtr(c, c.inputs[0], "uint8_t") + ", " + fill + ", "
                       + outPtr(c.outputs[0], "uint8_t") + ");");
        return ok(block(std::move(body), "ts_shape"));
    }
    case OpKind::Transpose: {
        const ts_transpose_params p = transposeParams(c, &error);
        if (!error.empty())
            return emitError(c, error);
        return ok(block({"static const ts_transpose_params ts_p = {.elem_size = " + cInt(p.elem_size)
                             + ", .out_shape = " + intList(p.out_shape, TS_SHAPE_MAX_RANK)
                             + ", .in_stride = " + intList(p.in_stride, TS_SHAPE_MAX_RANK) + "};",
                         "ts_transpose(&ts_p, " + dataPtr(c, c.inputs[0], "uint8_t") + ", " + outPtr(c.outputs[0], "uint8_t")
                             + ");"},
                        "ts_shape"));
    }
    case OpKind::ResizeNearestNeighbor: {
        const ResizeParams r = resizeNearestParams(c, &error);
        if (!error.empty())
            return emitError(c, error);
        if (r.srcY.empty() || r.srcX.empty() || r.p.batches == 0) {
            Emitted e;
            e.lines.push_back("/* empty output: nothing to resize */");
            return ok(e);
        }
        const std::string key = "op" + std::to_string(c.opIndex);
        const std::string ty = c.pool->addI32(key + ".resize_src_y", key + "_src_y", r.srcY);
        const std::string tx = c.pool->addI32(key + ".resize_src_x", key + "_src_x", r.srcX);
        return ok(block({"static const ts_resize_nearest_params ts_p = {.batches = " + cInt(r.p.batches) + ", .in_h = "
                             + cInt(r.p.in_h) + ", .in_w = " + cInt(r.p.in_w) + ", .out_h = " + cInt(r.p.out_h)
                             + ", .out_w = " + cInt(r.p.out_w) + ", .pixel_bytes = " + cInt(r.p.pixel_bytes) + "};",
                         "ts_resize_nearest(&ts_p, " + ty + ", " + tx + ", " + dataPtr(c, c.inputs[0], "uint8_t") + ", "
                             + outPtr(c.outputs[0], "uint8_t") + ");"},
                        "ts_shape"));
    }
    default:
        return emitError(c, "not a shape op");
    }
}

Result<Emitted> emitQuantize(const EmitContext& c)
{
    std::string error;
    const QuantizeParams r = quantizeParams(c, &error);
    if (!error.empty())
        return emitError(c, error);
    auto ctype = [](DType d) {
        switch (d) {
        case DType::Int8: return "int8_t";
        case DType::UInt8: return "uint8_t";
        case DType::Int16: return "int16_t";
        case DType::Int32: return "int32_t";
        default: return "float";
        }
    };
    const char* inT = ctype(c.inputs[0].info->dtype);
    const char* outT = ctype(c.outputs[0].info->dtype);
    std::string params;
    if (r.integer)
        params = "static const ts_requantize_params ts_p = {.size = " + cInt(r.requant.size) + ", .input_zp = "
            + cInt(r.requant.input_zp) + ", .output_zp = " + cInt(r.requant.output_zp) + ", .multiplier = "
            + cInt(r.requant.multiplier) + ", .shift = " + cInt(r.requant.shift) + "};";
    else
        params = "static const ts_affine_params ts_p = {.size = " + cInt(r.affine.size) + ", .zero_point = "
            + cInt(r.affine.zero_point) + ", .scale = " + cFloat(r.affine.scale) + "};";
    return ok(block({params, r.kernel + "(&ts_p, " + dataPtr(c, c.inputs[0], inT) + ", " + outPtr(c.outputs[0], outT) + ");"},
                    "ts_quant"));
}

Result<Emitted> emitSvdf(const EmitContext& c)
{
    std::string error;
    const SvdfParams r = svdfParams(c, &error);
    if (!error.empty())
        return emitError(c, error);
    const bool hasBias = c.inputs.size() > 3 && c.inputs[3].present();
    if (r.isFloat) {
        const ts_svdf_f32_params& p = r.f32;
        return ok(block({"static const ts_svdf_f32_params ts_p = {.batches = " + cInt(p.batches) + ", .input_size = "
                             + cInt(p.input_size) + ", .filters = " + cInt(p.filters) + ", .units = " + cInt(p.units)
                             + ", .rank = " + cInt(p.rank) + ", .memory = " + cInt(p.memory)
                             + ", .activation = " + cInt(p.activation) + "};",
                         "ts_svdf_f32(&ts_p, " + dataPtr(c, c.inputs[0], "float") + ", " + dataPtr(c, c.inputs[1], "float")
                             + ", " + dataPtr(c, c.inputs[2], "float") + ", "
                             + (hasBias ? dataPtr(c, c.inputs[3], "float") : std::string("NULL")) + ", "
                             + c.inputs[4].as("float") + ", " + outPtr(c.outputs[0], "float") + ");"},
                        "ts_svdf"));
    }
    const ts_svdf_s8_params& p = r.s8;
    const char* stateT = r.kernel == "ts_svdf_s8_s16" ? "int16_t" : "int8_t";
    const std::string s0 = "((int32_t *)" + c.scratch[0].ptr + ")";
    const std::string s1 = c.scratch.size() >= 2 && c.scratch[0].bytes >= r.scratchFilterBytes
            && c.scratch[1].bytes >= r.scratchUnitBytes
        ? "((int32_t *)" + c.scratch[1].ptr + ")"
        : "((int32_t *)(" + c.scratch[0].ptr + " + " + std::to_string(r.scratchFilterBytes) + "))";
    return ok(block({"static const ts_svdf_s8_params ts_p = {.batches = " + cInt(p.batches) + ", .input_size = "
                         + cInt(p.input_size) + ", .filters = " + cInt(p.filters) + ", .units = " + cInt(p.units)
                         + ", .rank = " + cInt(p.rank) + ", .memory = " + cInt(p.memory) + ",",
                     "    .input_zp = " + cInt(p.input_zp) + ", .state_zp = " + cInt(p.state_zp) + ", .output_zp = "
                         + cInt(p.output_zp) + ", .feature_multiplier = " + cInt(p.feature_multiplier)
                         + ", .feature_shift = " + cInt(p.feature_shift) + ",",
                     "    .output_multiplier = " + cInt(p.output_multiplier) + ", .output_shift = " + cInt(p.output_shift)
                         + "};",
                     r.kernel + "(&ts_p, " + dataPtr(c, c.inputs[0], "int8_t") + ", " + dataPtr(c, c.inputs[1], "int8_t") + ", "
                         + dataPtr(c, c.inputs[2], stateT) + ", "
                         + (hasBias ? dataPtr(c, c.inputs[3], "int32_t") : std::string("NULL")) + ", "
                         + c.inputs[4].as(stateT) + ",",
                     "    " + s0 + ", " + s1 + ", " + outPtr(c.outputs[0], "int8_t") + ");"},
                    "ts_svdf"));
}

} // namespace ts::codegen
