#include "reference/golden.h"

#include "reference/interpreter.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cstring>

namespace ts {

namespace {
bool readFile(const QString& path, std::vector<uint8_t>& out)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray b = f.readAll();
    out.assign(b.begin(), b.end());
    return true;
}

std::string elementText(const Tensor& t, const std::vector<uint8_t>& b, size_t elem)
{
    const int es = std::max(dtypeSize(t.dtype), 1);
    if (size_t(es) * (elem + 1) > b.size())
        return "?";
    const uint8_t* p = b.data() + size_t(es) * elem;
    switch (t.dtype) {
    case DType::Int8: return std::to_string(int(int8_t(*p)));
    case DType::UInt8: return std::to_string(int(*p));
    case DType::Int16: { int16_t v; std::memcpy(&v, p, 2); return std::to_string(v); }
    case DType::Int32: { int32_t v; std::memcpy(&v, p, 4); return std::to_string(v); }
    case DType::Float32: { float v; std::memcpy(&v, p, 4); return std::to_string(v); }
    default: return "0x" + std::to_string(int(*p));
    }
}
} // namespace

bool GoldenReport::allMatch() const
{
    if (!error.empty() || cases.empty())
        return false;
    for (const auto& c : cases)
        if (!c.match)
            return false;
    return true;
}

std::string describeDifference(const Tensor& t, const std::vector<uint8_t>& ours, const std::vector<uint8_t>& theirs)
{
    if (ours.size() != theirs.size())
        return "size " + std::to_string(ours.size()) + " vs " + std::to_string(theirs.size()) + " bytes";
    const int es = std::max(dtypeSize(t.dtype), 1);
    size_t differing = 0, first = SIZE_MAX;
    for (size_t e = 0; e * size_t(es) < ours.size(); ++e)
        if (std::memcmp(ours.data() + e * size_t(es), theirs.data() + e * size_t(es), size_t(es)) != 0) {
            ++differing;
            if (first == SIZE_MAX)
                first = e;
        }
    if (!differing)
        return "identical";
    return std::to_string(differing) + " of " + std::to_string(ours.size() / size_t(es)) + " elements differ; first at "
           + std::to_string(first) + ": ours " + elementText(t, ours, first) + ", TFLM " + elementText(t, theirs, first);
}

GoldenReport checkAgainstGolden(const Model& model, const std::string& goldenDir)
{
    GoldenReport report;
    auto interp = ReferenceInterpreter::create(model.main());
    if (!interp.ok()) {
        report.error = firstError(interp.diagnostics);
        return report;
    }
    const QString dir = QString::fromStdString(goldenDir);
    for (int seed = 1; seed <= 3; ++seed) {
        std::vector<uint8_t> input, expected;
        if (!readFile(dir + QString("/input_%1.bin").arg(seed), input)
            || !readFile(dir + QString("/output_%1.bin").arg(seed), expected)) {
            report.error = "missing input_" + std::to_string(seed) + ".bin or output_" + std::to_string(seed) + ".bin in "
                           + goldenDir;
            return report;
        }
        interp->resetState();
        if (auto d = interp->setInputsFromConcatenated(input); !d.empty()) {
            report.error = firstError(d);
            return report;
        }
        GoldenCase c;
        c.seed = seed;
        if (auto d = interp->run(); !d.empty()) {
            c.detail = firstError(d);
        } else {
            const auto out = interp->outputsConcatenated();
            c.match = out == expected;
            if (!c.match) {
                const Tensor& t = model.main().tensors[size_t(model.main().outputs[0])];
                c.detail = describeDifference(t, out, expected);
            }
        }
        report.cases.push_back(c);
    }
    if (report.allMatch())
        return report;

    // Find the first op whose output differs from TFLM's seed-1 intermediates.
    const QString tensorsDir = dir + "/tensors_1";
    if (!QDir(tensorsDir).exists())
        return report;
    std::vector<uint8_t> input;
    readFile(dir + "/input_1.bin", input);
    interp->resetState();
    interp->setInputsFromConcatenated(input);
    const Graph& g = model.main();
    for (size_t i = 0; i < g.ops.size(); ++i) {
        if (!interp->runOp(int(i)).empty()) {
            report.firstBadOp = int(i);
            report.firstBadDetail = "the kernel failed";
            return report;
        }
        for (int t : g.ops[i].outputs) {
            std::vector<uint8_t> theirs;
            if (!readFile(tensorsDir + QString("/t%1.bin").arg(t), theirs))
                continue;
            if (interp->tensorBytes(t) != theirs) {
                report.firstBadOp = int(i);
                report.firstBadDetail = opKindName(g.ops[i].kind) + " output t" + std::to_string(t) + " '"
                                        + g.tensors[size_t(t)].name + "': "
                                        + describeDifference(g.tensors[size_t(t)], interp->tensorBytes(t), theirs);
                return report;
            }
        }
    }
    return report;
}

