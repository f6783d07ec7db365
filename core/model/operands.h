#pragma once
// Operand contracts: for each op kind, how many inputs and outputs it takes, which inputs may be
// omitted (-1), the rank and element types of every operand, the options it needs, and the sizes
// that must agree between operands (bias length, per-channel scales, concatenated dimensions).
//
// validateOperands() runs right after import. It reports every violation as one Error naming the
// op, the operand and expected vs found, and marks the op invalid (Op::invalid): the model still
// imports, so the studio can show it with the bad op flagged, but legalization, analysis and the
// reference interpreter refuse a graph holding an invalid op instead of indexing an operand that is
// not there. Ops with no contract (CUSTOM, kinds the studio does not model) are not checked.

#include "common/diagnostic.h"
#include "model/graph.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ts {

// A set of element types (bit i = DType value i).
class DTypeSet {
public:
    constexpr DTypeSet() = default;
    constexpr DTypeSet(std::initializer_list<DType> types)
    {
        for (DType t : types)
            m_bits |= uint32_t(1) << unsigned(static_cast<int8_t>(t));
    }
    static constexpr DTypeSet any() { DTypeSet s; s.m_bits = ~uint32_t(0); return s; }
    constexpr bool contains(DType t) const
    {
        const int v = static_cast<int8_t>(t);
        return v >= 0 && v < 32 && (m_bits >> unsigned(v) & 1u);
    }
    std::string names() const; // "int8, int16 or float32"

private:
    uint32_t m_bits = 0;
};

struct OperandRule {
    const char* name = "";      // "input", "filter", "bias", ...
    bool optional = false;      // may be omitted (-1 or left off the end of the list)
    int minRank = 0, maxRank = 6;
    DTypeSet types = DTypeSet::any();
    int sameTypeAs = -1;        // index of an input whose element type this operand must have, or -1
};

struct OpContract {
    OpKind kind = OpKind::Custom;
    std::vector<OperandRule> inputs;  // with `variadic`, the last rule repeats
    std::vector<OperandRule> outputs;
    bool variadic = false;            // any number (>= 1) of inputs following the last rule
    int optionsIndex = 0;             // OpOptions alternative the op's options must hold (0: none needed)
    bool optionsRequired = false;     // false: monostate is accepted too (TFLite's defaults)
};

// The contract of an op kind, or nullptr when the kind has none (CUSTOM, unmodelled kinds).
const OpContract* findOpContract(OpKind kind);

// Every contract violation of `op` (index `index` in `graph`), one Error each; `file` names the
// model in the diagnostics. An op with no contract gives none.
Diagnostics checkOp(const Graph& graph, const Op& op, int index, const std::string& file = {});

// checkOp over every op of the graph.
Diagnostics checkOperands(const Graph& graph, const std::string& file = {});

// checkOperands, and sets Op::invalid (the first violation's message) on each op that breaks its
// contract, clearing it on the others. The importer calls this on subgraph 0.
Diagnostics validateOperands(Graph& graph, const std::string& file = {});

// For a stage that cannot run on an invalid op: one Error per invalid op of `graph` (checked now,
// so graphs built in memory are covered too, or flagged by validateOperands earlier), naming the
// op, why it is invalid and `stage` ("the analysis", "the reference interpreter", ...). Empty when
// every op is valid.
Diagnostics refuseInvalidOps(const Graph& graph, const std::string& stage);

} // namespace ts
