// Import of every real model in ../shared/models: op counts by kind, I/O shapes and quantization,
// MACs computed independently of the analysis code, custom ops, variable tensors, per-channel
// quantization, optional inputs, metadata, and the shape check.

#include "analysis/opfacts.h"
#include "model/demo_model.h"
#include "model/shapes.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "testsupport.h"
#include "tflite_subset_generated.h"

#include <map>

using namespace ts;

Q_DECLARE_METATYPE(std::vector<int32_t>)

class TestImport : public QObject {
    Q_OBJECT
private slots:
    void models_data();
    void models();
    void everySharedModelImportsWithoutShapeMismatch();
    void personDetectMacsFromArchitecture();
    void vwwMacsFromRawFlatBuffer();
    void personDetectDetails();
    void customOpModels();
    void keywordVariableTensors();
    void lenetNoBiasOptionalInput();
    void sha256MatchesProvenance();
    void shapeInferenceRules();
    void multipleSubgraphsAreReported();
};

void TestImport::models_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("ops");
    QTest::addColumn<int>("tensors");
    QTest::addColumn<QString>("opCounts"); // "KIND:n,KIND:n"
    QTest::addColumn<QString>("inputType");
    QTest::addColumn<std::vector<int32_t>>("inputShape");
    QTest::addColumn<QString>("outputType");
    QTest::addColumn<std::vector<int32_t>>("outputShape");
    QTest::addColumn<double>("inputScale");   // 0: no quantization expected
    QTest::addColumn<int>("inputZeroPoint");

    // Op counts and I/O facts as stated in shared/models/PROVENANCE.md (and TFLM's examples).
    QTest::newRow("person_detect") << "tflm_person_detect" << 31 << 89
                                   << "DEPTHWISE_CONV_2D:14,CONV_2D:14,AVERAGE_POOL_2D:1,RESHAPE:1,SOFTMAX:1" << "int8"
                                   << std::vector<int32_t>{1, 96, 96, 1} << "int8" << std::vector<int32_t>{1, 2}
                                   << 0.007843137718737125 << -1;
    QTest::newRow("micro_speech") << "tflm_micro_speech" << 4 << 10
                                  << "RESHAPE:1,DEPTHWISE_CONV_2D:1,FULLY_CONNECTED:1,SOFTMAX:1" << "int8"
                                  << std::vector<int32_t>{1, 1960} << "int8" << std::vector<int32_t>{1, 4}
                                  << 0.10171568393707275 << -128;
    QTest::newRow("hello_world_int8") << "tflm_hello_world_int8" << 3 << 10 << "FULLY_CONNECTED:3" << "int8"
                                      << std::vector<int32_t>{1, 1} << "int8" << std::vector<int32_t>{1, 1}
                                      << 0.024480115622282028 << -128;
    QTest::newRow("hello_world_float") << "tflm_hello_world_float" << 3 << 10 << "FULLY_CONNECTED:3" << "float32"
                                       << std::vector<int32_t>{1, 1} << "float32" << std::vector<int32_t>{1, 1} << 0.0 << 0;
    QTest::newRow("keyword_scrambled") << "tflm_keyword_scrambled_8bit" << 15 << 54
                                       << "QUANTIZE:2,SVDF:7,FULLY_CONNECTED:5,SOFTMAX:1" << "int16"
                                       << std::vector<int32_t>{1, 96} << "int32" << std::vector<int32_t>{1, 2}
                                       << 0.0006249999860301614 << 0;
    QTest::newRow("simple_add") << "tflm_simple_add" << 1 << 3 << "ADD:1" << "int8" << std::vector<int32_t>{1, 128, 128, 1}
                                << "int8" << std::vector<int32_t>{1, 128, 128, 1} << 0.04072536528110504 << -2;
    QTest::newRow("vww") << "tinyengine_vww" << 63 << 163
                         << "PAD:4,CONV_2D:30,DEPTHWISE_CONV_2D:15,ADD:8,TRANSPOSE:1,MEAN:2,FULLY_CONNECTED:1,QUANTIZE:1,DEQUANTIZE:1"
                         << "float32" << std::vector<int32_t>{1, 80, 80, 3} << "float32" << std::vector<int32_t>{1, 2}
                         << 0.0 << 0;
    QTest::newRow("mcunetv2_large") << "tinyengine_mcunetv2_large" << 163 << 380
                                    << "ADD:23,CONV_2D:61,DEPTHWISE_CONV_2D:16,MEAN:28,MUL:26,PAD:5,TRANSPOSE:1,"
                                       "FULLY_CONNECTED:1,QUANTIZE:1,DEQUANTIZE:1"
                                    << "float32" << std::vector<int32_t>{1, 224, 224, 3} << "float32"
                                    << std::vector<int32_t>{1, 1000} << 0.0 << 0;
    QTest::newRow("lenet") << "tinyengine_lenet_300_100" << 7 << 15
                           << "QUANTIZE:1,RESHAPE:1,FULLY_CONNECTED:3,LOG_SOFTMAX:1,DEQUANTIZE:1" << "float32"
                           << std::vector<int32_t>{1, 28, 28, 1} << "float32" << std::vector<int32_t>{1, 10} << 0.0 << 0;
    QTest::newRow("vela") << "tflm_person_detect_vela" << 1 << 6 << "CUSTOM:1" << "int8"
                          << std::vector<int32_t>{1, 96, 96, 1} << "int8" << std::vector<int32_t>{1, 2}
                          << 0.007843137718737125 << -1;
    QTest::newRow("audio_preprocessor") << "tflm_audio_preprocessor_int8" << 22 << 43 << "CUSTOM:9,CAST:4,ADD:2" << "int16"
                                        << std::vector<int32_t>{1, 480} << "int8" << std::vector<int32_t>{40} << 0.0 << 0;
}

