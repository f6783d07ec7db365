#include "model/tflite_import.h"

#include "model/operands.h"
#include "model/shapes.h"
#include "model/tflite_options.h"
#include "tflite_subset_generated.h"

#include <QCryptographicHash>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace ts {

std::string sha256Hex(const uint8_t* data, size_t size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    // addData takes a qsizetype; feed in chunks so that any size works.
    const size_t chunk = size_t(1) << 30;
    for (size_t pos = 0; pos < size; pos += chunk)
        hash.addData(QByteArrayView(reinterpret_cast<const char*>(data + pos), qsizetype(std::min(chunk, size - pos))));
    return hash.result().toHex().toStdString();
}

namespace {

class Importer {
public:
    Importer(std::shared_ptr<const std::vector<uint8_t>> bytes, std::string name, const ImportLimits& limits)
        : m_bytes(std::move(bytes)), m_name(std::move(name)), m_limits(limits)
    {
    }

    Result<Model> run();

private:
    bool error(const std::string& where, const std::string& message)
    {
        m_result.diagnostics.push_back(makeError(m_name, where, message));
        return false;
    }
    void warning(const std::string& where, const std::string& message, int op = -1, int tensor = -1)
    {
        Diagnostic d = makeWarning(m_name, where, message);
        d.op = op;
        d.tensor = tensor;
        m_result.diagnostics.push_back(std::move(d));
    }
    void note(const std::string& where, const std::string& message, int op = -1)
    {
        Diagnostic d = makeWarning(m_name, where, message);
        d.severity = Severity::Info;
        d.op = op;
        m_result.diagnostics.push_back(std::move(d));
    }

    bool checkHeader();
    bool readOpcodes(const tflite::Model& fb);
    bool readBuffers(const tflite::Model& fb);
    bool readSubgraph(const tflite::SubGraph& sg, size_t index, Graph& out);
    bool readTensor(const tflite::Tensor& t, const std::string& where, Tensor& out);
    bool readOp(const tflite::Operator& op, const std::string& where, size_t tensorCount, Op& out);
    bool readIndexList(const flatbuffers::Vector<int32_t>* list, const std::string& where, size_t tensorCount,
                       bool allowOmitted, std::vector<int>& out);

    struct Opcode { OpKind kind; std::string custom; int version; };

