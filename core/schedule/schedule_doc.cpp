#include "schedule/schedule_doc.h"

#include "common/json.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <set>

namespace ts {

AnalysisOptions ScheduleDoc::analysisOptions() const
{
    AnalysisOptions o;
    o.planner = planner;
    if (!legalize) // the graph exactly as stored, as TFLM plans it
        o.legalize = LegalizeOptions{false, false, false, quantizedIo};
    o.legalize.quantizedIo = quantizedIo;
    o.memory.inplace = inplace;
    o.memory.alignment = alignment;
    o.reorder = reorder && order.empty();
    return o;
}

PatchOptions ScheduleDoc::patchOptions() const
{
    PatchOptions p;
    p.memory = analysisOptions().memory;
    p.planner = planner;
    p.inputResident = patch && patch->inputResident;
    return p;
}

bool ScheduleDoc::operator==(const ScheduleDoc& o) const
{
    return modelSha256 == o.modelSha256 && planner == o.planner && inplace == o.inplace && quantizedIo == o.quantizedIo
        && reorder == o.reorder && order == o.order && patch == o.patch && macCapPercent == o.macCapPercent
        && legalize == o.legalize && alignment == o.alignment;
}

QJsonObject scheduleToJson(const ScheduleDoc& doc)
{
    QJsonArray order;
    for (int o : doc.order)
        order.append(o);
    QJsonObject j{{"format", kScheduleFormat},
                  {"model_sha256", QString::fromStdString(doc.modelSha256)},
                  {"planner", QString::fromStdString(doc.planner)},
                  {"inplace", QJsonObject{{"depthwise", doc.inplace.depthwise},
                                          {"pointwise_shrink", doc.inplace.pointwiseShrink},
                                          {"pointwise_expand", doc.inplace.pointwiseExpand},
                                          {"elementwise", doc.inplace.elementwise}}},
                  {"quantized_io", doc.quantizedIo},
                  {"reorder", doc.reorder},
                  {"op_order", order},
                  {"mac_cap_percent", doc.macCapPercent},
                  {"legalize", doc.legalize},
                  {"alignment", doc.alignment},
                  {"patch", QJsonValue::Null}};
    if (doc.patch)
        j["patch"] = QJsonObject{{"split_tensor", doc.patch->splitTensor},
                                 {"grid", QJsonArray{doc.patch->nh, doc.patch->nw}},
                                 {"input_resident", doc.patch->inputResident}};
    return j;
}

QByteArray scheduleToBytes(const ScheduleDoc& doc) { return QJsonDocument(scheduleToJson(doc)).toJson(QJsonDocument::Indented); }

Result<ResolvedSchedule> resolveSchedule(const ScheduleDoc& doc, const Model& model, const std::string& file)
{
    Result<ResolvedSchedule> r;
    ResolvedSchedule s;
    s.legal = legalize(model, doc.analysisOptions().legalize);
    if (!doc.order.empty()) {
        s.order = doc.order;
    } else if (doc.reorder) {
        auto re = findMemoryOptimalOrder(s.legal, doc.analysisOptions().memory);
        if (!re.ok()) {
            r.diagnostics = re.diagnostics;
            return r;
        }
        s.order = re->order;
    } else {
        s.order = storedOrder(s.legal);
    }
    if (const std::string bad = checkOrder(s.legal, s.order); !bad.empty()) {
        r.diagnostics.push_back(makeError(file, "op_order", bad + " (orders index the legalized graph's " +
                                                                std::to_string(s.legal.graph.ops.size()) + " ops)"));
        return r;
    }
    if (doc.patch) {
        auto plan = planPatches(s.legal, s.order, doc.patch->splitTensor, doc.patch->nh, doc.patch->nw, doc.patchOptions());
        if (!plan.ok()) {
            for (auto d : plan.diagnostics) {
                d.file = file;
                r.diagnostics.push_back(d);
            }
            return r;
        }
        s.patch = std::move(*plan);
    }
    r.value = std::move(s);
    return r;
}

namespace {

// Strict field readers: each records one error naming the key and returns false.
class Fields {
public:
    Fields(const QJsonObject& o, std::string file, std::string prefix)
        : m_o(o), m_file(std::move(file)), m_prefix(std::move(prefix))
    {
    }

    bool fail(const std::string& key, const std::string& what)
    {
        m_diags.push_back(makeError(m_file, m_prefix + key, what));
        return false;
    }

