// The demo model: MCUNet-style structure, valid per-channel quantization, deterministic bytes.

#include "analysis/opfacts.h"
#include "model/demo_model.h"
#include "model/shapes.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "testsupport.h"

#include <set>

using namespace ts;

class TestDemo : public QObject {
    Q_OBJECT
private slots:
    void structure();
    void quantizationIsValid();
    void deterministic();
};

void TestDemo::structure()
{
    const Model m = buildDemoModel();
    const Graph& g = m.main();
    QCOMPARE(g.tensors[size_t(g.inputs[0])].shape, (std::vector<int32_t>{1, 96, 96, 3}));
    QCOMPARE(g.tensors[size_t(g.inputs[0])].dtype, DType::Int8);
    std::set<int> dwKernels;
    int stride2 = 0, adds = 0, pools = 0, fcs = 0;
    for (const Op& op : g.ops) {
        if (op.kind == OpKind::DepthwiseConv2D) {
            dwKernels.insert(g.tensors[size_t(op.inputs[1])].shape[1]);
            stride2 += std::get<DepthwiseConv2DOptions>(op.options).strideH == 2;
        }
        if (op.kind == OpKind::Conv2D)
            stride2 += std::get<Conv2DOptions>(op.options).strideH == 2;
        adds += op.kind == OpKind::Add;
        pools += op.kind == OpKind::AveragePool2D;
        fcs += op.kind == OpKind::FullyConnected;
        QVERIFY(opSupport(g, op).supported);
    }
    QCOMPARE(dwKernels, (std::set<int>{3, 5, 7}));
    QVERIFY(stride2 >= 3);
    QVERIFY(adds >= 1);
    QCOMPARE(pools, 1);
    QCOMPARE(fcs, 1);
    QVERIFY(checkShapes(g, "demo").empty());
    const int64_t macs = computeTotals(g).macs;
    QVERIFY(macs > 1'000'000 && macs < 50'000'000);
}

void TestDemo::quantizationIsValid()
{
    const Model m = buildDemoModel();
    const Graph& g = m.main();
    for (const Op& op : g.ops) {
        if (op.kind != OpKind::Conv2D && op.kind != OpKind::DepthwiseConv2D && op.kind != OpKind::FullyConnected)
            continue;
        const Tensor& in = g.tensors[size_t(op.inputs[0])];
        const Tensor& w = g.tensors[size_t(op.inputs[1])];
        const Tensor& b = g.tensors[size_t(op.inputs[2])];
        const int qd = w.quant.quantizedDimension;
        const size_t channels = size_t(op.kind == OpKind::DepthwiseConv2D ? w.shape[3] : w.shape[0]);
        if (op.kind != OpKind::FullyConnected) {
            QCOMPARE(w.quant.scale.size(), channels);
            QCOMPARE(qd, op.kind == OpKind::DepthwiseConv2D ? 3 : 0);
        }
        QCOMPARE(b.dtype, DType::Int32);
        QCOMPARE(b.quant.scale.size(), channels);
        for (size_t c = 0; c < channels; ++c) {
            const float ws = w.quant.scale[w.quant.scale.size() == 1 ? 0 : c];
            QVERIFY(ws > 0);
            QCOMPARE(w.quant.zeroPoint[w.quant.zeroPoint.size() == 1 ? 0 : c], int64_t(0));
            // TFLite requires bias scale = input scale × weight scale.
            QCOMPARE(b.quant.scale[c], in.quant.scale[0] * ws);
        }
        // Weights are symmetric int8 (-127..127).
        for (size_t i = 0; i < w.data.size; ++i)
            QVERIFY(int8_t(w.data.data[i]) != -128);
    }
    const Tensor& out = g.tensors[size_t(g.outputs[0])];
    QCOMPARE(out.quant.scale[0], 1.0f / 256.0f);
    QCOMPARE(out.quant.zeroPoint[0], int64_t(-128));
}

void TestDemo::deterministic()
{
    auto a = exportTflite(buildDemoModel());
    auto b = exportTflite(buildDemoModel());
    QVERIFY(a.ok() && b.ok());
    QVERIFY(*a == *b);
}

QTEST_GUILESS_MAIN(TestDemo)
#include "tst_demo.moc"