void TestImport::models()
{
    QFETCH(QString, name);
    QFETCH(int, ops);
    QFETCH(int, tensors);
    QFETCH(QString, opCounts);
    QFETCH(QString, inputType);
    QFETCH(std::vector<int32_t>, inputShape);
    QFETCH(QString, outputType);
    QFETCH(std::vector<int32_t>, outputShape);
    QFETCH(double, inputScale);
    QFETCH(int, inputZeroPoint);
    const QString path = tstest::modelPath(name);
    TS_REQUIRE_MODEL(path);

    auto r = importTfliteFile(path.toStdString());
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    const Graph& g = r->main();
    QCOMPARE(int(g.ops.size()), ops);
    QCOMPARE(int(g.tensors.size()), tensors);

    std::map<std::string, int> counts;
    for (const Op& op : g.ops)
        counts[opKindName(op.kind)]++;
    for (const QString& entry : opCounts.split(',')) {
        const auto parts = entry.split(':');
        QCOMPARE(counts[parts[0].toStdString()], parts[1].toInt());
    }

    QVERIFY(!g.inputs.empty() && !g.outputs.empty());
    const Tensor& in = g.tensors[size_t(g.inputs[0])];
    const Tensor& out = g.tensors[size_t(g.outputs.back())];
    QCOMPARE(QString(dtypeName(in.dtype)), inputType);
    QCOMPARE(in.shape, inputShape);
    QCOMPARE(QString(dtypeName(out.dtype)), outputType);
    QCOMPARE(out.shape, outputShape);
    if (inputScale > 0) {
        QCOMPARE(in.quant.scale.size(), size_t(1));
        QCOMPARE(double(in.quant.scale[0]), inputScale);
        QCOMPARE(int(in.quant.zeroPoint[0]), inputZeroPoint);
    } else {
        QVERIFY(in.quant.scale.empty());
    }
}

void TestImport::everySharedModelImportsWithoutShapeMismatch()
{
    TS_REQUIRE_SHARED();
    for (const QString& name : tstest::sharedModels()) {
        auto r = importTfliteFile(tstest::modelPath(name).toStdString());
        QVERIFY2(r.ok(), qPrintable(name + ": " + QString::fromStdString(firstError(r.diagnostics))));
        QVERIFY(!r->sha256.empty());
        // Every stored output shape agrees with the shape TFLite semantics give.
        for (const Diagnostic& d : r.diagnostics)
            QVERIFY2(d.message.find("stored as") == std::string::npos && d.message.find("cannot compute") == std::string::npos,
                     qPrintable(name + ": " + QString::fromStdString(d.toString())));
    }
}

