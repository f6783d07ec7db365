// Every reference kernel on small hand-computed cases. Each expectation is written out in the test
// (inputs, scale and zero point, TFLite's rounding rule, the expected values) or computed from the
// op's defining float formula; none comes from the interpreter itself. The TFLM goldens
// (tst_reference) check the same kernels on real models; these cases reach the paths those models do
// not (fused activations, padding at borders, ties in rounding, broadcasting, float kernels).
//
// The rounding rules used below, as TFLite/TFLM compute them (default build, "double rounding"):
//   SRDHM(a, b)   = (a·b + nudge) / 2^31, truncated towards zero, nudge = 2^30 if a·b >= 0 else
//                   1 − 2^30: the nearest integer to a·b/2^31, ties towards +infinity
//                   (SRDHM(5, 2^30) = 3, SRDHM(−5, 2^30) = −2).
//   RDBPOT(x, e)  = x / 2^e rounded to nearest, ties away from zero (RDBPOT(5, 1) = 3, RDBPOT(−5, 1) = −3).
//   MBQM(x, m, s) = RDBPOT(SRDHM(x · 2^max(s,0), m), max(−s, 0)), with real = m · 2^(s − 31):
//                   0.25 → (2^30, −1), 0.5 → (2^30, 0), 1.0 → (2^30, 1), 2.0 → (2^30, 2).

#include "reference/interpreter.h"
#include "testsupport.h"

#include <cmath>
#include <cstring>

using namespace ts;

Q_DECLARE_METATYPE(std::vector<int>)

namespace {

template <typename T>
std::vector<uint8_t> bytesOf(const std::vector<T>& v)
{
    std::vector<uint8_t> b(v.size() * sizeof(T));
    if (!v.empty())
        std::memcpy(b.data(), v.data(), b.size());
    return b;
}

template <typename T>
std::vector<T> valuesOf(const std::vector<uint8_t>& b)
{
    std::vector<T> v(b.size() / sizeof(T));
    if (!v.empty())
        std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
    return v;
}

template <typename T>
QString listText(const std::vector<T>& v)
{
    QStringList s;
    for (const T& x : v)
        s << (std::is_floating_point<T>::value ? QString::number(double(x), 'g', 9) : QString::number(qint64(x)));
    return "{" + s.join(", ") + "}";
}

// One op over tensors built in memory. Graph inputs are the non-constant tensors added with input().
class OneOp {
public:
    int input(DType dtype, std::vector<int32_t> shape, float scale = 0, int zeroPoint = 0)
    {
        const int t = add(dtype, std::move(shape), scale, zeroPoint);
        m_g.inputs.push_back(t);
        return t;
    }
    int output(DType dtype, std::vector<int32_t> shape, float scale = 0, int zeroPoint = 0)
    {
        const int t = add(dtype, std::move(shape), scale, zeroPoint);
        m_g.outputs.push_back(t);
        return t;
    }
    template <typename T>
    int constant(DType dtype, std::vector<int32_t> shape, const std::vector<T>& values, Quantization q = {})
    {
        auto owned = std::make_shared<std::vector<uint8_t>>(bytesOf(values));
        const int t = add(dtype, std::move(shape), 0, 0);
        m_g.tensors[size_t(t)].quant = std::move(q);
        m_g.tensors[size_t(t)].data = ByteView{owned->data(), owned->size()};
        m_storage.push_back(std::move(owned));
        return t;
    }
    void op(OpKind kind, std::vector<int> inputs, std::vector<int> outputs, OpOptions options = {})
    {
        Op o;
        o.kind = kind;
        o.inputs = std::move(inputs);
        o.outputs = std::move(outputs);
        o.options = std::move(options);
        m_g.ops = {o};
    }
    // Runs the op on `inputs` (one byte string per graph input); "" or the error.
    std::string run(const std::vector<std::vector<uint8_t>>& inputs)
    {
        auto interp = ReferenceInterpreter::create(m_g);
        if (!interp.ok())
            return firstError(interp.diagnostics);
        if (auto d = interp->setInputs(inputs); !d.empty())
            return firstError(d);
        if (auto d = interp->run(); !d.empty())
            return firstError(d);
        m_out.clear();
        for (int t : m_g.outputs)
            m_out.push_back(interp->tensorBytes(t));
        return {};
    }
    template <typename T>
    std::vector<T> out(size_t i = 0) const
    {
        return valuesOf<T>(m_out.at(i));
    }
    Graph& graph() { return m_g; }

private:
    int add(DType dtype, std::vector<int32_t> shape, float scale, int zeroPoint)
    {
        Tensor t;
        t.name = "t" + std::to_string(m_g.tensors.size());
        t.dtype = dtype;
        t.shape = std::move(shape);
        if (scale > 0) {
            t.quant.scale = {scale};
            t.quant.zeroPoint = {zeroPoint};
        }
        m_g.tensors.push_back(std::move(t));
        return int(m_g.tensors.size() - 1);
    }

    Graph m_g;
    std::vector<std::shared_ptr<std::vector<uint8_t>>> m_storage;
    std::vector<std::vector<uint8_t>> m_out;
};

Quantization quant(std::vector<float> scale, std::vector<int64_t> zeroPoint = {}, int dim = 0)
{
    Quantization q;
    if (zeroPoint.empty())
        zeroPoint.assign(scale.size(), 0);
    q.scale = std::move(scale);
    q.zeroPoint = std::move(zeroPoint);
    q.quantizedDimension = dim;
    return q;
}

Pool2DOptions poolOptions(Padding padding, int filter, int stride, Activation act = Activation::None)
{
    Pool2DOptions p;
    p.padding = padding;
    p.filterH = p.filterW = filter;
    p.strideH = p.strideW = stride;
    p.activation = act;
    return p;
}

// Element-wise closeness; "" when every |got − want| <= tolerance.
template <typename T>
QString nearAll(const std::vector<T>& got, const std::vector<double>& want, double tolerance)
{
    if (got.size() != want.size())
        return QString("%1 values, expected %2").arg(got.size()).arg(want.size());
    for (size_t i = 0; i < got.size(); ++i)
        if (!(std::fabs(double(got[i]) - want[i]) <= tolerance))
            return QString("element %1: got %2, expected %3 ± %4; all: %5")
                .arg(i)
                .arg(double(got[i]))
                .arg(want[i])
                .arg(tolerance)
                .arg(listText(got));
    return {};
}

} // namespace

// Exact comparison with both lists in the failure message.
#define COMPARE_VALUES(got, want)                                                                                  \
    do {                                                                                                           \
        const auto g_ = (got);                                                                                     \
        const auto w_ = (want);                                                                                    \
        QVERIFY2(g_ == w_, qPrintable("got " + listText(g_) + ", expected " + listText(w_)));                     \
    } while (false)

#define RUN_OK(op, inputs)                                                                                         \
    do {                                                                                                           \
        const std::string e_ = (op).run(inputs);                                                                   \
        QVERIFY2(e_.empty(), e_.c_str());                                                                          \
    } while (false)

using I8 = std::vector<int8_t>;
using F32 = std::vector<float>;

class TestKernels : public QObject {
    Q_OBJECT
private slots:
    void logisticInt8_data();
    void logisticInt8();
    void tanhInt8_data();
    void tanhInt8();
    void logisticTanhFloat();
    void maxPool();
    void averagePool();
    void poolsFloat();
    void concatenation();
    void resizeNearest_data();
    void resizeNearest();
    void subInt8();
    void addMulInt8();
    void addSubMulFloat();
    void sumInt8();
    void meanInt8();
    void meanSumFloat();
    void reluInt8();
    void relu6Int8();
    void leakyReluInt8();
    void activationsFloat();
    void pad();
    void reshapeSqueezeTranspose();
    void softmaxInt8();
    void softmaxFloat();
    void logSoftmaxFloat();
    void convInt8();
    void fullyConnectedInt8();
    void convFloat();
    void depthwiseFloat();
    void fullyConnectedFloat();
    void quantizeDequantize();
};

