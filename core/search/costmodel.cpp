#include "search/costmodel.h"

#include "analysis/opfacts.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <set>

namespace ts {

namespace {

#include "cost_models.inc" // kBuiltinCostModels: {machine, json} (generated from core/search/costmodels/*.json)

struct Features {
    double macs = 0, outputs = 0;
};

Features featuresOf(const Graph& g, const Op& op)
{
    Features f;
    f.macs = double(computeOpFacts(g, op).macs);
    if (!op.outputs.empty() && op.outputs[0] >= 0)
        f.outputs = double(g.tensors[size_t(op.outputs[0])].elementCount().value_or(0));
    // Pooling has no MACs by TFLite's count, but its work is one add (or compare) per window
    // element: count those in the per-MAC column so a global pool over a large map costs more.
    if (op.kind == OpKind::AveragePool2D || op.kind == OpKind::MaxPool2D)
        if (const auto* o = std::get_if<Pool2DOptions>(&op.options))
            f.macs = double(o->filterH) * o->filterW * f.outputs;
    return f;
}

// Solves the n×n system A x = b (n ≤ 3) by Gaussian elimination with partial pivoting; false when singular.
bool solve(std::vector<std::vector<double>> a, std::vector<double> b, std::vector<double>& x)
{
    const size_t n = b.size();
    for (size_t c = 0; c < n; ++c) {
        size_t p = c;
        for (size_t r = c + 1; r < n; ++r)
            if (std::fabs(a[r][c]) > std::fabs(a[p][c]))
                p = r;
        if (std::fabs(a[p][c]) < 1e-12)
            return false;
        std::swap(a[p], a[c]);
        std::swap(b[p], b[c]);
        for (size_t r = c + 1; r < n; ++r) {
            const double k = a[r][c] / a[c][c];
            for (size_t j = c; j < n; ++j)
                a[r][j] -= k * a[c][j];
            b[r] -= k * b[c];
        }
    }
    x.assign(n, 0);
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t j = i + 1; j < n; ++j)
            s -= a[i][j] * x[j];
        x[i] = s / a[i][i];
    }
    return true;
}

// Least squares over the chosen feature columns (0 = MACs, 1 = outputs, 2 = constant), rows
// weighted by 1/measured so that the relative error is what is minimised (small layers count as
// much as large ones). Returns false when singular or a coefficient comes out negative.
bool fitColumns(const std::vector<const CostSample*>& s, const std::vector<int>& cols, KernelCost& out)
{
    const size_t n = cols.size();
    std::vector<std::vector<double>> ata(n, std::vector<double>(n, 0));
    std::vector<double> atb(n, 0);
    for (const CostSample* x : s) {
        const double w = 1.0 / std::max<double>(1.0, double(x->instructions));
        const double feat[3] = {double(x->macs), double(x->outputs), 1.0};
        for (size_t i = 0; i < n; ++i) {
            for (size_t j = 0; j < n; ++j)
                ata[i][j] += w * w * feat[cols[i]] * feat[cols[j]];
            atb[i] += w * w * feat[cols[i]] * double(x->instructions);
        }
    }
    std::vector<double> coef;
    if (!solve(ata, atb, coef))
        return false;
    KernelCost k;
    for (size_t i = 0; i < n; ++i) {
        if (coef[i] < 0)
            return false;
        (cols[i] == 0 ? k.perMac : cols[i] == 1 ? k.perOutput : k.perOp) = coef[i];
    }
    out = k;
    return true;
}

double predict(const KernelCost& k, double macs, double outputs)
{
    return k.perMac * macs + k.perOutput * outputs + k.perOp;
}

} // namespace

std::vector<std::string> costClasses()
{
    return {"conv1x1", "conv", "depthwise", "fc", "add", "pool", "softmax", "other"};
}

std::string costClass(const Graph& g, const Op& op)
{
    switch (op.kind) {
    case OpKind::Conv2D: {
        const auto& w = op.inputs.size() > 1 && op.inputs[1] >= 0 ? g.tensors[size_t(op.inputs[1])].shape : std::vector<int32_t>{};
        return w.size() == 4 && w[1] == 1 && w[2] == 1 ? "conv1x1" : "conv";
    }
    case OpKind::DepthwiseConv2D: return "depthwise";
    case OpKind::FullyConnected: return "fc";
    case OpKind::Add: return "add";
    case OpKind::AveragePool2D:
    case OpKind::MaxPool2D: return "pool";
    case OpKind::Softmax: return "softmax";
    default: return "other";
    }
}

