// The dense-family C kernels (ts_fc, ts_elementwise, ts_reduce, ts_activation) against the
// reference interpreter, byte for byte: each op is built with synth::Builder on random data, run by
// ts::ref's kernel and by the C kernel with the parameters the emitter prints (params_dense.h).
// In-place element-wise ops run with the output buffer == the input buffer; strided windows run on
// a larger stored map and must leave every byte outside the window untouched.

#include "codegen/params_dense.h"
#include "model/tflite_import.h"
#include "reference/kernel_api.h"
#include "synthmodels.h"
#include "testsupport.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <functional>

using namespace ts;
using namespace ts::codegen;

namespace {

struct Rng {
    uint32_t x;
    explicit Rng(uint32_t seed) : x(seed ? seed : 1) {}
    uint32_t next()
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    }
    int32_t in(int32_t lo, int32_t hi) { return lo + int32_t(next() % uint32_t(hi - lo + 1)); }
};

// Random bytes for a non-constant tensor of its dtype.
std::vector<uint8_t> randomBytes(const Tensor& t, Rng& r)
{
    const int64_t n = t.elementCount().value_or(0);
    std::vector<uint8_t> b(size_t(t.byteSize().value_or(0)));
    for (int64_t i = 0; i < n; ++i) {
        switch (t.dtype) {
        case DType::Int8: b[size_t(i)] = uint8_t(r.next()); break;
        case DType::Int16: {
            const auto v = int16_t(r.next());
            std::memcpy(b.data() + 2 * i, &v, 2);
            break;
        }
        case DType::Int32: {
            // Mostly small values, sometimes large ones (wrap-around).
            const int32_t v = (r.next() % 8) ? r.in(-1000, 1000) : int32_t(r.next());
            std::memcpy(b.data() + 4 * i, &v, 4);
            break;
        }
        case DType::Float32: {
            float v = float(r.in(-40000, 40000)) / 5000.0f;
            const uint32_t pick = r.next() % 128;
            if (pick < 8)
                v = pick < 4 ? 0.0f : -0.0f;
            else if (pick == 8)
                v = INFINITY;
            else if (pick == 9)
                v = -INFINITY;
            else if (pick == 10)
                v = NAN;
            else if (pick == 11)
                v = 3.0e38f; // overflows to infinity when added or multiplied
            std::memcpy(b.data() + 4 * i, &v, 4);
            break;
        }
        default: break;
        }
    }
    return b;
}

// One op of a built model with its tensors' bytes.
struct Run {
    Model m;
    std::vector<std::vector<uint8_t>> bytes;
    const Graph& g() const { return m.main(); }
    const Op& op() const { return g().ops[0]; }

    explicit Run(Model&& model, uint32_t seed = 7) : m(std::move(model))
    {
        Rng r(seed);
        bytes.resize(g().tensors.size());
        for (size_t t = 0; t < g().tensors.size(); ++t) {
            const Tensor& x = g().tensors[t];
            if (x.isConstant())
                bytes[t].assign(x.data.data, x.data.data + x.data.size);
            else
                bytes[t] = randomBytes(x, r);
        }
    }

    // The reference kernel's output bytes (empty + message on failure).
    std::vector<uint8_t> reference(std::string* error) const
    {
        auto copy = bytes;
        ref::Tensors t(g(), copy);
        const ref::Kernel k = ref::findKernel(g(), op());
        if (!k) {
            *error = "no reference kernel";
            return {};
        }
        *error = k(t, op());
        return copy[size_t(op().outputs[0])];
    }

    EmitContext context(ConstPool& pool) const;
};

// The context an emitter gets for op `index` of `g` with contiguous operands.
EmitContext contextFor(const Graph& g, int index, ConstPool& pool)
{
    const Op& op = g.ops[size_t(index)];
    EmitContext c;
    c.g = &g;
    c.op = &op;
    c.opIndex = index;
    c.opLabel = "op " + std::to_string(index) + " " + opKindName(op.kind);
    c.pool = &pool;
    int64_t offset = 0;
    auto operand = [&](int t) {
        Operand o;
        o.tensor = t;
        if (t < 0)
            return o;
        o.info = &g.tensors[size_t(t)];
        o.shape = o.info->shape;
        if (!o.info->isConstant()) {
            o.offset = offset;
            o.ptr = "(ts_a + " + std::to_string(offset) + ")";
            offset += o.info->byteSize().value_or(0);
        }
        return o;
    };
    for (int t : op.inputs)
        c.inputs.push_back(operand(t));
    for (int t : op.outputs)
        c.outputs.push_back(operand(t));
    return c;
}

EmitContext Run::context(ConstPool& pool) const { return contextFor(g(), 0, pool); }

