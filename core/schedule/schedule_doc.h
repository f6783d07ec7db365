#pragma once
// The schedule document: op order, in-place choices, planner, "input arrives quantized" and the
// patch stage, as JSON. It is part of a saved session and the input of the code generator, and is
// validated on load against the model it is applied to.

#include "common/diagnostic.h"
#include "model/graph.h"
#include "pipeline/analysis.h"
#include "schedule/patch.h"

#include <QByteArray>
#include <QJsonObject>

#include <optional>

namespace ts {

struct PatchStage {
    int splitTensor = -1;
    int nh = 1, nw = 1;
    bool inputResident = false;
};

struct ScheduleDoc {
    std::string modelSha256;
    std::string planner = kDefaultPlanner;
    bool inplace = true;          // depthwise, pointwise and element-wise in-place ops
    bool quantizedIo = false;
    std::vector<int> order;       // op indices of the legalized graph; empty: as stored
    std::optional<PatchStage> patch;

    AnalysisOptions analysisOptions() const;
    PatchOptions patchOptions() const;
};

QJsonObject scheduleToJson(const ScheduleDoc& doc);
QByteArray scheduleToBytes(const ScheduleDoc& doc);

// Parses and validates against `model`: the model hash, planner name, op order (a valid
// topological order of the legalized graph) and patch stage (a valid split and grid).
Result<ScheduleDoc> scheduleFromJson(const QByteArray& json, const std::string& file, const Model& model);

// The legalized graph and op order a document describes (validated).
struct ResolvedSchedule {
    LegalGraph legal;
    std::vector<int> order;
    std::optional<PatchPlan> patch;
};
Result<ResolvedSchedule> resolveSchedule(const ScheduleDoc& doc, const Model& model, const std::string& file = {});

} // namespace ts