    std::shared_ptr<const std::vector<uint8_t>> m_bytes;
    std::string m_name;
    ImportLimits m_limits;
    std::vector<Opcode> m_opcodes;
    std::vector<ByteView> m_buffers;
    Result<Model> m_result;
};

bool Importer::checkHeader()
{
    const auto& b = *m_bytes;
    if (b.empty())
        return error("", "the file is empty; expected a TFLite FlatBuffer (identifier 'TFL3')");
    if (b.size() < 8)
        return error("", "the file is " + std::to_string(b.size())
                             + " bytes, too short for a FlatBuffer (expected at least 8 bytes with identifier 'TFL3')");
    if (!flatbuffers::BufferHasIdentifier(b.data(), tflite::ModelIdentifier())) {
        std::string found;
        for (size_t i = 4; i < 8; ++i) {
            const char c = static_cast<char>(b[i]);
            if (c >= 0x20 && c < 0x7f)
                found += c;
            else {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02x", unsigned(b[i]));
                found += hex;
            }
        }
        return error("file_identifier", "found '" + found + "' at bytes 4..7; expected 'TFL3' (not a TFLite model)");
    }
    // The Verifier checks every offset, vector length and string before anything is read.
    flatbuffers::Verifier::Options opts;
    opts.max_depth = 64;
    opts.max_tables = 10'000'000;
    opts.check_alignment = true;
    flatbuffers::Verifier verifier(b.data(), b.size(), opts);
    if (!tflite::VerifyModelBuffer(verifier))
        return error("", "the FlatBuffers Verifier rejected the file: it is truncated or corrupt (an offset, "
                         "vector or string points outside its " + std::to_string(b.size()) + " bytes)");
    return true;
}

bool Importer::readOpcodes(const tflite::Model& fb)
{
    const auto* codes = fb.operator_codes();
    if (!codes)
        return true;
    for (flatbuffers::uoffset_t i = 0; i < codes->size(); ++i) {
        const auto* c = codes->Get(i);
        // Old converters set only the int8 deprecated field; newer ones set both.
        const int32_t code = std::max<int32_t>(static_cast<int32_t>(c->builtin_code()), c->deprecated_builtin_code());
        if (code < 0)
            return error("operator_codes[" + std::to_string(i) + "].builtin_code",
                         "found " + std::to_string(code) + "; expected a non-negative BuiltinOperator code");
        Opcode op{static_cast<OpKind>(code), c->custom_code() ? c->custom_code()->str() : std::string(), c->version()};
        if (op.kind == OpKind::Custom && op.custom.empty())
            warning("operator_codes[" + std::to_string(i) + "].custom_code", "CUSTOM operator without a custom_code");
        m_opcodes.push_back(std::move(op));
    }
    return true;
}

bool Importer::readBuffers(const tflite::Model& fb)
{
    const auto* buffers = fb.buffers();
    if (!buffers)
        return true;
    const uint64_t fileSize = m_bytes->size();
    for (flatbuffers::uoffset_t i = 0; i < buffers->size(); ++i) {
        const auto* buf = buffers->Get(i);
        ByteView view;
        if (buf->data() && buf->data()->size() > 0) {
            view.data = buf->data()->data();
            view.size = buf->data()->size();
        } else if (buf->offset() > 1) {
            // Data stored after the FlatBuffer (models over 2 GB): offset is from the file start.
            const uint64_t off = buf->offset(), size = buf->size();
            if (off > fileSize || size > fileSize - off)
                return error("buffers[" + std::to_string(i) + "]",
                             "offset " + std::to_string(off) + " + size " + std::to_string(size)
                                 + " lies outside the " + std::to_string(fileSize) + "-byte file");
            view.data = m_bytes->data() + off;
            view.size = size_t(size);
        }
        m_buffers.push_back(view);
    }
    return true;
}

bool Importer::readIndexList(const flatbuffers::Vector<int32_t>* list, const std::string& where, size_t tensorCount,
                             bool allowOmitted, std::vector<int>& out)
{
    out.clear();
    if (!list)
        return true;
    for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
        const int32_t v = list->Get(i);
        if (v == -1 && allowOmitted) {
            out.push_back(-1);
            continue;
        }
        if (v < 0 || size_t(v) >= tensorCount)
            return error(where + "[" + std::to_string(i) + "]",
                         "tensor index " + std::to_string(v) + " out of range; expected 0.."
                             + std::to_string(int64_t(tensorCount) - 1) + (allowOmitted ? " or -1 (omitted)" : ""));
        out.push_back(v);
    }
    return true;
}