// Calls the C kernel of the context's op with input pointers `in` (constants included) and the
// output pointer. Returns the params error, if any.
std::string callC(const EmitContext& c, const std::vector<const void*>& in, void* out)
{
    std::string error;
    const OpKind kind = c.op->kind;
    const DType t = c.inputs[0].info->dtype;
    switch (kind) {
    case OpKind::FullyConnected: {
        const void* bias = in.size() > 2 ? in[2] : nullptr;
        if (t == DType::Int8) {
            auto r = fcS8Params(c, &error);
            if (!r)
                return error;
            ts_fc_s8(static_cast<const int8_t*>(in[0]), static_cast<const int8_t*>(in[1]), r->bias.data(),
                     r->multipliers.empty() ? nullptr : r->multipliers.data(),
                     r->shifts.empty() ? nullptr : r->shifts.data(), static_cast<int8_t*>(out), &r->p);
        } else if (t == DType::Int16) {
            auto r = fcS16Params(c, &error);
            if (!r)
                return error;
            ts_fc_s16(static_cast<const int16_t*>(in[0]), static_cast<const int8_t*>(in[1]),
                      r->bias.empty() ? nullptr : r->bias.data(), static_cast<int16_t*>(out), &r->p);
        } else {
            auto p = fcF32Params(c, &error);
            if (!p)
                return error;
            ts_fc_f32(static_cast<const float*>(in[0]), static_cast<const float*>(in[1]), static_cast<const float*>(bias),
                      static_cast<float*>(out), &*p);
        }
        return {};
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul: {
        auto p = elementwiseParams(c, &error);
        if (!p)
            return error;
        const int k = kind == OpKind::Add ? 0 : kind == OpKind::Sub ? 1 : 2;
        if (t == DType::Int8) {
            auto f = k == 0 ? ts_add_s8 : k == 1 ? ts_sub_s8 : ts_mul_s8;
            f(static_cast<const int8_t*>(in[0]), static_cast<const int8_t*>(in[1]), static_cast<int8_t*>(out), &*p);
        } else if (t == DType::Int16) {
            auto f = k == 0 ? ts_add_s16 : k == 1 ? ts_sub_s16 : ts_mul_s16;
            f(static_cast<const int16_t*>(in[0]), static_cast<const int16_t*>(in[1]), static_cast<int16_t*>(out), &*p);
        } else if (t == DType::Int32) {
            auto f = k == 0 ? ts_add_s32 : k == 1 ? ts_sub_s32 : ts_mul_s32;
            f(static_cast<const int32_t*>(in[0]), static_cast<const int32_t*>(in[1]), static_cast<int32_t*>(out), &*p);
        } else {
            auto f = k == 0 ? ts_add_f32 : k == 1 ? ts_sub_f32 : ts_mul_f32;
            f(static_cast<const float*>(in[0]), static_cast<const float*>(in[1]), static_cast<float*>(out), &*p);
        }
        return {};
    }
    case OpKind::Mean:
    case OpKind::Sum: {
        auto p = reduceParams(c, &error);
        if (!p)
            return error;
        if (t == DType::Int8)
            ts_reduce_s8(static_cast<const int8_t*>(in[0]), static_cast<int8_t*>(out), &*p);
        else if (t == DType::Int16)
            ts_reduce_s16(static_cast<const int16_t*>(in[0]), static_cast<int16_t*>(out), &*p);
        else
            ts_reduce_f32(static_cast<const float*>(in[0]), static_cast<float*>(out), &*p);
        return {};
    }
    case OpKind::Softmax:
    case OpKind::LogSoftmax: {
        auto p = softmaxParams(c, &error);
        if (!p)
            return error;
        if (t == DType::Float32) {
            (kind == OpKind::Softmax ? ts_softmax_f32 : ts_log_softmax_f32)(static_cast<const float*>(in[0]),
                                                                            static_cast<float*>(out), &*p);
        } else if (kind == OpKind::LogSoftmax) {
            ts_log_softmax_s8(static_cast<const int8_t*>(in[0]), static_cast<int8_t*>(out), &*p);
        } else if (c.outputs[0].info->dtype == DType::Int16) {
            ts_softmax_s8_s16(static_cast<const int8_t*>(in[0]), static_cast<int16_t*>(out), &*p);
        } else {
            ts_softmax_s8(static_cast<const int8_t*>(in[0]), static_cast<int8_t*>(out), &*p);
        }
        return {};
    }
    default: {
        auto p = activationParams(c, &error);
        if (!p)
            return error;
        if (t == DType::Float32) {
            auto f = kind == OpKind::Relu ? ts_relu_f32 : kind == OpKind::Relu6 ? ts_relu6_f32
                   : kind == OpKind::LeakyRelu ? ts_leaky_relu_f32 : kind == OpKind::Logistic ? ts_logistic_f32 : ts_tanh_f32;
            f(static_cast<const float*>(in[0]), static_cast<float*>(out), &*p);
        } else if (t == DType::Int16) {
            auto f = kind == OpKind::Relu ? ts_relu_s16 : kind == OpKind::Relu6 ? ts_relu6_s16 : ts_leaky_relu_s16;
            f(static_cast<const int16_t*>(in[0]), static_cast<int16_t*>(out), &*p);
        } else if (kind != OpKind::Relu6) {
            // What generated code runs: the table built by the kernel at generation time.
            const std::vector<int8_t> table = activationTableS8(kind, *p);
            ts_lut_s8(static_cast<const int8_t*>(in[0]), static_cast<int8_t*>(out), table.data(), &*p);
        } else {
            auto f = kind == OpKind::Relu ? ts_relu_s8 : kind == OpKind::Relu6 ? ts_relu6_s8 : ts_leaky_relu_s8;
            f(static_cast<const int8_t*>(in[0]), static_cast<int8_t*>(out), &*p);
        }
        return {};
    }
    }
}

// The op run by the reference and by the C kernel (contiguous, separate buffers); also checks that
// the emitter accepts it. Guard bytes after the output must stay untouched.
void expectSame(Run& run, const char* what)
{
    std::string error;
    std::vector<uint8_t> want = run.reference(&error);
    QVERIFY2(error.empty(), (std::string(what) + ": reference: " + error).c_str());
    ConstPool pool;
    const EmitContext c = run.context(pool);
    std::vector<const void*> in;
    for (int t : run.op().inputs)
        in.push_back(t < 0 ? nullptr : run.bytes[size_t(t)].data());
    std::vector<uint8_t> got(want.size() + 16, 0xA5);
    const std::string e = callC(c, in, got.data());
    QVERIFY2(e.empty(), (std::string(what) + ": params: " + e).c_str());
    for (size_t i = want.size(); i < got.size(); ++i)
        QVERIFY2(got[i] == 0xA5, (std::string(what) + ": wrote past the output").c_str());
    got.resize(want.size());
    if (run.g().tensors[size_t(run.op().outputs[0])].dtype == DType::Float32) {
        // Which NaN an operation with two NaN operands returns (and so its sign bit) is up to the
        // compiler's operand order (IEEE 754 does not say): a NaN matches any NaN.
        auto canonical = [](std::vector<uint8_t>& b) {
            for (size_t i = 0; i + 4 <= b.size(); i += 4) {
                float f;
                std::memcpy(&f, b.data() + i, 4);
                if (std::isnan(f)) {
                    const uint32_t q = 0x7FC00000u;
                    std::memcpy(b.data() + i, &q, 4);
                }
            }
        };
        canonical(got);
        auto w = want;
        canonical(w);
        want.swap(w);
    }
    if (got != want) {
        size_t i = 0;
        while (got[i] == want[i])
            ++i;
        QFAIL(qPrintable(QString("%1: byte %2 of %3 differs: C %4, reference %5")
                             .arg(what).arg(i).arg(want.size()).arg(got[i]).arg(want[i])));
    }
    const Result<Emitted> em = emitOp(c);
    QVERIFY2(em.ok(), (std::string(what) + ": emitter: " + (em.diagnostics.empty() ? "" : em.diagnostics[0].message)).c_str());
}

std::string label(const char* fmt, std::initializer_list<int64_t> v)
{
    std::string s = fmt;
    for (int64_t x : v)
        s += " " + std::to_string(x);
    return s;
}

Activation acts[] = {Activation::None, Activation::Relu, Activation::Relu6, Activation::ReluN1To1};

} // namespace

class TestCKernelsDense : public QObject {
    Q_OBJECT
private slots:
    void fullyConnectedInt8();
    void fullyConnectedInt16();
    void fullyConnectedFloat();
    void elementwise();
    void elementwiseInPlace();
    void elementwiseStrided();
    void reduce();
    void softmax();
    void pointwiseActivations();
    void activationsStrided();
    void realModelsGolden_data();
    void realModelsGolden();
    void refusals();
    void emittedCodeCompiles();
};

