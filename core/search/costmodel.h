#pragma once
// Per-kernel latency model for the model search, fitted to per-layer instruction counts measured on
// the emulated board (QEMU -icount: instructions, not cycles). Per kernel class c:
//   instructions(op) ≈ perMac_c · MACs + perOutput_c · output elements + perOp_c
// fitted by least squares (non-negative coefficients) over measured layers; for pooling the MAC
// column counts window elements (one add or compare each). The fit's error is
// kept with the model and reported with every estimate.
//
// JSON (format 1):
//   {"format": 1, "machine": "qemu-mps2-an386", "unit": "instructions", "source": "...",
//    "classes": {"conv1x1": {"per_mac": .., "per_output": .., "per_op": .., "samples": N,
//                            "mean_abs_error_percent": ..}, ...},
//    "layers": N, "models": N, "layer_mean_abs_error_percent": .., "model_max_abs_error_percent": ..,
//    "holdout": [{"model": "...", "measured": .., "estimated": .., "error_percent": ..}]}

#include "common/diagnostic.h"
#include "model/graph.h"

#include <QJsonObject>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ts {

// The kernel class an op's cost is modelled by: "conv1x1", "conv", "depthwise", "fc", "add",
// "pool", "softmax", "other".
std::string costClass(const Graph& g, const Op& op);
std::vector<std::string> costClasses();

struct KernelCost {
    double perMac = 0, perOutput = 0, perOp = 0;
    int samples = 0;
    double meanAbsErrorPercent = 0; // over the samples it was fitted to
};

struct CostSample {
    std::string model;   // which measured model the layer is from
    std::string cls;
    int64_t macs = 0;
    int64_t outputs = 0; // output elements
    int64_t instructions = 0;
};

struct HoldoutCheck {
    std::string model;
    int64_t measured = 0, estimated = 0;
    double errorPercent = 0;
};

struct CostModel {
    std::string machine = "qemu-mps2-an386";
    std::string unit = "instructions";
    std::string source;                     // how it was measured (command, models)
    std::map<std::string, KernelCost> classes;
    int layers = 0, models = 0;
    double layerMeanAbsErrorPercent = 0;    // per layer, over the fitted samples
    double modelMaxAbsErrorPercent = 0;     // per model total, over the fitted models
    std::vector<HoldoutCheck> holdout;      // models measured but not fitted: the honest error

    // Estimated instructions of one op (0 for an op of a class without a fit).
    double opCost(const Graph& g, const Op& op) const;
    // Sum over the graph's ops, plus `extraMacs` (patch recomputation) at the conv classes' per-MAC cost.
    int64_t estimate(const Graph& g, int64_t extraMacs = 0) const;
    bool empty() const { return classes.empty(); }
};

// Least squares per class over the samples; classes with fewer samples than coefficients fall back
// to fewer coefficients (per MAC only, or per op). Errors: no samples.
Result<CostModel> fitCostModel(const std::vector<CostSample>& samples, const std::string& machine,
                               const std::string& source);
// The samples of one measured model: the features of each op of `g` and the measured instructions
// per op (same order, one value per op of g).
std::vector<CostSample> costSamples(const std::string& model, const Graph& g, const std::vector<int64_t>& instructions);

QJsonObject costModelToJson(const CostModel& m);
Result<CostModel> costModelFromJson(const QByteArray& json, const std::string& source);

// The cost model shipped for a machine ("qemu-mps2-an386", "qemu-mps2-an500"), fitted by
// `tinystudio-bench --fit-cost-model`; for another board, the one of the board's core (M7 → an500,
// else an386). Errors: none shipped.
Result<CostModel> builtinCostModel(const std::string& machineOrCore);

} // namespace ts
