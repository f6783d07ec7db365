// Malformed input: each case gives exactly one clear error naming what is wrong and where, and
// never a crash or a hang (these rows also run under ASan/UBSan with -DTINYSTUDIO_SANITIZE=ON).

#include "analysis/opfacts.h"
#include "fuzz/fuzz_checks.h"
#include "model/demo_model.h"
#include "model/operands.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "passes/legalize.h"
#include "pipeline/analysis.h"
#include "reference/interpreter.h"
#include "reference/kernel_api.h"
#include "synthmodels.h"
#include "testsupport.h"
#include "tflite_subset_generated.h"

#include <QProcess>
#include <QTemporaryDir>

using namespace ts;

namespace {

using Bytes = std::vector<uint8_t>;

// A small valid model built directly with the FlatBuffers builder, with hooks to break one field:
// t0 input int8[1,4], t1 constant int8[1,4] (buffer 1), t2 output int8[1,4]; op 0: ADD(t0, t1) → t2.
struct RawSpec {
    std::vector<int32_t> inputShape{1, 4};
    int8_t constType = int8_t(tflite::TensorType::INT8);
    uint32_t constBuffer = 1;
    size_t constBytes = 4;
    int32_t opInput1 = 1;
    uint32_t opcodeIndex = 0;
    int32_t graphOutput = 2;
    uint32_t version = 3;
    bool noSubgraphs = false;
    uint32_t metadataBuffer = 0;
    bool withMetadata = false;
    std::vector<float> constScales{0.5f};
    std::vector<int64_t> constZeroPoints{0};
    int32_t quantizedDimension = 0;
};

Bytes buildRaw(const RawSpec& s)
{
    flatbuffers::FlatBufferBuilder fbb;
    auto quant = [&](std::vector<float> sc, std::vector<int64_t> zp, int qd) {
        return tflite::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &sc, &zp,
                                                          tflite::QuantizationDetails::NONE, 0, qd);
    };
    std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
    std::vector<int32_t> shape4{1, 4};
    tensors.push_back(tflite::CreateTensorDirect(fbb, &s.inputShape, tflite::TensorType::INT8, 0, "input",
                                                 quant({0.5f}, {0}, 0)));
    tensors.push_back(tflite::CreateTensorDirect(fbb, &shape4, static_cast<tflite::TensorType>(s.constType),
                                                 s.constBuffer, "weights",
                                                 quant(s.constScales, s.constZeroPoints, s.quantizedDimension)));
    tensors.push_back(tflite::CreateTensorDirect(fbb, &shape4, tflite::TensorType::INT8, 0, "output",
                                                 quant({0.5f}, {0}, 0)));
    std::vector<int32_t> opIn{0, s.opInput1}, opOut{2}, gIn{0}, gOut{s.graphOutput};
    auto addOpts = tflite::CreateAddOptions(fbb);
    std::vector<flatbuffers::Offset<tflite::Operator>> ops{
        tflite::CreateOperatorDirect(fbb, s.opcodeIndex, &opIn, &opOut, tflite::BuiltinOptions::AddOptions,
                                     addOpts.Union())};
    std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
    if (!s.noSubgraphs)
        subgraphs.push_back(tflite::CreateSubGraphDirect(fbb, &tensors, &gIn, &gOut, &ops, "main"));
    std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes{
        tflite::CreateOperatorCode(fbb, 0, 0, 1, tflite::BuiltinOperator::ADD)};
    std::vector<uint8_t> data(s.constBytes, 7);
    std::vector<flatbuffers::Offset<tflite::Buffer>> buffers{tflite::CreateBuffer(fbb),
                                                             tflite::CreateBufferDirect(fbb, &data)};
    std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
    if (s.withMetadata)
        metadata.push_back(tflite::CreateMetadataDirect(fbb, "OfflineMemoryAllocation", s.metadataBuffer));
    auto model = tflite::CreateModelDirect(fbb, s.version, &codes, &subgraphs, "raw", &buffers, nullptr,
                                           s.withMetadata ? &metadata : nullptr);
    tflite::FinishModelBuffer(fbb, model);
    return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Result<Model> importBytes(const Bytes& b) { return importTfliteBytes(std::make_shared<const Bytes>(b), "case.tflite"); }

int errorCount(const Diagnostics& d)
{
    int n = 0;
    for (const auto& x : d)
        n += x.severity == Severity::Error;
    return n;
}

Bytes xorshiftBytes(size_t n, uint32_t seed)
{
    Bytes b(n);
    uint32_t x = seed;
    for (auto& v : b) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v = uint8_t(x);
    }
    return b;
}