void TestCKernelsDense::realModelsGolden_data()
{
    QTest::addColumn<QString>("name");
    const QStringList names = QDir(tstest::sharedDir() + "/golden").entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& n : names)
        if (QFileInfo::exists(tstest::sharedDir() + "/golden/" + n + "/tensors_1/index.tsv"))
            QTest::newRow(qPrintable(n)) << n;
    if (names.isEmpty())
        QTest::newRow("no golden data") << QString();
}

// Every op of this family in the shared models (FULLY_CONNECTED int8/float, the keyword model's
// int16 path, ADD/MUL with SE-style broadcasts, MEAN heads, SOFTMAX, LOG_SOFTMAX) on TFLM's seed-1
// tensors: inputs from the dump, the output must equal TFLM's dumped output.
void TestCKernelsDense::realModelsGolden()
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
        case OpKind::FullyConnected:
        case OpKind::Add:
        case OpKind::Sub:
        case OpKind::Mul:
        case OpKind::Mean:
        case OpKind::Sum:
        case OpKind::Softmax:
        case OpKind::LogSoftmax:
        case OpKind::Logistic:
        case OpKind::Tanh:
        case OpKind::Relu:
        case OpKind::Relu6:
        case OpKind::LeakyRelu:
            break;
        default:
            continue;
        }
        std::vector<std::shared_ptr<const std::vector<uint8_t>>> keep;
        std::vector<const void*> in;
        bool dumped = true;
        for (int t : op.inputs) {
            if (t < 0) {
                in.push_back(nullptr);
            } else if (g.tensors[size_t(t)].isConstant()) {
                in.push_back(g.tensors[size_t(t)].data.data);
            } else {
                keep.push_back(tstest::readBytes(dir + QString("/t%1.bin").arg(t)));
                dumped = dumped && keep.back();
                in.push_back(keep.back() ? keep.back()->data() : nullptr);
            }
        }
        const auto want = tstest::readBytes(dir + QString("/t%1.bin").arg(op.outputs[0]));
        if (!dumped || !want)
            continue; // an op on tensors TFLM did not dump
        ConstPool pool;
        const EmitContext c = contextFor(g, int(o), pool);
        std::vector<uint8_t> out(want->size() + 16, 0xA5);
        const QString what = QString("%1 op %2 %3").arg(name).arg(o).arg(QString::fromStdString(opKindName(op.kind)));
        const std::string error = callC(c, in, out.data());
        QVERIFY2(error.empty(), qPrintable(what + ": " + QString::fromStdString(error)));
        for (size_t i = want->size(); i < out.size(); ++i)
            QVERIFY2(out[i] == 0xA5, qPrintable(what + ": wrote past the output"));
        out.resize(want->size());
        QVERIFY2(out == *want, qPrintable(what + ": differs from TFLM"));
        QVERIFY2(emitOp(c).ok(), qPrintable(what + ": emitter refused"));
        ++checked;
    }
    qInfo("%s: %d ops checked against TFLM's tensors", qPrintable(name), checked);
}

void TestCKernelsDense::fullyConnectedInt8()
{
    struct Shape {
        std::vector<int32_t> in, w, out;
    };
    const std::vector<Shape> shapes = {{{1, 10}, {7, 10}, {1, 7}},   {{3, 33}, {9, 33}, {3, 9}},
                                       {{2, 1}, {5, 1}, {2, 5}},     {{4, 64}, {16, 64}, {4, 16}},
                                       {{1, 2, 3, 4}, {4, 12}, {2, 4}}, {{5, 17}, {6, 17}, {5, 6}}};
    int n = 0;
    for (const Shape& s : shapes)
        for (int perChannel = 0; perChannel < 2; ++perChannel)
            for (int wzp = 0; wzp < 2; ++wzp)
                for (Activation a : acts) {
                    if (perChannel && wzp)
                        continue;
                    for (int withBias = 0; withBias < 2; ++withBias) {
                        synth::Builder b(uint32_t(1000 + n));
                        const int x = b.act("x", s.in, DType::Int8, 0.03f, -7 + n % 5);
                        std::vector<float> scales(perChannel ? size_t(s.w[0]) : 1);
                        for (size_t i = 0; i < scales.size(); ++i)
                            scales[i] = 0.002f + 0.0007f * float(i);
                        const int w = b.int8Weights("w", s.w, scales);
                        if (wzp)
                            b.t(w).quant.zeroPoint = {5};
                        std::vector<int> inputs{x, w};
                        if (withBias)
                            inputs.push_back(b.bias("bias", s.w[0]));
                        const int y = b.act("y", s.out, DType::Int8, 0.05f, 3);
                        FullyConnectedOptions o;
                        o.activation = a;
                        b.op(OpKind::FullyConnected, inputs, {y}, o);
                        Run run(b.finish({x}, {y}), uint32_t(n + 1));
                        expectSame(run, label("fc int8 shape/perChannel/wzp/act/bias", {s.in.back(), perChannel, wzp, int(a), withBias}).c_str());
                        ++n;
                    }
                }
}

void TestCKernelsDense::fullyConnectedInt16()
{
    int n = 0;
    for (DType biasType : {DType::Int64, DType::Int32, DType::Float32 /* none */})
        for (Activation a : {Activation::None, Activation::Relu}) {
            synth::Builder b(uint32_t(77 + n));
            const int x = b.act("x", {3, 21}, DType::Int16, 0.001f, 0);
            const int w = b.int8Weights("w", {11, 21}, {0.004f});
            std::vector<int> inputs{x, w};
            if (biasType == DType::Int64) {
                std::vector<int64_t> v(11);
                for (size_t i = 0; i < v.size(); ++i)
                    v[i] = (int64_t(i) - 5) * 123457 + (i == 3 ? (int64_t(1) << 35) : 0);
                std::vector<uint8_t> bytes(v.size() * 8);
                std::memcpy(bytes.data(), v.data(), bytes.size());
                inputs.push_back(b.constant("bias", {11}, DType::Int64, bytes));
            } else if (biasType == DType::Int32) {
                inputs.push_back(b.bias("bias", 11));
            }
            const int y = b.act("y", {3, 11}, DType::Int16, 0.002f, 0);
            FullyConnectedOptions o;
            o.activation = a;
            b.op(OpKind::FullyConnected, inputs, {y}, o);
            Run run(b.finish({x}, {y}), uint32_t(n + 5));
            expectSame(run, label("fc int16 bias/act", {int(biasType), int(a)}).c_str());
            ++n;
        }
}