// ---------------------------------------------------------------------------------------------
// LOGISTIC and TANH (int8): TFLM computes them in gemmlowp fixed point, so the expectation is the
// float function, quantized, within the tolerance TFLite's own tests allow: kQuantizedTolerance =
// 2 × (1/256) on the dequantized output (tensorflow/lite/kernels/activations_test.cc). With
// LOGISTIC's output encoding (scale 1/256, zero point −128) that is 2 steps; with TANH's (scale
// 1/128, zero point 0) 1 step.

void TestKernels::logisticInt8_data()
{
    QTest::addColumn<float>("scale");
    QTest::addColumn<int>("zeroPoint");
    QTest::newRow("scale 1/16, zp 0: x in [-8, 7.94]") << 1.0f / 16 << 0;
    QTest::newRow("scale 0.1, zp -20: x in [-10.8, 14.7]") << 0.1f << -20;
    QTest::newRow("scale 0.02, zp 5: x in [-2.66, 2.44]") << 0.02f << 5;
}

void TestKernels::logisticInt8()
{
    QFETCH(float, scale);
    QFETCH(int, zeroPoint);
    OneOp m;
    const int x = m.input(DType::Int8, {1, 256}, scale, zeroPoint);
    const int y = m.output(DType::Int8, {1, 256}, 1.0f / 256, -128);
    m.op(OpKind::Logistic, {x}, {y});
    I8 in;
    for (int q = -128; q <= 127; ++q)
        in.push_back(int8_t(q));
    RUN_OK(m, {bytesOf(in)});
    const I8 got = m.out<int8_t>();
    // y = 1 / (1 + e^−x), x = scale·(q − zp); dequantized output (q_out + 128) / 256.
    std::vector<double> want;
    std::vector<double> dequantized;
    for (int q = -128; q <= 127; ++q)
        want.push_back(1.0 / (1.0 + std::exp(-double(scale) * (q - zeroPoint))));
    for (int8_t v : got)
        dequantized.push_back((int(v) + 128) / 256.0);
    const QString e = nearAll(dequantized, want, 2.0 / 256);
    QVERIFY2(e.isEmpty(), qPrintable(e));
    // x = 0 gives exactly one half: q_out = 0.5 × 256 − 128 = 0.
    QCOMPARE(int(got[size_t(zeroPoint + 128)]), 0);
    for (size_t i = 1; i < got.size(); ++i)
        QVERIFY(got[i] >= got[i - 1]); // monotone
}

void TestKernels::tanhInt8_data()
{
    QTest::addColumn<float>("scale");
    QTest::addColumn<int>("zeroPoint");
    QTest::newRow("scale 1/16, zp 0") << 1.0f / 16 << 0;
    QTest::newRow("scale 1/32, zp -5") << 1.0f / 32 << -5;
    QTest::newRow("scale 0.05, zp 10") << 0.05f << 10;
}

void TestKernels::tanhInt8()
{
    QFETCH(float, scale);
    QFETCH(int, zeroPoint);
    OneOp m;
    const int x = m.input(DType::Int8, {256}, scale, zeroPoint);
    const int y = m.output(DType::Int8, {256}, 1.0f / 128, 0);
    m.op(OpKind::Tanh, {x}, {y});
    I8 in;
    for (int q = -128; q <= 127; ++q)
        in.push_back(int8_t(q));
    RUN_OK(m, {bytesOf(in)});
    const I8 got = m.out<int8_t>();
    // y = tanh(scale·(q − zp)), clamped to the output's range [−1, 127/128]; dequantized q_out / 128.
    std::vector<double> want, dequantized;
    for (int q = -128; q <= 127; ++q)
        want.push_back(std::min(std::tanh(double(scale) * (q - zeroPoint)), 127.0 / 128));
    for (int8_t v : got)
        dequantized.push_back(int(v) / 128.0);
    const QString e = nearAll(dequantized, want, 2.0 / 256);
    QVERIFY2(e.isEmpty(), qPrintable(e));
    QCOMPARE(int(got[size_t(zeroPoint + 128)]), 0); // tanh(0) = 0
    for (size_t i = 1; i < got.size(); ++i)
        QVERIFY(got[i] >= got[i - 1]);
}

void TestKernels::logisticTanhFloat()
{
    const F32 in{-20.0f, -9.5f, -3.0f, -0.5f, 0.0f, 0.5f, 3.0f, 10.0f, 17.0f};
    std::vector<double> sigmoid, tanhs;
    for (float v : in) {
        sigmoid.push_back(1.0 / (1.0 + std::exp(-double(v))));
        tanhs.push_back(std::tanh(double(v)));
    }
    {
        OneOp m;
        const int x = m.input(DType::Float32, {9});
        const int y = m.output(DType::Float32, {9});
        m.op(OpKind::Logistic, {x}, {y});
        RUN_OK(m, {bytesOf(in)});
        // Relative 1e-6 is float precision; TFLite's float tests use ArrayFloatNear's 1e-5.
        const QString e = nearAll(m.out<float>(), sigmoid, 1e-6);
        QVERIFY2(e.isEmpty(), qPrintable(e));
    }
    {
        OneOp m;
        const int x = m.input(DType::Float32, {9});
        const int y = m.output(DType::Float32, {9});
        m.op(OpKind::Tanh, {x}, {y});
        RUN_OK(m, {bytesOf(in)});
        const QString e = nearAll(m.out<float>(), tanhs, 1e-6);
        QVERIFY2(e.isEmpty(), qPrintable(e));
    }
}

// ---------------------------------------------------------------------------------------------
// Pools

void TestKernels::maxPool()
{
    // Input [1,4,4,1], int8, scale 0.5, zero point −2 (a max pool keeps the quantization):
    //   -9  -3   5   2
    //   -8  -4  -1   0
    //   10 -20   7   7
    //   -5  -6 -128 127
    const I8 in{-9, -3, 5, 2, -8, -4, -1, 0, 10, -20, 7, 7, -5, -6, -128, 127};
    {
        // 2×2 stride 2 VALID with a fused RELU6: the clamp range is [zp + round(0/0.5),
        // zp + round(6/0.5)] = [−2, 10]. Window maxima −3, 5, 10, 127 → −2, 5, 10, 10.
        OneOp m;
        const int x = m.input(DType::Int8, {1, 4, 4, 1}, 0.5f, -2);
        const int y = m.output(DType::Int8, {1, 2, 2, 1}, 0.5f, -2);
        m.op(OpKind::MaxPool2D, {x}, {y}, poolOptions(Padding::Valid, 2, 2, Activation::Relu6));
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<int8_t>(), (I8{-2, 5, 10, 10}));
    }
    {
        // 3×3 stride 2 SAME: output 2×2, total padding (2−1)·2 + 3 − 4 = 1 → 0 before, 1 after.
        // (0,0) rows 0-2 cols 0-2 → 10; (0,1) rows 0-2 cols 2-3 → 7; (1,0) rows 2-3 cols 0-2 → 10;
        // (1,1) rows 2-3 cols 2-3 → 127. Padding never wins a max.
        OneOp m;
        const int x = m.input(DType::Int8, {1, 4, 4, 1}, 0.5f, -2);
        const int y = m.output(DType::Int8, {1, 2, 2, 1}, 0.5f, -2);
        m.op(OpKind::MaxPool2D, {x}, {y}, poolOptions(Padding::Same, 3, 2));
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<int8_t>(), (I8{10, 7, 10, 127}));
    }
}