Bytes exported(const Model& m)
{
    auto b = exportTflite(m);
    return b.ok() ? *b : Bytes{};
}

struct CliRun {
    int code = -1;
    QString err;
};

CliRun cli(const QStringList& args)
{
    QProcess p;
    p.start(QString::fromUtf8(TINYSTUDIO_CLI), args);
    CliRun r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// The bytes every tensor of `g` holds (constant data, else zeros), as the interpreter lays them out.
std::vector<Bytes> tensorBytes(const Graph& g)
{
    std::vector<Bytes> out;
    for (const Tensor& t : g.tensors)
        out.push_back(t.isConstant() ? Bytes(t.data.data, t.data.data + t.data.size)
                                     : Bytes(size_t(t.byteSize().value_or(0)), 0));
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Bytes)
Q_DECLARE_METATYPE(std::shared_ptr<const ts::Model>)

class TestBadInput : public QObject {
    Q_OBJECT
private slots:
    void rawBuilderIsValid();
    void malformed_data();
    void malformed();
    void everyTruncation();
    void everyTruncationOfARealModel();
    void randomMutationsNeverCrash();
    void files_data();
    void files();
    void realModelsMeetTheirContracts();
    void contracts_data();
    void contracts();
    void contractsCli_data();
    void contractsCli();
    void kernelsCheckSizes_data();
    void kernelsCheckSizes();
    void fuzzRegressions_data();
    void fuzzRegressions();
};

void TestBadInput::rawBuilderIsValid()
{
    auto r = importBytes(buildRaw({}));
    QVERIFY2(r.ok(), firstError(r.diagnostics).c_str());
    QCOMPARE(r->main().ops.size(), size_t(1));
    QCOMPARE(errorCount(r.diagnostics), 0);
}

void TestBadInput::malformed_data()
{
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<QString>("expect"); // substring the one error must contain

    const Bytes valid = buildRaw({});
    QTest::newRow("empty") << Bytes{} << "empty";
    QTest::newRow("seven bytes") << Bytes(valid.begin(), valid.begin() + 7) << "too short";
    Bytes wrongId = valid;
    std::memcpy(wrongId.data() + 4, "XXXX", 4);
    QTest::newRow("wrong identifier") << wrongId << "expected 'TFL3'";
    QTest::newRow("random bytes") << xorshiftBytes(4096, 1) << "expected 'TFL3'";
    Bytes randomWithId = xorshiftBytes(4096, 2);
    std::memcpy(randomWithId.data() + 4, "TFL3", 4);
    QTest::newRow("random bytes with TFL3") << randomWithId << "Verifier";
    QTest::newRow("truncated at half") << Bytes(valid.begin(), valid.begin() + long(valid.size() / 2)) << "Verifier";
    QTest::newRow("truncated by one") << Bytes(valid.begin(), valid.end() - 1) << "Verifier";

    RawSpec s;
    s.constBuffer = 99;
    QTest::newRow("buffer index out of range") << buildRaw(s) << "tensors[1].buffer: buffer index 99";
    s = {};
    s.opInput1 = 7;
    QTest::newRow("op input tensor index out of range") << buildRaw(s) << "operators[0].inputs[1]: tensor index 7";
    s = {};
    s.opInput1 = -2;
    QTest::newRow("negative tensor index") << buildRaw(s) << "tensor index -2";
    s = {};
    s.graphOutput = 3;
    QTest::newRow("graph output index out of range") << buildRaw(s) << "subgraphs[0].outputs[0]";
    s = {};
    s.opcodeIndex = 5;
    QTest::newRow("opcode index out of range") << buildRaw(s) << "operators[0].opcode_index: found 5";
    s = {};
    s.inputShape = {1, -4};
    QTest::newRow("negative dimension") << buildRaw(s) << "tensors[0].shape[1]: dimension -4";
    s = {};
    s.inputShape = {1 << 20, 1 << 20, 16}; // 16 TiB: fits int64, absurd on any device
    QTest::newRow("absurd shape") << buildRaw(s) << "an absurd shape";
    s = {};
    s.inputShape = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    QTest::newRow("shape product overflows") << buildRaw(s) << "overflows 64 bits";
    s = {};
    s.constBytes = 2;
    QTest::newRow("buffer smaller than tensor") << buildRaw(s) << "holds 2 bytes but 'weights' int8[1,4] needs 4";
    s = {};
    s.constType = 77;
    QTest::newRow("unknown tensor type") << buildRaw(s) << "unknown tensor type 77";
    s = {};
    s.version = 4;
    QTest::newRow("schema version") << buildRaw(s) << "schema version 4; expected 3";
    s = {};
    s.noSubgraphs = true;
    QTest::newRow("no subgraph") << buildRaw(s) << "no subgraph";
    s = {};
    s.withMetadata = true;
    s.metadataBuffer = 12;
    QTest::newRow("metadata buffer out of range") << buildRaw(s) << "metadata[0].buffer";
    s = {};
    s.constScales = {0.1f, 0.2f, 0.3f};
    s.constZeroPoints = {0, 0, 0};
    s.quantizedDimension = 1;
    QTest::newRow("per-channel scale count") << buildRaw(s) << "3 per-channel scales";
    s = {};
    s.constScales = {0.1f, 0.2f, 0.3f, 0.4f};
    s.constZeroPoints = {0, 0, 0, 0};
    s.quantizedDimension = 9;
    QTest::newRow("quantized dimension out of range") << buildRaw(s) << "quantized_dimension: found 9";
    s = {};
    s.constZeroPoints = {0, 0};
    QTest::newRow("zero point count") << buildRaw(s) << "2 zero points";
}

void TestBadInput::malformed()
{
    QFETCH(Bytes, bytes);
    QFETCH(QString, expect);
    auto r = importBytes(bytes);
    QVERIFY(!r.ok());
    QCOMPARE(errorCount(r.diagnostics), 1);
    const QString msg = QString::fromStdString(firstError(r.diagnostics));
    QVERIFY2(msg.contains(expect), qPrintable("got: " + msg));
    QVERIFY2(msg.startsWith("case.tflite: "), qPrintable("the error names the file: " + msg));
}

// Truncating the small model at every offset gives one error each time, never a crash.
void TestBadInput::everyTruncation()
{
    const Bytes valid = buildRaw({});
    for (size_t n = 0; n < valid.size(); ++n) {
        auto r = importBytes(Bytes(valid.begin(), valid.begin() + long(n)));
        QVERIFY2(!r.ok(), qPrintable(QString("truncated at %1 of %2 bytes was accepted").arg(n).arg(valid.size())));
        QCOMPARE(errorCount(r.diagnostics), 1);
    }
}

void TestBadInput::everyTruncationOfARealModel()
{
    const QString path = tstest::modelPath("tflm_micro_speech");
    TS_REQUIRE_MODEL(path);
    auto bytes = tstest::readBytes(path);
    QVERIFY(bytes);
    for (size_t n = 0; n < bytes->size(); n += 7) {
        auto r = importBytes(Bytes(bytes->begin(), bytes->begin() + long(n)));
        QVERIFY(!r.ok());
        QCOMPARE(errorCount(r.diagnostics), 1);
    }
}

// Seeded single-byte and multi-byte corruption of a real model: import must either succeed or
// fail with exactly one error.
void TestBadInput::randomMutationsNeverCrash()
{
    const QString path = tstest::modelPath("tflm_person_detect");
    TS_REQUIRE_MODEL(path);
    auto bytes = tstest::readBytes(path);
    QVERIFY(bytes);
    uint32_t x = 12345;
    auto next = [&] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    // Corrupt only the FlatBuffer's structure region (before the large weight buffers start).
    const size_t span = std::min<size_t>(bytes->size(), 16384);
    for (int i = 0; i < 400; ++i) {
        Bytes b = *bytes;
        const int flips = 1 + int(next() % 4);
        for (int k = 0; k < flips; ++k)
            b[next() % span] = uint8_t(next());
        auto r = importBytes(b);
        QVERIFY(r.ok() || errorCount(r.diagnostics) == 1);
    }
}

void TestBadInput::files_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expect");
    QTest::newRow("empty file") << "empty" << "empty";
    QTest::newRow("directory") << "dir" << "is a directory";
    QTest::newRow("missing file") << "missing" << "no such file";
    QTest::newRow("over 1 GiB") << "huge" << "expected at most 1073741824";
}