void TestCKernelsDense::fullyConnectedFloat()
{
    int n = 0;
    for (int batches : {1, 2, 5})
        for (int k : {1, 9, 31})
            for (int units : {1, 4, 7})
                for (Activation a : {Activation::None, Activation::Relu, Activation::Relu6}) {
                    synth::Builder b(uint32_t(300 + n));
                    const int x = b.act("x", {batches, k}, DType::Float32);
                    const int w = b.floatWeights("w", {units, k});
                    std::vector<int> inputs{x, w};
                    if (n % 2)
                        inputs.push_back(b.bias("bias", units, DType::Float32));
                    const int y = b.act("y", {batches, units}, DType::Float32);
                    FullyConnectedOptions o;
                    o.activation = a;
                    b.op(OpKind::FullyConnected, inputs, {y}, o);
                    Run run(b.finish({x}, {y}), uint32_t(n + 9));
                    expectSame(run, label("fc float batches/k/units/act", {batches, k, units, int(a)}).c_str());
                    ++n;
                }
}

namespace {
struct Pattern {
    std::vector<int32_t> a, b, out;
};
const std::vector<Pattern>& patterns()
{
    static const std::vector<Pattern> p = {
        {{1, 4, 5, 3}, {1, 4, 5, 3}, {1, 4, 5, 3}}, // same shape
        {{1, 4, 5, 3}, {3}, {1, 4, 5, 3}},          // per-channel
        {{3}, {1, 4, 5, 3}, {1, 4, 5, 3}},
        {{1, 4, 5, 3}, {1, 4, 1, 3}, {1, 4, 5, 3}}, // along W
        {{2, 1, 3}, {4, 1}, {2, 4, 3}},             // both broadcast
        {{1, 1, 1, 1}, {2, 3, 1, 5}, {2, 3, 1, 5}}, // scalar-like
        {{}, {7}, {7}},                             // rank-0 scalar
        {{6, 1, 2, 1, 3, 2}, {1, 5, 2, 4, 1, 2}, {6, 5, 2, 4, 3, 2}}, // 6-D, alternating
        {{1, 1, 9}, {1, 1, 9}, {1, 1, 9}},
    };
    return p;
}

Model binaryModel(OpKind kind, DType t, const Pattern& p, Activation act, uint32_t seed, int zpA, int zpB, int zpOut)
{
    synth::Builder b(seed);
    const float sa = t == DType::Int16 ? 0.0011f : 0.043f, sb = t == DType::Int16 ? 0.0007f : 0.021f;
    const float so = kind == OpKind::Mul ? (t == DType::Int16 ? 0.0004f : 0.02f) : (t == DType::Int16 ? 0.0013f : 0.06f);
    const int a = b.act("a", p.a, t, sa, zpA);
    const int c = b.act("b", p.b, t, sb, zpB);
    const int y = b.act("y", p.out, t, so, zpOut);
    ElementwiseOptions o;
    o.activation = act;
    b.op(kind, {a, c}, {y}, o);
    return b.finish({a, c}, {y});
}
} // namespace

void TestCKernelsDense::elementwise()
{
    int n = 0;
    for (OpKind kind : {OpKind::Add, OpKind::Sub, OpKind::Mul})
        for (DType t : {DType::Int8, DType::Int16, DType::Int32, DType::Float32})
            for (size_t pi = 0; pi < patterns().size(); ++pi)
                for (Activation act : acts) {
                    const bool zeroZp = t == DType::Int16 && kind == OpKind::Mul;
                    const int za = zeroZp ? 0 : (t == DType::Int16 ? 311 : -9);
                    const int zb = zeroZp ? 0 : (t == DType::Int16 ? -77 : 14);
                    const int zo = zeroZp ? 0 : (t == DType::Int16 ? 5 : -3);
                    Run run(binaryModel(kind, t, patterns()[pi], act, uint32_t(500 + n), za, zb, zo), uint32_t(n + 3));
                    expectSame(run, label("elementwise kind/dtype/pattern/act", {int(kind), int(t), int64_t(pi), int(act)}).c_str());
                    ++n;
                }
}

// Output buffer == input buffer (either input; the other one possibly broadcast).
void TestCKernelsDense::elementwiseInPlace()
{
    int n = 0;
    for (OpKind kind : {OpKind::Add, OpKind::Sub, OpKind::Mul})
        for (DType t : {DType::Int8, DType::Int16, DType::Float32, DType::Int32})
            for (int operand = 0; operand < 2; ++operand)
                for (const Pattern& base : {Pattern{{1, 4, 5, 3}, {1, 4, 5, 3}, {1, 4, 5, 3}},
                                            Pattern{{1, 4, 5, 3}, {3}, {1, 4, 5, 3}}}) {
                    Pattern p = base;
                    if (operand == 1)
                        std::swap(p.a, p.b);
                    const bool zeroZp = t == DType::Int16 && kind == OpKind::Mul;
                    Run run(binaryModel(kind, t, p, Activation::Relu, uint32_t(900 + n), zeroZp ? 0 : 4, zeroZp ? 0 : -6,
                                        zeroZp ? 0 : 2),
                            uint32_t(n + 11));
                    std::string error;
                    const std::vector<uint8_t> want = run.reference(&error);
                    QVERIFY2(error.empty(), error.c_str());
                    ConstPool pool;
                    EmitContext c = run.context(pool);
                    if (p.a == p.out || operand == 0) {
                    }
                    const int k = p.a == p.out && operand == 0 ? 0 : 1;
                    c.inplace = InplaceKind::Elementwise;
                    c.inplaceOperand = k;
                    c.outputs[0].ptr = c.inputs[size_t(k)].ptr;
                    c.outputs[0].offset = c.inputs[size_t(k)].offset;
                    std::vector<uint8_t> shared = run.bytes[size_t(run.op().inputs[size_t(k)])];
                    std::vector<const void*> in{run.bytes[size_t(run.op().inputs[0])].data(),
                                                run.bytes[size_t(run.op().inputs[1])].data()};
                    in[size_t(k)] = shared.data();
                    const std::string e = callC(c, in, shared.data());
                    QVERIFY2(e.empty(), e.c_str());
                    QVERIFY2(shared == want, label("in place kind/dtype/operand", {int(kind), int(t), k}).c_str());
                    QVERIFY(emitOp(c).ok());
                    ++n;
                }
}

namespace {
// Copies a compact [1,h,w,c] tensor into a window at (y0, x0) of a stored [1,H,W,c] map.
void toWindow(const std::vector<uint8_t>& compact, std::vector<uint8_t>& map, int h, int w, int W, int c, int es, int y0, int x0)
{
    for (int r = 0; r < h; ++r)
        std::memcpy(map.data() + ((size_t(y0 + r) * W + size_t(x0)) * c) * es, compact.data() + size_t(r) * w * c * es,
                    size_t(w) * c * es);
}
} // namespace

