#include "report/inspect_report.h"

#include "analysis/opfacts.h"

#include <QJsonArray>
#include <QStringList>

#include <map>

namespace ts {

QString formatCount(int64_t n)
{
    QString digits = QString::number(n < 0 ? -n : n);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(i, ',');
    return n < 0 ? "-" + digits : digits;
}

QString formatBytes(int64_t bytes)
{
    if (bytes < 1024)
        return QString("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return QString("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return QString("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 2);
}

namespace {

QJsonArray shapeJson(const std::vector<int32_t>& shape)
{
    QJsonArray a;
    for (int32_t d : shape)
        a.append(d);
    return a;
}

QJsonObject ioJson(const Graph& g, int index)
{
    const Tensor& t = g.tensors[size_t(index)];
    QJsonObject o;
    o["index"] = index;
    o["name"] = QString::fromStdString(t.name);
    o["shape"] = shapeJson(t.shape);
    o["dtype"] = dtypeName(t.dtype);
    o["scale"] = t.quant.scale.empty() ? QJsonValue() : QJsonValue(double(t.quant.scale[0]));
    o["zero_point"] = t.quant.zeroPoint.empty() ? QJsonValue() : QJsonValue(qint64(t.quant.zeroPoint[0]));
    return o;
}

QString opLabel(const Op& op)
{
    QString s = QString::fromStdString(opKindName(op.kind));
    if (op.kind == OpKind::Custom)
        s += "(" + QString::fromStdString(op.customCode) + ")";
    return s;
}

QString operandsText(const Graph& g, const std::vector<int>& ids, bool skipConstants)
{
    QStringList parts;
    for (int i : ids) {
        const Tensor* t = g.tensor(i);
        if (!t || (skipConstants && t->isConstant()))
            continue;
        parts << QString("%1%2").arg(dtypeName(t->dtype), QString::fromStdString(shapeString(t->shape)));
    }
    return parts.join(" ");
}

} // namespace

QJsonObject inspectJson(const Model& model)
{
    const Graph& g = model.main();
    const ModelTotals totals = computeTotals(g);
    QJsonObject m;
    m["path"] = QString::fromStdString(model.path);
    m["sha256"] = QString::fromStdString(model.sha256);
    m["description"] = QString::fromStdString(model.description);
    m["subgraphs"] = int(model.subgraphs.size());
    m["ops"] = int(g.ops.size());
    m["tensors"] = int(g.tensors.size());
    m["macs"] = qint64(totals.macs);
    m["weight_bytes"] = qint64(totals.weightBytes);
    m["unsupported_ops"] = qint64(totals.unsupportedOps);
    QJsonArray inputs, outputs;
    for (int i : g.inputs)
        inputs.append(ioJson(g, i));
    for (int i : g.outputs)
        outputs.append(ioJson(g, i));
    m["inputs"] = inputs;
    m["outputs"] = outputs;
    std::map<std::string, int> counts;
    for (const Op& op : g.ops)
        counts[op.kind == OpKind::Custom ? "CUSTOM:" + op.customCode : opKindName(op.kind)]++;
    QJsonObject byKind;
    for (const auto& [k, n] : counts)
        byKind[QString::fromStdString(k)] = n;
    m["op_counts"] = byKind;
    QJsonArray metadata;
    for (const auto& e : model.metadata)
        metadata.append(QJsonObject{{"name", QString::fromStdString(e.name)}, {"bytes", qint64(e.data.size)}});
    m["metadata"] = metadata;

    QJsonArray layers;
    for (size_t i = 0; i < g.ops.size(); ++i) {
        const Op& op = g.ops[i];
        const OpFacts f = computeOpFacts(g, op);
        QJsonObject l;
        l["index"] = int(i);
        l["op"] = QString::fromStdString(opKindName(op.kind));
        if (op.kind == OpKind::Custom)
            l["custom_code"] = QString::fromStdString(op.customCode);
        QJsonArray ins, outs, inTypes, outTypes;
        for (int t : op.inputs) {
            const Tensor* x = g.tensor(t);
            if (x && !x->isConstant()) {
                ins.append(shapeJson(x->shape));
                inTypes.append(dtypeName(x->dtype));
            }
        }
        for (int t : op.outputs) {
            outs.append(shapeJson(g.tensors[size_t(t)].shape));
            outTypes.append(dtypeName(g.tensors[size_t(t)].dtype));
        }
        l["inputs"] = ins;
        l["input_dtypes"] = inTypes;
        l["outputs"] = outs;
        l["output_dtypes"] = outTypes;
        l["activation"] = activationName(op.activation());
        l["macs"] = qint64(f.macs);
        l["weight_bytes"] = qint64(f.weightBytes);
        l["bias_bytes"] = qint64(f.biasBytes);
        l["input_bytes"] = qint64(f.inputBytes);
        l["output_bytes"] = qint64(f.outputBytes);
        l["supported"] = f.supported;
        if (!f.supported)
            l["unsupported_reason"] = QString::fromStdString(f.unsupportedReason);
        layers.append(l);
    }
    return QJsonObject{{"model", m}, {"layers", layers}};
}

QString inspectText(const Model& model)
{
    const Graph& g = model.main();
    QString out;
    out += QString("model   %1\nsha256  %2\n").arg(QString::fromStdString(model.path.empty() ? "(in memory)" : model.path),
                                                  QString::fromStdString(model.sha256));
    QStringList ins, outs;
    for (int i : g.inputs)
        ins << operandsText(g, {i}, false);
    for (int i : g.outputs)
        outs << operandsText(g, {i}, false);
    out += QString("inputs  %1\noutputs %2\n\n").arg(ins.join(", "), outs.join(", "));
    out += QString("%1  %2  %3  %4  %5  %6  %7\n")
               .arg("#", 4).arg("op", -28).arg("inputs", -30).arg("outputs", -22).arg("MACs", 13).arg("weights", 10)
               .arg("supported");
    for (size_t i = 0; i < g.ops.size(); ++i) {
        const Op& op = g.ops[i];
        const OpFacts f = computeOpFacts(g, op);
        out += QString("%1  %2  %3  %4  %5  %6  %7\n")
                   .arg(int(i), 4)
                   .arg(opLabel(op), -28)
                   .arg(operandsText(g, op.inputs, true), -30)
                   .arg(operandsText(g, op.outputs, false), -22)
                   .arg(formatCount(f.macs), 13)
                   .arg(formatBytes(f.weightBytes + f.biasBytes), 10)
                   .arg(f.supported ? "yes" : "no: " + QString::fromStdString(f.unsupportedReason));
    }
    const ModelTotals t = computeTotals(g);
    out += QString("\n%1 ops, %2 tensors, %3 MACs, %4 of weights (%5 B), %6 unsupported op(s)\n")
               .arg(g.ops.size())
               .arg(g.tensors.size())
               .arg(formatCount(t.macs), formatBytes(t.weightBytes), formatCount(t.weightBytes))
               .arg(t.unsupportedOps);
    if (model.subgraphs.size() > 1)
        out += QString("note: %1 subgraphs; only subgraph 0 is analysed\n").arg(model.subgraphs.size());
    for (const auto& e : model.metadata)
        out += QString("metadata '%1': %2 B\n").arg(QString::fromStdString(e.name)).arg(e.data.size);
    return out;
}

QJsonObject boardJson(const Board& b, const BoardSet& set)
{
    auto regions = [](const std::vector<MemoryRegion>& v) {
        QJsonArray a;
        for (const auto& r : v)
            a.append(QJsonObject{{"name", QString::fromStdString(r.name)},
                                 {"base", QString("0x%1").arg(r.base, 8, 16, QChar('0'))},
                                 {"size", qint64(r.size)},
                                 {"kind", QString::fromStdString(r.kind)}});
        return a;
    };
    QJsonObject o{{"id", QString::fromStdString(b.id)},
                  {"name", QString::fromStdString(b.name)},
                  {"vendor", QString::fromStdString(b.vendor)},
                  {"mcu", QString::fromStdString(b.mcu)},
                  {"core", QString::fromStdString(b.core)},
                  {"clock_hz", qint64(b.clockHz)},
                  {"fpu", QString::fromStdString(b.fpu)},
                  {"dsp", b.dsp},
                  {"flash", regions(b.flash)},
                  {"ram", regions(b.ram)},
                  {"ram_bytes", qint64(b.totalRam())},
                  {"flash_bytes", qint64(b.totalFlash())},
                  {"probe", QJsonObject{{"type", QString::fromStdString(b.probe.type)},
                                        {"machine", QString::fromStdString(b.probe.machine)}}},
                  {"source", QString::fromStdString(b.source)},
                  {"file", QString::fromStdString(b.filePath)},
                  {"user", b.user}};
    if (b.emulated()) {
        o["enforces"] = QString::fromStdString(b.enforces);
        if (const Board* real = set.limitsOf(b)) {
            o["enforced_ram_bytes"] = qint64(real->totalRam());
            o["enforced_flash_bytes"] = qint64(real->totalFlash());
        }
    }
    return o;
}

QJsonObject boardsJson(const BoardSet& set)
{
    QJsonArray a;
    for (const auto& b : set.boards)
        a.append(boardJson(b, set));
    return QJsonObject{{"boards", a}};
}

QString boardsText(const BoardSet& set)
{
    QString out = QString("%1  %2  %3  %4  %5  %6  %7\n")
                      .arg("id", -20).arg("name", -20).arg("core", -11).arg("MHz", 5).arg("RAM", 11)
                      .arg("largest RAM", -22).arg("flash");
    for (const auto& b : set.boards) {
        const MemoryRegion* big = b.largestRam();
        QString flash = formatBytes(int64_t(b.totalFlash()));
        if (b.emulated())
            flash += QString("   (QEMU %1, enforces %2)").arg(QString::fromStdString(b.probe.machine),
                                                               QString::fromStdString(b.enforces));
        out += QString("%1  %2  %3  %4  %5  %6  %7\n")
                   .arg(QString::fromStdString(b.id), -20)
                   .arg(QString::fromStdString(b.name), -20)
                   .arg(QString::fromStdString(b.core), -11)
                   .arg(b.clockHz / 1000000, 5)
                   .arg(formatBytes(int64_t(b.totalRam())), 11)
                   .arg(big ? QString("%1 %2").arg(QString::fromStdString(big->name), formatBytes(int64_t(big->size)))
                            : QString(), -22)
                   .arg(flash);
    }
    return out;
}

} // namespace ts