void TestBadInput::files()
{
    QFETCH(QString, kind);
    QFETCH(QString, expect);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString path = dir.filePath("model.tflite");
    if (kind == "empty") {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
    } else if (kind == "dir") {
        QVERIFY(QDir(dir.path()).mkdir("model.tflite"));
    } else if (kind == "huge") {
        // A sparse file: its size is over the limit, it occupies no disk and is never read.
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize((qint64(1) << 30) + 1));
    }
    auto r = importTfliteFile(path.toStdString());
    QVERIFY(!r.ok());
    QCOMPARE(errorCount(r.diagnostics), 1);
    const QString msg = QString::fromStdString(firstError(r.diagnostics));
    QVERIFY2(msg.contains(expect), qPrintable(msg));
    QVERIFY2(msg.contains(path), qPrintable(msg));
}

// Every shared model and the demo model meet the operand contracts: no error, no op flagged.
void TestBadInput::realModelsMeetTheirContracts()
{
    const Model demo = buildDemoModel();
    QVERIFY2(checkOperands(demo.main()).empty(), firstError(checkOperands(demo.main())).c_str());
    for (const QString& name : tstest::sharedModels()) {
        auto r = importTfliteFile(tstest::modelPath(name).toStdString());
        QVERIFY2(r.ok(), qPrintable(name));
        QVERIFY2(!hasErrors(r.diagnostics), qPrintable(name + ": " + QString::fromStdString(firstError(r.diagnostics))));
        for (const Op& op : r->main().ops)
            QVERIFY2(op.invalid.empty(), qPrintable(name + ": " + QString::fromStdString(op.invalid)));
    }
}