// Residual ADDs of patch stage 1: operands are windows of larger stored maps (rowPitch).
void TestCKernelsDense::elementwiseStrided()
{
    int n = 0;
    for (OpKind kind : {OpKind::Add, OpKind::Sub, OpKind::Mul})
        for (DType t : {DType::Int8, DType::Int16, DType::Float32})
            for (int layout = 0; layout < 5; ++layout) {
                // 0: all strided, 1: inputs only, 2: in place, 3/4: b is [1,1,1,c] / [c] (SE-style
                // broadcast over the window; 4 in place)
                const int h = 3, w = 4, ch = 5, H = 7, W = 9;
                const bool zeroZp = t == DType::Int16 && kind == OpKind::Mul;
                const bool bcast = layout >= 3;
                Pattern p{{1, h, w, ch}, {1, h, w, ch}, {1, h, w, ch}};
                if (bcast)
                    p.b = layout == 3 ? std::vector<int32_t>{1, 1, 1, ch} : std::vector<int32_t>{ch};
                Run run(binaryModel(kind, t, p, Activation::None, uint32_t(1300 + n), zeroZp ? 0 : 7, zeroZp ? 0 : -2,
                                    zeroZp ? 0 : 1),
                        uint32_t(n + 17));
                std::string error;
                const std::vector<uint8_t> want = run.reference(&error);
                QVERIFY2(error.empty(), error.c_str());
                const int es = dtypeSize(t);
                const int64_t pitch = int64_t(W) * ch * es;
                const size_t mapBytes = size_t(H) * W * ch * es;
                Rng r(uint32_t(99 + n));
                std::vector<uint8_t> mapA(mapBytes), mapB(mapBytes), mapY(mapBytes);
                for (auto* m : {&mapA, &mapB, &mapY})
                    for (auto& v : *m)
                        v = uint8_t(r.next());
                toWindow(run.bytes[size_t(run.op().inputs[0])], mapA, h, w, W, ch, es, 2, 3);
                const size_t offA = (size_t(2) * W + 3) * ch * es;
                size_t offB = (size_t(1) * W + 4) * ch * es;
                if (bcast) {
                    offB = 0;
                    std::memcpy(mapB.data(), run.bytes[size_t(run.op().inputs[1])].data(), size_t(ch) * es);
                } else {
                    toWindow(run.bytes[size_t(run.op().inputs[1])], mapB, h, w, W, ch, es, 1, 4);
                }
                ConstPool pool;
                EmitContext c = run.context(pool);
                c.inputs[0].rowPitch = pitch;
                if (!bcast)
                    c.inputs[1].rowPitch = pitch;
                void* outPtr = nullptr;
                std::vector<uint8_t> before;
                size_t outOff = 0;
                std::vector<uint8_t>* outMap = &mapY;
                std::vector<uint8_t> compactOut;
                if (layout == 0) {
                    c.outputs[0].rowPitch = pitch;
                    outOff = (size_t(4) * W + 0) * ch * es;
                    outPtr = mapY.data() + outOff;
                } else if (layout == 1) {
                    compactOut.assign(want.size(), 0x5A);
                    outPtr = compactOut.data();
                    outMap = &compactOut;
                } else if (layout == 3) {
                    c.outputs[0].rowPitch = pitch;
                    outOff = (size_t(3) * W + 5) * ch * es;
                    outPtr = mapY.data() + outOff;
                } else {
                    c.outputs[0].rowPitch = pitch;
                    c.inplace = InplaceKind::Elementwise;
                    c.inplaceOperand = 0;
                    outMap = &mapA;
                    outOff = offA;
                    outPtr = mapA.data() + offA;
                }
                before = *outMap;
                const std::vector<uint8_t> beforeA = mapA, beforeB = mapB;
                const std::string e = callC(c, {mapA.data() + offA, mapB.data() + offB}, outPtr);
                QVERIFY2(e.empty(), e.c_str());
                // Window bytes as the reference; every other byte of the maps untouched.
                std::vector<uint8_t> got(want.size());
                if (layout == 1) {
                    got = compactOut;
                } else {
                    for (int row = 0; row < h; ++row)
                        std::memcpy(got.data() + size_t(row) * w * ch * es, outMap->data() + outOff + size_t(row) * pitch,
                                    size_t(w) * ch * es);
                }
                const std::string what = label("strided kind/dtype/layout", {int(kind), int(t), layout});
                QVERIFY2(got == want, what.c_str());
                std::vector<uint8_t> expectMap = layout == 1 ? got : before;
                if (layout != 1)
                    for (int row = 0; row < h; ++row)
                        std::memcpy(expectMap.data() + outOff + size_t(row) * pitch, got.data() + size_t(row) * w * ch * es,
                                    size_t(w) * ch * es);
                QVERIFY2(*outMap == expectMap, (what + ": bytes outside the window changed").c_str());
                if (layout != 2 && layout != 4)
                    QVERIFY2(mapA == beforeA, (what + ": input map changed").c_str());
                QVERIFY2(mapB == beforeB, (what + ": input map changed").c_str());
                QVERIFY2(emitOp(c).ok(), what.c_str());
                ++n;
            }
}