void TestKernels::averagePool()
{
    {
        // Input [1,2,3,2]: channel 0 = [[1,2,5],[0,3,0]], channel 1 its negation. 2×2 stride 1
        // VALID → [1,1,2,2]. TFLite int8 average: sum / count rounded half away from zero,
        // (sum ± count/2) / count in C's truncating division:
        //   (0,0) c0: 1+2+0+3 = 6,  6/4 = 1.5 → (6+2)/4 = 2;    c1: −6 → (−6−2)/4 = −2
        //   (0,1) c0: 2+5+3+0 = 10, 10/4 = 2.5 → (10+2)/4 = 3;  c1: −10 → (−10−2)/4 = −3
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 3, 2}, 0.5f, 0);
        const int y = m.output(DType::Int8, {1, 1, 2, 2}, 0.5f, 0);
        m.op(OpKind::AveragePool2D, {x}, {y}, poolOptions(Padding::Valid, 2, 1));
        RUN_OK(m, {bytesOf(I8{1, -1, 2, -2, 5, -5, 0, 0, 3, -3, 0, 0})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{2, -2, 3, -3}));
    }
    {
        // 3×3 stride 1 SAME on [1,2,2,1] = {1,2,3,5}: every window holds the 4 real elements and
        // 5 padded ones; TFLite divides by the count of real elements: 11/4 = 2.75 → (11+2)/4 = 3
        // (dividing by 9 would give 1).
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 2, 1}, 0.5f, 0);
        const int y = m.output(DType::Int8, {1, 2, 2, 1}, 0.5f, 0);
        m.op(OpKind::AveragePool2D, {x}, {y}, poolOptions(Padding::Same, 3, 1));
        RUN_OK(m, {bytesOf(I8{1, 2, 3, 5})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{3, 3, 3, 3}));
    }
    {
        // A fused RELU with output zero point 4 clamps below at 4: averages −3 (of −1,−2,−4,−5: −12/4)
        // and 7 (of 6,7,8,7: 28/4) → 4 and 7.
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 4, 1}, 0.25f, 4);
        const int y = m.output(DType::Int8, {1, 1, 2, 1}, 0.25f, 4);
        m.op(OpKind::AveragePool2D, {x}, {y}, poolOptions(Padding::Valid, 2, 2, Activation::Relu));
        RUN_OK(m, {bytesOf(I8{-1, -2, 6, 7, -4, -5, 8, 7})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{4, 7}));
    }
}

void TestKernels::poolsFloat()
{
    // [1,2,2,1] = {1, 2, 3, 5}, 3×3 stride 1 SAME: each window holds all four values.
    // Average over the real elements: 11/4 = 2.75; max: 5.
    const F32 in{1, 2, 3, 5};
    {
        OneOp m;
        const int x = m.input(DType::Float32, {1, 2, 2, 1});
        const int y = m.output(DType::Float32, {1, 2, 2, 1});
        m.op(OpKind::AveragePool2D, {x}, {y}, poolOptions(Padding::Same, 3, 1));
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<float>(), (F32{2.75f, 2.75f, 2.75f, 2.75f}));
    }
    {
        // With a fused RELU6: max 5 stays, and a 2×2 VALID max over {−1, −2, −3, −0.5} → 0.
        OneOp m;
        const int x = m.input(DType::Float32, {1, 2, 4, 1});
        const int y = m.output(DType::Float32, {1, 1, 2, 1});
        m.op(OpKind::MaxPool2D, {x}, {y}, poolOptions(Padding::Valid, 2, 2, Activation::Relu6));
        RUN_OK(m, {bytesOf(F32{1, 2, -1, -2, 3, 5, -3, -0.5f})});
        COMPARE_VALUES(m.out<float>(), (F32{5, 0}));
    }
    {
        // 2×2 VALID average of {8, 9, 10, 20} = 11.75; RELU6 → 6.
        OneOp m;
        const int x = m.input(DType::Float32, {1, 2, 2, 1});
        const int y = m.output(DType::Float32, {1, 1, 1, 1});
        m.op(OpKind::AveragePool2D, {x}, {y}, poolOptions(Padding::Valid, 2, 2, Activation::Relu6));
        RUN_OK(m, {bytesOf(F32{8, 9, 10, 20})});
        COMPARE_VALUES(m.out<float>(), (F32{6}));
    }
}

// ---------------------------------------------------------------------------------------------
// Data movement

void TestKernels::concatenation()
{
    {
        // Along the last axis (given as −1): a [1,2,2,1] = {1,2,3,4}, b [1,2,2,2] = {10,11, 20,21,
        // 30,31, 40,41} → [1,2,2,3], each pixel a's value then b's two.
        OneOp m;
        const int a = m.input(DType::Int8, {1, 2, 2, 1}, 0.1f, 3);
        const int b = m.input(DType::Int8, {1, 2, 2, 2}, 0.1f, 3);
        const int y = m.output(DType::Int8, {1, 2, 2, 3}, 0.1f, 3);
        m.op(OpKind::Concatenation, {a, b}, {y}, ConcatenationOptions{-1, Activation::None});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{1, 2, 3, 4}), bytesOf(I8{10, 11, 20, 21, 30, 31, 40, 41})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{1, 10, 11, 2, 20, 21, 3, 30, 31, 4, 40, 41}));
    }
    {
        // Along axis 1 of float tensors (4-byte elements): [2,1,2] ++ [2,2,2] → [2,3,2]:
        // batch 0: a0 a1 | b0 b1 b2 b3; batch 1: a2 a3 | b4 b5 b6 b7.
        OneOp m;
        const int a = m.input(DType::Float32, {2, 1, 2});
        const int b = m.input(DType::Float32, {2, 2, 2});
        const int y = m.output(DType::Float32, {2, 3, 2});
        m.op(OpKind::Concatenation, {a, b}, {y}, ConcatenationOptions{1, Activation::None});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(F32{0.5f, 1.5f, 2.5f, 3.5f}), bytesOf(F32{10, 11, 12, 13, 20, 21, 22, 23})}));
        COMPARE_VALUES(m.out<float>(), (F32{0.5f, 1.5f, 10, 11, 12, 13, 2.5f, 3.5f, 20, 21, 22, 23}));
    }
    {
        // Inputs quantized differently from the output would need requantizing: refused with a
        // message, never copied as if the encodings were equal.
        OneOp m;
        const int a = m.input(DType::Int8, {1, 2}, 0.1f, 0);
        const int b = m.input(DType::Int8, {1, 2}, 0.2f, 0);
        const int y = m.output(DType::Int8, {1, 4}, 0.1f, 0);
        m.op(OpKind::Concatenation, {a, b}, {y}, ConcatenationOptions{1, Activation::None});
        const std::string e = m.run({bytesOf(I8{1, 2}), bytesOf(I8{3, 4})});
        QVERIFY2(QString::fromStdString(e).contains("quantization"), e.c_str());
    }
}

