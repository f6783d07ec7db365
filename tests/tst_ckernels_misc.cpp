// C kernels of the shape, quantization and SVDF families (core/kernels/c/ts_shape, ts_quant,
// ts_svdf) against the reference interpreter's kernels, byte for byte, with the parameters the
// emitters print (codegen/params_misc.h); SVDF also on the keyword model's TFLM goldens.
#include "codegen/emit.h"
#include "codegen/params_misc.h"
#include "kernels/scratch.h"
#include "model/tflite_import.h"
#include "reference/kernel_api.h"
#include "synthmodels.h"
#include "testsupport.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace ts;
using namespace ts::codegen;

namespace {

using Bytes = std::vector<uint8_t>;

int64_t count(const std::vector<int32_t>& s)
{
    int64_t n = 1;
    for (int32_t d : s)
        n *= d;
    return n;
}

// The tensors of a graph as the reference sees them: constants' bytes, zeros elsewhere.
std::vector<Bytes> tensorBytes(const Graph& g)
{
    std::vector<Bytes> b(g.tensors.size());
    for (size_t i = 0; i < g.tensors.size(); ++i) {
        const Tensor& t = g.tensors[i];
        if (t.isConstant())
            b[i].assign(t.data.data, t.data.data + t.data.size);
        else
            b[i].assign(size_t(count(t.shape) * std::max(dtypeSize(t.dtype), 1)), 0);
    }
    return b;
}

// Random bytes for a non-constant tensor (floats: finite values in about [-8, 8]).
void randomize(Bytes& b, DType d, uint32_t& x)
{
    auto next = [&] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    if (d == DType::Float32) {
        for (size_t i = 0; i + 4 <= b.size(); i += 4) {
            const float f = float(int32_t(next() % 20001) - 10000) / 1250.0f;
            std::memcpy(b.data() + i, &f, 4);
        }
        return;
    }
    for (auto& v : b)
        v = uint8_t(next());
}

// Runs the reference kernel of op `opIndex` over `bytes`; the error text ("" on success).
std::string runReference(const Graph& g, int opIndex, std::vector<Bytes>& bytes)
{
    const Op& op = g.ops[size_t(opIndex)];
    ref::Kernel k = ref::findKernel(g, op);
    if (!k)
        return "no reference kernel";
    ref::Tensors t(g, bytes);
    return k(t, op);
}

// The EmitContext the generator would hand the emitter for op `opIndex` (contiguous operands at
// made-up arena offsets; the scratch kernelScratch plans).
EmitContext contextFor(const Graph& g, int opIndex, ConstPool* pool)
{
    EmitContext c;
    c.g = &g;
    c.op = &g.ops[size_t(opIndex)];
    c.opIndex = opIndex;
    c.opLabel = "op " + std::to_string(opIndex);
    c.pool = pool;
    int64_t offset = 0;
    auto operand = [&](int t) {
        Operand o;
        if (t < 0)
            return o;
        o.tensor = t;
        o.info = &g.tensors[size_t(t)];
        o.shape = o.info->shape;
        if (!o.info->isConstant()) {
            o.offset = offset;
            o.ptr = "(ts_a + " + std::to_string(offset) + ")";
            offset += (count(o.shape) * std::max(dtypeSize(o.info->dtype), 1) + 15) / 16 * 16;
        }
        return o;
    };
    for (int t : c.op->inputs)
        c.inputs.push_back(operand(t));
    for (int t : c.op->outputs)
        c.outputs.push_back(operand(t));
    const KernelScratch s = kernelScratch(g, *c.op, InplaceKind::None);
    if (s.parts.empty()) {
        if (s.bytes > 0)
            c.scratch.push_back({"(ts_a + " + std::to_string(offset) + ")", s.bytes});
    } else {
        for (int64_t part : s.parts) {
            c.scratch.push_back({"(ts_a + " + std::to_string(offset) + ")", part});
            offset += (part + 15) / 16 * 16;
        }
    }
    return c;
}

QString hexDiff(const Bytes& want, const Bytes& got)
{
    if (want.size() != got.size())
        return QString("sizes %1 and %2").arg(want.size()).arg(got.size());
    for (size_t i = 0; i < want.size(); ++i)
        if (want[i] != got[i])
            return QString("first difference at byte %1: reference %2, C kernel %3").arg(i).arg(want[i]).arg(got[i]);
    return "equal";
}

#define COMPARE_BYTES(want, got, what)                                                                            \
    QVERIFY2((want) == (got), qPrintable(QString(what) + ": " + hexDiff(want, got)))

Quantization quant(float scale, int64_t zp)
{
    Quantization q;
    q.scale = {scale};
    q.zeroPoint = {zp};
    return q;
}

int elemSize(DType d) { return std::max(dtypeSize(d), 1); }

int activation(synth::Builder& b, const std::string& name, std::vector<int32_t> shape, DType d, float scale, int64_t zp)
{
    const int t = b.act(name, std::move(shape), d, scale, zp);
    if (d == DType::Int32) // the builder leaves int32 at zero point 0
        b.t(t).quant.zeroPoint = {zp};
    return t;
}

Bytes int16Bytes(const std::vector<int16_t>& v)
{
    Bytes b(v.size() * 2);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// Runs the C kernel of a shape or quantization op (`opIndex` of `g`) over `bytes` with the params
// the emitter prints, writing the op's output; the params' error text, "" on success.
std::string runCKernel(const Graph& g, int opIndex, std::vector<Bytes>& bytes, std::string* kernelName = nullptr)
{
    const Op& op = g.ops[size_t(opIndex)];
    ConstPool pool;
    const EmitContext c = contextFor(g, opIndex, &pool);
    std::string error;
    uint8_t* out = bytes[size_t(op.outputs[0])].data();
    auto in = [&](int k) { return static_cast<const uint8_t*>(bytes[size_t(op.inputs[size_t(k)])].data()); };
    switch (op.kind) {
    case OpKind::Concatenation: {
        const ConcatParams p = concatParams(c, &error);
        if (!error.empty())
            return error;
        std::vector<const uint8_t*> ins;
        for (size_t k = 0; k < op.inputs.size(); ++k)
            ins.push_back(in(int(k)));
        ts_concat(&p.p, ins.data(), p.chunkBytes.data(), out);
        return {};
    }
    case OpKind::Pad:
    case OpKind::PadV2: {
        const PadParams p = padParams(c, &error);
        if (!error.empty())
            return error;
        ts_pad(&p.p, in(0), p.fillFromInput ? in(2) : p.fill.data(), out);
        return {};
    }
    case OpKind::Transpose: {
        const ts_transpose_params p = transposeParams(c, &error);
        if (!error.empty())
            return error;
        ts_transpose(&p, in(0), out);
        return {};
    }
    case OpKind::ResizeNearestNeighbor: {
        const ResizeParams p = resizeNearestParams(c, &error);
        if (!error.empty())
            return error;
        ts_resize_nearest(&p.p, p.srcY.data(), p.srcX.data(), in(0), out);
        return {};
    }
    case OpKind::Quantize:
    case OpKind::Dequantize:
        break;
    default:
        return "not an op of these kernel families";
    }
    const QuantizeParams p = quantizeParams(c, &error);
    if (!error.empty())
        return error;
    if (kernelName)
        *kernelName = p.kernel;
    const void* x = in(0);
    void* y = out;
#define TS_REQ(I, IT, O, OT)                                                                                      \
    else if (p.kernel == "ts_requantize_" #I "_" #O) ts_requantize_##I##_##O(&p.requant, static_cast<const IT*>(x), \
                                                                             static_cast<OT*>(y));
#define TS_REQ_ALL(I, IT) TS_REQ(I, IT, s8, int8_t) TS_REQ(I, IT, u8, uint8_t) TS_REQ(I, IT, s16, int16_t) TS_REQ(I, IT, s32, int32_t)
    if (p.kernel == "ts_quantize_f32_s8")
        ts_quantize_f32_s8(&p.affine, static_cast<const float*>(x), static_cast<int8_t*>(y));
    else if (p.kernel == "ts_quantize_f32_u8")
        ts_quantize_f32_u8(&p.affine, static_cast<const float*>(x), static_cast<uint8_t*>(y));
    else if (p.kernel == "ts_quantize_f32_s16")
        ts_quantize_f32_s16(&p.affine, static_cast<const float*>(x), static_cast<int16_t*>(y));
    else if (p.kernel == "ts_dequantize_s8_f32")
        ts_dequantize_s8_f32(&p.affine, static_cast<const int8_t*>(x), static_cast<float*>(y));
    else if (p.kernel == "ts_dequantize_u8_f32")
        ts_dequantize_u8_f32(&p.affine, static_cast<const uint8_t*>(x), static_cast<float*>(y));
    else if (p.kernel == "ts_dequantize_s16_f32")
        ts_dequantize_s16_f32(&p.affine, static_cast<const int16_t*>(x), static_cast<float*>(y));
    TS_REQ_ALL(s8, int8_t)
    TS_REQ_ALL(u8, uint8_t)
    TS_REQ_ALL(s16, int16_t)
    TS_REQ_ALL(s32, int32_t)
    else return "unknown kernel " + p.kernel;
#undef TS_REQ
#undef TS_REQ_ALL
    return {};
}

// Runs a data-movement op (op 0 of `m`) with random non-constant inputs through the reference and
// through its C kernel with the emitter's params, and compares the outputs.
void checkShapeOp(const Model& m, uint32_t seed, const char* what)
{
    const Graph& g = m.main();
    const Op& op = g.ops[0];
    std::vector<Bytes> ref = tensorBytes(g);
    uint32_t x = seed;
    for (int t : op.inputs)
        if (t >= 0 && !g.tensors[size_t(t)].isConstant())
            randomize(ref[size_t(t)], g.tensors[size_t(t)].dtype, x);
    std::vector<Bytes> mine = ref;
    // Poison the C kernel's output: every byte must be written.
    std::fill(mine[size_t(op.outputs[0])].begin(), mine[size_t(op.outputs[0])].end(), uint8_t(0xA5));
    const std::string e = runReference(g, 0, ref);
    QVERIFY2(e.empty(), qPrintable(QString(what) + ": reference: " + QString::fromStdString(e)));

    const std::string error = runCKernel(g, 0, mine);
    QVERIFY2(error.empty(), qPrintable(QString(what) + ": " + QString::fromStdString(error)));
    COMPARE_BYTES(ref[size_t(op.outputs[0])], mine[size_t(op.outputs[0])], what);
    // The emitter accepts it too.
    ConstPool pool;
    const EmitContext c = contextFor(g, 0, &pool);
    const Result<Emitted> emitted = emitOp(c);
    QVERIFY2(emitted.ok(), what);
    QVERIFY(emitted->kernels.count("ts_shape"));
}

// Permutations of 0..n-1 (all for n <= 4, a pseudo-random handful beyond).
std::vector<std::vector<int32_t>> permutations(int n, uint32_t seed)
{
    std::vector<int32_t> p(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        p[size_t(i)] = i;
    std::vector<std::vector<int32_t>> all;
    if (n <= 4) {
        do
            all.push_back(p);
        while (std::next_permutation(p.begin(), p.end()));
        return all;
    }
    uint32_t x = seed;
    for (int k = 0; k < 12; ++k) {
        for (int i = n - 1; i > 0; --i) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            std::swap(p[size_t(i)], p[x % uint32_t(i + 1)]);
        }
        all.push_back(p);
    }
    return all;
}

} // namespace

class TestCKernelsMisc : public QObject {
    Q_OBJECT
private slots:
    void concatenation();
    void concatenationRefused();
    void pad();
    void transpose();
    void resizeNearest();
    void quantize();
    void dequantize();
    void requantize();
    void svdfInteger();
    void svdfFloat();
    void svdfKeywordGolden();
    void realModelsGolden_data();
    void realModelsGolden();
    void emittedCodeCompiles();
    void refusals();
};

void TestCKernelsMisc::concatenation()
{
    const std::vector<int32_t> base{2, 3, 4, 5};
    for (DType d : {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Float32})
        for (int axis = -4; axis < 4; ++axis) {
            const int a = axis < 0 ? axis + 4 : axis;
            for (bool withConstant : {false, true}) {
                synth::Builder b(0x1234u + uint32_t(a));
                std::vector<int> ins;
                int along = 0;
                for (int k = 0; k < 3; ++k) {
                    std::vector<int32_t> s = base;
                    s[size_t(a)] = k + 1;
                    along += k + 1;
                    if (withConstant && k == 1) {
                        Bytes v(size_t(count(s) * elemSize(d)));
                        uint32_t x = 77;
                        randomize(v, d, x);
                        ins.push_back(b.constant("c", s, d, v, d == DType::Float32 ? Quantization{} : quant(0.05f, -10)));
                    } else {
                        ins.push_back(activation(b, "in" + std::to_string(k), s, d, 0.05f, -10));
                    }
                }
                std::vector<int32_t> ys = base;
                ys[size_t(a)] = along;
                const int y = activation(b, "out", ys, d, 0.05f, -10);
                b.op(OpKind::Concatenation, ins, {y}, ConcatenationOptions{axis, Activation::None});
                const Model m = b.finish({ins[0]}, {y});
                checkShapeOp(m, 99u + uint32_t(a), qPrintable(QString("concat %1 axis %2%3").arg(dtypeName(d)).arg(axis)
                                                                 .arg(withConstant ? " with a constant" : "")));
                if (QTest::currentTestFailed())
                    return;
            }
        }
    // One input only, and a single-element axis.
    synth::Builder b;
    const int x = b.act("x", {1, 7});
    const int y = b.act("y", {1, 7});
    b.op(OpKind::Concatenation, {x}, {y}, ConcatenationOptions{1, Activation::None});
    checkShapeOp(b.finish({x}, {y}), 5, "concat of one input");
}

// Inputs quantized differently from the output: the reference (like TFLM) copies and refuses
// them, so must the emitter (no silently different code).
void TestCKernelsMisc::concatenationRefused()
{
    for (auto [scale, zp] : {std::pair<float, int64_t>{0.1f, -10}, {0.05f, 3}}) {
        synth::Builder b;
        const int x0 = b.act("a", {1, 2, 2, 1}, DType::Int8, 0.05f, -10);
        const int x1 = b.act("b", {1, 2, 2, 2}, DType::Int8, scale, zp);
        const int y = b.act("y", {1, 2, 2, 3}, DType::Int8, 0.05f, -10);
        b.op(OpKind::Concatenation, {x0, x1}, {y}, ConcatenationOptions{3, Activation::None});
        const Model m = b.finish({x0, x1}, {y});
        std::vector<Bytes> bytes = tensorBytes(m.main());
        QVERIFY(!runReference(m.main(), 0, bytes).empty());
        ConstPool pool;
        const EmitContext c = contextFor(m.main(), 0, &pool);
        std::string error;
        concatParams(c, &error);
        QVERIFY(error.find("quantization") != std::string::npos);
        const Result<Emitted> r = emitOp(c);
        QVERIFY(!r.ok());
        QVERIFY(!r.diagnostics.empty());
        QVERIFY(r.diagnostics[0].message.find("op 0") != std::string::npos);
    }
}

void TestCKernelsMisc::pad()
{
    struct Case {
        std::vector<int32_t> shape;
        std::vector<int32_t> pads;
    };
    const std::vector<Case> cases{
        {{1, 5, 6, 3}, {0, 0, 1, 1, 2, 1, 0, 0}},   // spatial, as before a VALID conv
        {{1, 5, 6, 3}, {0, 0, 0, 0, 0, 0, 2, 3}},   // channels only
        {{2, 3, 4, 5}, {1, 0, 0, 2, 3, 0, 1, 1}},   // every dimension
        {{7}, {3, 2}},
        {{4, 5}, {0, 0, 0, 0}},                      // no padding at all
        {{2, 1, 3}, {0, 1, 1, 0, 0, 2}},
        {{2, 2, 1, 3, 2}, {1, 0, 0, 1, 1, 1, 0, 0, 2, 1}},
        {{1, 2, 2, 1, 3, 2}, {0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 2}},
        {{1, 4, 4, 8}, {0, 0, 3, 3, 3, 3, 0, 0}},
    };
    int n = 0;
    for (DType d : {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Float32})
        for (const Case& cs : cases)
            for (int variant = 0; variant < 4; ++variant) {
                // 0: PAD, 1: PADV2 constant value, 2: PADV2 value in the arena, 3: PADV2 without value
                synth::Builder b(uint32_t(0x600 + n));
                const int x = activation(b, "x", cs.shape, d, 0.05f, d == DType::UInt8 ? 131 : -17);
                const int p = b.int32Values("paddings", {int32_t(cs.shape.size()), 2}, cs.pads);
                std::vector<int32_t> ys = cs.shape;
                for (size_t k = 0; k < ys.size(); ++k)
                    ys[k] += cs.pads[2 * k] + cs.pads[2 * k + 1];
                const int y = activation(b, "y", ys, d, 0.05f, d == DType::UInt8 ? 131 : -17);
                std::vector<int> ins{x, p};
                if (variant == 1) {
                    Bytes v(size_t(elemSize(d)));
                    uint32_t s = 1000u + uint32_t(n);
                    randomize(v, d, s);
                    ins.push_back(b.constant("value", {}, d, v, d == DType::Float32 ? Quantization{} : quant(0.05f, -17)));
                } else if (variant == 2) {
                    ins.push_back(activation(b, "value", {1}, d, 0.05f, -17));
                }
                b.op(variant == 0 ? OpKind::Pad : OpKind::PadV2, ins, {y});
                const Model m = b.finish({x}, {y});
                checkShapeOp(m, uint32_t(31 + n), qPrintable(QString("%1 %2 %3 variant %4")
                                                                 .arg(variant ? "PADV2" : "PAD")
                                                                 .arg(dtypeName(d))
                                                                 .arg(QString::fromStdString(shapeString(cs.shape)))
                                                                 .arg(variant)));
                if (QTest::currentTestFailed())
                    return;
                ++n;
            }
}

void TestCKernelsMisc::transpose()
{
    const std::vector<std::vector<int32_t>> shapes{{1, 3, 16, 16}, {2, 3, 4, 5}, {5, 7}, {3, 1, 4}, {2, 3, 1, 2, 3},
                                                   {2, 1, 3, 2, 2, 3}, {6}, {1, 1, 3, 1}};
    int n = 0;
    for (DType d : {DType::Int8, DType::Int16, DType::Float32, DType::UInt8, DType::Int32})
        for (const auto& s : shapes)
            for (const auto& perm : permutations(int(s.size()), uint32_t(7 + n))) {
                if (d != DType::Int8 && d != DType::Float32 && s.size() > 4)
                    continue;
                synth::Builder b(uint32_t(0x700 + n));
                const int x = activation(b, "x", s, d, 0.05f, -3);
                const int p = b.int32Values("perm", {int32_t(perm.size())}, perm);
                std::vector<int32_t> ys;
                for (int32_t a : perm)
                    ys.push_back(s[size_t(a)]);
                const int y = activation(b, "y", ys, d, 0.05f, -3);
                b.op(OpKind::Transpose, {x, p}, {y});
                QString permText;
                for (int32_t a : perm)
                    permText += QString::number(a);
                checkShapeOp(b.finish({x}, {y}), uint32_t(n + 1),
                             qPrintable(QString("transpose %1 %2 perm %3")
                                            .arg(dtypeName(d))
                                            .arg(QString::fromStdString(shapeString(s)))
                                            .arg(permText)));
                if (QTest::currentTestFailed())
                    return;
                ++n;
            }
}

void TestCKernelsMisc::resizeNearest()
{
    struct Case {
        std::vector<int32_t> in, out;
    };
    const std::vector<Case> cases{
        {{1, 4, 4, 3}, {1, 8, 8, 3}},   {{1, 5, 7, 2}, {1, 11, 3, 2}}, {{2, 3, 3, 1}, {2, 7, 5, 1}},
        {{1, 9, 6, 4}, {1, 4, 4, 4}},   {{1, 1, 1, 3}, {1, 5, 2, 3}},  {{1, 6, 6, 1}, {1, 1, 1, 1}},
        {{1, 2, 3, 5}, {1, 2, 3, 5}},   {{2, 4, 5, 3}, {1, 6, 10, 3}}, {{1, 13, 7, 2}, {1, 17, 16, 2}},
    };
    int n = 0;
    for (DType d : {DType::Int8, DType::Int16, DType::Float32})
        for (const Case& cs : cases)
            for (int flags = 0; flags < 4; ++flags) {
                synth::Builder b(uint32_t(0x800 + n));
                const int x = activation(b, "x", cs.in, d, 0.05f, 4);
                const int y = activation(b, "y", cs.out, d, 0.05f, 4);
                ResizeOptions o;
                o.alignCorners = flags & 1;
                o.halfPixelCenters = flags & 2;
                b.op(OpKind::ResizeNearestNeighbor, {x}, {y}, o);
                checkShapeOp(b.finish({x}, {y}), uint32_t(n + 3),
                             qPrintable(QString("resize %1 %2 -> %3 align %4 half %5")
                                            .arg(dtypeName(d))
                                            .arg(QString::fromStdString(shapeString(cs.in)))
                                            .arg(QString::fromStdString(shapeString(cs.out)))
                                            .arg(bool(o.alignCorners))
                                            .arg(bool(o.halfPixelCenters))));
                if (QTest::currentTestFailed())
                    return;
                ++n;
            }
}

namespace {

// Runs QUANTIZE/DEQUANTIZE op 0 of `m` on `input` through the reference and the C kernel.
void checkQuantOp(const Model& m, const Bytes& input, const QString& what)
{
    const Graph& g = m.main();
    const Op& op = g.ops[0];
    std::vector<Bytes> ref = tensorBytes(g);
    ref[size_t(op.inputs[0])] = input;
    std::vector<Bytes> mine = ref;
    std::fill(mine[size_t(op.outputs[0])].begin(), mine[size_t(op.outputs[0])].end(), uint8_t(0xA5));
    const std::string e = runReference(g, 0, ref);
    QVERIFY2(e.empty(), qPrintable(what + ": reference: " + QString::fromStdString(e)));
    std::string kernel;
    const std::string error = runCKernel(g, 0, mine, &kernel);
    QVERIFY2(error.empty(), qPrintable(what + ": " + QString::fromStdString(error)));
    COMPARE_BYTES(ref[size_t(op.outputs[0])], mine[size_t(op.outputs[0])], qPrintable(what + " (" + QString::fromStdString(kernel) + ")"));
    ConstPool pool;
    const EmitContext c = contextFor(g, 0, &pool);
    const Result<Emitted> emitted = emitOp(c);
    QVERIFY2(emitted.ok(), qPrintable(what));
    QVERIFY(emitted->kernels.count("ts_quant"));
}

Model quantModel(OpKind kind, DType in, float inScale, int64_t inZp, DType out, float outScale, int64_t outZp, int n)
{
    synth::Builder b;
    const int x = activation(b, "x", {1, n}, in, inScale, inZp);
    const int y = activation(b, "y", {1, n}, out, outScale, outZp);
    b.op(kind, {x}, {y});
    return b.finish({x}, {y});
}

} // namespace

void TestCKernelsMisc::quantize()
{
    // float32 -> int8 / uint8 / int16: random values, exact halves (round half away from zero),
    // values beyond the output and the int32 range, infinities. (Not NaN: the reference converts it
    // to an integer, which C++ leaves undefined; the C kernel gives the type's lowest value.)
    std::vector<float> values;
    uint32_t x = 4242;
    for (int i = 0; i < 2000; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        values.push_back(float(int32_t(x % 200001) - 100000) / 997.0f);
    }
    for (int k = -40; k <= 40; ++k) {
        const float half = float(k) * 0.5f * 0.05f; // halves of the 0.05 scale, and their neighbours
        values.push_back(half);
        values.push_back(std::nextafter(half, 1e30f));
        values.push_back(std::nextafter(half, -1e30f));
    }
    for (int i = 0; i < 4000; ++i) { // any bit pattern but NaN: every exponent
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        float f;
        std::memcpy(&f, &x, 4);
        if (!std::isnan(f))
            values.push_back(f);
    }
    for (float v = 8388600.0f * 0.05f; v < 8388616.0f * 0.05f; v = std::nextafter(v, 1e30f)) // around 2^23 after division
        values.push_back(v), values.push_back(-v);
    for (float v : {0.0f, -0.0f, 1e9f, -1e9f, 3e38f, -3e38f, 1e-30f, -1e-30f, std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity(),
                    std::numeric_limits<float>::denorm_min(), 0.0249999985f, 0.025000001f, -0.0249999985f})
        values.push_back(v);
    Bytes in(values.size() * 4);
    std::memcpy(in.data(), values.data(), in.size());
    const int n = int(values.size());
    struct Case {
        DType out;
        float scale;
        int64_t zp;
    };
    for (const Case& cs : {Case{DType::Int8, 0.05f, -10}, Case{DType::Int8, 0.7f, 0}, Case{DType::Int8, 1.0f / 128, 127},
                           Case{DType::UInt8, 0.05f, 128}, Case{DType::UInt8, 0.3f, 0}, Case{DType::UInt8, 0.01f, 255},
                           Case{DType::Int16, 0.002f, 0}, Case{DType::Int16, 0.05f, -300}, Case{DType::Int16, 1e-4f, 7}})
        checkQuantOp(quantModel(OpKind::Quantize, DType::Float32, 1.0f, 0, cs.out, cs.scale, cs.zp, n), in,
                     QString("quantize float32 -> %1 scale %2 zp %3").arg(dtypeName(cs.out)).arg(cs.scale).arg(cs.zp));
}

void TestCKernelsMisc::dequantize()
{
    struct Case {
        DType in;
        float scale;
        int64_t zp;
    };
    for (const Case& cs : {Case{DType::Int8, 0.05f, -10}, Case{DType::Int8, 0.123f, 127}, Case{DType::UInt8, 0.05f, 128},
                           Case{DType::UInt8, 1.7f, 3}, Case{DType::Int16, 0.002f, 0}, Case{DType::Int16, 3.1e-5f, -77}}) {
        const int n = 1000;
        Bytes in(size_t(n * elemSize(cs.in)));
        uint32_t x = 321;
        randomize(in, cs.in, x);
        checkQuantOp(quantModel(OpKind::Dequantize, cs.in, cs.scale, cs.zp, DType::Float32, 1.0f, 0, n), in,
                     QString("dequantize %1 scale %2 zp %3").arg(dtypeName(cs.in)).arg(cs.scale).arg(cs.zp));
    }
}

void TestCKernelsMisc::requantize()
{
    const DType types[] = {DType::Int8, DType::UInt8, DType::Int16, DType::Int32};
    struct Scales {
        float in, out;
    };
    int k = 0;
    for (DType a : types)
        for (DType b : types)
            for (const Scales s : {Scales{0.05f, 0.05f}, Scales{0.05f, 0.0371f}, Scales{0.002f, 0.09f}, Scales{0.7f, 0.01f},
                                   Scales{1e-6f, 0.05f}}) {
                const int64_t inZp = a == DType::UInt8 ? 120 : (a == DType::Int32 ? 1000 : -9 + k % 5);
                const int64_t outZp = b == DType::UInt8 ? 128 : (b == DType::Int32 ? -500 : 5 - k % 7);
                const int n = 700;
                Bytes in(size_t(n * elemSize(a)));
                uint32_t x = uint32_t(17 + k);
                randomize(in, a, x);
                if (a == DType::Int32) // mostly moderate values, a few extreme ones
                    for (size_t i = 4; i + 4 <= in.size(); i += 4)
                        if (i % 64)
                            in[i + 2] = in[i + 3] = (in[i + 1] & 0x80) ? 0xFF : 0;
                checkQuantOp(quantModel(OpKind::Quantize, a, s.in, inZp, b, s.out, outZp, n), in,
                             QString("requantize %1 (%2, %3) -> %4 (%5, %6)")
                                 .arg(dtypeName(a)).arg(s.in).arg(inZp).arg(dtypeName(b)).arg(s.out).arg(outZp));
                if (QTest::currentTestFailed())
                    return;
                ++k;
            }
}

namespace {

struct SvdfCase {
    int batch, inputSize, units, rank, memory;
    DType stateType; // Int16 or Int8 (also the time weights')
    bool bias;
    int64_t inZp, stateZp, outZp;
    Activation act = Activation::None;
    float stateScale = 0.0f; // 0: 0.004 (int16), 0.2 (int8)
    float outScale = 0.5f;
};

Model svdfModel(const SvdfCase& s, DType dtype)
{
    synth::Builder b(uint32_t(0x5FD + s.batch * 7 + s.rank * 3 + s.memory));
    const int filters = s.units * s.rank;
    const bool fl = dtype == DType::Float32;
    const int x = fl ? b.act("x", {s.batch, s.inputSize}, DType::Float32) : b.act("x", {s.batch, s.inputSize}, DType::Int8, 0.05f, s.inZp);
    const int wf = fl ? b.floatWeights("wf", {filters, s.inputSize}) : b.int8Weights("wf", {filters, s.inputSize}, {0.01f});
    int wt;
    if (fl) {
        wt = b.floatWeights("wt", {filters, s.memory});
    } else if (s.stateType == DType::Int16) {
        std::vector<int16_t> v(size_t(filters * s.memory));
        for (auto& e : v)
            e = int16_t(int(b.next() % 4001) - 2000);
        wt = b.constant("wt", {filters, s.memory}, DType::Int16, int16Bytes(v), quant(0.0005f, 0));
    } else {
        wt = b.int8Weights("wt", {filters, s.memory}, {0.01f});
    }
    const int bias = s.bias ? b.bias("bias", s.units, fl ? DType::Float32 : DType::Int32) : -1;
    const float stateScale = s.stateScale > 0 ? s.stateScale : (s.stateType == DType::Int16 ? 0.004f : 0.2f);
    const int state = fl ? b.act("state", {s.batch, filters * s.memory}, DType::Float32)
                         : b.act("state", {s.batch, filters * s.memory}, s.stateType, stateScale, s.stateZp);
    b.t(state).isVariable = true;
    const int y = fl ? b.act("y", {s.batch, s.units}, DType::Float32) : b.act("y", {s.batch, s.units}, DType::Int8, s.outScale, s.outZp);
    SvdfOptions o;
    o.rank = s.rank;
    o.activation = s.act;
    b.op(OpKind::Svdf, {x, wf, wt, bias, state}, {y}, o);
    return b.finish({x}, {y});
}

// Runs SVDF op `opIndex` of `g` through its C kernel (with the emitter's params), updating `state`.
void runSvdfKernel(const Graph& g, int opIndex, const std::vector<Bytes>& bytes, Bytes& state, Bytes& out,
                   std::string* error)
{
    ConstPool pool;
    const EmitContext c = contextFor(g, opIndex, &pool);
    const SvdfParams p = svdfParams(c, error);
    if (!error->empty())
        return;
    const Op& op = g.ops[size_t(opIndex)];
    auto data = [&](int k) -> const void* { return op.input(k) >= 0 ? bytes[size_t(op.inputs[size_t(k)])].data() : nullptr; };
    if (p.isFloat) {
        ts_svdf_f32(&p.f32, static_cast<const float*>(data(0)), static_cast<const float*>(data(1)),
                    static_cast<const float*>(data(2)), static_cast<const float*>(data(3)),
                    reinterpret_cast<float*>(state.data()), reinterpret_cast<float*>(out.data()));
        return;
    }
    // Exactly the planned scratch, poisoned.
    QCOMPARE(c.scratch.size(), size_t(2));
    std::vector<int32_t> s0(size_t(c.scratch[0].bytes / 4), 0x5A5A5A5A), s1(size_t(c.scratch[1].bytes / 4), 0x5A5A5A5A);
    QVERIFY(p.scratchFilterBytes <= c.scratch[0].bytes && p.scratchUnitBytes <= c.scratch[1].bytes);
    if (p.kernel == "ts_svdf_s8_s16")
        ts_svdf_s8_s16(&p.s8, static_cast<const int8_t*>(data(0)), static_cast<const int8_t*>(data(1)),
                       static_cast<const int16_t*>(data(2)), static_cast<const int32_t*>(data(3)),
                       reinterpret_cast<int16_t*>(state.data()), s0.data(), s1.data(), reinterpret_cast<int8_t*>(out.data()));
    else
        ts_svdf_s8_s8(&p.s8, static_cast<const int8_t*>(data(0)), static_cast<const int8_t*>(data(1)),
                      static_cast<const int8_t*>(data(2)), static_cast<const int32_t*>(data(3)),
                      reinterpret_cast<int8_t*>(state.data()), s0.data(), s1.data(), reinterpret_cast<int8_t*>(out.data()));
    const Result<Emitted> emitted = emitOp(c);
    QVERIFY(emitted.ok());
    QVERIFY(emitted->kernels.count("ts_svdf"));
}

void checkSvdf(const SvdfCase& s, DType dtype, const QString& what)
{
    const Model m = svdfModel(s, dtype);
    const Graph& g = m.main();
    const Op& op = g.ops[0];
    std::vector<Bytes> ref = tensorBytes(g);
    const size_t xi = size_t(op.inputs[0]), si = size_t(op.inputs[4]), yi = size_t(op.outputs[0]);
    // The state starts at its zero point (int) as a fresh model's would after a reset to zero... and
    // at arbitrary values too: begin from random state bytes.
    uint32_t seed = 2024;
    randomize(ref[si], g.tensors[si].dtype, seed);
    if (g.tensors[si].dtype == DType::Int16) // moderate values (as the feature projection writes)
        for (size_t i = 0; i + 1 < ref[si].size(); i += 2) {
            int16_t v;
            std::memcpy(&v, ref[si].data() + i, 2);
            v = int16_t(v / 8);
            std::memcpy(ref[si].data() + i, &v, 2);
        }
    Bytes state = ref[si], out(ref[yi].size(), 0xA5);
    std::set<uint8_t> distinct;
    for (int invocation = 0; invocation < 5; ++invocation) {
        randomize(ref[xi], g.tensors[xi].dtype, seed);
        const std::string e = runReference(g, 0, ref);
        QVERIFY2(e.empty(), qPrintable(what + ": reference: " + QString::fromStdString(e)));
        std::string error;
        runSvdfKernel(g, 0, ref, state, out, &error);
        QVERIFY2(error.empty(), qPrintable(what + ": " + QString::fromStdString(error)));
        COMPARE_BYTES(ref[yi], out, qPrintable(what + QString(" output, invocation %1").arg(invocation)));
        COMPARE_BYTES(ref[si], state, qPrintable(what + QString(" state, invocation %1").arg(invocation)));
        distinct.insert(out.begin(), out.end());
    }
    // The case exercises the arithmetic, not only saturation.
    QVERIFY2(dtype == DType::Float32 || distinct.size() >= std::min<size_t>(4, out.size() * 5 / 2),
             qPrintable(what + QString(": only %1 distinct output bytes").arg(distinct.size())));
}

} // namespace

void TestCKernelsMisc::svdfInteger()
{
    int k = 0;
    for (DType st : {DType::Int16, DType::Int8})
        for (int batch : {1, 2})
            for (int rank : {1, 2})
                for (bool bias : {true, false}) {
                    const SvdfCase s{batch, 11 + k % 3, 5, rank, 7 + k % 4, st, bias, -3 + k % 4, st == DType::Int16 ? 0 : 4 - k % 3,
                                     -2 + k % 5};
                    checkSvdf(s, DType::Int8, QString("svdf int8, %1 state, batch %2 rank %3 bias %4")
                                                  .arg(dtypeName(st)).arg(batch).arg(rank).arg(bias));
                    if (QTest::currentTestFailed())
                        return;
                    ++k;
                }
    // Feature projections beyond the state type: clamped, then the zero point added with wrap-around.
    checkSvdf(SvdfCase{2, 13, 4, 2, 5, DType::Int8, true, -3, 9, 1, Activation::None, 0.001f, 0.002f}, DType::Int8,
              "svdf int8 state clamped");
    checkSvdf(SvdfCase{1, 13, 4, 2, 5, DType::Int16, true, -3, 300, 1, Activation::None, 0.00002f, 0.01f}, DType::Int8,
              "svdf int16 state clamped");
    // int16 state with a nonzero zero point, memory 1, one input.
    checkSvdf(SvdfCase{2, 1, 3, 2, 1, DType::Int16, true, 5, -40, 9}, DType::Int8, "svdf int8 memory 1");
}

void TestCKernelsMisc::svdfFloat()
{
    int k = 0;
    for (Activation a : {Activation::None, Activation::Relu, Activation::ReluN1To1, Activation::Relu6, Activation::Tanh,
                         Activation::SignBit})
        for (int batch : {1, 2})
            for (int rank : {1, 2}) {
                SvdfCase s{batch, 9 + k % 4, 4, rank, 6 + k % 3, DType::Float32, k % 2 == 0, 0, 0, 0, a};
                checkSvdf(s, DType::Float32, QString("svdf float32 act %1 batch %2 rank %3").arg(int(a)).arg(batch).arg(rank));
                if (QTest::currentTestFailed())
                    return;
                ++k;
            }
}

// The keyword model's SVDF ops on TFLM's seed-1 tensors: each op's input from the golden dump, the
// state at its zero point (TFLM's reset); the output and the state after the run must equal TFLM's.
void TestCKernelsMisc::svdfKeywordGolden()
{
    const QString name = "tflm_keyword_scrambled_8bit";
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    const QString dir = tstest::sharedDir() + "/golden/" + name + "/tensors_1";
    if (!QFileInfo::exists(dir + "/index.tsv"))
        QSKIP(qPrintable("no golden tensors in " + dir));
    auto model = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY(model.ok());
    const Graph& g = model->main();
    auto golden = [&](int t) {
        const auto b = tstest::readBytes(dir + QString("/t%1.bin").arg(t));
        return b ? *b : Bytes{};
    };
    int svdfs = 0;
    for (size_t o = 0; o < g.ops.size(); ++o) {
        const Op& op = g.ops[o];
        if (op.kind != OpKind::Svdf)
            continue;
        std::vector<Bytes> bytes = tensorBytes(g);
        bytes[size_t(op.inputs[0])] = golden(op.inputs[0]);
        QVERIFY2(!bytes[size_t(op.inputs[0])].empty(), "golden input missing");
        // TFLM resets a variable tensor to its zero point before the first invocation.
        const Tensor& st = g.tensors[size_t(op.inputs[4])];
        QCOMPARE(st.dtype, DType::Int8);
        Bytes state(bytes[size_t(op.inputs[4])].size(), uint8_t(ref::zeroPointOf(st)));
        Bytes out(bytes[size_t(op.outputs[0])].size(), 0xA5);
        std::string error;
        runSvdfKernel(g, int(o), bytes, state, out, &error);
        QVERIFY2(error.empty(), error.c_str());
        const QString what = QString("op %1 SVDF").arg(o);
        COMPARE_BYTES(golden(op.outputs[0]), out, qPrintable(what + " output"));
        COMPARE_BYTES(golden(op.inputs[4]), state, qPrintable(what + " state"));
        ++svdfs;
    }
    QCOMPARE(svdfs, 7);
}

void TestCKernelsMisc::realModelsGolden_data()
{
    QTest::addColumn<QString>("name");
    const QStringList names = QDir(tstest::sharedDir() + "/golden").entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& n : names)
        if (QFileInfo::exists(tstest::sharedDir() + "/golden/" + n + "/tensors_1/index.tsv"))
            QTest::newRow(qPrintable(n)) << n;
    if (names.isEmpty())
        QTest::newRow("no golden data") << QString();
}