TensorDump loadTensorDump(const std::string& goldenDir)
{
    TensorDump dump;
    const QString dir = QString::fromStdString(goldenDir) + "/tensors_1";
    QFile index(dir + "/index.tsv");
    if (!index.open(QIODevice::ReadOnly | QIODevice::Text)) {
        dump.error = "cannot read " + index.fileName().toStdString();
        return dump;
    }
    const QStringList lines = QString::fromUtf8(index.readAll()).split('\n', Qt::SkipEmptyParts);
    // Header: tensor_index, name, dtype, shape, bytes, producer_op_index, producer_op.
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList f = lines[i].split('\t');
        const std::string where = "index.tsv line " + std::to_string(i + 1);
        bool okIndex = false, okBytes = false, okOp = false;
        DumpedTensor t;
        if (f.size() == 7) {
            t.tensor = f[0].toInt(&okIndex);
            t.producerOp = f[5].toInt(&okOp);
        }
        const qint64 bytes = f.size() == 7 ? f[4].toLongLong(&okBytes) : 0;
        if (!okIndex || !okBytes || !okOp) {
            dump.error = where + ": expected 7 tab-separated fields (index, name, dtype, shape, bytes, op index, op)";
            return dump;
        }
        t.name = f[1].toStdString();
        t.dtype = f[2].toStdString();
        t.producer = f[6].trimmed().toStdString();
        for (const QString& d : f[3].split(',', Qt::SkipEmptyParts))
            t.shape.push_back(d.toInt());
        if (!readFile(dir + QString("/t%1.bin").arg(t.tensor), t.bytes)) {
            dump.error = where + ": cannot read t" + std::to_string(t.tensor) + ".bin";
            return dump;
        }
        if (qint64(t.bytes.size()) != bytes) {
            dump.error = where + ": t" + std::to_string(t.tensor) + ".bin holds " + std::to_string(t.bytes.size())
                         + " bytes, index.tsv says " + std::to_string(bytes);
            return dump;
        }
        dump.tensors.push_back(std::move(t));
    }
    return dump;
}

std::vector<OpCheck> checkOpsIndividually(const Model& model, const std::string& goldenDir)
{
    std::vector<OpCheck> out;
    const Graph& g = model.main();
    const QString dir = QString::fromStdString(goldenDir) + "/tensors_1";
    std::vector<uint8_t> input;
    readFile(QString::fromStdString(goldenDir) + "/input_1.bin", input);
    for (size_t i = 0; i < g.ops.size(); ++i) {
        OpCheck c;
        c.op = int(i);
        c.kind = opKindName(g.ops[i].kind);
        // A one-op graph over the same tensors.
        Graph one = g;
        one.ops = {g.ops[i]};
        auto interp = ReferenceInterpreter::create(one);
        if (!interp.ok()) {
            c.status = "no kernel";
            out.push_back(c);
            continue;
        }
        interp->setInputsFromConcatenated(input);
        bool haveInputs = true;
        for (int t : g.ops[i].inputs) {
            if (t < 0 || g.tensors[size_t(t)].isConstant() || g.tensors[size_t(t)].isVariable)
                continue;
            std::vector<uint8_t> bytes;
            if (readFile(dir + QString("/t%1.bin").arg(t), bytes))
                interp->tensorBytes(t) = bytes;
            else if (std::find(g.inputs.begin(), g.inputs.end(), t) == g.inputs.end())
                haveInputs = false;
        }
        if (!haveInputs) {
            c.status = "no dump";
            out.push_back(c);
            continue;
        }
        if (auto d = interp->run(); !d.empty()) {
            c.status = "FAILED: " + firstError(d);
            out.push_back(c);
            continue;
        }
        c.status = "match";
        for (int t : g.ops[i].outputs) {
            std::vector<uint8_t> theirs;
            if (!readFile(dir + QString("/t%1.bin").arg(t), theirs)) {
                c.status = "no dump";
                break;
            }
            if (interp->tensorBytes(t) != theirs) {
                c.status = "DIFFERS: t" + std::to_string(t) + ": " + describeDifference(g.tensors[size_t(t)], interp->tensorBytes(t), theirs);
                break;
            }
        }
        out.push_back(c);
    }
    return out;
}

} // namespace ts
