#pragma once
// Legalization: rewrites of the graph IR that keep the model's numerical results unchanged but
// make the memory picture match what a deployed int8 model needs. Each pass is a named function
// that can be run and tested on its own; `legalize` runs the chosen ones in a fixed order.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <memory>
#include <string>
#include <vector>

namespace ts {

// A graph under legalization. Ops are removed by the passes; tensors keep their indices (a tensor
// no op touches any more simply has no lifetime).
struct LegalGraph {
    Graph graph;
    std::vector<int> sourceOp;  // per op: its index in the imported graph
    std::vector<int> aliasOf;   // per tensor: the tensor whose bytes it reuses (RESHAPE/SQUEEZE), or -1
    std::vector<std::string> log; // one line per rewrite, for the issues panel and --json
    // One error per op that breaks its operand contract (model/operands.h). When not empty, no pass
    // ran and the graph must not be analysed or run: callers report these and stop.
    Diagnostics errors;
    // Keeps the constant data of `graph` alive (filled by the Model overloads).
    std::vector<std::shared_ptr<const std::vector<uint8_t>>> storage;

    // The tensor whose buffer holds `tensor` (follows aliases).
    int root(int tensor) const;
};

LegalGraph makeLegalGraph(const Graph& g);

// PAD/PADV2 (padding H and W only, with the zero point) whose only consumer is a VALID CONV_2D or
// DEPTHWISE_CONV_2D: becomes that op's explicit per-border padding; the padded tensor disappears.
int foldPad(LegalGraph& lg);
// RESHAPE/SQUEEZE of a non-constant tensor with the same bytes: the output aliases the input.
int aliasReshapes(LegalGraph& lg);
// A RELU/RELU6/RELU_N1_TO_1 whose input and output share quantization and whose input has this op
// as its only consumer: folded into the producer's fused activation, but only where the producer's
// kernel applies a fused activation (see fusedActivationApplied), so results never change.
int fuseActivations(LegalGraph& lg);
// Whether the kernel of `kind` producing `output` applies the op's fused activation: CONV_2D,
// DEPTHWISE_CONV_2D, the pools and FULLY_CONNECTED on int8/float32 (FC also int16), ADD/SUB/MUL on
// int8/int16/float32. Not CONCATENATION (TFLite's kernel ignores it), not int32 ADD.
bool fusedActivationApplied(OpKind kind, DType output);
// "Input arrives quantized": a float→int8/uint8 QUANTIZE on a graph input is removed (its output
// becomes the graph input); symmetrically an int8/uint8→float DEQUANTIZE on a graph output.
int quantizedIo(LegalGraph& lg);

struct LegalizeOptions {
    bool foldPad = true;
    bool aliasReshapes = true;
    bool fuseActivations = true;
    bool quantizedIo = false;
};

// The graph overload leaves constant data pointing into whoever owns `g`; the Model overload
// keeps the model's bytes alive with the result. A graph with an invalid op is returned unchanged
// with `errors` set (see LegalGraph::errors).
LegalGraph legalize(const Graph& g, const LegalizeOptions& options = {});
LegalGraph legalize(const Model& model, const LegalizeOptions& options = {});

} // namespace ts
