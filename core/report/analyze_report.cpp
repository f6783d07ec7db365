#include "report/analyze_report.h"

#include "analysis/opfacts.h"
#include "report/inspect_report.h"

#include <QJsonArray>

namespace ts {

namespace {
QString opName(const Analysis& a, int op)
{
    return op < 0 ? QString("-") : QString::fromStdString(opKindName(a.legal.graph.ops[size_t(op)].kind));
}
} // namespace

QJsonObject analyzeJson(const Model& model, const Board& board, const Analysis& a, const AnalysisOptions& options)
{
    const Graph& g = a.legal.graph;
    QJsonObject o;
    o["model"] = QString::fromStdString(model.path);
    o["sha256"] = QString::fromStdString(model.sha256);
    o["board"] = QString::fromStdString(board.id);
    o["limits_board"] = QString::fromStdString(a.fit.limitsBoard);
    o["planner"] = QString::fromStdString(a.plan.planner);
    o["alignment"] = a.memory.alignment;
    const bool tflm = options.planner == "tflm-greedy"; // TFLM has no in-place kernels
    o["inplace"] = QJsonObject{{"depthwise", !tflm && options.memory.inplace.depthwise},
                               {"pointwise_shrink", !tflm && options.memory.inplace.pointwiseShrink},
                               {"pointwise_expand", !tflm && options.memory.inplace.pointwiseExpand},
                               {"elementwise", !tflm && options.memory.inplace.elementwise}};
    o["quantized_io"] = options.legalize.quantizedIo;
    o["peak_bytes"] = qint64(a.plan.peakBytes);
    o["lower_bound_bytes"] = qint64(a.memory.lowerBound);
    o["tflm_greedy_peak_bytes"] = qint64(a.tflmGreedyPeak);
    o["tflm_persistent_bytes"] = qint64(a.tflmPersistentBytes);
    o["persistent_bytes"] = qint64(a.memory.unplannedVariableBytes);
    o["arena_bytes"] = qint64(a.arenaBytes());
    o["peak_step"] = a.memory.peakStep;
    o["peak_op"] = a.peakOp();
    o["peak_source_op"] = a.peakOp() >= 0 ? a.legal.sourceOp[size_t(a.peakOp())] : -1;
    o["fits"] = a.fit.fits;
    o["sram_region"] = QString::fromStdString(a.fit.region);
    o["sram_budget_bytes"] = qint64(a.fit.sramBudget);
    o["reserve_bytes"] = qint64(a.fit.reserveBytes);
    o["sram_margin_bytes"] = qint64(a.fit.sramMargin);
    o["flash_bytes"] = qint64(a.fit.flash.total());
    o["flash_budget_bytes"] = qint64(a.fit.flashBudget);
    o["flash_margin_bytes"] = qint64(a.fit.flashMargin);
    o["flash"] = QJsonObject{{"weights", qint64(a.fit.flash.weights)},
                             {"biases", qint64(a.fit.flash.biases)},
                             {"requant", qint64(a.fit.flash.requant)},
                             {"code_estimate", qint64(a.fit.flash.code)}};
    o["verdict"] = QString::fromStdString(a.fit.summary);
    if (a.reorder) {
        o["reorder"] = QJsonObject{{"method", QString::fromStdString(a.reorder->method)},
                                   {"optimal", a.reorder->optimal},
                                   {"states", qint64(a.reorder->states)},
                                   {"original_lower_bound_bytes", qint64(a.reorder->originalPeak)},
                                   {"lower_bound_bytes", qint64(a.reorder->peak)},
                                   {"gain_bytes", qint64(a.reorder->originalPeak - a.reorder->peak)}};
    }
    QJsonArray legalized;
    for (const auto& line : a.legal.log)
        legalized.append(QString::fromStdString(line));
    o["legalized"] = legalized;

    QJsonArray layers;
    for (size_t s = 0; s < a.memory.steps.size(); ++s) {
        const StepUse& u = a.memory.steps[s];
        const Op& op = g.ops[size_t(u.op)];
        layers.append(QJsonObject{{"index", u.op},
                                  {"step", int(s)},
                                  {"source_index", a.legal.sourceOp[size_t(u.op)]},
                                  {"op", QString::fromStdString(opKindName(op.kind))},
                                  {"working_set_bytes", qint64(u.total())},
                                  {"inputs_bytes", qint64(u.inputs)},
                                  {"outputs_bytes", qint64(u.outputs)},
                                  {"other_bytes", qint64(u.other)},
                                  {"scratch_bytes", qint64(u.scratch)},
                                  {"inplace", u.inplace},
                                  {"flash_bytes", qint64(opFlashBytes(g, op))},
                                  {"macs", qint64(computeOpFacts(g, op).macs)}});
    }
    o["layers"] = layers;

    QJsonArray buffers;
    for (size_t b = 0; b < a.memory.buffers.size(); ++b) {
        const PlanBuffer& pb = a.memory.buffers[b];
        QJsonArray tensors, segments;
        for (int t : pb.tensors)
            tensors.append(t);
        for (size_t k = 0; k < pb.segments.size(); ++k) {
            const Segment& s = pb.segments[k];
            segments.append(QJsonObject{{"first", s.first},
                                        {"last", s.last},
                                        {"size", qint64(s.size)},
                                        {"offset", qint64(a.plan.segmentOffset(a.memory, int(b), k))}});
        }
        QJsonObject j{{"tensor", pb.tensors.empty() ? -1 : pb.tensors[0]},
                      {"tensors", tensors},
                      {"name", QString::fromStdString(pb.label)},
                      {"kind", pb.kind == PlanBuffer::Kind::Scratch ? "scratch" : "tensor"},
                      {"offset", qint64(a.plan.offsets[b])},
                      {"size", qint64(pb.maxSize())},
                      {"first", pb.first()},
                      {"last", pb.last()}};
        if (pb.segments.size() > 1) {
            j["segments"] = segments;
            j["shrinks_to"] = b < a.plan.tail.size() && a.plan.tail[b] ? "tail" : "head";
        }
        buffers.append(j);
    }
    o["buffers"] = buffers;
    return o;
}

QString analyzeText(const Model& model, const Board& board, const Analysis& a, const AnalysisOptions& options)
{
    QString out;
    out += QString("model     %1\nboard     %2 (%3)\nplanner   %4%5\n\n")
               .arg(QString::fromStdString(model.path), QString::fromStdString(board.name),
                    QString::fromStdString(board.id), QString::fromStdString(a.plan.planner),
                    options.memory.inplace != InplaceSwitches{} || options.planner == "tflm-greedy" ? ""
                                                                                                  : ", in-place kernels");
    for (const auto& line : a.legal.log)
        out += "legalize: " + QString::fromStdString(line) + "\n";
    if (!a.legal.log.empty())
        out += "\n";
    out += QString("%1  %2  %3  %4  %5  %6  %7\n")
               .arg("step", 4).arg("op", -24).arg("working set", 12).arg("inputs", 10).arg("outputs", 10)
               .arg("other", 10).arg("scratch");
    for (size_t s = 0; s < a.memory.steps.size(); ++s) {
        const StepUse& u = a.memory.steps[s];
        out += QString("%1  %2  %3  %4  %5  %6  %7%8\n")
                   .arg(int(s), 4)
                   .arg(QString("%1 %2").arg(u.op).arg(opName(a, u.op)), -24)
                   .arg(formatCount(u.total()), 12)
                   .arg(formatCount(u.inputs), 10)
                   .arg(formatCount(u.outputs), 10)
                   .arg(formatCount(u.other), 10)
                   .arg(formatCount(u.scratch))
                   .arg(QString(u.inplace ? "  in place" : "") + (int(s) == a.memory.peakStep ? "  ← peak" : ""));
    }
    out += QString("\npeak %1 B (%2) with %3; lower bound %4 B; TFLM greedy %5 B\n")
               .arg(formatCount(a.plan.peakBytes), formatBytes(a.plan.peakBytes), QString::fromStdString(a.plan.planner),
                    formatCount(a.memory.lowerBound), formatCount(a.tflmGreedyPeak));
    if (a.memory.unplannedVariableBytes || a.tflmPersistentBytes)
        out += QString("variable tensors kept outside the plan (TFLM's persistent area): %1 B\n")
                   .arg(formatCount(a.tflmPersistentBytes));
    if (a.reorder)
        out += QString("reorder (%1): lower bound %2 → %3 B\n")
                   .arg(QString::fromStdString(a.reorder->method), formatCount(a.reorder->originalPeak),
                        formatCount(a.reorder->peak));
    out += QString("flash %1 B = weights %2 + biases %3 + requant %4 + code ≈%5\n")
               .arg(formatCount(a.fit.flash.total()), formatCount(a.fit.flash.weights), formatCount(a.fit.flash.biases),
                    formatCount(a.fit.flash.requant), formatCount(a.fit.flash.code));
    out += QString("%1: %2 (arena %3 + reserve %4 of %5)\n")
               .arg(a.fit.fits ? "FITS" : "DOES NOT FIT", QString::fromStdString(a.fit.summary),
                    formatBytes(a.fit.arenaBytes), formatBytes(a.fit.reserveBytes), formatBytes(a.fit.sramBudget));
    return out;
}

} // namespace ts
