#pragma once
// What the fuzz targets check, as functions returning the broken invariant ("" when all hold), so
// that tst_badinput replays every crash the fuzzers found as a synthetic regression row.
//
// checkImport: for any bytes, the importer returns a model or exactly one error; a model comes with
// errors only for ops that break their operand contracts (each naming its op, exactly those ops
// flagged invalid); and a model survives export and re-import unchanged.
//
// checkPipeline: import → operand validation → legalize → analysis (order, memory, plan, fit) →
// patch search → a bounded reference run. A graph with an invalid op is refused by legalization,
// the analysis and the interpreter; legalization never changes results (raw and legalized graph
// give the same output bytes). Options are picked from the input's bytes; models whose estimated
// work exceeds a cap skip the patch search and the reference run, so every input stays fast.

#include "analysis/opfacts.h"
#include "model/operands.h"
#include "model/tflite_export.h"
#include "model/tflite_import.h"
#include "pipeline/analysis.h"
#include "reference/interpreter.h"
#include "schedule/patch.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace fuzz {

inline std::string importInvariants(const ts::Result<ts::Model>& r)
{
    int errors = 0;
    std::set<int> named;
    for (const auto& d : r.diagnostics)
        if (d.severity == ts::Severity::Error) {
            ++errors;
            named.insert(d.op);
        }
    if (!r.ok())
        return errors == 1 ? "" : "a failed import gave " + std::to_string(errors) + " errors; expected exactly one";
    const ts::Graph& g = r->main();
    std::set<int> flagged;
    for (size_t i = 0; i < g.ops.size(); ++i)
        if (!g.ops[i].invalid.empty())
            flagged.insert(int(i));
    if (named != flagged)
        return "the import's errors do not name exactly the ops flagged invalid";
    std::set<int> rechecked;
    for (const auto& d : ts::checkOperands(g))
        rechecked.insert(d.op);
    return rechecked == flagged ? "" : "checkOperands disagrees with the ops flagged invalid";
}

inline std::string checkImport(const uint8_t* data, size_t size)
{
    auto r = ts::importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(data, data + size), "fuzz.tflite");
    if (auto e = importInvariants(r); !e.empty())
        return e;
    if (!r.ok())
        return {};
    auto out = ts::exportTflite(*r);
    if (!out.ok())
        return "export failed: " + ts::firstError(out.diagnostics);
    auto again = ts::importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(*out), "fuzz-export.tflite");
    std::string diff;
    if (!again.ok())
        return "the exported model does not import: " + ts::firstError(again.diagnostics);
    if (!ts::sameGraph(*r, *again, &diff))
        return "import → export → import changed the graph: " + diff;
    return {};
}

namespace detail {

constexpr int64_t kWorkCap = 4'000'000;  // estimated element operations for one reference run
constexpr int64_t kBytesCap = 8 << 20;   // bytes of all tensors together
constexpr size_t kReorderOpsCap = 40;    // the exact reorder search only on small graphs

// A generous estimate of what the reference interpreter does for `op`: MACs, every element read
// and written, and window sizes for pools (which count no MACs).
// Every term is capped at kWorkCap + 1, so the sums and the product below cannot overflow.
inline int64_t workOf(const ts::Graph& g, const ts::Op& op)
{
    auto capped = [](int64_t v) { return std::min<int64_t>(std::max<int64_t>(v, 0), kWorkCap + 1); };
    int64_t work = capped(ts::computeOpFacts(g, op).macs), outElements = 0;
    for (int t : op.outputs)
        if (const ts::Tensor* x = g.tensor(t))
            outElements += capped(x->elementCount().value_or(kWorkCap));
    for (int t : op.inputs)
        if (const ts::Tensor* x = g.tensor(t))
            work += capped(x->elementCount().value_or(kWorkCap));
    work += outElements;
    if (const auto* p = std::get_if<ts::Pool2DOptions>(&op.options))
        work += capped(capped(capped(outElements) * capped(p->filterH)) * capped(p->filterW));
    return work;
}

inline bool smallEnough(const ts::Graph& g)
{
    int64_t bytes = 0, work = 0;
    for (const ts::Tensor& t : g.tensors)
        if ((bytes += t.byteSize().value_or(kBytesCap)) > kBytesCap)
            return false;
    for (const ts::Op& op : g.ops)
        if ((work += workOf(g, op)) > kWorkCap)
            return false;
    return true;
}

inline const ts::BoardSet& boards()
{
    static const ts::BoardSet set = ts::loadBoards({TINYSTUDIO_BOARDS_DIR});
    return set;
}

// Output bytes of `g` on `input`, or nothing when the graph cannot run.
inline std::optional<std::vector<uint8_t>> runReference(const ts::Graph& g, const std::vector<uint8_t>& input)
{
    auto interp = ts::ReferenceInterpreter::create(g);
    if (!interp.ok() || !interp->setInputsFromConcatenated(input).empty() || !interp->run().empty())
        return std::nullopt;
    return interp->outputsConcatenated();
}

} // namespace detail

inline std::string checkPipeline(const uint8_t* data, size_t size)
{
    using namespace detail;
    auto model = ts::importTfliteBytes(std::make_shared<const std::vector<uint8_t>>(data, data + size), "fuzz.tflite");
    if (auto e = importInvariants(model); !e.empty() || !model.ok())
        return e;
    const ts::Graph& g = model->main();
    const uint8_t knobs = size > 0 ? data[size / 2] : 0;
    ts::AnalysisOptions options;
    options.memory.setInplace(knobs & 1);
    options.legalize.quantizedIo = knobs & 2;
    options.reorder = (knobs & 4) && g.ops.size() <= kReorderOpsCap;
    static const char* const kPlanners[] = {"hill-climb", "tflm-greedy", "greedy-by-size", "hill-climb"};
    options.planner = kPlanners[(knobs >> 3) & 3];

    // An invalid op: every stage that could index its operands refuses the graph.
    const bool invalid = ts::hasErrors(model.diagnostics);
    if (invalid == ts::legalize(*model, options.legalize).errors.empty())
        return "legalization did not refuse exactly the graphs with an invalid op";
    const ts::Board* board = boards().find("nucleo-h743zi2");
    if (!board)
        return "no board nucleo-h743zi2";
    auto analysis = ts::runAnalysis(*model, *board, boards(), options);
    if (invalid)
        return analysis.ok() || ts::ReferenceInterpreter::create(g).ok()
                   ? "the analysis or the interpreter accepted a graph with an invalid op"
                   : "";
    if (!smallEnough(g))
        return {};
    if (analysis.ok()) {
        ts::PatchOptions po;
        po.memory = options.memory;
        po.planner = options.planner;
        po.inputResident = knobs & 64;
        const int64_t budget = analysis->fit.arenaBudget();
        (void)ts::searchPatches(analysis->legal, ts::storedOrder(analysis->legal), po, budget, 2);
    }
    // Legalization never changes results (the quantized-I/O body takes other inputs: not compared).
    const std::vector<uint8_t> input = ts::goldenInput(g, 1);
    const auto raw = runReference(g, input);
    if (!raw)
        return {};
    ts::LegalizeOptions same = options.legalize;
    same.quantizedIo = false;
    const ts::LegalGraph legal = ts::legalize(*model, same);
    const auto legalized = runReference(legal.graph, input);
    if (!legalized || *legalized != *raw)
        return "legalization changed the results (" + (legal.log.empty() ? std::string("no rewrite") : legal.log.front())
               + ")";
    return {};
}

} // namespace fuzz