void TestKernels::resizeNearest_data()
{
    QTest::addColumn<int>("inSize");
    QTest::addColumn<int>("outSize");
    QTest::addColumn<bool>("alignCorners");
    QTest::addColumn<bool>("halfPixel");
    QTest::addColumn<std::vector<int>>("sourceIndex"); // per output row/column, the input one
    // TFLite: scale = in/out, or (in−1)/(out−1) with align_corners; source = floor((o + offset)·scale)
    // (offset 0.5 with half_pixel_centers), or round-half-away((o + offset)·scale) with
    // align_corners; clamped to in−1 (and to >= 0 with half_pixel_centers).
    // 2 → 4: scale 0.5, floor(0, 0.5, 1, 1.5) = 0 0 1 1.
    QTest::newRow("2 to 4") << 2 << 4 << false << false << std::vector<int>{0, 0, 1, 1};
    // 2 → 3: scale 2/3, floor(0, 0.67, 1.33) = 0 0 1.
    QTest::newRow("2 to 3") << 2 << 3 << false << false << std::vector<int>{0, 0, 1};
    // 2 → 3 align corners: scale 1/2, round(0, 0.5, 1) = 0 1 1.
    QTest::newRow("2 to 3 align corners") << 2 << 3 << true << false << std::vector<int>{0, 1, 1};
    // 3 → 2: scale 1.5, floor(0, 1.5) = 0 1.
    QTest::newRow("3 to 2") << 3 << 2 << false << false << std::vector<int>{0, 1};
    // 3 → 2 half-pixel centres: floor(0.75, 2.25) = 0 2.
    QTest::newRow("3 to 2 half pixel") << 3 << 2 << false << true << std::vector<int>{0, 2};
    // 3 → 2 align corners: scale 2, round(0, 2) = 0 2.
    QTest::newRow("3 to 2 align corners") << 3 << 2 << true << false << std::vector<int>{0, 2};
}

void TestKernels::resizeNearest()
{
    QFETCH(int, inSize);
    QFETCH(int, outSize);
    QFETCH(bool, alignCorners);
    QFETCH(bool, halfPixel);
    QFETCH(std::vector<int>, sourceIndex);
    // Input [1,n,n,2]: pixel (y,x) holds 10·y + x in channel 0 and 100 + 10·y + x in channel 1.
    OneOp m;
    const int x = m.input(DType::Int8, {1, inSize, inSize, 2}, 0.5f, 0);
    const int size = m.constant<int32_t>(DType::Int32, {2}, {outSize, outSize});
    const int y = m.output(DType::Int8, {1, outSize, outSize, 2}, 0.5f, 0);
    m.op(OpKind::ResizeNearestNeighbor, {x, size}, {y}, ResizeOptions{alignCorners, halfPixel});
    I8 in, want;
    for (int r = 0; r < inSize; ++r)
        for (int c = 0; c < inSize; ++c)
            in.insert(in.end(), {int8_t(10 * r + c), int8_t(100 + 10 * r + c)});
    for (int r = 0; r < outSize; ++r)
        for (int c = 0; c < outSize; ++c) {
            const int sr = sourceIndex[size_t(r)], sc = sourceIndex[size_t(c)];
            want.insert(want.end(), {int8_t(10 * sr + sc), int8_t(100 + 10 * sr + sc)});
        }
    RUN_OK(m, {bytesOf(in)});
    COMPARE_VALUES(m.out<int8_t>(), want);
}

// ---------------------------------------------------------------------------------------------
// Element-wise arithmetic

void TestKernels::subInt8()
{
    {
        // Equal scales 0.5; a zp 1, b zp −1, output zp 3. TFLite: left shift 20, twice_max = 1.0,
        // input multipliers 0.5/1.0 = 0.5 → (2^30, 0), so each input becomes v·2^19 exactly; output
        // multiplier 1.0 / (2^20 · 0.5) = 2^−19 → exact. The result is (qa − 1) − (qb + 1) + 3:
        //   qa  10 −128  127  0
        //   qb   4  127 −128  0
        //   →    9−5+3 = 7; −129−128+3 = −254 → −128; 126+127+3 = 256 → 127; −1−1+3 = 1
        OneOp m;
        const int a = m.input(DType::Int8, {4}, 0.5f, 1);
        const int b = m.input(DType::Int8, {4}, 0.5f, -1);
        const int y = m.output(DType::Int8, {4}, 0.5f, 3);
        m.op(OpKind::Sub, {a, b}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{10, -128, 127, 0}), bytesOf(I8{4, 127, -128, 0})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{7, -128, 127, 1}));
        // A fused RELU clamps below at the output zero point 3: {7, 3, 127, 3}.
        m.graph().ops[0].options = ElementwiseOptions{Activation::Relu, true};
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{10, -128, 127, 0}), bytesOf(I8{4, 127, -128, 0})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{7, 3, 127, 3}));
    }
    {
        // Rounding: a scale 1.0, b scale 0.5, output scale 1.0, zero points 0. twice_max = 2:
        // multiplier a 0.5 → (2^30, 0), b 0.25 → (2^30, −1), output 2/(2^20·1) = 2^−19 → (2^30, −18).
        //   3 − 0.5·1 = 2.5:   a: SRDHM(3·2^20, 2^30) = 3·2^19; b: RDBPOT(SRDHM(2^20, 2^30), 1) = 2^18;
        //                      raw 5·2^18; out RDBPOT(SRDHM(5·2^18, 2^30), 18) = RDBPOT(5·2^17, 18) = 3
        //   −3 − 0.5·(−1) = −2.5: raw −5·2^18 → RDBPOT(−5·2^17, 18) = −3 (ties away from zero)
        // With a = [[3, −3], [4, 10]] and b = [1, −1] broadcast over the rows:
        //   3 − 0.5 = 2.5 → 3; −3 + 0.5 = −2.5 → −3; 4 − 0.5 = 3.5 → 4; 10 + 0.5 = 10.5 → 11.
        OneOp m;
        const int a = m.input(DType::Int8, {2, 2}, 1.0f, 0);
        const int b = m.input(DType::Int8, {2}, 0.5f, 0);
        const int y = m.output(DType::Int8, {2, 2}, 1.0f, 0);
        m.op(OpKind::Sub, {a, b}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{3, -3, 4, 10}), bytesOf(I8{1, -1})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{3, -3, 4, 11}));
    }
}

void TestKernels::addMulInt8()
{
    {
        // ADD with the exact parameters of subInt8's first case: (qa − 1) + (qb + 1) + 3:
        //   10+4+3 = 17; −129+128+3 = 2; 126−127+3 = 2; −1+1+3 = 3.
        OneOp m;
        const int a = m.input(DType::Int8, {4}, 0.5f, 1);
        const int b = m.input(DType::Int8, {4}, 0.5f, -1);
        const int y = m.output(DType::Int8, {4}, 0.5f, 3);
        m.op(OpKind::Add, {a, b}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{10, -128, 127, 0}), bytesOf(I8{4, 127, -128, 0})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{17, 2, 2, 3}));
    }
    {
        // MUL: scales 0.5 × 0.25 / 0.125 = 1.0 → (2^30, 1): MBQM(p, 2^30, 1) = SRDHM(2p, 2^30) = p,
        // so q_out = qa·qb: 3·5 = 15, −4·6 = −24, 20·10 = 200 → 127.
        OneOp m;
        const int a = m.input(DType::Int8, {3}, 0.5f, 0);
        const int b = m.input(DType::Int8, {3}, 0.25f, 0);
        const int y = m.output(DType::Int8, {3}, 0.125f, 0);
        m.op(OpKind::Mul, {a, b}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(I8{3, -4, 20}), bytesOf(I8{5, 6, 10})}));
        COMPARE_VALUES(m.out<int8_t>(), (I8{15, -24, 127}));
    }
}