bool Importer::readTensor(const tflite::Tensor& t, const std::string& where, Tensor& out)
{
    out.name = t.name() ? t.name()->str() : std::string();
    const int8_t type = static_cast<int8_t>(t.type());
    if (type < 0 || type > static_cast<int8_t>(DType::BFloat16))
        return error(where + ".type", "unknown tensor type " + std::to_string(type) + " for '" + out.name
                                          + "'; expected a TensorType value 0..18");
    out.dtype = static_cast<DType>(type);
    if (t.shape()) {
        for (flatbuffers::uoffset_t i = 0; i < t.shape()->size(); ++i) {
            const int32_t d = t.shape()->Get(i);
            if (d < 0)
                return error(where + ".shape[" + std::to_string(i) + "]",
                             "dimension " + std::to_string(d) + " of '" + out.name
                                 + "' is negative; expected a size >= 0 (dynamic shapes are not supported on microcontrollers)");
            out.shape.push_back(d);
        }
    }
    if (t.shape_signature())
        out.shapeSignature.assign(t.shape_signature()->begin(), t.shape_signature()->end());
    out.isVariable = t.is_variable();

    const auto bytes = out.byteSize();
    if (!bytes && dtypeSize(out.dtype) > 0)
        return error(where + ".shape", "the element count of '" + out.name + "' " + shapeString(out.shape)
                                           + " overflows 64 bits");
    if (bytes && *bytes > m_limits.maxTensorBytes)
        return error(where + ".shape", "'" + out.name + "' " + shapeString(out.shape) + " needs "
                                           + std::to_string(*bytes) + " bytes; expected at most "
                                           + std::to_string(m_limits.maxTensorBytes) + " (an absurd shape)");

    if (const auto* q = t.quantization()) {
        if (q->scale())
            out.quant.scale.assign(q->scale()->begin(), q->scale()->end());
        if (const auto* zp = q->zero_point(); zp && zp->size() > 0) {
            // The Verifier checks a vector's length field is 4-aligned, not that its int64
            // elements are 8-aligned: copy the bytes instead of reading through a misaligned
            // pointer (found by fuzz_pipeline). TFLite files are little-endian, as is every host.
            out.quant.zeroPoint.resize(zp->size());
            std::memcpy(out.quant.zeroPoint.data(), zp->Data(), zp->size() * sizeof(int64_t));
        }
        if (q->min())
            out.quant.min.assign(q->min()->begin(), q->min()->end());
        if (q->max())
            out.quant.max.assign(q->max()->begin(), q->max()->end());
        out.quant.quantizedDimension = q->quantized_dimension();
        if (out.quant.scale.size() > 1) {
            const int qd = out.quant.quantizedDimension;
            const auto channels = int64_t(out.quant.scale.size());
            const bool inRange = qd >= 0 && size_t(qd) < out.shape.size();
            // Converters write the filter's quantized_dimension (3 for depthwise) on rank-1 bias
            // tensors too; TFLite reads a rank-1 tensor's channels along dimension 0, and so do we.
            const bool rank1Bias = out.shape.size() == 1 && channels == out.shape[0];
            if (!rank1Bias && !inRange)
                return error(where + ".quantization.quantized_dimension",
                             "found " + std::to_string(qd) + " for '" + out.name + "' of rank "
                                 + std::to_string(out.shape.size()) + "; expected 0.."
                                 + std::to_string(int(out.shape.size()) - 1));
            if (!rank1Bias && channels != out.shape[size_t(qd)])
                return error(where + ".quantization.scale",
                             std::to_string(channels) + " per-channel scales for '" + out.name + "'; expected "
                                 + std::to_string(out.shape[size_t(qd)]) + " (dimension " + std::to_string(qd) + " of "
                                 + shapeString(out.shape) + ")");
        }
        if (!out.quant.zeroPoint.empty() && out.quant.zeroPoint.size() != out.quant.scale.size())
            return error(where + ".quantization.zero_point",
                         std::to_string(out.quant.zeroPoint.size()) + " zero points for '" + out.name + "'; expected "
                             + std::to_string(out.quant.scale.size()) + " (one per scale)");
    }

    const uint32_t buffer = t.buffer();
    if (buffer >= m_buffers.size() && !(buffer == 0 && m_buffers.empty()))
        return error(where + ".buffer", "buffer index " + std::to_string(buffer) + " of '" + out.name
                                            + "' out of range; expected 0.." + std::to_string(int64_t(m_buffers.size()) - 1));
    if (buffer < m_buffers.size() && !m_buffers[buffer].empty()) {
        out.data = m_buffers[buffer];
        if (bytes && out.dtype != DType::String && int64_t(out.data.size) < *bytes)
            return error(where + ".buffer", "buffer " + std::to_string(buffer) + " holds " + std::to_string(out.data.size)
                                                + " bytes but '" + out.name + "' " + dtypeName(out.dtype)
                                                + shapeString(out.shape) + " needs " + std::to_string(*bytes));
        if (bytes && out.dtype != DType::String && int64_t(out.data.size) > *bytes)
            warning(where + ".buffer", "buffer " + std::to_string(buffer) + " holds " + std::to_string(out.data.size)
                                           + " bytes, more than the " + std::to_string(*bytes) + " that '" + out.name
                                           + "' needs");
    }
    return true;
}

