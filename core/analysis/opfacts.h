#pragma once
// Per-op facts every later stage needs: MACs, constant (weight/bias) bytes, activation bytes, and
// whether TinyStudio supports the op. The support table lives here, in one place.

#include "model/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

// What TinyStudio can do with an (op kind, activation dtype) pair. Later issues extend this table
// as kernels land; today it describes what the analysis models (shapes, costs, memory).
struct OpSupport {
    bool supported = false;  // shapes, MACs and memory are modelled and the op is in the int8 kernel set
    std::string reason;      // why not, when !supported
};
OpSupport opSupport(const Graph& graph, const Op& op);

struct OpFacts {
    int64_t macs = 0;              // multiply-accumulates per inference, TFLite conventions
    int64_t weightBytes = 0;       // constant filter/weight operand bytes (inputs other than the bias)
    int64_t biasBytes = 0;         // constant bias operand bytes
    int64_t inputBytes = 0;        // non-constant input activation bytes
    int64_t outputBytes = 0;       // output activation bytes
    bool supported = false;
    std::string unsupportedReason;
};

// MAC conventions (as TFLite's and MCUNet's tools count them):
//  CONV_2D          N*OH*OW*OC * KH*KW*(IC/groups)
//  DEPTHWISE_CONV_2D N*OH*OW*OC * KH*KW
//  FULLY_CONNECTED  batches * units * depth
//  SVDF             batch * filters * (input + memory)
//  every other op   0 (pooling, elementwise, reshape, softmax: no multiply-accumulate)
OpFacts computeOpFacts(const Graph& graph, const Op& op);

struct ModelTotals {
    int64_t macs = 0;
    int64_t weightBytes = 0;   // weight + bias bytes of subgraph 0, each constant tensor counted once
    int64_t unsupportedOps = 0;
};
ModelTotals computeTotals(const Graph& graph);

// Whether constant operands of this op kind are parameters (weights) rather than shapes/axes.
bool isParameterOperand(OpKind kind);

// Index of the operand that holds a bias for this op kind, or -1.
int biasInputIndex(OpKind kind);

} // namespace ts