void TestKernels::addSubMulFloat()
{
    const F32 a{1.5f, -2.0f, 3.0f, 10.0f};
    {
        // ADD {1.5, −2, 3, 10} + {0.25, 0.5, −4, 1} = {1.75, −1.5, −1, 11}; fused RELU → {1.75, 0, 0, 11}.
        OneOp m;
        const int x = m.input(DType::Float32, {4});
        const int z = m.input(DType::Float32, {4});
        const int y = m.output(DType::Float32, {4});
        m.op(OpKind::Add, {x, z}, {y}, ElementwiseOptions{Activation::Relu, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(a), bytesOf(F32{0.25f, 0.5f, -4.0f, 1.0f})}));
        COMPARE_VALUES(m.out<float>(), (F32{1.75f, 0.0f, 0.0f, 11.0f}));
    }
    {
        // SUB [2,2] − [2] broadcast over rows: {1.5−3, −2+1, 3−3, 10+1} = {−1.5, −1, 0, 11};
        // fused RELU6 → {0, 0, 0, 6}; without: as computed.
        OneOp m;
        const int x = m.input(DType::Float32, {2, 2});
        const int z = m.input(DType::Float32, {2});
        const int y = m.output(DType::Float32, {2, 2});
        m.op(OpKind::Sub, {x, z}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(a), bytesOf(F32{3.0f, -1.0f})}));
        COMPARE_VALUES(m.out<float>(), (F32{-1.5f, -1.0f, 0.0f, 11.0f}));
        m.graph().ops[0].options = ElementwiseOptions{Activation::Relu6, true};
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(a), bytesOf(F32{3.0f, -1.0f})}));
        COMPARE_VALUES(m.out<float>(), (F32{0.0f, 0.0f, 0.0f, 6.0f}));
    }
    {
        // MUL by a broadcast scalar [1]: ×(−0.5) = {−0.75, 1, −1.5, −5}.
        OneOp m;
        const int x = m.input(DType::Float32, {4});
        const int z = m.input(DType::Float32, {1});
        const int y = m.output(DType::Float32, {4});
        m.op(OpKind::Mul, {x, z}, {y}, ElementwiseOptions{Activation::None, true});
        RUN_OK(m, (std::vector<std::vector<uint8_t>>{bytesOf(a), bytesOf(F32{-0.5f})}));
        COMPARE_VALUES(m.out<float>(), (F32{-0.75f, 1.0f, -1.5f, -5.0f}));
    }
}

// ---------------------------------------------------------------------------------------------
// Reductions: TFLite's QuantizedMeanOrSum rescales (Σq − zp_in·n) by scale_in/scale_out with
// MBQM; for MEAN it folds 1/n into the multiplier: k = min(floor(log2 n), 32, 31 + shift),
// multiplier' = (multiplier · 2^k) / n (integer division), shift' = shift − k.

void TestKernels::sumInt8()
{
    // Input [3,3], scale 0.5, zp 1; SUM over axis 1; output scale 1.0, zp −1. Multiplier
    // 0.5/1.0 → (2^30, 0), so each output is SRDHM(Σq − 3·1, 2^30) − 1:
    //   {2,3,3}:       8 − 3 = 5  → SRDHM(5, 2^30)  = 3 (2.5, tie towards +inf)   → 2
    //   {0,−1,−1}:    −2 − 3 = −5 → SRDHM(−5, 2^30) = −2 (−2.5, tie towards +inf) → −3
    //   {127,127,127}: 381 − 3 = 378 → 189 → 188 → 127
    OneOp m;
    const int x = m.input(DType::Int8, {3, 3}, 0.5f, 1);
    const int axis = m.constant<int32_t>(DType::Int32, {1}, {1});
    const int y = m.output(DType::Int8, {3}, 1.0f, -1);
    m.op(OpKind::Sum, {x, axis}, {y}, ReducerOptions{false});
    RUN_OK(m, {bytesOf(I8{2, 3, 3, 0, -1, -1, 127, 127, 127})});
    COMPARE_VALUES(m.out<int8_t>(), (I8{2, -3, 127}));
}

void TestKernels::meanInt8()
{
    {
        // Input [1,2,2,2] scale 0.5 zp 0, MEAN over axes {1,2} (keep dims) → [1,1,1,2], output
        // scale 0.5 zp 0. Multiplier 1.0 → (2^30, 1); n = 4: k = 2, multiplier' = 2^32/4 = 2^30,
        // shift' = −1: out = RDBPOT(SRDHM(Σ, 2^30), 1).
        //   channel 0 {1,2,3,4}:     Σ = 10  → SRDHM = 5 (exactly 5)  → RDBPOT(5, 1) = 3   (2.5 → 3)
        //   channel 1 {−1,−2,−3,−4}: Σ = −10 → SRDHM = −5             → RDBPOT(−5, 1) = −3 (−2.5 → −3)
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 2, 2}, 0.5f, 0);
        const int axes = m.constant<int32_t>(DType::Int32, {2}, {1, 2});
        const int y = m.output(DType::Int8, {1, 1, 1, 2}, 0.5f, 0);
        m.op(OpKind::Mean, {x, axes}, {y}, ReducerOptions{true});
        RUN_OK(m, {bytesOf(I8{1, -1, 2, -2, 3, -3, 4, -4})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{3, -3}));
    }
    {
        // A count that is not a power of two, with zero points: input [2,3] scale 1.0 zp 2, MEAN
        // over axis 1 (−1), output scale 0.5 zp −1. Multiplier 2.0 → (2^30, 2); n = 3: k = 1,
        // multiplier' = 2^31/3 = 715827882, shift' = 1: out = SRDHM(2·(Σq − 6), 715827882) − 1.
        //   {3,4,6}: Σ − 6 = 7 → 14·0.33333 = 4.67 → 5 → 4   (mean 7/3 = 2.33, /0.5 = 4.67)
        //   {2,2,3}: Σ − 6 = 1 → 2·0.33333 = 0.67 → 1 → 0
        OneOp m;
        const int x = m.input(DType::Int8, {2, 3}, 1.0f, 2);
        const int axes = m.constant<int32_t>(DType::Int32, {1}, {-1});
        const int y = m.output(DType::Int8, {2}, 0.5f, -1);
        m.op(OpKind::Mean, {x, axes}, {y}, ReducerOptions{false});
        RUN_OK(m, {bytesOf(I8{3, 4, 6, 2, 2, 3})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{4, 0}));
    }
}

void TestKernels::meanSumFloat()
{
    {
        // MEAN over {1,2} of [1,2,2,2]: channel 0 {1,2,3,4} → 2.5, channel 1 {−1,−2,−3,−6} → −3.
        OneOp m;
        const int x = m.input(DType::Float32, {1, 2, 2, 2});
        const int axes = m.constant<int32_t>(DType::Int32, {2}, {1, 2});
        const int y = m.output(DType::Float32, {1, 2});
        m.op(OpKind::Mean, {x, axes}, {y}, ReducerOptions{false});
        RUN_OK(m, {bytesOf(F32{1, -1, 2, -2, 3, -3, 4, -6})});
        COMPARE_VALUES(m.out<float>(), (F32{2.5f, -3.0f}));
    }
    {
        // SUM over axis 0 of [2,3]: {1.5+0.5, 2−4, 3+0.25} = {2, −2, 3.25}.
        OneOp m;
        const int x = m.input(DType::Float32, {2, 3});
        const int axes = m.constant<int32_t>(DType::Int32, {1}, {0});
        const int y = m.output(DType::Float32, {3});
        m.op(OpKind::Sum, {x, axes}, {y}, ReducerOptions{false});
        RUN_OK(m, {bytesOf(F32{1.5f, 2, 3, 0.5f, -4, 0.25f})});
        COMPARE_VALUES(m.out<float>(), (F32{2.0f, -2.0f, 3.25f}));
    }
}

// ---------------------------------------------------------------------------------------------
// RELU family

