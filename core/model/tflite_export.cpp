#include "model/tflite_export.h"

#include "model/tflite_options.h"
#include "tflite_subset_generated.h"

#include <QSaveFile>

#include <map>
#include <tuple>

namespace ts {

namespace {

class Exporter {
public:
    explicit Exporter(const Model& m) : m_model(m) {}
    Result<std::vector<uint8_t>> run();

private:
    uint32_t bufferFor(ByteView view);
    uint32_t opcodeFor(const Op& op);
    flatbuffers::Offset<tflite::Tensor> tensor(const Tensor& t);
    flatbuffers::Offset<tflite::Operator> op(const Op& op);
    flatbuffers::Offset<tflite::SubGraph> subgraph(const Graph& g);

    const Model& m_model;
    flatbuffers::FlatBufferBuilder m_fbb{1 << 20};
    std::vector<ByteView> m_buffers{ByteView{}};                 // [0] is the empty sentinel
    std::map<std::pair<const uint8_t*, size_t>, uint32_t> m_bufferIndex;
    std::vector<std::tuple<int32_t, std::string, int>> m_opcodes; // (code, custom, version)
};

uint32_t Exporter::bufferFor(ByteView view)
{
    if (view.empty())
        return 0;
    const auto key = std::make_pair(view.data, view.size);
    if (auto it = m_bufferIndex.find(key); it != m_bufferIndex.end())
        return it->second;
    const auto index = uint32_t(m_buffers.size());
    m_buffers.push_back(view);
    m_bufferIndex.emplace(key, index);
    return index;
}

uint32_t Exporter::opcodeFor(const Op& op)
{
    const auto key = std::make_tuple(static_cast<int32_t>(op.kind), op.customCode, op.version);
    for (size_t i = 0; i < m_opcodes.size(); ++i)
        if (m_opcodes[i] == key)
            return uint32_t(i);
    m_opcodes.push_back(key);
    return uint32_t(m_opcodes.size() - 1);
}

flatbuffers::Offset<tflite::Tensor> Exporter::tensor(const Tensor& t)
{
    auto& fbb = m_fbb;
    flatbuffers::Offset<tflite::QuantizationParameters> quant = 0;
    // A quantization table holding only a quantized_dimension is written too: dropping it made
    // import → export → import change the tensor (found by fuzz_import).
    if (!t.quant.empty() || t.quant.quantizedDimension != 0) {
        auto floats = [&](const std::vector<float>& v) { return v.empty() ? 0 : fbb.CreateVector(v); };
        const auto min = floats(t.quant.min), max = floats(t.quant.max), scale = floats(t.quant.scale);
        const auto zp = t.quant.zeroPoint.empty() ? 0 : fbb.CreateVector(t.quant.zeroPoint);
        quant = tflite::CreateQuantizationParameters(fbb, min, max, scale, zp, tflite::QuantizationDetails::NONE, 0,
                                                     t.quant.quantizedDimension);
    }
    const auto shape = fbb.CreateVector(t.shape);
    const auto name = fbb.CreateString(t.name);
    const auto signature = t.shapeSignature.empty() ? 0 : fbb.CreateVector(t.shapeSignature);
    tflite::TensorBuilder b(fbb);
    b.add_shape(shape);
    b.add_type(static_cast<tflite::TensorType>(t.dtype));
    b.add_buffer(bufferFor(t.data));
    b.add_name(name);
    if (!quant.IsNull())
        b.add_quantization(quant);
    b.add_is_variable(t.isVariable);
    if (!signature.IsNull())
        b.add_shape_signature(signature);
    return b.Finish();
}

flatbuffers::Offset<tflite::Operator> Exporter::op(const Op& o)
{
    auto& fbb = m_fbb;
    const auto inputs = fbb.CreateVector(o.inputs);
    const auto outputs = fbb.CreateVector(o.outputs);
    const auto intermediates = o.intermediates.empty() ? 0 : fbb.CreateVector(o.intermediates);
    const auto [optType, options] = writeOptions(fbb, o.kind, o.options);
    const auto custom = o.customOptions.empty() ? 0 : fbb.CreateVector(o.customOptions);
    tflite::OperatorBuilder b(fbb);
    b.add_opcode_index(opcodeFor(o));
    b.add_inputs(inputs);
    b.add_outputs(outputs);
    if (!intermediates.IsNull())
        b.add_intermediates(intermediates);
    if (optType != tflite::BuiltinOptions::NONE) {
        b.add_builtin_options_type(optType);
        b.add_builtin_options(options);
    }
    if (!custom.IsNull())
        b.add_custom_options(custom);
    return b.Finish();
}

flatbuffers::Offset<tflite::SubGraph> Exporter::subgraph(const Graph& g)
{
    std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
    for (const Tensor& t : g.tensors)
        tensors.push_back(tensor(t));
    std::vector<flatbuffers::Offset<tflite::Operator>> ops;
    for (const Op& o : g.ops)
        ops.push_back(op(o));
    // Strings go through CreateString(std::string) so that embedded NUL bytes survive.
    const auto name = m_fbb.CreateString(g.name);
    return tflite::CreateSubGraph(m_fbb, m_fbb.CreateVector(tensors), m_fbb.CreateVector(g.inputs),
                                  m_fbb.CreateVector(g.outputs), m_fbb.CreateVector(ops), name);
}

Result<std::vector<uint8_t>> Exporter::run()
{
    Result<std::vector<uint8_t>> r;
    if (m_model.subgraphs.empty()) {
        r.diagnostics.push_back(makeError(m_model.path, "subgraphs", "the model has no subgraph to export"));
        return r;
    }
    for (const Graph& g : m_model.subgraphs)
        for (size_t i = 0; i < g.ops.size(); ++i) {
            const auto* c = std::get_if<Conv2DOptions>(&g.ops[i].options);
            const auto* d = std::get_if<DepthwiseConv2DOptions>(&g.ops[i].options);
            const auto* p = std::get_if<Pool2DOptions>(&g.ops[i].options);
            if ((c && c->pad.any()) || (d && d->pad.any()) || (p && p->pad.any())) {
                r.diagnostics.push_back(makeError(m_model.path, "operators[" + std::to_string(i) + "]",
                                                  "explicit padding from a folded PAD has no TFLite form; export the "
                                                  "model before legalization"));
                return r;
            }
        }
    auto& fbb = m_fbb;
    std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
    for (const Graph& g : m_model.subgraphs)
        subgraphs.push_back(subgraph(g));

    std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
    for (const MetadataEntry& m : m_model.metadata) {
        // Metadata always gets a buffer of its own, even when empty, so that its index is stable.
        const auto index = uint32_t(m_buffers.size());
        m_buffers.push_back(m.data);
        metadata.push_back(tflite::CreateMetadata(fbb, fbb.CreateString(m.name), index));
    }

    std::vector<flatbuffers::Offset<tflite::OperatorCode>> opcodes;
    for (const auto& [code, custom, version] : m_opcodes) {
        // Old readers only look at the int8 field; 127 tells them to read the int32 one.
        const auto deprecated = static_cast<int8_t>(code < 127 ? code : 127);
        const auto customCode = custom.empty() ? 0 : fbb.CreateString(custom);
        opcodes.push_back(tflite::CreateOperatorCode(fbb, deprecated, customCode, version,
                                                     static_cast<tflite::BuiltinOperator>(code)));
    }

    std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
    for (const ByteView& v : m_buffers) {
        flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data = 0;
        if (!v.empty()) {
            fbb.ForceVectorAlignment(v.size, sizeof(uint8_t), 16);
            data = fbb.CreateVector(v.data, v.size);
        }
        buffers.push_back(tflite::CreateBuffer(fbb, data));
    }
    const auto model = tflite::CreateModel(fbb, m_model.schemaVersion, fbb.CreateVector(opcodes),
                                           fbb.CreateVector(subgraphs), fbb.CreateString(m_model.description),
                                           fbb.CreateVector(buffers), 0, fbb.CreateVector(metadata));
    tflite::FinishModelBuffer(fbb, model);
    r.value = std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    return r;
}

} // namespace

Result<std::vector<uint8_t>> exportTflite(const Model& model) { return Exporter(model).run(); }

Diagnostics writeTfliteFile(const Model& model, const std::string& path)
{
    auto bytes = exportTflite(model);
    if (!bytes.ok())
        return bytes.diagnostics;
    QSaveFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::WriteOnly))
        return {makeError(path, "", "cannot write: " + f.errorString().toStdString())};
    if (f.write(reinterpret_cast<const char*>(bytes->data()), qint64(bytes->size())) != qint64(bytes->size())
        || !f.commit())
        return {makeError(path, "", "write failed: " + f.errorString().toStdString())};
    return {};
}

} // namespace ts