// Every CONCATENATION, PAD, PADV2, TRANSPOSE, RESIZE_NEAREST_NEIGHBOR, QUANTIZE and DEQUANTIZE of
// the shared models with TFLM's seed-1 tensors (vww's and mcunetv2's NCHW input TRANSPOSE and
// PADs, the keyword model's int16 -> int8 and int8 -> int32 QUANTIZE, lenet's float boundaries):
// the op's inputs from the dump, its output must equal the dumped one.
void TestCKernelsMisc::realModelsGolden()
{
    QFETCH(QString, name);
    if (name.isEmpty())
        QSKIP(qPrintable("no golden data in " + tstest::sharedDir() + "/golden (set TINYSTUDIO_SHARED_DIR)"));
    TS_REQUIRE_MODEL(tstest::modelPath(name));
    auto model = importTfliteFile(tstest::modelPath(name).toStdString());
    QVERIFY(model.ok());
    const Graph& g = model->main();
    const QString dir = tstest::sharedDir() + "/golden/" + name + "/tensors_1";
    int checked = 0;
    for (size_t o = 0; o < g.ops.size(); ++o) {
        const Op& op = g.ops[o];
        switch (op.kind) {
        case OpKind::Concatenation:
        case OpKind::Pad:
        case OpKind::PadV2:
        case OpKind::Transpose:
        case OpKind::ResizeNearestNeighbor:
        case OpKind::Quantize:
        case OpKind::Dequantize:
            break;
        default:
            continue;
        }
        std::vector<Bytes> bytes = tensorBytes(g);
        bool dumped = true;
        for (int t : op.inputs)
            if (t >= 0 && !g.tensors[size_t(t)].isConstant()) {
                const auto b = tstest::readBytes(dir + QString("/t%1.bin").arg(t));
                dumped = dumped && b;
                if (b)
                    bytes[size_t(t)] = *b;
            }
        const auto want = tstest::readBytes(dir + QString("/t%1.bin").arg(op.outputs[0]));
        if (!dumped || !want)
            continue; // an op on tensors TFLM did not dump
        std::fill(bytes[size_t(op.outputs[0])].begin(), bytes[size_t(op.outputs[0])].end(), uint8_t(0xA5));
        const QString what = QString("%1 op %2 %3").arg(name).arg(o).arg(QString::fromStdString(opKindName(op.kind)));
        const std::string error = runCKernel(g, int(o), bytes);
        QVERIFY2(error.empty(), qPrintable(what + ": " + QString::fromStdString(error)));
        COMPARE_BYTES(*want, bytes[size_t(op.outputs[0])], qPrintable(what));
        ++checked;
    }
    qInfo("%s: %d ops checked against TFLM's tensors", qPrintable(name), checked);
}