void TestKernels::reluInt8()
{
    {
        // TFLite's quantized RELU requantizes: q_out = zp_out + MBQM(q − zp_in, s_in/s_out), clamped
        // to [max(−128, zp_out), 127]. Input scale 0.5 zp −10, output scale 0.25 zp −128: multiplier
        // 2.0 → (2^30, 2), exactly 2·(q + 10):
        //   q  −128  −10  −9    0   20  127
        //   2v −236    0   2   20   60  274
        //   +zp −364 −128 −126 −108 −68 146 → clamp → −128 −128 −126 −108 −68 127
        OneOp m;
        const int x = m.input(DType::Int8, {6}, 0.5f, -10);
        const int y = m.output(DType::Int8, {6}, 0.25f, -128);
        m.op(OpKind::Relu, {x}, {y});
        RUN_OK(m, {bytesOf(I8{-128, -10, -9, 0, 20, 127})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{-128, -128, -126, -108, -68, 127}));
    }
    {
        // Scale 0.5 → 1.0 (multiplier 0.5 → (2^30, 0), SRDHM only): 3 → 1.5 → 2; 5 → 2.5 → 3;
        // 127 → 63.5 → 64; −3 → clamped at zp 0.
        OneOp m;
        const int x = m.input(DType::Int8, {4}, 0.5f, 0);
        const int y = m.output(DType::Int8, {4}, 1.0f, 0);
        m.op(OpKind::Relu, {x}, {y});
        RUN_OK(m, {bytesOf(I8{-3, 3, 5, 127})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{0, 2, 3, 64}));
    }
}

void TestKernels::relu6Int8()
{
    // TFLM's int8 RELU6 clamps in the input's encoding: scale 0.125, zp −20 → lower = zp = −20,
    // upper = round(6/0.125) + zp = 48 − 20 = 28.
    OneOp m;
    const int x = m.input(DType::Int8, {7}, 0.125f, -20);
    const int y = m.output(DType::Int8, {7}, 0.125f, -20);
    m.op(OpKind::Relu6, {x}, {y});
    RUN_OK(m, {bytesOf(I8{-128, -21, -20, 0, 28, 29, 127})});
    COMPARE_VALUES(m.out<int8_t>(), (I8{-20, -20, -20, 0, 28, 28, 28}));
}

void TestKernels::leakyReluInt8()
{
    {
        // alpha 0.25, input and output scale 0.5, zp 0. Identity multiplier 1.0 → (2^30, 1):
        // q unchanged. Alpha multiplier 0.25 → (2^30, −1): RDBPOT(SRDHM(v, 2^30), 1):
        //   v −128: −64 → −32;  −10: −5 → −3 (−2.5);  −6: −3 → −2 (−1.5);  −4: −2 → −1;
        //   −3: SRDHM(−3, 2^30) = −1 (−1.5, tie towards +inf) → RDBPOT(−1, 1) = −1;
        //   −2: −1 → −1 (−0.5 → −1);  −1: SRDHM(−1, 2^30) = 0 (−0.5 → 0) → 0;  0, 7, 127 unchanged.
        OneOp m;
        const int x = m.input(DType::Int8, {10}, 0.5f, 0);
        const int y = m.output(DType::Int8, {10}, 0.5f, 0);
        m.op(OpKind::LeakyRelu, {x}, {y}, LeakyReluOptions{0.25f});
        RUN_OK(m, {bytesOf(I8{-128, -10, -6, -4, -3, -2, -1, 0, 7, 127})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{-32, -3, -2, -1, -1, -1, 0, 0, 7, 127}));
    }
    {
        // alpha 0.5, input scale 1.0 zp 4, output scale 0.5 zp −4: identity 2.0 → 2v, alpha 1.0 → v.
        //   q 4 → v 0 → −4;  10 → 6 → 12 − 4 = 8;  0 → −4 → −4 − 4 = −8;
        //   −124 → −128 → −132 → −128;  127 → 123 → 246 − 4 = 242 → 127
        OneOp m;
        const int x = m.input(DType::Int8, {5}, 1.0f, 4);
        const int y = m.output(DType::Int8, {5}, 0.5f, -4);
        m.op(OpKind::LeakyRelu, {x}, {y}, LeakyReluOptions{0.5f});
        RUN_OK(m, {bytesOf(I8{4, 10, 0, -124, 127})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{-4, 8, -8, -128, 127}));
    }
}

void TestKernels::activationsFloat()
{
    // TFLite's own float tables (tensorflow/lite/kernels/activations_test.cc, Relu / Relu6 / LeakyRelu).
    const F32 in{0, -6, 2, 4, 3, -2, 10, 1};
    struct Case {
        OpKind kind;
        OpOptions options;
        F32 input, want;
    };
    const Case cases[] = {
        {OpKind::Relu, {}, in, {0, 0, 2, 4, 3, 0, 10, 1}},
        {OpKind::Relu6, {}, in, {0, 0, 2, 4, 3, 0, 6, 1}},
        {OpKind::LeakyRelu, LeakyReluOptions{0.5f}, {0, 1, 3, 1, -1, -2}, {0, 1, 3, 1, -0.5f, -1}},
    };
    for (const Case& c : cases) {
        OneOp m;
        const int n = int(c.input.size());
        const int x = m.input(DType::Float32, {n});
        const int y = m.output(DType::Float32, {n});
        m.op(c.kind, {x}, {y}, c.options);
        RUN_OK(m, {bytesOf(c.input)});
        COMPARE_VALUES(m.out<float>(), c.want);
    }
}

// ---------------------------------------------------------------------------------------------
// PAD, PADV2, RESHAPE, SQUEEZE, TRANSPOSE

void TestKernels::pad()
{
    {
        // PAD int8 [1,2,2,1] {1,2,3,4} by [[0,0],[1,0],[0,2],[0,0]] → [1,3,4,1], filled with the
        // zero point −5 (the encoding of 0.0):
        //   −5 −5 −5 −5 /  1  2 −5 −5 /  3  4 −5 −5
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 2, 1}, 0.5f, -5);
        const int p = m.constant<int32_t>(DType::Int32, {4, 2}, {0, 0, 1, 0, 0, 2, 0, 0});
        const int y = m.output(DType::Int8, {1, 3, 4, 1}, 0.5f, -5);
        m.op(OpKind::Pad, {x, p}, {y});
        RUN_OK(m, {bytesOf(I8{1, 2, 3, 4})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{-5, -5, -5, -5, 1, 2, -5, -5, 3, 4, -5, -5}));
    }
    {
        // PADV2 with the constant 9 by [[0,0],[0,1],[1,0],[0,0]] → [1,3,3,1]:
        //   9 1 2 / 9 3 4 / 9 9 9
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 2, 1}, 0.5f, -5);
        const int p = m.constant<int32_t>(DType::Int32, {4, 2}, {0, 0, 0, 1, 1, 0, 0, 0});
        const int v = m.constant<int8_t>(DType::Int8, {}, {9}, quant({0.5f}, {-5}));
        const int y = m.output(DType::Int8, {1, 3, 3, 1}, 0.5f, -5);
        m.op(OpKind::PadV2, {x, p, v}, {y});
        RUN_OK(m, {bytesOf(I8{1, 2, 3, 4})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{9, 1, 2, 9, 3, 4, 9, 9, 9}));
    }
    {
        // PAD float [2,2] by [[1,1],[0,0]] (int64 paddings) → [4,2], zeros around; and the channel
        // axis of [1,1,1,2] by one each side.
        OneOp m;
        const int x = m.input(DType::Float32, {2, 2});
        const int p = m.constant<int64_t>(DType::Int64, {2, 2}, {1, 1, 0, 0});
        const int y = m.output(DType::Float32, {4, 2});
        m.op(OpKind::Pad, {x, p}, {y});
        RUN_OK(m, {bytesOf(F32{1.5f, 2.5f, 3.5f, 4.5f})});
        COMPARE_VALUES(m.out<float>(), (F32{0, 0, 1.5f, 2.5f, 3.5f, 4.5f, 0, 0}));
    }
    {
        OneOp m;
        const int x = m.input(DType::Int8, {1, 1, 1, 2}, 0.1f, 7);
        const int p = m.constant<int32_t>(DType::Int32, {4, 2}, {0, 0, 0, 0, 0, 0, 1, 1});
        const int y = m.output(DType::Int8, {1, 1, 1, 4}, 0.1f, 7);
        m.op(OpKind::Pad, {x, p}, {y});
        RUN_OK(m, {bytesOf(I8{-1, 1})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{7, -1, 1, 7}));
    }
}

