#include "pipeline/analysis.h"

#include <chrono>

namespace ts {

namespace {
double msSince(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
} // namespace

int Analysis::peakOp() const
{
    return memory.peakStep >= 0 ? memory.steps[size_t(memory.peakStep)].op : -1;
}

Result<Analysis> runAnalysis(const Model& model, const Board& board, const BoardSet& boards,
                             const AnalysisOptions& options, const std::vector<int>* explicitOrder,
                             const JobControl* job)
{
    Result<Analysis> r;
    auto planner = createPlanner(options.planner);
    if (!planner) {
        std::string names;
        for (const auto& n : plannerNames())
            names += (names.empty() ? "" : ", ") + n;
        r.diagnostics.push_back(makeError("", "planner", "unknown planner '" + options.planner + "'; expected one of: " + names));
        return r;
    }
    Analysis a;
    auto t = std::chrono::steady_clock::now();
    a.legal = legalize(model, options.legalize);
    a.timings.legalizeMs = msSince(t);
    if (!a.legal.errors.empty()) { // an op breaks its operand contract: nothing downstream may index it
        r.diagnostics = a.legal.errors;
        return r;
    }

    // TFLM plans whole tensors with no in-place reuse; tflm-greedy shows exactly that.
    MemoryOptions memOptions = options.memory;
    if (options.planner == "tflm-greedy") {
        memOptions.setInplace(false);
        memOptions.planVariables = false;
    }

    std::vector<int> order = explicitOrder ? *explicitOrder : storedOrder(a.legal);
    if (options.reorder && !explicitOrder) {
        t = std::chrono::steady_clock::now();
        auto re = findMemoryOptimalOrder(a.legal, memOptions, {}, job);
        a.timings.reorderMs = msSince(t);
        if (!re.ok()) {
            r.diagnostics = re.diagnostics;
            return r;
        }
        order = re->order;
        a.reorder = *re;
    }
    t = std::chrono::steady_clock::now();
    auto mem = analyzeMemory(a.legal, order, memOptions);
    a.timings.analyzeMs = msSince(t);
    r.diagnostics.insert(r.diagnostics.end(), mem.diagnostics.begin(), mem.diagnostics.end());
    if (!mem.ok())
        return r;
    a.memory = std::move(*mem);

    t = std::chrono::steady_clock::now();
    a.plan = planArena(a.memory, *planner);
    a.timings.planMs = msSince(t);
    if (options.planner == "tflm-greedy") {
        a.tflmGreedyPeak = a.plan.peakBytes;
        a.tflmPersistentBytes = a.memory.unplannedVariableBytes;
        for (const StepUse& u : a.memory.steps)
            a.tflmWorkingSets.push_back(u.total());
    } else {
        MemoryOptions whole = memOptions;
        whole.setInplace(false);
        whole.planVariables = false;
        auto wholeMem = analyzeMemory(a.legal, order, whole);
        auto tflm = createPlanner("tflm-greedy");
        if (wholeMem.ok()) {
            a.tflmGreedyPeak = planArena(*wholeMem, *tflm).peakBytes;
            a.tflmPersistentBytes = wholeMem->unplannedVariableBytes;
            for (const StepUse& u : wholeMem->steps)
                a.tflmWorkingSets.push_back(u.total());
        }
    }

    auto fit = fitVerdict(board, boards, a.legal.graph, a.arenaBytes(), a.peakOp(), options.fit);
    r.diagnostics.insert(r.diagnostics.end(), fit.diagnostics.begin(), fit.diagnostics.end());
    if (!fit.ok())
        return r;
    a.fit = *fit;
    for (const auto& line : a.legal.log) {
        Diagnostic d = makeWarning("", "legalize", line);
        d.severity = Severity::Info;
        r.diagnostics.push_back(d);
    }
    r.value = std::move(a);
    return r;
}

} // namespace ts