// Crafted models that are well-formed FlatBuffers but whose op breaks its operand contract. Each
// imports (the studio can show it) with exactly one error naming the op and the operand, the op is
// flagged unsupported, and legalization, the analysis and the reference interpreter refuse it.
void TestBadInput::contracts_data()
{
    QTest::addColumn<std::shared_ptr<const Model>>("model");
    QTest::addColumn<QString>("op");     // how the error names the op
    QTest::addColumn<QString>("expect"); // the operand and what is wrong
    auto row = [](const char* name, Model m, const char* op, const char* expect) {
        QTest::newRow(name) << std::make_shared<const Model>(std::move(m)) << QString(op) << QString(expect);
    };
    synth::ConvFault f;
    f.omitInput = true;
    row("omitted input operand", synth::conv(f), "CONV_2D (op 0)", "input 0 (input) is omitted (-1)");
    f = {};
    f.dropFilter = true;
    row("missing filter", synth::conv(f), "CONV_2D (op 0)", "has 1 input; expected 2 to 3 (input, filter, optional bias)");
    f = {};
    f.filterRank2 = true;
    row("filter of the wrong rank", synth::conv(f), "CONV_2D (op 0)",
        "input 1 (filter) 'filter' int8[3,2] has rank 2; expected rank 4");
    row("concatenation output too small", synth::concat(2), "CONCATENATION (op 0)",
        "output 0 (output) 'output' int8[1,2,2,2] has 2 along axis 3; the 2 inputs add up to 3");
    f = {};
    f.shortBias = true;
    row("bias of the wrong length", synth::conv(f), "CONV_2D (op 0)",
        "input 2 (bias) 'bias' int32[2] holds 2 values; expected 3");
    f = {};
    f.scalesOnInputAxis = true;
    row("per-channel scales do not match the channels", synth::conv(f), "CONV_2D (op 0)",
        "input 1 (filter) 'filter' int8[3,1,1,2] has 2 per-channel scales along dimension 3; expected 3 along "
        "dimension 0");
}