// MobileNetV1 (width 0.25) on 96×96×1, written down from the architecture, not from the file:
// the first 3×3 stride-2 conv (1→8, stored as a depthwise conv with multiplier 8), then 13
// depthwise-separable blocks, then the 1×1 classifier conv (256→2).
void TestImport::personDetectMacsFromArchitecture()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    struct Block { int stride; int outC; };
    const Block blocks[] = {{1, 16}, {2, 32}, {1, 32}, {2, 64}, {1, 64}, {2, 128}, {1, 128},
                            {1, 128}, {1, 128}, {1, 128}, {1, 128}, {2, 256}, {1, 256}};
    int64_t macs = 0;
    int size = 48, channels = 8;
    macs += int64_t(size) * size * channels * 3 * 3; // first conv: every output needs 3×3×1 MACs
    for (const Block& b : blocks) {
        size = (size + b.stride - 1) / b.stride;
        macs += int64_t(size) * size * channels * 9;        // depthwise 3×3
        macs += int64_t(size) * size * b.outC * channels;   // pointwise 1×1
        channels = b.outC;
    }
    macs += int64_t(channels) * 2; // classifier after the 3×3 average pool
    QCOMPARE(macs, int64_t(7157888));

    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    QCOMPARE(computeTotals(r->main()).macs, macs);
}

// MACs of tinyengine_vww computed straight from the FlatBuffer with the generated accessors
// (no IR, no analysis code): conv = out elements × KH×KW×Cin, depthwise = out elements × KH×KW,
// FC = out elements × depth.
void TestImport::vwwMacsFromRawFlatBuffer()
{
    const QString path = tstest::modelPath("tinyengine_vww");
    TS_REQUIRE_MODEL(path);
    auto bytes = tstest::readBytes(path);
    QVERIFY(bytes);
    flatbuffers::Verifier v(bytes->data(), bytes->size());
    QVERIFY(tflite::VerifyModelBuffer(v));
    const tflite::Model* m = tflite::GetModel(bytes->data());
    const auto* sg = m->subgraphs()->Get(0);
    int64_t macs = 0;
    for (const auto* op : *sg->operators()) {
        const auto* code = m->operator_codes()->Get(op->opcode_index());
        const int c = std::max<int>(int(code->builtin_code()), code->deprecated_builtin_code());
        auto shape = [&](int t) { return sg->tensors()->Get(uint32_t(t))->shape(); };
        int64_t outElems = 1;
        for (int d : *shape(op->outputs()->Get(0)))
            outElems *= d;
        const auto* w = op->inputs()->size() > 1 ? shape(op->inputs()->Get(1)) : nullptr;
        if (c == 3)
            macs += outElems * w->Get(1) * w->Get(2) * w->Get(3);
        else if (c == 4)
            macs += outElems * w->Get(1) * w->Get(2);
        else if (c == 9)
            macs += outElems * w->Get(1);
    }
    QVERIFY(macs > 10'000'000 && macs < 15'000'000); // mcunet-vww1 is ~11.6 M MACs
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    QCOMPARE(computeTotals(r->main()).macs, macs);
    QCOMPARE(macs, int64_t(11578816));
}

