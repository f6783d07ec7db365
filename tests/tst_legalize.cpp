// Legalization never changes results: for every op kind that can carry a fused activation, a
// synthetic graph op → RELU and op → RELU6 gives the same output bytes on the reference interpreter
// raw and legalized. Inputs go negative (and past 6) so that the activation changes the output.

#include "model/operands.h"
#include "passes/legalize.h"
#include "reference/interpreter.h"
#include "synthmodels.h"
#include "testsupport.h"

using namespace ts;

namespace {

using Bytes = std::vector<uint8_t>;

// Inputs spanning the whole int8/int16 range, or [-8, 8) for float32.
std::vector<Bytes> inputsFor(const Graph& g)
{
    uint32_t x = 12345;
    std::vector<Bytes> out;
    for (int i : g.inputs) {
        const Tensor& t = g.tensors[size_t(i)];
        Bytes bytes(size_t(t.byteSize().value_or(0)));
        const size_t es = size_t(dtypeSize(t.dtype));
        for (size_t k = 0; k < bytes.size(); k += es) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if (t.dtype == DType::Float32) {
                const float v = float(int8_t(x & 0xFF)) / 16.0f;
                std::memcpy(bytes.data() + k, &v, 4);
            } else if (t.dtype == DType::Int16) {
                const auto v = int16_t(x & 0xFFFF);
                std::memcpy(bytes.data() + k, &v, 2);
            } else {
                bytes[k] = uint8_t(x);
            }
        }
        out.push_back(std::move(bytes));
    }
    return out;
}

Result<Bytes> runGraph(const Graph& g, const std::vector<Bytes>& inputs)
{
    Result<Bytes> r;
    auto interp = ReferenceInterpreter::create(g);
    if (!interp.ok()) {
        r.diagnostics = interp.diagnostics;
        return r;
    }
    r.diagnostics = interp->setInputs(inputs);
    if (r.diagnostics.empty())
        r.diagnostics = interp->run();
    if (r.diagnostics.empty())
        r.value = interp->outputsConcatenated();
    return r;
}

} // namespace

Q_DECLARE_METATYPE(ts::OpKind)
Q_DECLARE_METATYPE(ts::DType)
Q_DECLARE_METATYPE(std::shared_ptr<const ts::Model>)

class TestLegalize : public QObject {
    Q_OBJECT
private slots:
    void fusedActivationsKeepResults_data();
    void fusedActivationsKeepResults();
    void concatenationIsNeverFused();
    void rewritesKeepEveryOpValid_data();
    void rewritesKeepEveryOpValid();
};

void TestLegalize::fusedActivationsKeepResults_data()
{
    QTest::addColumn<OpKind>("kind");
    QTest::addColumn<DType>("dtype");
    QTest::addColumn<OpKind>("relu");
    const OpKind kinds[] = {OpKind::Conv2D, OpKind::DepthwiseConv2D, OpKind::FullyConnected, OpKind::AveragePool2D,
                            OpKind::MaxPool2D, OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Concatenation};
    for (OpKind relu : {OpKind::Relu, OpKind::Relu6}) {
        for (OpKind k : kinds)
            for (DType d : {DType::Int8, DType::Float32})
                QTest::newRow(qPrintable(QString::fromStdString(opKindName(k) + " " + dtypeName(d) + " → " + opKindName(relu))))
                    << k << d << relu;
        for (OpKind k : {OpKind::FullyConnected, OpKind::Add, OpKind::Sub})
            QTest::newRow(qPrintable(QString::fromStdString(opKindName(k) + " int16 → " + opKindName(relu))))
                << k << DType::Int16 << relu;
        QTest::newRow(qPrintable(QString::fromStdString("SVDF int8 → " + opKindName(relu))))
            << OpKind::Svdf << DType::Int8 << relu;
    }
}

