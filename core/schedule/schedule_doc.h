#pragma once
// The schedule document: planner, which in-place kernels may be used, "input arrives quantized",
// the op order (searched or explicit) and the patch stage, as JSON. It is part of the project
// document (session) and the input of the code generator, and is validated strictly on load
// against the model it is applied to.
//
// Format 2:
//   {"format": 2, "model_sha256": "<hex>", "planner": "hill-climb",
//    "inplace": {"depthwise": true, "pointwise_shrink": true, "pointwise_expand": true, "elementwise": true},
//    "quantized_io": false, "reorder": false, "op_order": [0, 1, ...],
//    "patch": {"split_tensor": 121, "grid": [3, 3], "input_resident": false} | null,
//    "mac_cap_percent": 10, "legalize": true, "alignment": 16}
// Format 1 is still read ("inplace" was one boolean; "reorder" lived in the session).
// Unknown keys, wrong types and fractional numbers are errors naming the key.

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
    bool operator==(const PatchStage& o) const
    {
        return splitTensor == o.splitTensor && nh == o.nh && nw == o.nw && inputResident == o.inputResident;
    }
};

constexpr int kScheduleFormat = 2;
constexpr double kDefaultMacCapPercent = 10.0;

struct ScheduleDoc {
    std::string modelSha256;
    std::string planner = kDefaultPlanner;
    InplaceSwitches inplace;      // which in-place kernels may be used
    bool quantizedIo = false;
    bool reorder = false;         // search for the lowest-peak op order (the result is kept in `order`)
    std::vector<int> order;       // op indices of the legalized graph; empty: as stored (or searched)
    std::optional<PatchStage> patch;
    double macCapPercent = kDefaultMacCapPercent; // Auto never recommends more recomputation than this
    bool legalize = true;         // fold PAD, alias RESHAPE/SQUEEZE, fuse activations (off: TFLM's graph as stored)
    int alignment = 16;           // every arena buffer's size is rounded up to this (TFLM: 16)

    AnalysisOptions analysisOptions() const;
    PatchOptions patchOptions() const;
    bool operator==(const ScheduleDoc& o) const;
    bool operator!=(const ScheduleDoc& o) const { return !(*this == o); }
};

QJsonObject scheduleToJson(const ScheduleDoc& doc);
QByteArray scheduleToBytes(const ScheduleDoc& doc);

// Parses strictly (no model needed): errors name `file` and the key.
Result<ScheduleDoc> parseScheduleJson(const QJsonObject& o, const std::string& file);

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