void TestImport::personDetectDetails()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    const Graph& g = r->main();
    // Old-style opcodes: only deprecated_builtin_code is set, and the kinds still come out right.
    QCOMPARE(g.ops[0].kind, OpKind::DepthwiseConv2D);
    QCOMPARE(g.ops[2].kind, OpKind::Conv2D);
    const auto* o = std::get_if<DepthwiseConv2DOptions>(&g.ops[0].options);
    QVERIFY(o);
    QCOMPARE(o->strideH, 2);
    QCOMPARE(o->depthMultiplier, 8);
    QCOMPARE(o->activation, Activation::Relu6);
    // Per-channel quantization: conv filters along dimension 0, depthwise along dimension 3.
    const Tensor& convW = g.tensors[size_t(g.ops[2].inputs[1])];
    QCOMPARE(convW.quant.scale.size(), size_t(convW.shape[0]));
    QCOMPARE(convW.quant.quantizedDimension, 0);
    const Tensor& dwW = g.tensors[size_t(g.ops[1].inputs[1])];
    QCOMPARE(dwW.quant.scale.size(), size_t(dwW.shape[3]));
    QCOMPARE(dwW.quant.quantizedDimension, 3);
    QVERIFY(dwW.isConstant());
    QCOMPARE(dwW.data.size, size_t(3 * 3 * 8));
    for (const Op& op : g.ops)
        QVERIFY(opSupport(g, op).supported);
    const OpFacts f = computeOpFacts(g, g.ops[2]);
    QCOMPARE(f.macs, int64_t(48 * 48 * 16 * 8));
    QCOMPARE(f.weightBytes, int64_t(16 * 8));
    QCOMPARE(f.biasBytes, int64_t(16 * 4));
    QCOMPARE(f.inputBytes, int64_t(48 * 48 * 8));
    QCOMPARE(f.outputBytes, int64_t(48 * 48 * 16));
}

void TestImport::customOpModels()
{
    const QString vela = tstest::modelPath("tflm_person_detect_vela");
    TS_REQUIRE_MODEL(vela);
    auto r = importTfliteFile(vela.toStdString());
    QVERIFY(r.ok());
    const Op& op = r->main().ops[0];
    QCOMPARE(op.kind, OpKind::Custom);
    QCOMPARE(op.customCode, std::string("ethos-u"));
    QVERIFY(!op.customOptions.empty() || op.inputs.size() > 1);
    QVERIFY(!opSupport(r->main(), op).supported);
    const MetadataEntry* md = r->findMetadata("OfflineMemoryAllocation");
    QVERIFY(md);
    QVERIFY(md->data.size >= 12);

    const QString audio = tstest::modelPath("tflm_audio_preprocessor_int8");
    TS_REQUIRE_MODEL(audio);
    auto a = importTfliteFile(audio.toStdString());
    QVERIFY(a.ok());
    int customs = 0;
    for (const Op& o : a->main().ops) {
        if (o.kind != OpKind::Custom)
            continue;
        ++customs;
        QVERIFY(QString::fromStdString(o.customCode).startsWith("Signal"));
        QVERIFY(!opSupport(a->main(), o).supported);
    }
    QCOMPARE(customs, 9);
    QCOMPARE(computeTotals(a->main()).unsupportedOps >= 9, true);
}

void TestImport::keywordVariableTensors()
{
    const QString path = tstest::modelPath("tflm_keyword_scrambled_8bit");
    TS_REQUIRE_MODEL(path);
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    int variables = 0;
    for (const Tensor& t : r->main().tensors)
        if (t.isVariable) {
            ++variables;
            QCOMPARE(t.dtype, DType::Int8);
            QVERIFY(!t.isConstant());
        }
    QCOMPARE(variables, 7);
    for (const Op& op : r->main().ops)
        if (op.kind == OpKind::Svdf) {
            const auto* o = std::get_if<SvdfOptions>(&op.options);
            QVERIFY(o);
            QCOMPARE(o->rank, 1);
        }
}