void TestBadInput::contracts()
{
    QFETCH(std::shared_ptr<const Model>, model);
    QFETCH(QString, op);
    QFETCH(QString, expect);
    const Bytes bytes = exported(*model);
    QVERIFY(!bytes.empty());
    auto r = importBytes(bytes);
    QVERIFY2(r.ok(), "a well-formed file imports, with its bad op flagged");
    QCOMPARE(errorCount(r.diagnostics), 1);
    const QString msg = QString::fromStdString(firstError(r.diagnostics));
    QVERIFY2(msg.startsWith("case.tflite: subgraphs[0].operators[0]"), qPrintable(msg));
    QVERIFY2(msg.contains(op + " " + expect), qPrintable("got: " + msg));
    for (const Diagnostic& d : r.diagnostics)
        if (d.severity == Severity::Error)
            QCOMPARE(d.op, 0);
    const Op& bad = r->main().ops[0];
    QVERIFY(!bad.invalid.empty());
    const OpSupport support = opSupport(r->main(), bad);
    QVERIFY(!support.supported);
    QVERIFY2(QString::fromStdString(support.reason).contains(expect), support.reason.c_str());

    // Nothing downstream indexes the bad operand: each stage refuses, naming op and operand.
    const LegalGraph lg = legalize(*r);
    QCOMPARE(lg.errors.size(), size_t(1));
    QVERIFY(QString::fromStdString(lg.errors[0].toString()).contains(expect));
    QCOMPARE(lg.graph.ops.size(), r->main().ops.size());
    auto analysis = runAnalysis(*r, tstest::h743(), tstest::boards(), AnalysisOptions{});
    QVERIFY(!analysis.ok());
    QVERIFY2(QString::fromStdString(firstError(analysis.diagnostics)).contains("operators[0]"),
             firstError(analysis.diagnostics).c_str());
    QVERIFY(QString::fromStdString(firstError(analysis.diagnostics)).contains(expect));
    auto interp = ReferenceInterpreter::create(r->main());
    QVERIFY(!interp.ok());
    QVERIFY(QString::fromStdString(firstError(interp.diagnostics)).contains(expect));
    // A graph built in memory was never validated: the stages check it themselves.
    QVERIFY(!ReferenceInterpreter::create(model->main()).ok());
    QCOMPARE(legalize(*model).errors.size(), size_t(1));
}

void TestBadInput::contractsCli_data() { contracts_data(); }