    bool only(const std::set<QString>& keys)
    {
        bool ok = true;
        for (const QString& k : m_o.keys())
            if (!keys.count(k)) {
                std::string valid;
                for (const QString& v : keys)
                    valid += (valid.empty() ? "" : ", ") + v.toStdString();
                ok = fail(k.toStdString(), "unknown key; expected one of: " + valid);
            }
        return ok;
    }

    bool boolean(const char* key, bool& out)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return true;
        if (!v.isBool())
            return fail(key, "expected true or false, found " + jsonTypeName(v));
        out = v.toBool();
        return true;
    }

    bool string(const char* key, std::string& out)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return true;
        if (!v.isString())
            return fail(key, "expected a string, found " + jsonTypeName(v));
        out = v.toString().toStdString();
        return true;
    }

    bool number(const char* key, double& out, double min, double max)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined())
            return true;
        if (!v.isDouble() || !std::isfinite(v.toDouble()))
            return fail(key, "expected a number, found " + jsonTypeName(v));
        if (v.toDouble() < min || v.toDouble() > max)
            return fail(key, "found " + std::to_string(v.toDouble()) + "; expected " + std::to_string(min) + ".."
                                 + std::to_string(max));
        out = v.toDouble();
        return true;
    }

    Diagnostics& diagnostics() { return m_diags; }

private:
    const QJsonObject& m_o;
    std::string m_file, m_prefix;
    Diagnostics m_diags;
};

// A whole number in [min, max] or an error text.
std::optional<int> wholeNumber(const QJsonValue& v, int min, int max, std::string& why)
{
    if (!v.isDouble()) {
        why = "expected a whole number, found " + jsonTypeName(v);
        return std::nullopt;
    }
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d)) {
        why = "expected a whole number, found " + QString::number(d, 'g', 17).toStdString();
        return std::nullopt;
    }
    if (d < min || d > max) {
        why = "found " + QString::number(d, 'g', 17).toStdString() + "; expected " + std::to_string(min) + ".."
              + std::to_string(max);
        return std::nullopt;
    }
    return int(d);
}

} // namespace