void TestKernels::reshapeSqueezeTranspose()
{
    const I8 in{1, 2, 3, 4, 5, 6};
    {
        // RESHAPE and SQUEEZE move no data: [1,2,3,1] → [6] and → [2,3] keep the bytes.
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 3, 1}, 0.5f, 0);
        const int shape = m.constant<int32_t>(DType::Int32, {1}, {6});
        const int y = m.output(DType::Int8, {6}, 0.5f, 0);
        m.op(OpKind::Reshape, {x, shape}, {y}, ReshapeOptions{{6}});
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<int8_t>(), in);
    }
    {
        OneOp m;
        const int x = m.input(DType::Float32, {1, 2, 3, 1});
        const int y = m.output(DType::Float32, {2, 3});
        m.op(OpKind::Squeeze, {x}, {y}, SqueezeOptions{{0, 3}});
        RUN_OK(m, {bytesOf(F32{0.5f, 1, 2, 3, 4, -5})});
        COMPARE_VALUES(m.out<float>(), (F32{0.5f, 1, 2, 3, 4, -5}));
    }
    {
        // TRANSPOSE [1,2,3] by (0,2,1): rows {1,2,3},{4,5,6} become columns → {1,4, 2,5, 3,6}.
        OneOp m;
        const int x = m.input(DType::Int8, {1, 2, 3}, 0.5f, 0);
        const int perm = m.constant<int32_t>(DType::Int32, {3}, {0, 2, 1});
        const int y = m.output(DType::Int8, {1, 3, 2}, 0.5f, 0);
        m.op(OpKind::Transpose, {x, perm}, {y});
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<int8_t>(), (I8{1, 4, 2, 5, 3, 6}));
    }
}

// ---------------------------------------------------------------------------------------------
// SOFTMAX

void TestKernels::softmaxInt8()
{
    // Rows of [4,4], input scale 0.1 zp 0, beta 1 and 0.5; output scale 1/256 zp −128 (TFLite's
    // required int8 softmax encoding). Expectation: the float softmax of beta·x, quantized, within
    // TFLite's kQuantizedTolerance 2/256 (2 steps), as for LOGISTIC.
    const I8 in{0, 10, 20, 30, 5, 5, 5, 5, 127, -128, -128, -128, -50, 0, 50, -128};
    for (float beta : {1.0f, 0.5f}) {
        OneOp m;
        const int x = m.input(DType::Int8, {4, 4}, 0.1f, 0);
        const int y = m.output(DType::Int8, {4, 4}, 1.0f / 256, -128);
        m.op(OpKind::Softmax, {x}, {y}, SoftmaxOptions{beta});
        RUN_OK(m, {bytesOf(in)});
        std::vector<double> want, dequantized;
        for (int r = 0; r < 4; ++r) {
            double sum = 0;
            for (int c = 0; c < 4; ++c)
                sum += std::exp(double(beta) * 0.1 * in[size_t(4 * r + c)]);
            for (int c = 0; c < 4; ++c)
                want.push_back(std::exp(double(beta) * 0.1 * in[size_t(4 * r + c)]) / sum);
        }
        for (int8_t v : m.out<int8_t>())
            dequantized.push_back((int(v) + 128) / 256.0);
        const QString e = nearAll(dequantized, want, 2.0 / 256);
        QVERIFY2(e.isEmpty(), qPrintable(QString("beta %1: ").arg(beta) + e));
    }
}

void TestKernels::softmaxFloat()
{
    // softmax(beta·x) per row, beta 0.5.
    const F32 in{1, 2, 3, 4, -1, 0, 0, -1};
    OneOp m;
    const int x = m.input(DType::Float32, {2, 4});
    const int y = m.output(DType::Float32, {2, 4});
    m.op(OpKind::Softmax, {x}, {y}, SoftmaxOptions{0.5f});
    RUN_OK(m, {bytesOf(in)});
    std::vector<double> want;
    for (int r = 0; r < 2; ++r) {
        double sum = 0;
        for (int c = 0; c < 4; ++c)
            sum += std::exp(0.5 * in[size_t(4 * r + c)]);
        for (int c = 0; c < 4; ++c)
            want.push_back(std::exp(0.5 * in[size_t(4 * r + c)]) / sum);
    }
    const QString e = nearAll(m.out<float>(), want, 1e-6);
    QVERIFY2(e.isEmpty(), qPrintable(e));
}

void TestKernels::logSoftmaxFloat()
{
    // log_softmax(x) = x − max − log Σ exp(x − max), per row.
    const F32 in{1, 2, 3, 4, -10, 0, 10, 0};
    OneOp m;
    const int x = m.input(DType::Float32, {2, 4});
    const int y = m.output(DType::Float32, {2, 4});
    m.op(OpKind::LogSoftmax, {x}, {y});
    RUN_OK(m, {bytesOf(in)});
    std::vector<double> want;
    for (int r = 0; r < 2; ++r) {
        double mx = -1e30, sum = 0;
        for (int c = 0; c < 4; ++c)
            mx = std::max(mx, double(in[size_t(4 * r + c)]));
        for (int c = 0; c < 4; ++c)
            sum += std::exp(double(in[size_t(4 * r + c)]) - mx);
        for (int c = 0; c < 4; ++c)
            want.push_back(double(in[size_t(4 * r + c)]) - mx - std::log(sum));
    }
    const QString e = nearAll(m.out<float>(), want, 1e-5);
    QVERIFY2(e.isEmpty(), qPrintable(e));
}

// ---------------------------------------------------------------------------------------------
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED

void TestKernels::convInt8()
{
    // 1×1 conv, input [1,2,2,1] scale 0.5 zp 0, two output channels with per-channel filter scales
    // {0.5, 0.25} (weights 3 and 3, bias 0), output scale 0.5 zp 0. Effective multipliers
    // 0.5·0.5/0.5 = 0.5 → (2^30, 0) and 0.5·0.25/0.5 = 0.25 → (2^30, −1). Accumulator 3q:
    //   q  1: 3  → c0 SRDHM(3) = 2 (1.5);    c1 RDBPOT(SRDHM(3), 1) = RDBPOT(2, 1) = 1 (0.75)
    //   q  2: 6  → c0 3;                      c1 RDBPOT(3, 1) = 2 (1.5 → 2)
    //   q −3: −9 → c0 SRDHM(−9) = −4 (−4.5, tie towards +inf); c1 RDBPOT(−4, 1) = −2 (−2.25)
    //   q  5: 15 → c0 8 (7.5);                c1 RDBPOT(8, 1) = 4 (3.75)
    OneOp m;
    const int x = m.input(DType::Int8, {1, 2, 2, 1}, 0.5f, 0);
    const int w = m.constant<int8_t>(DType::Int8, {2, 1, 1, 1}, {3, 3}, quant({0.5f, 0.25f}, {0, 0}, 0));
    const int b = m.constant<int32_t>(DType::Int32, {2}, {0, 0}, quant({0.25f, 0.125f}, {0, 0}, 0));
    const int y = m.output(DType::Int8, {1, 2, 2, 2}, 0.5f, 0);
    Conv2DOptions o;
    o.padding = Padding::Valid;
    m.op(OpKind::Conv2D, {x, w, b}, {y}, o);
    RUN_OK(m, {bytesOf(I8{1, 2, -3, 5})});
    COMPARE_VALUES(m.out<int8_t>(), (I8{2, 1, 3, 2, -4, -2, 8, 4}));
}