void TestCKernelsDense::reduce()
{
    struct Case {
        std::vector<int32_t> in;
        std::vector<int32_t> axes;
        bool keep;
    };
    const std::vector<Case> cases = {
        {{1, 7, 5, 6}, {1, 2}, true},   {{1, 7, 5, 6}, {1, 2}, false}, {{2, 3, 4, 5}, {1}, true},
        {{2, 3, 4, 5}, {3}, false},     {{2, 3, 4, 5}, {0, 3}, true},  {{2, 3, 4, 5}, {-1}, false},
        {{3, 4, 5}, {0, 2}, false},     {{1, 1, 1, 9}, {1, 2}, true},  {{2, 3, 4, 5}, {0, 1, 2, 3}, false},
        {{1, 16, 16, 3}, {2, 1}, true}, {{4, 6}, {1}, false},          {{2, 3, 4, 5}, {1, 3}, true},
    };
    int n = 0;
    for (OpKind kind : {OpKind::Mean, OpKind::Sum})
        for (DType t : {DType::Int8, DType::Int16, DType::Float32})
            for (const Case& cs : cases) {
                synth::Builder b(uint32_t(2000 + n));
                std::vector<int32_t> out;
                for (int d = 0; d < int(cs.in.size()); ++d) {
                    bool red = false;
                    for (int a : cs.axes)
                        red = red || (a < 0 ? a + int(cs.in.size()) : a) == d;
                    if (!red)
                        out.push_back(cs.in[size_t(d)]);
                    else if (cs.keep)
                        out.push_back(1);
                }
                const float inScale = t == DType::Int16 ? 0.001f : 0.04f;
                const float outScale = kind == OpKind::Sum ? inScale * 9.0f : inScale * 0.8f;
                const int x = b.act("x", cs.in, t, inScale, t == DType::Int16 ? 0 : -5);
                const int axis = b.int32Values("axis", {int32_t(cs.axes.size())}, cs.axes);
                const int y = b.act("y", out, t, outScale, t == DType::Int16 ? 0 : 4);
                b.op(kind, {x, axis}, {y}, ReducerOptions{cs.keep});
                Run run(b.finish({x}, {y}), uint32_t(n + 23));
                expectSame(run, label("reduce kind/dtype/case", {int(kind), int(t), n % int(cases.size())}).c_str());
                ++n;
            }
    // The input a strided window of a larger stored map.
    for (DType t : {DType::Int8, DType::Float32})
        for (const std::vector<int32_t>& axes : {std::vector<int32_t>{1, 2}, std::vector<int32_t>{3}, std::vector<int32_t>{2}}) {
            const int h = 3, w = 4, ch = 5, W = 7, H = 6;
            synth::Builder b(uint32_t(2500 + n));
            const int x = b.act("x", {1, h, w, ch}, t, 0.03f, 6);
            const int axis = b.int32Values("axis", {int32_t(axes.size())}, axes);
            std::vector<int32_t> out{1, h, w, ch};
            for (int a : axes)
                out[size_t(a)] = 1;
            const int y = b.act("y", out, t, 0.02f, -3);
            b.op(OpKind::Mean, {x, axis}, {y}, ReducerOptions{true});
            Run run(b.finish({x}, {y}), uint32_t(++n));
            std::string error;
            const std::vector<uint8_t> want = run.reference(&error);
            QVERIFY2(error.empty(), error.c_str());
            const int es = dtypeSize(t);
            std::vector<uint8_t> map(size_t(H) * W * ch * es, 0x33);
            toWindow(run.bytes[size_t(x)], map, h, w, W, ch, es, 2, 1);
            ConstPool pool;
            EmitContext c = run.context(pool);
            c.inputs[0].rowPitch = int64_t(W) * ch * es;
            std::vector<uint8_t> got(want.size());
            const std::string e = callC(c, {map.data() + (size_t(2) * W + 1) * ch * es, nullptr}, got.data());
            QVERIFY2(e.empty(), e.c_str());
            QVERIFY2(got == want, label("strided mean dtype/axes", {int(t), int64_t(axes.size()), axes[0]}).c_str());
        }
    // int16 with a nonzero input zero point and a wide reduction (the in_zp·count term).
    synth::Builder b(4242);
    const int x = b.act("x", {1, 40, 30, 2}, DType::Int16, 0.002f, 123);
    const int axis = b.int32Values("axis", {2}, {1, 2});
    const int y = b.act("y", {1, 1, 1, 2}, DType::Int16, 0.001f, -7);
    b.op(OpKind::Mean, {x, axis}, {y}, ReducerOptions{true});
    Run run(b.finish({x}, {y}), 5);
    expectSame(run, "mean int16 zero points");
}

void TestCKernelsDense::softmax()
{
    int n = 0;
    for (int depth : {1, 2, 5, 10, 37, 100, 300})
        for (float beta : {1.0f, 0.5f, 2.3f})
            for (int variant = 0; variant < 6; ++variant) {
                // 0 int8→int8 softmax, 1 int8→int16 softmax, 2 float softmax, 3 int8 log, 4 float log
                if (variant == 5)
                    continue;
                if ((variant == 3 || variant == 4) && beta != 1.0f)
                    continue;
                const bool isLog = variant >= 3;
                const DType tin = variant == 2 || variant == 4 ? DType::Float32 : DType::Int8;
                const DType tout = variant == 1 ? DType::Int16 : tin;
                synth::Builder b(uint32_t(3000 + n));
                const std::vector<int32_t> shape = n % 2 ? std::vector<int32_t>{3, depth} : std::vector<int32_t>{1, 2, 2, depth};
                const int x = b.act("x", shape, tin, 0.02f + 0.01f * float(n % 7), 11 - n % 23);
                int y;
                if (tout == DType::Float32)
                    y = b.act("y", shape, tout);
                else if (isLog)
                    y = b.act("y", shape, tout, 16.0f / 256, 127);
                else if (tout == DType::Int16)
                    y = b.act("y", shape, tout, 1.0f / 65536, -32768);
                else
                    y = b.act("y", shape, tout, 1.0f / 256, -128);
                if (isLog)
                    b.op(OpKind::LogSoftmax, {x}, {y});
                else
                    b.op(OpKind::Softmax, {x}, {y}, SoftmaxOptions{beta});
                Run run(b.finish({x}, {y}), uint32_t(n + 31));
                expectSame(run, label("softmax variant/depth/beta*10", {variant, depth, int(beta * 10)}).c_str());
                ++n;
            }
    // Input scales where the scaled differences saturate / rows with equal values.
    for (float scale : {0.001f, 0.2f, 1.5f}) {
        synth::Builder b(uint32_t(3900 + n));
        const int x = b.act("x", {4, 50}, DType::Int8, scale, 0);
        const int y = b.act("y", {4, 50}, DType::Int8, 1.0f / 256, -128);
        b.op(OpKind::Softmax, {x}, {y}, SoftmaxOptions{1.0f});
        Run run(b.finish({x}, {y}), uint32_t(++n));
        std::fill(run.bytes[size_t(x)].begin(), run.bytes[size_t(x)].begin() + 50, uint8_t(17));
        expectSame(run, "softmax int8 scales");
        synth::Builder b2(uint32_t(3950 + n));
        const int x2 = b2.act("x", {4, 50}, DType::Int8, scale, 0);
        const int y2 = b2.act("y", {4, 50}, DType::Int8, 16.0f / 256, 127);
        b2.op(OpKind::LogSoftmax, {x2}, {y2});
        Run run2(b2.finish({x2}, {y2}), uint32_t(++n));
        expectSame(run2, "log_softmax int8 scales");
    }
}