void TestImport::lenetNoBiasOptionalInput()
{
    // Despite its name, the "nobias" LeNet stores int32 bias operands (the same sizes as the
    // biased model): the importer keeps them as stored.
    const QString path = tstest::modelPath("tinyengine_lenet_300_100_nobias");
    TS_REQUIRE_MODEL(path);
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    int fcs = 0;
    for (const Op& op : r->main().ops) {
        if (op.kind != OpKind::FullyConnected)
            continue;
        ++fcs;
        QCOMPARE(op.inputs.size(), size_t(3));
        QCOMPARE(r->main().tensors[size_t(op.inputs[2])].dtype, DType::Int32);
    }
    QCOMPARE(fcs, 3);
    const QString with = tstest::modelPath("tinyengine_lenet_300_100");
    TS_REQUIRE_MODEL(with);
    auto w = importTfliteFile(with.toStdString());
    QVERIFY(w.ok());
    QCOMPARE(computeTotals(w->main()).macs, int64_t(784 * 300 + 300 * 100 + 100 * 10));

    // An omitted optional input (-1) survives export and import, and costs no bytes.
    Model m = *w;
    Op& fc = m.main().ops[2];
    QCOMPARE(fc.kind, OpKind::FullyConnected);
    fc.inputs[2] = -1;
    auto bytes = exportTflite(m);
    QVERIFY(bytes.ok());
    auto back = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "nobias.tflite");
    QVERIFY2(back.ok(), firstError(back.diagnostics).c_str());
    QCOMPARE(back->main().ops[2].inputs[2], -1);
    QCOMPARE(computeOpFacts(back->main(), back->main().ops[2]).biasBytes, int64_t(0));
}

void TestImport::sha256MatchesProvenance()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(r.ok());
    QCOMPARE(QString::fromStdString(r->sha256), QString("808cfdfc0cf3a6fa6f6fa26bfa379ea97c16d5db7334637766e39c3408502e9d"));
}

// Hand-computed output shapes on a small graph (SAME/VALID, stride, dilation, reduce, pad).
void TestImport::shapeInferenceRules()
{
    QCOMPARE(windowOutputSize(96, 3, 2, 1, Padding::Same), 48);
    QCOMPARE(windowOutputSize(95, 3, 2, 1, Padding::Same), 48);
    QCOMPARE(windowOutputSize(96, 3, 2, 1, Padding::Valid), 47);
    QCOMPARE(windowOutputSize(10, 3, 1, 2, Padding::Valid), 6); // effective kernel 5
    QCOMPARE(windowOutputSize(2, 5, 1, 1, Padding::Valid), 0);

    Graph g;
    auto add = [&](std::vector<int32_t> shape, DType t = DType::Int8) {
        Tensor x;
        x.shape = std::move(shape);
        x.dtype = t;
        g.tensors.push_back(x);
        return int(g.tensors.size() - 1);
    };
    static const int32_t axes[2] = {1, 2};
    const int in = add({1, 20, 20, 16});
    const int ax = add({2}, DType::Int32);
    g.tensors[size_t(ax)].data = ByteView{reinterpret_cast<const uint8_t*>(axes), sizeof axes};
    const int out = add({1, 1, 1, 16});
    Op mean;
    mean.kind = OpKind::Mean;
    mean.inputs = {in, ax};
    mean.outputs = {out};
    mean.options = ReducerOptions{true};
    QCOMPARE(*inferOutputShape(g, mean), (std::vector<int32_t>{1, 1, 1, 16}));
    mean.options = ReducerOptions{false};
    QCOMPARE(*inferOutputShape(g, mean), (std::vector<int32_t>{1, 16}));
    QVERIFY(!checkShapes(Graph{g.name, g.tensors, {mean}, {}, {}}, "x").empty()); // stored [1,1,1,16] ≠ [1,16]
}

// Subgraph 0 is the model; the others are kept and reported.
void TestImport::multipleSubgraphsAreReported()
{
    Model m = buildDemoModel();
    Graph second = m.main();
    second.name = "while_body";
    m.subgraphs.push_back(second);
    auto bytes = exportTflite(m);
    QVERIFY(bytes.ok());
    auto r = importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*bytes), "two.tflite");
    QVERIFY(r.ok());
    QCOMPARE(r->subgraphs.size(), size_t(2));
    QCOMPARE(r->main().name, std::string("tinystudio_demo"));
    bool reported = false;
    for (const Diagnostic& d : r.diagnostics)
        reported |= d.severity == Severity::Info && d.message.find("2 subgraphs") != std::string::npos
            && d.message.find("1 'while_body'") != std::string::npos;
    QVERIFY(reported);
}

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