void TestKernels::fullyConnectedInt8()
{
    // Input [1,3] scale 0.5 zp 1; weights [2,3] scale 0.25 zp 0; bias int32 (scale 0.125);
    // output scale 0.25 zp −2. Multiplier 0.5·0.25/0.25 = 0.5 → (2^30, 0). v = q − 1 = {2, −2, 0}:
    //   unit 0: w {4, 2, 100}, bias 1:   8 − 4 + 0 + 1 = 5    → SRDHM(5) = 3 (2.5)  → 3 − 2 = 1
    //   unit 1: w {−3, 5, 7}, bias −6:  −6 − 10 + 0 − 6 = −22 → −11               → −13
    // (in real numbers: x = {1, −1, 0}; unit 0 = 1 − 0.5 + 0.125 = 0.625 = 2.5 steps of 0.25.)
    OneOp m;
    const int x = m.input(DType::Int8, {1, 3}, 0.5f, 1);
    const int w = m.constant<int8_t>(DType::Int8, {2, 3}, {4, 2, 100, -3, 5, 7}, quant({0.25f}));
    const int b = m.constant<int32_t>(DType::Int32, {2}, {1, -6}, quant({0.125f}));
    const int y = m.output(DType::Int8, {1, 2}, 0.25f, -2);
    m.op(OpKind::FullyConnected, {x, w, b}, {y}, FullyConnectedOptions{});
    RUN_OK(m, {bytesOf(I8{3, -1, 1})});
    COMPARE_VALUES(m.out<int8_t>(), (I8{1, -13}));
}

void TestKernels::convFloat()
{
    // Input [1,3,3,1] = 1..9 (row-major). Filter [2,2,2,1]: channel 0 {1,2,3,4}, channel 1
    // {−1,0,0,0}; bias {0.5, −1}.
    const F32 in{1, 2, 3, 4, 5, 6, 7, 8, 9};
    {
        // VALID stride 1 → [1,2,2,2]:
        //   c0 (0,0) 1·1+2·2+4·3+5·4 = 37 → 37.5; (0,1) 2+6+15+24 = 47 → 47.5;
        //      (1,0) 4+10+21+32 = 67 → 67.5;     (1,1) 5+12+24+36 = 77 → 77.5
        //   c1 −x(y,x) − 1: −2, −3, −5, −6
        OneOp m;
        const int x = m.input(DType::Float32, {1, 3, 3, 1});
        const int w = m.constant<float>(DType::Float32, {2, 2, 2, 1}, {1, 2, 3, 4, -1, 0, 0, 0});
        const int b = m.constant<float>(DType::Float32, {2}, {0.5f, -1});
        const int y = m.output(DType::Float32, {1, 2, 2, 2});
        Conv2DOptions o;
        o.padding = Padding::Valid;
        m.op(OpKind::Conv2D, {x, w, b}, {y}, o);
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<float>(), (F32{37.5f, -2, 47.5f, -3, 67.5f, -5, 77.5f, -6}));
    }
    {
        // SAME stride 2 with filter {1,2,3,4} and bias −20: output 2×2, padding 0 before and 1
        // after: (0,0) 37 − 20 = 17; (0,1) 3·1 + 6·3 = 21 → 1; (1,0) 7·1 + 8·2 = 23 → 3;
        // (1,1) 9·1 → −11. Fused RELU6 → {6, 1, 3, 0}.
        OneOp m;
        const int x = m.input(DType::Float32, {1, 3, 3, 1});
        const int w = m.constant<float>(DType::Float32, {1, 2, 2, 1}, {1, 2, 3, 4});
        const int b = m.constant<float>(DType::Float32, {1}, {-20});
        const int y = m.output(DType::Float32, {1, 2, 2, 1});
        Conv2DOptions o;
        o.padding = Padding::Same;
        o.strideH = o.strideW = 2;
        o.activation = Activation::Relu6;
        m.op(OpKind::Conv2D, {x, w, b}, {y}, o);
        RUN_OK(m, {bytesOf(in)});
        COMPARE_VALUES(m.out<float>(), (F32{6, 1, 3, 0}));
    }
}

void TestKernels::depthwiseFloat()
{
    // Input [1,2,2,2]: channel 0 {1,2,3,4}, channel 1 {10,20,30,40}. Filter [1,2,2,2]: channel 0
    // all ones, channel 1 {0.5, 0, 0, −0.5}; bias {0, 1}. VALID → [1,1,1,2]:
    //   c0 1+2+3+4 = 10;  c1 10·0.5 − 40·0.5 + 1 = −14.
    OneOp m;
    const int x = m.input(DType::Float32, {1, 2, 2, 2});
    const int w = m.constant<float>(DType::Float32, {1, 2, 2, 2}, {1, 0.5f, 1, 0, 1, 0, 1, -0.5f});
    const int b = m.constant<float>(DType::Float32, {2}, {0, 1});
    const int y = m.output(DType::Float32, {1, 1, 1, 2});
    DepthwiseConv2DOptions o;
    o.padding = Padding::Valid;
    o.depthMultiplier = 1;
    m.op(OpKind::DepthwiseConv2D, {x, w, b}, {y}, o);
    RUN_OK(m, {bytesOf(F32{1, 10, 2, 20, 3, 30, 4, 40})});
    COMPARE_VALUES(m.out<float>(), (F32{10, -14}));
}

void TestKernels::fullyConnectedFloat()
{
    // x {1,2,3}; weights {1,0,−1}, {0.5,0.5,0.5}; bias {0.25, −1}: {1 − 3 + 0.25, 3 − 1} = {−1.75, 2};
    // fused RELU → {0, 2}.
    for (Activation act : {Activation::None, Activation::Relu}) {
        OneOp m;
        const int x = m.input(DType::Float32, {1, 3});
        const int w = m.constant<float>(DType::Float32, {2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
        const int b = m.constant<float>(DType::Float32, {2}, {0.25f, -1});
        const int y = m.output(DType::Float32, {1, 2});
        FullyConnectedOptions o;
        o.activation = act;
        m.op(OpKind::FullyConnected, {x, w, b}, {y}, o);
        RUN_OK(m, {bytesOf(F32{1, 2, 3})});
        COMPARE_VALUES(m.out<float>(), act == Activation::None ? (F32{-1.75f, 2}) : (F32{0, 2}));
    }
}

void TestKernels::quantizeDequantize()
{
    {
        // QUANTIZE float → int8, scale 0.5 zp 1: q = round-half-away(x/0.5) + 1, clamped:
        //   0.25 → 0.5 → 1 → 2;  −0.25 → −1 → 0;  1.0 → 3;  100 → 201 → 127;  −100 → −199 → −128
        OneOp m;
        const int x = m.input(DType::Float32, {5});
        const int y = m.output(DType::Int8, {5}, 0.5f, 1);
        m.op(OpKind::Quantize, {x}, {y});
        RUN_OK(m, {bytesOf(F32{0.25f, -0.25f, 1.0f, 100.0f, -100.0f})});
        COMPARE_VALUES(m.out<int8_t>(), (I8{2, 0, 3, 127, -128}));
    }
    {
        // DEQUANTIZE int8 → float: 0.5·(q − 1): {1, 3, −1, 127} → {0, 1, −1, 63}.
        OneOp m;
        const int x = m.input(DType::Int8, {4}, 0.5f, 1);
        const int y = m.output(DType::Float32, {4});
        m.op(OpKind::Dequantize, {x}, {y});
        RUN_OK(m, {bytesOf(I8{1, 3, -1, 127})});
        COMPARE_VALUES(m.out<float>(), (F32{0, 1, -1, 63}));
    }
}

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