void TestCKernelsDense::pointwiseActivations()
{
    int n = 0;
    for (OpKind kind : {OpKind::Relu, OpKind::Relu6, OpKind::LeakyRelu, OpKind::Logistic, OpKind::Tanh})
        for (DType t : {DType::Int8, DType::Int16, DType::Float32})
            for (int q = 0; q < 4; ++q) {
                if ((kind == OpKind::Logistic || kind == OpKind::Tanh) && t == DType::Int16)
                    continue;
                synth::Builder b(uint32_t(4000 + n));
                const std::vector<int32_t> shape{1, 3 + q, 5, 7};
                const float inScale = t == DType::Int16 ? 0.0005f * float(q + 1) : 0.02f * float(q + 1);
                const int inZp = t == DType::Int16 ? 0 : -20 + 13 * q;
                const int x = b.act("x", shape, t, inScale, inZp);
                float outScale = t == DType::Int16 ? 0.0007f : 0.03f * float(q + 1) * 0.7f;
                int outZp = t == DType::Int16 ? 0 : 9 - 7 * q;
                if (kind == OpKind::Logistic) {
                    outScale = 1.0f / 256;
                    outZp = -128;
                } else if (kind == OpKind::Tanh) {
                    outScale = 1.0f / 128;
                    outZp = 0;
                }
                const int y = b.act("y", shape, t, outScale, outZp);
                if (kind == OpKind::LeakyRelu)
                    b.op(kind, {x}, {y}, LeakyReluOptions{q % 2 ? 0.1f : 0.3f});
                else
                    b.op(kind, {x}, {y});
                Run run(b.finish({x}, {y}), uint32_t(n + 41));
                expectSame(run, label("activation kind/dtype/q", {int(kind), int(t), q}).c_str());
                ++n;
            }
    // Every int8 value through the table kernels (and the RELU6 clamp).
    for (OpKind kind : {OpKind::Logistic, OpKind::Tanh, OpKind::Relu, OpKind::LeakyRelu, OpKind::Relu6})
        for (float scale : {0.01f, 0.06f, 0.3f}) {
            synth::Builder b(uint32_t(4500 + n));
            const int x = b.act("x", {256}, DType::Int8, scale, 3);
            const bool sig = kind == OpKind::Logistic, tanh = kind == OpKind::Tanh;
            const int y = b.act("y", {256}, DType::Int8, sig ? 1.0f / 256 : tanh ? 1.0f / 128 : scale * 0.77f,
                                sig ? -128 : tanh ? 0 : -17);
            if (kind == OpKind::LeakyRelu)
                b.op(kind, {x}, {y}, LeakyReluOptions{0.25f});
            else
                b.op(kind, {x}, {y});
            Run run(b.finish({x}, {y}), uint32_t(++n));
            for (int i = 0; i < 256; ++i)
                run.bytes[size_t(x)][size_t(i)] = uint8_t(i);
            expectSame(run, label("all int8 values kind", {int(kind)}).c_str());
        }
}

void TestCKernelsDense::activationsStrided()
{
    int n = 0;
    for (OpKind kind : {OpKind::Relu, OpKind::Relu6, OpKind::LeakyRelu, OpKind::Logistic, OpKind::Tanh})
        for (DType t : {DType::Int8, DType::Float32}) {
            const int h = 3, w = 2, ch = 4, H = 6, W = 5;
            synth::Builder b(uint32_t(5000 + n));
            const int x = b.act("x", {1, h, w, ch}, t, 0.05f, -4);
            const bool sig = kind == OpKind::Logistic, tanh = kind == OpKind::Tanh;
            const int y = b.act("y", {1, h, w, ch}, t, sig ? 1.0f / 256 : tanh ? 1.0f / 128 : 0.04f, sig ? -128 : tanh ? 0 : 6);
            if (kind == OpKind::LeakyRelu)
                b.op(kind, {x}, {y}, LeakyReluOptions{0.2f});
            else
                b.op(kind, {x}, {y});
            Run run(b.finish({x}, {y}), uint32_t(n + 61));
            std::string error;
            const std::vector<uint8_t> want = run.reference(&error);
            QVERIFY2(error.empty(), error.c_str());
            const int es = dtypeSize(t);
            const int64_t pitch = int64_t(W) * ch * es;
            std::vector<uint8_t> mapX(size_t(H) * W * ch * es), mapY(mapX.size());
            Rng r(uint32_t(n + 1));
            for (auto& v : mapX)
                v = uint8_t(r.next());
            for (auto& v : mapY)
                v = uint8_t(r.next());
            toWindow(run.bytes[size_t(x)], mapX, h, w, W, ch, es, 1, 2);
            const std::vector<uint8_t> beforeY = mapY, beforeX = mapX;
            ConstPool pool;
            EmitContext c = run.context(pool);
            c.inputs[0].rowPitch = pitch;
            c.outputs[0].rowPitch = pitch;
            const size_t offX = (size_t(1) * W + 2) * ch * es, offY = (size_t(2) * W + 3) * ch * es;
            const std::string e = callC(c, {mapX.data() + offX}, mapY.data() + offY);
            QVERIFY2(e.empty(), e.c_str());
            std::vector<uint8_t> expect = beforeY;
            for (int row = 0; row < h; ++row)
                std::memcpy(expect.data() + offY + size_t(row) * pitch, want.data() + size_t(row) * w * ch * es,
                            size_t(w) * ch * es);
            QVERIFY2(mapY == expect, label("strided activation kind/dtype", {int(kind), int(t)}).c_str());
            QVERIFY(mapX == beforeX);
            QVERIFY(emitOp(c).ok());
            ++n;
        }
}

