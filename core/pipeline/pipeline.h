#pragma once
// The one core call from the project document to everything the studio shows and the code
// generator executes: legalize → order (stored, explicit or searched) → memory analysis → arena
// plan (+ TFLM's plan for comparison) → patch stage (per-patch stage-1 layouts, the stitched split
// tensor, stage 2) → the fit verdict for what will actually run. The GUI, the CLI, the benchmarks,
// session loading and every export call runPipeline(); pipelineJson() is the one serializer.
// The result is immutable and shared: views hold snapshots of it, never pointers into a window.

#include "common/job.h"
#include "pipeline/analysis.h"
#include "schedule/patch.h"
#include "session/session.h"

#include <QJsonObject>

#include <memory>

namespace ts {

struct PipelineResult {
    std::string modelPath, modelSha256, boardId;
    ScheduleDoc schedule;           // the document's schedule with the op order resolved
    Analysis analysis;              // whole tensors: legal graph, order, memory, plan, TFLM, fit
    std::vector<SplitPoint> splits; // valid patch splits for that order
    std::optional<PatchPlan> patch; // the patch stage with its layouts, when the schedule has one
    std::vector<int64_t> stage1;    // per stage-1 step: working set while the largest patch runs
    FitVerdict fit;                 // for what will run (patched or not)
    int64_t peakBytes = 0;          // arena bytes of what will run
    Diagnostics diagnostics;        // warnings and notes (errors fail the call)
    double milliseconds = 0;

    bool patched() const { return patch.has_value(); }
    const LegalGraph& legal() const { return analysis.legal; }
    int64_t arenaBudget() const { return fit.arenaBudget(); }
    int64_t margin() const { return fit.sramMargin; }
};
using PipelineSnapshot = std::shared_ptr<const PipelineResult>;

// `model` must be the document's model (its sha256 is checked when the document names one).
Result<PipelineSnapshot> runPipeline(const Model& model, const Session& doc, const BoardSet& boards,
                                     const JobControl* job = nullptr);

// The document a CLI invocation or a test builds for a model and a board, defaults elsewhere.
Session documentFor(const Model& model, const std::string& boardId);

// The analysis report as JSON: deterministic (no timings), the same bytes from the CLI and the GUI.
QJsonObject pipelineJson(const PipelineResult& r);
QByteArray pipelineJsonBytes(const PipelineResult& r);

} // namespace ts