// Every command that reads the model exits 1 with the error on stderr, never a crash.
void TestBadInput::contractsCli()
{
    QFETCH(std::shared_ptr<const Model>, model);
    QFETCH(QString, op);
    QFETCH(QString, expect);
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.tflite");
    QVERIFY(writeTfliteFile(*model, path.toStdString()).empty());
    QFile in(dir.filePath("in.bin"));
    QVERIFY(in.open(QIODevice::WriteOnly));
    in.write(QByteArray(32, '\0'));
    in.close();
    const QStringList board{"--board", "nucleo-h743zi2"};
    const QList<QStringList> commands{
        {"inspect", path},
        QStringList{"analyze", path} + board,
        QStringList{"schedule", path} + board,
        {"run", path, "--input", in.fileName(), "--output", dir.filePath("out.bin")},
        {"verify", path, dir.path()},
        {"roundtrip", path, dir.filePath("again.tflite")},
    };
    for (const QStringList& args : commands) {
        const CliRun r = cli(args);
        QVERIFY2(r.code == 1, qPrintable(args[0] + ": exit " + QString::number(r.code) + "\n" + r.err));
        QVERIFY2(r.err.contains(op + " " + expect), qPrintable(args[0] + ": " + r.err));
    }
}

// The reference kernels check every size they index, even where the operand contracts cannot
// (values of paddings and permutations) or when a graph reaches a kernel unchecked: an error,
// never an out-of-bounds access.
void TestBadInput::kernelsCheckSizes_data()
{
    QTest::addColumn<std::shared_ptr<const Model>>("model");
    QTest::addColumn<QString>("expect");
    auto row = [](const char* name, Model m, const char* expect) {
        QTest::newRow(name) << std::make_shared<const Model>(std::move(m)) << QString(expect);
    };
    row("concatenation output too small", synth::concat(2), "the inputs add up to 3 along axis 3");
    row("concatenation output too large", synth::concat(4), "the inputs add up to 3 along axis 3");
    synth::ConvFault f;
    f.shortBias = true;
    row("conv bias too short", synth::conv(f), "bias 'bias' [2] holds 2 elements; 3 are needed");
    f = {};
    f.filterRank2 = true;
    row("conv filter of rank 2", synth::conv(f), "filter [3,2] must be 4-D with no empty dimension");
    f = {};
    f.scalesOnInputAxis = true;
    row("conv scales per input channel", synth::conv(f), "2 per-channel scales for 3 output channels");
    {
        synth::Builder b;
        const int x = b.act("x", {1, 2});
        const int p = b.int32Values("paddings", {2, 2}, {0, 0, 1, 1});
        const int y = b.act("y", {1, 3});
        b.op(OpKind::Pad, {x, p}, {y});
        row("pad output smaller than the padded input", b.finish({x}, {y}), "is not input [1,2] padded");
    }
    {
        synth::Builder b;
        const int x = b.act("x", {2, 3});
        const int p = b.int32Values("perm", {2}, {0, 0});
        const int y = b.act("y", {3, 2});
        b.op(OpKind::Transpose, {x, p}, {y});
        row("transpose with a repeated axis", b.finish({x}, {y}), "the permutation must hold each of 0..1 once");
    }
    {
        synth::Builder b;
        const int x = b.act("x", {1, 0, 0, 2});
        const int s = b.int32Values("size", {2}, {2, 2});
        const int y = b.act("y", {1, 2, 2, 2});
        b.op(OpKind::ResizeNearestNeighbor, {x, s}, {y}, ResizeOptions{});
        row("resize of an empty input", b.finish({x}, {y}), "does not keep the batches and channels");
    }
    {
        synth::Builder b;
        const int x = b.act("x", {1, 4}, DType::Float32);
        const int c = b.act("c", {1, 4}, DType::Int8);
        const int y = b.act("y", {1, 4}, DType::Float32);
        b.op(OpKind::Add, {x, c}, {y}, ElementwiseOptions{});
        row("float add of an int8 tensor", b.finish({x, c}, {y}), "mixed input and output types");
    }
}