double CostModel::opCost(const Graph& g, const Op& op) const
{
    const auto it = classes.find(costClass(g, op));
    if (it == classes.end())
        return 0;
    const Features f = featuresOf(g, op);
    return predict(it->second, f.macs, f.outputs);
}

int64_t CostModel::estimate(const Graph& g, int64_t extraMacs) const
{
    double total = 0;
    for (const Op& op : g.ops)
        total += opCost(g, op);
    if (extraMacs > 0) {
        // Recomputed halos are conv/depthwise work: charge them at the mean per-MAC cost of those classes.
        double perMac = 0;
        int n = 0;
        for (const char* c : {"conv", "conv1x1", "depthwise"})
            if (auto it = classes.find(c); it != classes.end() && it->second.perMac > 0) {
                perMac += it->second.perMac;
                ++n;
            }
        if (n > 0)
            total += perMac / n * double(extraMacs);
    }
    return int64_t(std::llround(total));
}

std::vector<CostSample> costSamples(const std::string& model, const Graph& g, const std::vector<int64_t>& instructions)
{
    std::vector<CostSample> out;
    for (size_t i = 0; i < g.ops.size() && i < instructions.size(); ++i) {
        const Features f = featuresOf(g, g.ops[i]);
        CostSample s;
        s.model = model;
        s.cls = costClass(g, g.ops[i]);
        s.macs = int64_t(f.macs);
        s.outputs = int64_t(f.outputs);
        s.instructions = instructions[i];
        out.push_back(s);
    }
    return out;
}

Result<CostModel> fitCostModel(const std::vector<CostSample>& samples, const std::string& machine, const std::string& source)
{
    Result<CostModel> r;
    if (samples.empty()) {
        r.diagnostics.push_back(makeError("", "cost model", "no measured layers to fit"));
        return r;
    }
    CostModel m;
    m.machine = machine;
    m.source = source;
    std::set<std::string> models;
    for (const std::string& c : costClasses()) {
        std::vector<const CostSample*> s;
        for (const CostSample& x : samples)
            if (x.cls == c && x.instructions > 0)
                s.push_back(&x);
        if (s.empty())
            continue;
        // The richest model the samples support with non-negative coefficients.
        const bool hasMacs = std::any_of(s.begin(), s.end(), [](const CostSample* x) { return x->macs > 0; });
        std::vector<std::vector<int>> tries;
        if (hasMacs)
            tries = {{0, 1, 2}, {0, 2}, {0, 1}, {0}};
        else
            tries = {{1, 2}, {1}, {2}};
        KernelCost k;
        bool fitted = false;
        for (const auto& cols : tries)
            if (s.size() >= cols.size() && fitColumns(s, cols, k)) {
                fitted = true;
                break;
            }
        if (!fitted)
            continue;
        k.samples = int(s.size());
        double err = 0;
        for (const CostSample* x : s)
            err += std::fabs(predict(k, double(x->macs), double(x->outputs)) - double(x->instructions)) / double(x->instructions);
        k.meanAbsErrorPercent = 100.0 * err / double(s.size());
        m.classes[c] = k;
    }
    // Per-layer and per-model errors of the fit.
    std::map<std::string, std::pair<double, double>> totals; // model → (measured, estimated)
    double err = 0;
    int n = 0;
    for (const CostSample& x : samples) {
        models.insert(x.model);
        const auto it = m.classes.find(x.cls);
        const double est = it == m.classes.end() ? 0 : predict(it->second, double(x.macs), double(x.outputs));
        totals[x.model].first += double(x.instructions);
        totals[x.model].second += est;
        if (x.instructions > 0) {
            err += std::fabs(est - double(x.instructions)) / double(x.instructions);
            ++n;
        }
    }
    m.layers = int(samples.size());
    m.models = int(models.size());
    m.layerMeanAbsErrorPercent = n ? 100.0 * err / n : 0;
    for (const auto& [name, t] : totals)
        if (t.first > 0)
            m.modelMaxAbsErrorPercent = std::max(m.modelMaxAbsErrorPercent, 100.0 * std::fabs(t.second - t.first) / t.first);
    r.value = std::move(m);
    return r;
}

