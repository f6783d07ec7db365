#include "schedule/schedule_doc.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace ts {

AnalysisOptions ScheduleDoc::analysisOptions() const
{
    AnalysisOptions o;
    o.planner = planner;
    o.legalize.quantizedIo = quantizedIo;
    o.memory.setInplace(inplace);
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

QJsonObject scheduleToJson(const ScheduleDoc& doc)
{
    QJsonArray order;
    for (int o : doc.order)
        order.append(o);
    QJsonObject j{{"format", 1},
                  {"model_sha256", QString::fromStdString(doc.modelSha256)},
                  {"planner", QString::fromStdString(doc.planner)},
                  {"inplace", doc.inplace},
                  {"quantized_io", doc.quantizedIo},
                  {"op_order", order}};
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
    s.order = doc.order.empty() ? storedOrder(s.legal) : doc.order;
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

Result<ScheduleDoc> scheduleFromJson(const QByteArray& json, const std::string& file, const Model& model)
{
    Result<ScheduleDoc> r;
    auto fail = [&](const std::string& where, const std::string& what) {
        r.diagnostics.push_back(makeError(file, where, what));
        return r;
    };
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail("", "not valid JSON at byte " + std::to_string(pe.offset) + ": " + pe.errorString().toStdString());
    if (!d.isObject())
        return fail("", "expected a JSON object");
    const QJsonObject o = d.object();
    if (o.value("format").toInt(-1) != 1)
        return fail("format", "expected 1");
    ScheduleDoc doc;
    doc.modelSha256 = o.value("model_sha256").toString().toStdString();
    if (doc.modelSha256 != model.sha256)
        return fail("model_sha256", "the schedule was made for the model with sha256 " + doc.modelSha256
                                        + "; this model's is " + model.sha256);
    doc.planner = o.value("planner").toString(QString::fromLatin1(kDefaultPlanner)).toStdString();
    if (!createPlanner(doc.planner)) {
        std::string names;
        for (const auto& n : plannerNames())
            names += (names.empty() ? "" : ", ") + n;
        return fail("planner", "found '" + doc.planner + "'; expected one of: " + names);
    }
    if (o.contains("inplace") && !o.value("inplace").isBool())
        return fail("inplace", "expected true or false");
    doc.inplace = o.value("inplace").toBool(true);
    if (o.contains("quantized_io") && !o.value("quantized_io").isBool())
        return fail("quantized_io", "expected true or false");
    doc.quantizedIo = o.value("quantized_io").toBool(false);
    if (o.contains("op_order")) {
        if (!o.value("op_order").isArray())
            return fail("op_order", "expected an array of op indices");
        for (const auto& v : o.value("op_order").toArray()) {
            if (!v.isDouble())
                return fail("op_order", "expected whole numbers");
            doc.order.push_back(v.toInt());
        }
    }
    if (o.contains("patch") && !o.value("patch").isNull()) {
        const QJsonObject p = o.value("patch").toObject();
        const QJsonArray grid = p.value("grid").toArray();
        if (!p.value("split_tensor").isDouble() || grid.size() != 2 || !grid[0].isDouble() || !grid[1].isDouble())
            return fail("patch", "expected {\"split_tensor\": INDEX, \"grid\": [N_H, N_W]}");
        doc.patch = PatchStage{p.value("split_tensor").toInt(), grid[0].toInt(), grid[1].toInt(),
                               p.value("input_resident").toBool(false)};
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