// What the emitters print compiles as C99 against the kernel headers (with -Werror), and calls
// kernels that exist.
void TestCKernelsMisc::emittedCodeCompiles()
{
    std::vector<Model> models;
    {
        synth::Builder b;
        const int x0 = b.act("a", {1, 2, 2, 1});
        const int c = b.constant("k", {1, 2, 2, 2}, DType::Int8, Bytes(8, 3), quant(0.05f, -10));
        const int y = b.act("y", {1, 2, 2, 3});
        b.op(OpKind::Concatenation, {x0, c}, {y}, ConcatenationOptions{3, Activation::None});
        models.push_back(b.finish({x0}, {y}));
    }
    {
        synth::Builder b;
        const int x = b.act("x", {1, 3, 3, 2});
        const int p = b.int32Values("p", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
        const int y = b.act("y", {1, 5, 5, 2});
        b.op(OpKind::Pad, {x, p}, {y});
        models.push_back(b.finish({x}, {y}));
    }
    {
        synth::Builder b;
        const int x = b.act("x", {1, 3, 3, 2}, DType::Float32);
        const int p = b.int32Values("p", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
        const int v = b.act("v", {1}, DType::Float32);
        const int y = b.act("y", {1, 5, 5, 2}, DType::Float32);
        b.op(OpKind::PadV2, {x, p, v}, {y});
        models.push_back(b.finish({x}, {y}));
    }
    models.push_back(synth::nchwNet());
    {
        synth::Builder b;
        const int x = b.act("x", {1, 3, 3, 2});
        const int y = b.act("y", {1, 6, 6, 2});
        b.op(OpKind::ResizeNearestNeighbor, {x}, {y}, ResizeOptions{});
        models.push_back(b.finish({x}, {y}));
    }
    models.push_back(quantModel(OpKind::Quantize, DType::Float32, 1, 0, DType::Int8, 0.05f, 3, 10));
    models.push_back(quantModel(OpKind::Quantize, DType::Int16, 0.001f, 0, DType::Int8, 0.05f, 3, 10));
    models.push_back(quantModel(OpKind::Dequantize, DType::UInt8, 0.1f, 128, DType::Float32, 1, 0, 10));
    models.push_back(svdfModel({2, 5, 3, 2, 4, DType::Int16, true, 1, 0, 2}, DType::Int8));
    models.push_back(svdfModel({1, 5, 3, 1, 4, DType::Int8, false, 1, 0, 2}, DType::Int8));
    models.push_back(svdfModel({1, 5, 3, 1, 4, DType::Float32, true, 0, 0, 0, Activation::Relu}, DType::Float32));

    ConstPool pool;
    std::string body;
    std::set<std::string> kernels;
    for (size_t i = 0; i < models.size(); ++i) {
        const Graph& g = models[i].main();
        EmitContext c = contextFor(g, 0, &pool);
        c.opIndex = int(i); // one pool for all: the ops of one generated model
        const Result<Emitted> r = emitOp(c);
        QVERIFY2(r.ok(), r.diagnostics.empty() ? "?" : r.diagnostics[0].message.c_str());
        for (const std::string& l : r->lines)
            body += "    " + l + "\n";
        kernels.insert(r->kernels.begin(), r->kernels.end());
    }
    std::string src = "#include <stddef.h>\n#include <stdint.h>\n";
    for (const std::string& k : kernels)
        src += "#include \"" + k + ".h\"\n";
    for (const ConstPool::Array& a : pool.arrays()) {
        src += "static const " + a.ctype + " " + a.name + "[" + std::to_string(std::max<size_t>(a.values.size(), 1)) + "] = {";
        for (size_t i = 0; i < a.values.size(); ++i)
            src += (i ? ", " : "") + a.values[i];
        src += "};\n";
    }
    src += "void run(uint8_t *const ts_a);\nvoid run(uint8_t *const ts_a)\n{\n" + body + "}\n";
    if (qEnvironmentVariableIsSet("TS_SHOW_EMITTED"))
        qInfo("%s", src.c_str());
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QFile f(tmp.path() + "/model.c");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(src.c_str());
    f.close();
    QProcess cc;
    cc.start("cc", {"-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only",
                    "-I" TINYSTUDIO_SOURCE_DIR "/core/kernels/c", f.fileName()});
    if (!cc.waitForStarted())
        QSKIP("no C compiler (cc) to compile the emitted code");
    QVERIFY(cc.waitForFinished(60000));
    QVERIFY2(cc.exitCode() == 0, qPrintable(QString::fromLocal8Bit(cc.readAllStandardError()) + "\n" + QString::fromStdString(src)));
}

void TestCKernelsMisc::refusals()
{
    // A strided window.
    {
        synth::Builder b;
        const int x = b.act("x", {1, 4, 4, 2});
        const int p = b.int32Values("p", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
        const int y = b.act("y", {1, 6, 6, 2});
        b.op(OpKind::Pad, {x, p}, {y});
        const Model m = b.finish({x}, {y});
        ConstPool pool;
        EmitContext c = contextFor(m.main(), 0, &pool);
        c.inputs[0].rowPitch = 4 * 2 * 3;
        const Result<Emitted> r = emitOp(c);
        QVERIFY(!r.ok());
        QVERIFY(r.diagnostics[0].message.find("strided") != std::string::npos);
        c.inputs[0].rowPitch = 4 * 2; // contiguous window: fine
        QVERIFY(emitOp(c).ok());
    }
    // SVDF whose planned scratch is too small.
    {
        const Model m = svdfModel({1, 5, 3, 1, 4, DType::Int16, true, 1, 0, 2}, DType::Int8);
        ConstPool pool;
        EmitContext c = contextFor(m.main(), 0, &pool);
        c.scratch[1].bytes -= 4;
        QVERIFY(!emitOp(c).ok());
        c.scratch.clear();
        QVERIFY(!emitOp(c).ok());
    }
    // Types the reference has no kernel for.
    {
        const Model m = quantModel(OpKind::Dequantize, DType::Int32, 0.1f, 0, DType::Float32, 1, 0, 4);
        ConstPool pool;
        QVERIFY(!emitOp(contextFor(m.main(), 0, &pool)).ok());
        const Model q = quantModel(OpKind::Quantize, DType::Float32, 1, 0, DType::Int32, 0.1f, 0, 4);
        QVERIFY(!emitOp(contextFor(q.main(), 0, &pool)).ok());
    }
    // A non-constant permutation.
    {
        synth::Builder b;
        const int x = b.act("x", {2, 3});
        const int p = b.act("p", {2}, DType::Int32);
        const int y = b.act("y", {3, 2});
        b.op(OpKind::Transpose, {x, p}, {y});
        const Model m = b.finish({x, p}, {y});
        ConstPool pool;
        QVERIFY(!emitOp(contextFor(m.main(), 0, &pool)).ok());
    }
}

QTEST_GUILESS_MAIN(TestCKernelsMisc)
#include "tst_ckernels_misc.moc"