bool Importer::readOp(const tflite::Operator& op, const std::string& where, size_t tensorCount, Op& out)
{
    const uint32_t opcode = op.opcode_index();
    if (opcode >= m_opcodes.size())
        return error(where + ".opcode_index", "found " + std::to_string(opcode) + "; expected 0.."
                                                  + std::to_string(int64_t(m_opcodes.size()) - 1)
                                                  + " (the model has " + std::to_string(m_opcodes.size())
                                                  + " operator codes)");
    const Opcode& code = m_opcodes[opcode];
    out.kind = code.kind;
    out.customCode = code.custom;
    out.version = code.version;
    if (!readIndexList(op.inputs(), where + ".inputs", tensorCount, true, out.inputs)
        || !readIndexList(op.outputs(), where + ".outputs", tensorCount, false, out.outputs)
        || !readIndexList(op.intermediates(), where + ".intermediates", tensorCount, false, out.intermediates))
        return false;
    bool unmodeled = false;
    out.options = readOptions(op, &unmodeled);
    if (unmodeled)
        warning(where + ".builtin_options",
                std::string("options of type ") + tflite::EnumNameBuiltinOptions(op.builtin_options_type())
                    + " are not modelled yet and will not be exported");
    if (op.custom_options())
        out.customOptions.assign(op.custom_options()->begin(), op.custom_options()->end());
    else if (op.large_custom_options_size() > 0) {
        const uint64_t off = op.large_custom_options_offset(), size = op.large_custom_options_size();
        if (off > m_bytes->size() || size > m_bytes->size() - off)
            return error(where + ".large_custom_options_offset", "custom options lie outside the file");
        out.customOptions.assign(m_bytes->begin() + std::ptrdiff_t(off), m_bytes->begin() + std::ptrdiff_t(off + size));
    }
    return true;
}

bool Importer::readSubgraph(const tflite::SubGraph& sg, size_t index, Graph& out)
{
    const std::string at = "subgraphs[" + std::to_string(index) + "]";
    out.name = sg.name() ? sg.name()->str() : std::string();
    const size_t tensorCount = sg.tensors() ? sg.tensors()->size() : 0;
    out.tensors.resize(tensorCount);
    for (size_t i = 0; i < tensorCount; ++i)
        if (!readTensor(*sg.tensors()->Get(flatbuffers::uoffset_t(i)), at + ".tensors[" + std::to_string(i) + "]",
                        out.tensors[i]))
            return false;
    if (!readIndexList(sg.inputs(), at + ".inputs", tensorCount, false, out.inputs)
        || !readIndexList(sg.outputs(), at + ".outputs", tensorCount, false, out.outputs))
        return false;
    const size_t opCount = sg.operators() ? sg.operators()->size() : 0;
    out.ops.resize(opCount);
    for (size_t i = 0; i < opCount; ++i)
        if (!readOp(*sg.operators()->Get(flatbuffers::uoffset_t(i)), at + ".operators[" + std::to_string(i) + "]",
                    tensorCount, out.ops[i]))
            return false;
    return true;
}

