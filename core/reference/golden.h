#pragma once
// Checking the reference interpreter against TFLM's outputs (shared/golden/<model>/): the three
// seeded inputs must give byte-identical outputs; on a mismatch, TFLM's dump of every
// intermediate tensor (tensors_1/) names the first op whose output differs.

#include "model/graph.h"

#include <string>
#include <vector>

namespace ts {

struct GoldenCase {
    int seed = 0;
    bool match = false;
    std::string detail; // on mismatch: bytes differing, first index, values
};

struct GoldenReport {
    std::string error;              // could not run at all (unsupported op, missing files)
    std::vector<GoldenCase> cases;
    // First op (stored order) whose output differs from TFLM's seed-1 dump, or -1.
    int firstBadOp = -1;
    std::string firstBadDetail;
    bool allMatch() const;
};

GoldenReport checkAgainstGolden(const Model& model, const std::string& goldenDir);

// Every op on its own: its inputs are taken from TFLM's seed-1 dump, its output compared with
// TFLM's. Lets one kernel be checked while others are missing.
struct OpCheck {
    int op = -1;
    std::string kind;
    std::string status; // "match", "DIFFERS: …", "no kernel", "no dump"
};
std::vector<OpCheck> checkOpsIndividually(const Model& model, const std::string& goldenDir);

// TFLM's dump of every non-constant tensor for seed 1 (<goldenDir>/tensors_1/: index.tsv and
// t<index>.bin, see shared/golden/README.md), one entry per index.tsv line, in TFLM's execution order.
struct DumpedTensor {
    int tensor = -1;
    std::string name;
    std::string dtype;          // TFLM's spelling: "INT8", "FLOAT32", ...
    std::vector<int32_t> shape;
    int producerOp = -1;        // -1 for a graph input or a variable tensor
    std::string producer;       // "CONV_2D", ..., "GRAPH_INPUT", "VARIABLE"
    std::vector<uint8_t> bytes; // t<tensor>.bin
};
struct TensorDump {
    std::string error; // the folder, a line or a file could not be read
    std::vector<DumpedTensor> tensors;
};
TensorDump loadTensorDump(const std::string& goldenDir);

// Differences between two byte strings of tensor `t`, in words ("12 of 400 bytes differ; first at 7: 3 vs 4").
std::string describeDifference(const Tensor& t, const std::vector<uint8_t>& ours, const std::vector<uint8_t>& theirs);

} // namespace ts
