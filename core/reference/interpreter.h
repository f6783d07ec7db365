#pragma once
// A deliberately naive reference interpreter with TFLite's reference semantics (int8 arithmetic
// exactly as TFLite/TFLM computes it). It exists to verify: schedules, patch-based execution and
// generated code are checked against it. It runs any valid op order.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

class ReferenceInterpreter {
public:
    // Checks every op has a reference kernel first: an unsupported op is an error naming the op
    // and its index, before anything runs.
    static Result<ReferenceInterpreter> create(const Graph& graph);

    // Raw bytes of each graph input, in order (the golden layout). Variable tensors are reset to
    // zero by resetState(); they persist across runs otherwise.
    Diagnostics setInputs(const std::vector<std::vector<uint8_t>>& inputs);
    Diagnostics setInputsFromConcatenated(const std::vector<uint8_t>& bytes);
    // Runs the ops in `order` (default: stored order).
    Diagnostics run(const std::vector<int>* order = nullptr);
    // Runs one op (by index).
    Diagnostics runOp(int op);
    void resetState();

    std::vector<uint8_t> outputsConcatenated() const;
    const std::vector<uint8_t>& tensorBytes(int tensor) const { return m_bytes[size_t(tensor)]; }
    std::vector<uint8_t>& tensorBytes(int tensor) { return m_bytes[size_t(tensor)]; }
    const Graph& graph() const { return m_graph; }

    // Bytes of the graph's inputs, concatenated (for golden files).
    int64_t inputBytes() const;

private:
    std::string checkOperandBytes(const Op& op) const;

    Graph m_graph;
    std::vector<std::vector<uint8_t>> m_bytes;
};

// The golden input generator (shared/golden/README.md): xorshift32 from `seed`, one step per element.
std::vector<uint8_t> goldenInput(const Graph& graph, uint32_t seed);

} // namespace ts