Result<Model> Importer::run()
{
    if (!checkHeader())
        return std::move(m_result);
    const tflite::Model& fb = *tflite::GetModel(m_bytes->data());
    Model model;
    model.schemaVersion = fb.version();
    if (model.schemaVersion != 3) {
        error("version", "schema version " + std::to_string(model.schemaVersion) + "; expected 3");
        return std::move(m_result);
    }
    model.description = fb.description() ? fb.description()->str() : std::string();
    if (!readOpcodes(fb) || !readBuffers(fb))
        return std::move(m_result);
    const size_t subgraphCount = fb.subgraphs() ? fb.subgraphs()->size() : 0;
    if (subgraphCount == 0) {
        error("subgraphs", "the model has no subgraph; expected at least one");
        return std::move(m_result);
    }
    model.subgraphs.resize(subgraphCount);
    for (size_t i = 0; i < subgraphCount; ++i)
        if (!readSubgraph(*fb.subgraphs()->Get(flatbuffers::uoffset_t(i)), i, model.subgraphs[i]))
            return std::move(m_result);
    if (subgraphCount > 1) {
        std::string names;
        for (size_t i = 1; i < subgraphCount; ++i)
            names += (i > 1 ? ", " : "") + std::to_string(i) + " '" + model.subgraphs[i].name + "'";
        note("subgraphs", "the model has " + std::to_string(subgraphCount)
                              + " subgraphs; subgraph 0 is the model, the others (" + names
                              + ") are only reached through control-flow ops");
    }
    if (const auto* md = fb.metadata()) {
        for (flatbuffers::uoffset_t i = 0; i < md->size(); ++i) {
            const auto* m = md->Get(i);
            MetadataEntry e;
            e.name = m->name() ? m->name()->str() : std::string();
            if (m->buffer() >= m_buffers.size()) {
                error("metadata[" + std::to_string(i) + "].buffer",
                      "buffer index " + std::to_string(m->buffer()) + " out of range; expected 0.."
                          + std::to_string(int64_t(m_buffers.size()) - 1));
                return std::move(m_result);
            }
            e.data = m_buffers[m->buffer()];
            model.metadata.push_back(std::move(e));
        }
    }
    model.storage.push_back(m_bytes);
    model.sha256 = sha256Hex(m_bytes->data(), m_bytes->size());

    // Unsupported/custom ops are kept; later stages flag them.
    const Graph& g = model.main();
    for (size_t i = 0; i < g.ops.size(); ++i)
        if (g.ops[i].kind == OpKind::Custom)
            note("subgraphs[0].operators[" + std::to_string(i) + "]",
                 "CUSTOM op '" + g.ops[i].customCode + "' kept as an opaque op", int(i));

    // Operand contracts: every violation is an Error naming op and operand, and the op is marked
    // invalid. The model still imports (the studio shows it, bad ops flagged); later stages refuse it.
    Diagnostics operandDiags = validateOperands(model.main(), m_name);
    m_result.diagnostics.insert(m_result.diagnostics.end(), operandDiags.begin(), operandDiags.end());
    Diagnostics shapeDiags = checkShapes(model.main(), m_name);
    m_result.diagnostics.insert(m_result.diagnostics.end(), shapeDiags.begin(), shapeDiags.end());
    m_result.value = std::move(model);
    return std::move(m_result);
}

} // namespace

Result<Model> importTfliteBytes(std::shared_ptr<const std::vector<uint8_t>> bytes, const std::string& name,
                                const ImportLimits& limits)
{
    if (!bytes)
        bytes = std::make_shared<const std::vector<uint8_t>>();
    if (int64_t(bytes->size()) > limits.maxFileBytes) {
        Result<Model> r;
        r.diagnostics.push_back(makeError(name, "", "the model is " + std::to_string(bytes->size())
                                                        + " bytes; expected at most " + std::to_string(limits.maxFileBytes)));
        return r;
    }
    return Importer(std::move(bytes), name, limits).run();
}

Result<Model> importTfliteFile(const std::string& path, const ImportLimits& limits)
{
    Result<Model> r;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
        r.diagnostics.push_back(makeError(path, "", "no such file"));
        return r;
    }
    if (fs::is_directory(st)) {
        r.diagnostics.push_back(makeError(path, "", "is a directory; expected a .tflite file"));
        return r;
    }
    if (!fs::is_regular_file(st)) {
        r.diagnostics.push_back(makeError(path, "", "is not a regular file; expected a .tflite file"));
        return r;
    }
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) {
        r.diagnostics.push_back(makeError(path, "", "cannot read its size: " + ec.message()));
        return r;
    }
    if (size > uintmax_t(limits.maxFileBytes)) {
        r.diagnostics.push_back(makeError(path, "", "the file is " + std::to_string(size) + " bytes; expected at most "
                                                        + std::to_string(limits.maxFileBytes) + " (1 GiB)"));
        return r;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        r.diagnostics.push_back(makeError(path, "", std::string("cannot open: ") + std::strerror(errno)));
        return r;
    }
    auto bytes = std::make_shared<std::vector<uint8_t>>(size_t(size));
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes->data()), std::streamsize(size))) {
        r.diagnostics.push_back(makeError(path, "", "read failed after " + std::to_string(in.gcount()) + " bytes"));
        return r;
    }
    r = importTfliteBytes(std::move(bytes), path, limits);
    if (r.value)
        r.value->path = path;
    return r;
}

} // namespace ts
