#include "pipeline/pipeline.h"

#include "report/analyze_report.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <chrono>

namespace ts {

Session documentFor(const Model& model, const std::string& boardId)
{
    Session s;
    s.modelPath = model.path;
    s.modelSha256 = model.sha256;
    s.boardId = boardId;
    s.schedule.modelSha256 = model.sha256;
    return s;
}

Result<PipelineSnapshot> runPipeline(const Model& model, const Session& doc, const BoardSet& boards, const JobControl* job)
{
    const auto start = std::chrono::steady_clock::now();
    Result<PipelineSnapshot> r;
    const Board* board = boards.find(doc.boardId);
    if (!board) {
        r.diagnostics.push_back(makeError("", "board", "unknown board '" + doc.boardId + "'; expected one of: " + boards.ids()));
        return r;
    }
    if (!doc.modelSha256.empty() && doc.modelSha256 != model.sha256) {
        r.diagnostics.push_back(makeError(model.path, "model_sha256",
                                          "the document was made for the model with sha256 " + doc.modelSha256
                                              + "; this model's is " + model.sha256));
        return r;
    }
    auto result = std::make_shared<PipelineResult>();
    result->modelPath = model.path;
    result->modelSha256 = model.sha256;
    result->boardId = board->id;
    result->schedule = doc.schedule;
    result->schedule.modelSha256 = model.sha256;

    AnalysisOptions options = doc.schedule.analysisOptions();
    options.fit = doc.fitOptions();
    if (!doc.schedule.order.empty()) {
        // An explicit order indexes the legalized graph: validate it before analysing.
        const LegalGraph lg = legalize(model, options.legalize);
        if (const std::string bad = checkOrder(lg, doc.schedule.order); !bad.empty()) {
            r.diagnostics.push_back(makeError("", "schedule.op_order", bad + " (orders index the legalized graph's "
                                                                           + std::to_string(lg.graph.ops.size()) + " ops)"));
            return r;
        }
    }
    auto a = runAnalysis(model, *board, boards, options, doc.schedule.order.empty() ? nullptr : &doc.schedule.order, job);
    r.diagnostics = a.diagnostics;
    if (!a.ok())
        return r;
    result->analysis = std::move(*a.value);
    const LegalGraph& lg = result->analysis.legal;
    const std::vector<int>& order = result->analysis.memory.order;
    result->schedule.order = doc.schedule.reorder || !doc.schedule.order.empty() ? order : std::vector<int>{};
    result->splits = validSplits(lg, order);
    if (job && !job->progress(1, 2, "analysis")) {
        r.diagnostics.push_back(makeError("", "pipeline", kCancelledMessage));
        return r;
    }

    result->fit = result->analysis.fit;
    result->peakBytes = result->analysis.arenaBytes();
    if (doc.schedule.patch) {
        const PatchStage& ps = *doc.schedule.patch;
        const PatchOptions po = doc.schedule.patchOptions();
        auto p = planPatches(lg, order, ps.splitTensor, ps.nh, ps.nw, po);
        if (!p.ok()) {
            r.diagnostics.insert(r.diagnostics.end(), p.diagnostics.begin(), p.diagnostics.end());
            return r;
        }
        result->stage1 = stage1WorkingSets(lg, order, *p, po);
        result->peakBytes = p->peak + result->analysis.memory.unplannedVariableBytes;
        // A streamed input frame is RAM too: the generated code holds it outside the arena.
        auto fit = patchedFitVerdict(*board, boards, lg.graph, result->peakBytes, *p, options.fit);
        if (!fit.ok()) {
            r.diagnostics.insert(r.diagnostics.end(), fit.diagnostics.begin(), fit.diagnostics.end());
            return r;
        }
        result->fit = *fit;
        result->patch = std::move(*p.value);
    }
    result->diagnostics = r.diagnostics;
    result->milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    r.value = std::move(result);
    return r;
}

namespace {

QJsonObject layoutJson(const StageLayout& l)
{
    QJsonArray buffers;
    for (size_t b = 0; b < l.memory.buffers.size(); ++b) {
        const PlanBuffer& pb = l.memory.buffers[b];
        buffers.append(QJsonObject{{"tensor", pb.tensors.empty() ? -1 : pb.tensors[0]},
                                   {"kind", pb.kind == PlanBuffer::Kind::Scratch ? "scratch" : "tensor"},
                                   {"offset", qint64(l.base + l.plan.offsets[b])},
                                   {"size", qint64(pb.maxSize())},
                                   {"first", pb.first()},
                                   {"last", pb.last()},
                                   {"tail", b < l.plan.tail.size() && l.plan.tail[b]}});
    }
    QJsonArray inplace;
    for (const InplacePlacement& p : inplacePlacements(l.graph.graph, l.memory, l.plan))
        inplace.append(QJsonObject{{"step", p.step.step},
                                   {"kind", inplaceKindName(p.step.kind)},
                                   {"delta", qint64(p.delta())},
                                   {"order", p.order ? iterationOrderName(*p.order) : "none"}});
    return QJsonObject{{"name", QString::fromStdString(l.name)},
                       {"base", qint64(l.base)},
                       {"peak_bytes", qint64(l.plan.peakBytes)},
                       {"buffers", buffers},
                       {"inplace", inplace}};
}

} // namespace

QJsonObject pipelineJson(const PipelineResult& r)
{
    const Analysis& a = r.analysis;
    Board board;
    board.id = r.boardId;
    Model model;
    model.path = r.modelPath;
    model.sha256 = r.modelSha256;
    AnalysisOptions options = r.schedule.analysisOptions();
    QJsonObject o = analyzeJson(model, board, a, options);
    o["schedule"] = scheduleToJson(r.schedule);
    o["whole_tensor_peak_bytes"] = qint64(a.arenaBytes());
    // The figures of what will run (the patch schedule when there is one).
    o["peak_bytes"] = qint64(r.peakBytes);
    o["fits"] = r.fit.fits;
    o["input_frame_bytes"] = qint64(r.fit.frameBytes); // RAM outside the arena: a streamed input frame
    o["sram_margin_bytes"] = qint64(r.fit.sramMargin);
    o["arena_budget_bytes"] = qint64(r.arenaBudget());
    o["verdict"] = QString::fromStdString(r.fit.summary);
    QJsonArray inplace;
    for (const InplacePlacement& p : inplacePlacements(a.legal.graph, a.memory, a.plan))
        inplace.append(QJsonObject{{"step", p.step.step},
                                   {"op", p.step.op},
                                   {"kind", inplaceKindName(p.step.kind)},
                                   {"input_offset", qint64(p.inputOffset)},
                                   {"output_offset", qint64(p.outputOffset)},
                                   {"order", p.order ? iterationOrderName(*p.order) : "none"}});
    o["inplace_placements"] = inplace;
    if (r.patch) {
        const PatchPlan& p = *r.patch;
        const Graph& g = a.legal.graph;
        QJsonArray shape;
        for (int d : p.split.shape)
            shape.append(d);
        o["split"] = QJsonObject{{"tensor", p.split.tensor},
                                 {"name", QString::fromStdString(g.tensors[size_t(p.split.tensor)].name)},
                                 {"shape", shape},
                                 {"step", p.split.step}};
        o["patches"] = QJsonArray{p.nh, p.nw};
        o["stage1_peak_bytes"] = qint64(p.stage1Peak);
        o["stage2_peak_bytes"] = qint64(p.stage2Peak);
        if (p.split.prefix > 0) {
            // Stage 0: the non-spatial head run whole before the patches.
            o["stage0_ops"] = p.split.prefix;
            o["stage0_peak_bytes"] = qint64(p.stage0Peak);
        }
        o["extra_macs"] = qint64(p.extraMacs);
        o["extra_macs_percent"] = p.extraMacsPercent;
        o["input_patch"] = QJsonArray{p.inputPatchH, p.inputPatchW};
        o["input_resident"] = r.schedule.patch && r.schedule.patch->inputResident;
        QJsonArray layouts, of;
        for (const StageLayout& l : p.patchLayouts)
            layouts.append(layoutJson(l));
        for (int i : p.patchLayoutOf)
            of.append(i);
        QJsonObject arena{{"split_offset", qint64(p.splitOffset)},
                          {"stage1_split_offset", qint64(p.stage1SplitOffset)},
                          {"patch_area_offset", qint64(p.patchAreaOffset)},
                          {"input_offset", qint64(p.inputOffset)},
                          {"patch_layouts", layouts},
                          {"patch_layout_of", of}};
        if (p.stage0) {
            arena["stage0"] = layoutJson(*p.stage0);
            arena["stage0_output_offset"] = qint64(p.stage0SourceOffset);
        }
        if (p.stage2)
            arena["stage2"] = layoutJson(*p.stage2);
        o["patch_arena"] = arena;
    }
    return o;
}

QByteArray pipelineJsonBytes(const PipelineResult& r) { return QJsonDocument(pipelineJson(r)).toJson(QJsonDocument::Indented); }

} // namespace ts