QJsonObject costModelToJson(const CostModel& m)
{
    QJsonObject classes;
    for (const auto& [name, k] : m.classes)
        classes[QString::fromStdString(name)] = QJsonObject{{"per_mac", k.perMac},
                                                            {"per_output", k.perOutput},
                                                            {"per_op", k.perOp},
                                                            {"samples", k.samples},
                                                            {"mean_abs_error_percent", k.meanAbsErrorPercent}};
    QJsonArray holdout;
    for (const HoldoutCheck& h : m.holdout)
        holdout.append(QJsonObject{{"model", QString::fromStdString(h.model)},
                                   {"measured", qint64(h.measured)},
                                   {"estimated", qint64(h.estimated)},
                                   {"error_percent", h.errorPercent}});
    return QJsonObject{{"format", 1},
                       {"machine", QString::fromStdString(m.machine)},
                       {"unit", QString::fromStdString(m.unit)},
                       {"source", QString::fromStdString(m.source)},
                       {"classes", classes},
                       {"layers", m.layers},
                       {"models", m.models},
                       {"layer_mean_abs_error_percent", m.layerMeanAbsErrorPercent},
                       {"model_max_abs_error_percent", m.modelMaxAbsErrorPercent},
                       {"holdout", holdout}};
}

Result<CostModel> costModelFromJson(const QByteArray& json, const std::string& source)
{
    Result<CostModel> r;
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        r.diagnostics.push_back(makeError(source, "", "not a JSON object (" + pe.errorString().toStdString() + ")"));
        return r;
    }
    const QJsonObject o = doc.object();
    if (o["format"].toInt() != 1) {
        r.diagnostics.push_back(makeError(source, "format", "expected 1"));
        return r;
    }
    CostModel m;
    m.machine = o["machine"].toString().toStdString();
    m.unit = o["unit"].toString("instructions").toStdString();
    m.source = o["source"].toString().toStdString();
    m.layers = o["layers"].toInt();
    m.models = o["models"].toInt();
    m.layerMeanAbsErrorPercent = o["layer_mean_abs_error_percent"].toDouble();
    m.modelMaxAbsErrorPercent = o["model_max_abs_error_percent"].toDouble();
    if (!o["classes"].isObject()) {
        r.diagnostics.push_back(makeError(source, "classes", "expected an object of kernel classes"));
        return r;
    }
    const QJsonObject classes = o["classes"].toObject();
    const auto known = costClasses();
    for (auto it = classes.begin(); it != classes.end(); ++it) {
        const std::string name = it.key().toStdString();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            r.diagnostics.push_back(makeError(source, "classes." + name, "unknown kernel class"));
            return r;
        }
        const QJsonObject c = it.value().toObject();
        KernelCost k;
        k.perMac = c["per_mac"].toDouble(-1);
        k.perOutput = c["per_output"].toDouble(-1);
        k.perOp = c["per_op"].toDouble(-1);
        k.samples = c["samples"].toInt();
        k.meanAbsErrorPercent = c["mean_abs_error_percent"].toDouble();
        if (k.perMac < 0 || k.perOutput < 0 || k.perOp < 0) {
            r.diagnostics.push_back(makeError(source, "classes." + name, "expected non-negative per_mac, per_output and per_op"));
            return r;
        }
        m.classes[name] = k;
    }
    for (const QJsonValue& v : o["holdout"].toArray()) {
        const QJsonObject h = v.toObject();
        m.holdout.push_back({h["model"].toString().toStdString(), h["measured"].toInteger(), h["estimated"].toInteger(),
                             h["error_percent"].toDouble()});
    }
    r.value = std::move(m);
    return r;
}

Result<CostModel> builtinCostModel(const std::string& machineOrCore)
{
    std::string machine = machineOrCore;
    if (machine.rfind("qemu-", 0) != 0)
        machine = machineOrCore.find("M7") != std::string::npos || machineOrCore.find("m7") != std::string::npos
                      ? "qemu-mps2-an500"
                      : "qemu-mps2-an386";
    for (const auto& b : kBuiltinCostModels)
        if (b.name && machine == b.name)
            return costModelFromJson(QByteArray(b.json), std::string("built-in cost model '") + b.name + "'");
    Result<CostModel> r;
    r.diagnostics.push_back(makeError("", "cost model", "no cost model is shipped for '" + machine +
                                                            "'; fit one with tinystudio-bench --fit-cost-model"));
    return r;
}

} // namespace ts