void TestBadInput::kernelsCheckSizes()
{
    QFETCH(std::shared_ptr<const Model>, model);
    QFETCH(QString, expect);
    const Graph& g = model->main();
    std::string err;
    if (checkOperands(g).empty()) {
        // Within the contracts: the interpreter runs it and the kernel reports the bad size.
        auto interp = ReferenceInterpreter::create(g);
        QVERIFY2(interp.ok(), firstError(interp.diagnostics).c_str());
        err = firstError(interp->run());
    } else {
        // Caught by the contracts first; call the kernel directly to check it on its own.
        std::vector<Bytes> bytes = tensorBytes(g);
        ref::Tensors tensors(g, bytes);
        const ref::Kernel k = ref::findKernel(g, g.ops[0]);
        QVERIFY(k);
        err = k(tensors, g.ops[0]);
    }
    QVERIFY2(QString::fromStdString(err).contains(expect), err.c_str());
}

// Every input on which a fuzz target failed, rebuilt synthetically (never the crash file itself):
// the same checks as fuzz_import and fuzz_pipeline (tests/fuzz/fuzz_checks.h) hold now.
void TestBadInput::fuzzRegressions_data()
{
    QTest::addColumn<Bytes>("bytes");
    QTest::addColumn<QString>("expect"); // the import error it now gives, if any
    {
        // fuzz_import, ~630,000 executions: a quantization table holding only quantized_dimension
        // was dropped on export, so import → export → import changed tensors[i].quantization.
        RawSpec s;
        s.constScales = {};
        s.constZeroPoints = {};
        s.quantizedDimension = 1;
        QTest::newRow("quantized_dimension alone survives export") << buildRaw(s) << QString();
    }
    {
        // fuzz_pipeline, seconds in (UBSan): the Verifier checks that a vector is 4-aligned, not
        // that int64 elements are 8-aligned; zero points were read through a misaligned pointer.
        // Shifting everything after the identifier by 4 bytes keeps every relative offset valid
        // and puts each int64 vector 4 bytes off.
        Bytes b = buildRaw({});
        uint32_t root;
        std::memcpy(&root, b.data(), 4);
        root += 4;
        std::memcpy(b.data(), &root, 4);
        b.insert(b.begin() + 8, 4, 0);
        QTest::newRow("int64 zero points 4 bytes off alignment") << b << QString();
    }
    {
        // fuzz_pipeline (UBSan): a DEPTHWISE_CONV_2D with stride 2113929217 overflowed int in the
        // kernel's window arithmetic (output row × stride). Absurd windows are contract errors now.
        Model m = synth::activationCase(OpKind::DepthwiseConv2D, DType::Int8, OpKind::Custom);
        auto& o = std::get<DepthwiseConv2DOptions>(m.main().ops[0].options);
        o.strideH = 2113929217;
        QTest::newRow("depthwise stride near 2^31") << exported(m)
                                                    << "DEPTHWISE_CONV_2D (op 0) has stride 2113929217x1, dilation 1x1 "
                                                       "and a 3x3 window: its extent exceeds 2^30";
    }
    {
        // fuzz_pipeline (UBSan): RELU6 on an int8 input of scale ~1e-12 converted 6/scale (1.3e13)
        // to int. The kernel now bounds it first; the result is the clamp TFLite means.
        synth::Builder b;
        const int x = b.act("x", {1, 8}, DType::Int8, 4.5e-13f, 3);
        const int y = b.act("y", {1, 8}, DType::Int8, 4.5e-13f, 3);
        b.op(OpKind::Relu6, {x}, {y});
        QTest::newRow("relu6 with a tiny input scale") << exported(b.finish({x}, {y})) << QString();
    }
    {
        // fuzz_pipeline (UBSan): int8 CONV_2D whose output scale is tiny against input × filter
        // scales: the saturated rescale plus the output zero point overflowed int32. Accumulators
        // now wrap as two's complement, as the target's int32 arithmetic does.
        Model m = synth::activationCase(OpKind::Conv2D, DType::Int8, OpKind::Custom);
        m.main().tensors[size_t(m.main().outputs[0])].quant.scale = {1e-30f};
        QTest::newRow("conv int8 with a tiny output scale") << exported(m) << QString();
    }
    {
        // fuzz_pipeline (UBSan), 183,000 executions into the long run: the depthwise contract
        // check multiplied input channels by a depth multiplier of 536870913 in int.
        Model m = synth::activationCase(OpKind::DepthwiseConv2D, DType::Int8, OpKind::Custom);
        std::get<DepthwiseConv2DOptions>(m.main().ops[0].options).depthMultiplier = 536870913;
        QTest::newRow("depthwise multiplier near 2^29") << exported(m)
                                                        << "channels times the depth multiplier 536870913";
    }
    {
        // fuzz_pipeline, long run: ADD(x, x2) → t, RELU6(t) → x2 (the graph writes an input it has
        // read). Fusing made ADD read and write x2, an op that breaks its contract, so the legalized
        // graph no longer ran. The activation's output is never one of the producer's inputs now.
        Model m = synth::activationCase(OpKind::Add, DType::Int16, OpKind::Relu6);
        Graph& g = m.main();
        g.ops[1].outputs = {g.ops[0].inputs[1]};
        g.outputs = {g.ops[0].inputs[1]};
        QTest::newRow("activation written back into the producer's input") << exported(m) << QString();
    }
    {
        // fuzz_pipeline (UBSan), long run: AVERAGE_POOL_2D with a 889192450×889192450 window (valid:
        // SAME padding over a 4×4 input). The harness's work estimate multiplied it out in int64;
        // estimates and computeOpFacts' MACs saturate now.
        Model m = synth::activationCase(OpKind::AveragePool2D, DType::Int8, OpKind::Custom);
        auto& o = std::get<Pool2DOptions>(m.main().ops[0].options);
        o.filterH = o.filterW = 889192450;
        o.padding = Padding::Same;
        QTest::newRow("pool window of 889192450 rows") << exported(m) << QString();
    }
    {
        // fuzz_pipeline, long run (timeout): a CONV_2D filter [4,16842752,0,4] counts 0 MACs, yet the
        // kernel walked its 16.8 million rows for every output. Filters have no empty dimension.
        synth::Builder b;
        const int x = b.act("x", {1, 8, 8, 4});
        const int w = b.constant("w", {4, 16842752, 0, 4}, DType::Int8, std::vector<uint8_t>(16, 1),
                                 Quantization{{0.02f}, {0}, {}, {}, 0});
        const int y = b.act("y", {1, 8, 8, 4});
        b.op(OpKind::Conv2D, {x, w}, {y}, synth::convOptions());
        QTest::newRow("conv filter with an empty dimension")
            << exported(b.finish({x}, {y})) << "(filter) 'w' int8[4,16842752,0,4] has an empty dimension";
    }
}

void TestBadInput::fuzzRegressions()
{
    QFETCH(Bytes, bytes);
    QFETCH(QString, expect);
    QVERIFY(!bytes.empty());
    if (!expect.isEmpty()) {
        auto r = importBytes(bytes);
        QCOMPARE(errorCount(r.diagnostics), 1);
        QVERIFY2(QString::fromStdString(firstError(r.diagnostics)).contains(expect), firstError(r.diagnostics).c_str());
    }
    const std::string importProblem = fuzz::checkImport(bytes.data(), bytes.size());
    QVERIFY2(importProblem.empty(), importProblem.c_str());
    const std::string pipelineProblem = fuzz::checkPipeline(bytes.data(), bytes.size());
    QVERIFY2(pipelineProblem.empty(), pipelineProblem.c_str());
    if (QByteArray(QTest::currentDataTag()).startsWith("int64 zero points")) {
        auto shifted = importBytes(bytes);
        auto plain = importBytes(buildRaw({}));
        QVERIFY(shifted.ok() && plain.ok());
        std::string diff;
        QVERIFY2(sameGraph(*plain, *shifted, &diff), diff.c_str());
    }
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