Result<ScheduleDoc> parseScheduleJson(const QJsonObject& o, const std::string& file)
{
    Result<ScheduleDoc> r;
    Fields f(o, file, "");
    const QJsonValue format = o.value("format");
    std::string why;
    const auto fmt = wholeNumber(format, 1, kScheduleFormat, why);
    if (!fmt) {
        f.fail("format", why + (format.isDouble() && format.toDouble() > kScheduleFormat ? " (saved by a newer TinyStudio?)" : ""));
        r.diagnostics = f.diagnostics();
        return r;
    }
    ScheduleDoc doc;
    bool ok = f.only({"format", "model_sha256", "planner", "inplace", "quantized_io", "reorder", "op_order", "patch",
                      "mac_cap_percent", "legalize", "alignment"});
    ok = f.string("model_sha256", doc.modelSha256) && ok;
    ok = f.string("planner", doc.planner) && ok;
    if (!createPlanner(doc.planner)) {
        std::string names;
        for (const auto& n : plannerNames())
            names += (names.empty() ? "" : ", ") + n;
        ok = f.fail("planner", "found '" + doc.planner + "'; expected one of: " + names);
    }
    const QJsonValue inplace = o.value("inplace");
    if (inplace.isBool()) {
        doc.inplace.setAll(inplace.toBool()); // format 1: one switch for every kind
    } else if (inplace.isObject()) {
        const QJsonObject io = inplace.toObject();
        Fields g(io, file, "inplace.");
        bool iok = g.only({"depthwise", "pointwise_shrink", "pointwise_expand", "elementwise"});
        iok = g.boolean("depthwise", doc.inplace.depthwise) && iok;
        iok = g.boolean("pointwise_shrink", doc.inplace.pointwiseShrink) && iok;
        iok = g.boolean("pointwise_expand", doc.inplace.pointwiseExpand) && iok;
        iok = g.boolean("elementwise", doc.inplace.elementwise) && iok;
        if (!iok) {
            f.diagnostics().insert(f.diagnostics().end(), g.diagnostics().begin(), g.diagnostics().end());
            ok = false;
        }
    } else if (!inplace.isUndefined()) {
        ok = f.fail("inplace", "expected true/false or an object of in-place switches, found " + jsonTypeName(inplace));
    }
    ok = f.boolean("quantized_io", doc.quantizedIo) && ok;
    ok = f.boolean("reorder", doc.reorder) && ok;
    ok = f.number("mac_cap_percent", doc.macCapPercent, 0, 1000) && ok;
    ok = f.boolean("legalize", doc.legalize) && ok;
    if (o.contains("alignment")) {
        if (const auto v = wholeNumber(o.value("alignment"), 1, 4096, why))
            doc.alignment = *v;
        else
            ok = f.fail("alignment", why);
    }
    if (o.contains("op_order")) {
        if (!o.value("op_order").isArray()) {
            ok = f.fail("op_order", "expected an array of op indices, found " + jsonTypeName(o.value("op_order")));
        } else {
            const QJsonArray a = o.value("op_order").toArray();
            for (int i = 0; i < a.size(); ++i) {
                const auto v = wholeNumber(a[i], 0, 1 << 30, why);
                if (!v) {
                    ok = f.fail("op_order[" + std::to_string(i) + "]", why);
                    break;
                }
                doc.order.push_back(*v);
            }
        }
    }
    const QJsonValue pv = o.value("patch");
    if (pv.isObject()) {
        const QJsonObject p = pv.toObject();
        Fields g(p, file, "patch.");
        bool pok = g.only({"split_tensor", "grid", "input_resident"});
        PatchStage st;
        if (const auto v = wholeNumber(p.value("split_tensor"), 0, 1 << 30, why))
            st.splitTensor = *v;
        else
            pok = g.fail("split_tensor", why);
        const QJsonValue gv = p.value("grid");
        if (!gv.isArray() || gv.toArray().size() != 2) {
            pok = g.fail("grid", "expected [N_H, N_W], found " + jsonTypeName(gv));
        } else {
            const auto nh = wholeNumber(gv.toArray()[0], 1, 1 << 16, why);
            if (!nh)
                pok = g.fail("grid[0]", why);
            const auto nw = wholeNumber(gv.toArray()[1], 1, 1 << 16, why);
            if (!nw)
                pok = g.fail("grid[1]", why);
            if (nh && nw)
                st.nh = *nh, st.nw = *nw;
        }
        pok = g.boolean("input_resident", st.inputResident) && pok;
        if (pok)
            doc.patch = st;
        else {
            f.diagnostics().insert(f.diagnostics().end(), g.diagnostics().begin(), g.diagnostics().end());
            ok = false;
        }
    } else if (!pv.isUndefined() && !pv.isNull()) {
        ok = f.fail("patch", "expected null or {\"split_tensor\": INDEX, \"grid\": [N_H, N_W]}, found " + jsonTypeName(pv));
    }
    if (!ok) {
        r.diagnostics = f.diagnostics();
        return r;
    }
    r.value = std::move(doc);
    return r;
}

Result<ScheduleDoc> scheduleFromJson(const QByteArray& json, const std::string& file, const Model& model)
{
    Result<ScheduleDoc> r;
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        r.diagnostics.push_back(makeError(file, "", "not valid JSON at byte " + std::to_string(pe.offset) + ": "
                                                        + pe.errorString().toStdString()));
        return r;
    }
    if (!d.isObject()) {
        r.diagnostics.push_back(makeError(file, "", "expected a JSON object"));
        return r;
    }
    auto parsed = parseScheduleJson(d.object(), file);
    if (!parsed.ok())
        return parsed;
    ScheduleDoc doc = std::move(*parsed);
    if (doc.modelSha256.empty()) {
        r.diagnostics.push_back(makeError(file, "model_sha256",
                                          "missing: a schedule names the model it was made for (its op and tensor "
                                          "indices mean nothing for another model); expected \"" + model.sha256
                                              + "\" for this model"));
        return r;
    }
    if (doc.modelSha256 != model.sha256) {
        r.diagnostics.push_back(makeError(file, "model_sha256",
                                          "the schedule was made for the model with sha256 " + doc.modelSha256
                                              + "; this model's is " + model.sha256));
        return r;
    }
    // Order and patch stage must fit the model.
    auto resolved = resolveSchedule(doc, model, file);
    if (!resolved.ok()) {
        r.diagnostics = resolved.diagnostics;
        return r;
    }
    r.value = std::move(doc);
    return r;
}

} // namespace ts
