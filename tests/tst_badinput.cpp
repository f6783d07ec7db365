// Malformed input: each case gives exactly one clear error naming what is wrong and where, and
// never a crash or a hang (these rows also run under ASan/UBSan with -DTINYSTUDIO_SANITIZE=ON).

#include "model/tflite_import.h"
#include "testsupport.h"
#include "tflite_subset_generated.h"

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

} // namespace

Q_DECLARE_METATYPE(Bytes)

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

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