void TestLegalize::fusedActivationsKeepResults()
{
    QFETCH(OpKind, kind);
    QFETCH(DType, dtype);
    QFETCH(OpKind, relu);
    const Model raw = synth::activationCase(kind, dtype, relu);
    QVERIFY(!raw.subgraphs.empty());
    QVERIFY2(checkOperands(raw.main()).empty(), firstError(checkOperands(raw.main())).c_str());
    const std::vector<Bytes> inputs = inputsFor(raw.main());

    auto rawOut = runGraph(raw.main(), inputs);
    QVERIFY2(rawOut.ok(), firstError(rawOut.diagnostics).c_str());
    // The activation matters: without it the output differs.
    const Model bare = synth::activationCase(kind, dtype, OpKind::Custom);
    auto bareOut = runGraph(bare.main(), inputs);
    QVERIFY2(bareOut.ok(), firstError(bareOut.diagnostics).c_str());
    QVERIFY2(*bareOut != *rawOut, "the inputs do not exercise the activation");

    const LegalGraph lg = legalize(raw);
    QVERIFY(lg.errors.empty());
    const bool fused = lg.graph.ops.size() < raw.main().ops.size();
    QCOMPARE(fused, fusedActivationApplied(kind, dtype));
    if (fused)
        QCOMPARE(lg.graph.ops[0].activation(), relu == OpKind::Relu ? Activation::Relu : Activation::Relu6);
    auto legalOut = runGraph(lg.graph, inputs);
    QVERIFY2(legalOut.ok(), firstError(legalOut.diagnostics).c_str());
    QVERIFY2(*legalOut == *rawOut, qPrintable(QString::fromStdString(lg.log.empty() ? std::string("not legalized") : lg.log[0])
                                              + ": legalized output differs from the raw graph's"));
}

// Regression: CONCATENATION → RELU used to be fused though the concatenation kernel ignores fused
// activations (TFLite's does too), so −128 came out where the raw graph gives the zero point.
void TestLegalize::concatenationIsNeverFused()
{
    const Model raw = synth::activationCase(OpKind::Concatenation, DType::Int8, OpKind::Relu);
    const LegalGraph lg = legalize(raw);
    QCOMPARE(lg.graph.ops.size(), size_t(2));
    QCOMPARE(lg.graph.ops[0].activation(), Activation::None);
    QVERIFY(!fusedActivationApplied(OpKind::Concatenation, DType::Int8));
}

// Graphs that write a tensor back into one they read earlier (valid, if odd): no rewrite may turn
// that into an op reading and writing one tensor, which the operand contracts refuse.
void TestLegalize::rewritesKeepEveryOpValid_data()
{
    QTest::addColumn<std::shared_ptr<const Model>>("model");
    {
        // ADD(x, x2) → t, RELU6(t) → x2: fusing would make ADD write x2 (found by fuzz_pipeline).
        Model m = synth::activationCase(OpKind::Add, DType::Int8, OpKind::Relu6);
        m.main().ops[1].outputs = {m.main().ops[0].inputs[1]};
        m.main().outputs = m.main().ops[1].outputs;
        QTest::newRow("activation into the producer's input") << std::make_shared<const Model>(std::move(m));
    }
    {
        // PAD(x) → p, VALID CONV_2D(p) → x: folding would make the convolution read x and write x.
        synth::Builder b;
        const int x = b.act("x", {1, 4, 4, 2});
        const int pads = b.int32Values("paddings", {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
        const int padded = b.act("padded", {1, 6, 6, 2});
        b.op(OpKind::Pad, {x, pads}, {padded});
        const int w = b.int8Weights("w", {2, 3, 3, 2}, {0.01f, 0.02f});
        b.op(OpKind::Conv2D, {padded, w, b.bias("bias", 2)}, {x}, synth::convOptions(Padding::Valid));
        QTest::newRow("padding folded into a convolution writing the PAD's input")
            << std::make_shared<const Model>(b.finish({x}, {x}));
    }
}

void TestLegalize::rewritesKeepEveryOpValid()
{
    QFETCH(std::shared_ptr<const Model>, model);
    QVERIFY2(checkOperands(model->main()).empty(), firstError(checkOperands(model->main())).c_str());
    const LegalGraph lg = legalize(*model);
    QVERIFY(lg.errors.empty());
    QVERIFY2(checkOperands(lg.graph).empty(), firstError(checkOperands(lg.graph)).c_str());
    const std::vector<Bytes> inputs = inputsFor(model->main());
    auto raw = runGraph(model->main(), inputs);
    QVERIFY2(raw.ok(), firstError(raw.diagnostics).c_str());
    auto legal = runGraph(lg.graph, inputs);
    QVERIFY2(legal.ok(), firstError(legal.diagnostics).c_str());
    QVERIFY(*legal == *raw);
}

QTEST_GUILESS_MAIN(TestLegalize)
#include "tst_legalize.moc"