void TestCKernelsDense::refusals()
{
    auto refused = [](const EmitContext& c, const char* what) {
        const Result<Emitted> r = emitOp(c);
        QVERIFY2(!r.ok() && !r.diagnostics.empty(), what);
        QVERIFY2(r.diagnostics[0].message.find(c.opLabel) == 0, r.diagnostics[0].message.c_str());
    };
    {   // FULLY_CONNECTED with non-constant weights.
        synth::Builder b(1);
        const int x = b.act("x", {1, 4});
        const int w = b.act("w", {3, 4});
        const int y = b.act("y", {1, 3});
        b.op(OpKind::FullyConnected, {x, w}, {y}, FullyConnectedOptions{});
        Run run(b.finish({x, w}, {y}));
        ConstPool pool;
        refused(run.context(pool), "fc with variable weights");
    }
    {   // Broadcast along W over a strided window.
        Run run(binaryModel(OpKind::Add, DType::Int8, {{1, 2, 3, 4}, {1, 2, 1, 4}, {1, 2, 3, 4}}, Activation::None, 3, 1, 2, 3));
        ConstPool pool;
        EmitContext c = run.context(pool);
        c.inputs[0].rowPitch = 3 * 4 * 2;
        refused(c, "strided broadcast along W");
    }
    {   // In place over the broadcast input.
        Run run(binaryModel(OpKind::Add, DType::Int8, {{1, 2, 3, 4}, {4}, {1, 2, 3, 4}}, Activation::None, 3, 1, 2, 3));
        ConstPool pool;
        EmitContext c = run.context(pool);
        c.inplace = InplaceKind::Elementwise;
        c.inplaceOperand = 1;
        refused(c, "in place over a smaller input");
    }
    {   // int8 LOG_SOFTMAX with an output quantization the reference refuses.
        synth::Builder b(2);
        const int x = b.act("x", {1, 10});
        const int y = b.act("y", {1, 10}, DType::Int8, 1.0f / 256, -128);
        b.op(OpKind::LogSoftmax, {x}, {y});
        Run run(b.finish({x}, {y}));
        ConstPool pool;
        refused(run.context(pool), "log_softmax output quantization");
        std::string error;
        run.reference(&error);
        QVERIFY(!error.empty()); // the reference refuses it too
    }
    {   // MEAN with a non-constant axis.
        synth::Builder b(3);
        const int x = b.act("x", {1, 4, 4, 2});
        const int axis = b.act("axis", {2}, DType::Int32);
        const int y = b.act("y", {1, 1, 1, 2});
        b.op(OpKind::Mean, {x, axis}, {y}, ReducerOptions{true});
        Run run(b.finish({x, axis}, {y}));
        ConstPool pool;
        refused(run.context(pool), "mean with a variable axis");
    }
    {   // int16 MUL with nonzero zero points (the reference refuses).
        Run run(binaryModel(OpKind::Mul, DType::Int16, {{4}, {4}, {4}}, Activation::None, 3, 1, 0, 0));
        ConstPool pool;
        refused(run.context(pool), "int16 mul zero points");
    }
}

// The emitted statements with their constant arrays compile as C99 (-Wall -Wextra -Werror -pedantic)
// against the kernel headers.
void TestCKernelsDense::emittedCodeCompiles()
{
    const QString cc = QStandardPaths::findExecutable("cc");
    if (cc.isEmpty())
        QSKIP("no host C compiler (cc) on PATH");
    std::vector<Run> runs;
    runs.emplace_back(binaryModel(OpKind::Add, DType::Int8, patterns()[1], Activation::Relu, 1, 3, 4, 5));
    runs.emplace_back(binaryModel(OpKind::Mul, DType::Float32, patterns()[4], Activation::None, 2, 0, 0, 0));
    runs.emplace_back(binaryModel(OpKind::Sub, DType::Int32, patterns()[0], Activation::Relu6, 2, 0, 0, 0));
    {
        synth::Builder b(7);
        const int x = b.act("x", {2, 10});
        const int w = b.int8Weights("w", {3, 10}, {0.01f, 0.02f, 0.03f});
        const int bias = b.bias("bias", 3);
        const int y = b.act("y", {2, 3});
        b.op(OpKind::FullyConnected, {x, w, bias}, {y}, FullyConnectedOptions{});
        runs.emplace_back(b.finish({x}, {y}));
    }
    {
        synth::Builder b(8);
        const int x = b.act("x", {1, 10}, DType::Float32);
        const int w = b.floatWeights("w", {3, 10});
        const int y = b.act("y", {1, 3}, DType::Float32);
        FullyConnectedOptions o;
        o.activation = Activation::Relu;
        b.op(OpKind::FullyConnected, {x, w}, {y}, o);
        runs.emplace_back(b.finish({x}, {y}));
    }
    {
        synth::Builder b(9);
        const int x = b.act("x", {1, 5, 5, 8});
        const int axis = b.int32Values("axis", {2}, {1, 2});
        const int y = b.act("y", {1, 1, 1, 8});
        b.op(OpKind::Mean, {x, axis}, {y}, ReducerOptions{true});
        runs.emplace_back(b.finish({x}, {y}));
    }
    for (OpKind k : {OpKind::Softmax, OpKind::LogSoftmax, OpKind::Logistic, OpKind::Tanh, OpKind::Relu, OpKind::LeakyRelu}) {
        synth::Builder b(10);
        const int x = b.act("x", {1, 10});
        const bool log = k == OpKind::LogSoftmax;
        const int y = b.act("y", {1, 10}, DType::Int8, log ? 16.0f / 256 : k == OpKind::Tanh ? 1.0f / 128 : 1.0f / 256,
                            log ? 127 : k == OpKind::Tanh ? 0 : -128);
        b.op(k, {x}, {y}, k == OpKind::LeakyRelu ? OpOptions(LeakyReluOptions{0.1f}) : OpOptions(SoftmaxOptions{}));
        runs.emplace_back(b.finish({x}, {y}));
    }
    {
        synth::Builder b(11);
        const int x = b.act("x", {2, 7}, DType::Float32);
        const int y = b.act("y", {2, 7}, DType::Float32);
        b.op(OpKind::LogSoftmax, {x}, {y});
        runs.emplace_back(b.finish({x}, {y}));
    }
    ConstPool pool;
    std::string body;
    std::set<std::string> kernels;
    for (Run& r : runs) {
        EmitContext c = r.context(pool);
        c.opIndex = int(&r - runs.data()); // distinct ConstPool keys per op
        const Result<Emitted> e = emitOp(c);
        QVERIFY2(e.ok(), e.diagnostics.empty() ? "?" : e.diagnostics[0].message.c_str());
        for (const std::string& l : e->lines)
            body += "    " + l + "\n";
        kernels.insert(e->kernels.begin(), e->kernels.end());
    }
    std::string src = "#include <stddef.h>\n#include <stdint.h>\n#include <math.h>\n";
    for (const std::string& k : kernels)
        src += "#include \"" + k + ".h\"\n";
    for (const ConstPool::Array& a : pool.arrays()) {
        src += "static const " + a.ctype + " " + a.name + "[] = {";
        for (size_t i = 0; i < a.values.size(); ++i)
            src += (i ? ", " : "") + a.values[i];
        src += "};\n";
    }
    src += "void run(uint8_t *const ts_a);\nvoid run(uint8_t *const ts_a)\n{\n" + body + "}\n";
    QTemporaryDir dir;
    QFile f(dir.filePath("model.c"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(src.data(), qint64(src.size()));
    f.close();
    QProcess build;
    build.start(cc, {"-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", TINYSTUDIO_SOURCE_DIR "/core/kernels/c",
                     "-c", f.fileName(), "-o", dir.filePath("model.o")});
    QVERIFY(build.waitForFinished(60000));
    QVERIFY2(build.exitCode() == 0, (build.readAllStandardError() + "\n" + QByteArray::fromStdString(src)).constData());
}

QTEST_GUILESS_MAIN(TestCKernelsDense)
#include "tst_ckernels_dense.moc"
