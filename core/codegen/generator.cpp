#include "codegen/generator.h"

#include "codegen/cwriter.h"
#include "codegen/emit.h"
#include "codegen/kernel_sources.h"
#include "codegen/project_files.h"
#include "kernels/scratch.h"
#include "reference/interpreter.h"

#include <QJsonArray>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace ts {

namespace {

using codegen::EmitContext;
using codegen::Emitted;
using codegen::Operand;
using codegen::ScratchPart;

struct Range {
    int64_t begin = 0, end = 0;
};

int64_t bytesOf(const Graph& g, int t)
{
    const Tensor* x = g.tensor(t);
    return x ? x->byteSize().value_or(0) : 0;
}

std::string at(int64_t offset) { return "(ts_a + " + std::to_string(offset) + ")"; }

// Sorted, merged complement of `live` inside [0, size).
std::vector<Range> gapsOf(std::vector<Range> live, int64_t size)
{
    std::sort(live.begin(), live.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
    std::vector<Range> gaps;
    int64_t pos = 0;
    for (const Range& r : live) {
        if (r.end <= r.begin)
            continue;
        if (r.begin > pos)
            gaps.push_back({pos, std::min(r.begin, size)});
        pos = std::max(pos, r.end);
    }
    if (pos < size)
        gaps.push_back({pos, size});
    return gaps;
}

// The live buffers of a plan at one step (absolute ranges).
std::vector<Range> liveAt(const MemoryAnalysis& m, const ArenaPlan& plan, int step, int64_t base)
{
    std::vector<Range> out;
    if (step < 0 || size_t(step) >= m.steps.size())
        return out;
    for (int b : m.steps[size_t(step)].live) {
        const PlanBuffer& pb = m.buffers[size_t(b)];
        for (size_t k = 0; k < pb.segments.size(); ++k)
            if (pb.segments[k].first <= step && step <= pb.segments[k].last) {
                const int64_t o = base + plan.segmentOffset(m, b, k);
                out.push_back({o, o + pb.segments[k].size});
            }
    }
    return out;
}

struct Step {
    int legalOp = -1;
    std::string comment;
    std::vector<std::string> lines;
    std::string gaps;                               // debug gap table identifier ("" for none)
    std::vector<std::pair<int, Range>> dumps;       // debug: tensors complete after this step
    std::vector<std::pair<int, int64_t>> scratch;   // manifest: (offset, bytes)
    std::string inplace;                            // manifest: "depthwise/channel-by-channel", …
};

struct Block {
    std::string function;  // "" for straight in invoke; else a static function name
    std::string comment;
    std::vector<Step> steps;
};

struct Gen {
    const Model& model;
    const PipelineResult& r;
    const LegalGraph& lg;
    const Graph& g;
    std::string name, NAME;
    codegen::ConstPool pool;
    std::set<std::string> kernels;
    Diagnostics diags;
    int64_t arenaBytes = 0;
    int64_t largestScratch = 0;
    int calls = 0;
    std::map<std::string, std::string> gapTables; // content → identifier
    std::vector<std::pair<std::string, std::string>> gapOrder; // identifier, initializer
    std::vector<Block> blocks;
    // Graph inputs and outputs: C pointer expressions (into the arena, a frame or a state buffer).
    std::vector<std::string> inputPtr, outputPtr;
    std::vector<std::pair<int, int64_t>> inputFrames; // tensor, bytes: streamed frames outside the arena
    std::vector<int> stateTensors;                    // variables outside the arena (persistent)
    std::vector<std::pair<int, int64_t>> stateInArena; // planned variables: tensor, absolute offset
    QJsonArray stagesJson;

    Gen(const Model& mo, const PipelineResult& re) : model(mo), r(re), lg(re.analysis.legal), g(re.analysis.legal.graph) {}

    bool fail(const std::string& where, const std::string& message)
    {
        diags.push_back(makeError("", where, message));
        return false;
    }

    std::string opLabel(int legalOp) const
    {
        const Op& op = g.ops[size_t(legalOp)];
        std::string out = "op " + std::to_string(legalOp) + " " + opKindName(op.kind);
        if (!op.outputs.empty() && g.tensor(op.outputs[0]))
            out += " '" + g.tensors[size_t(op.outputs[0])].name + "'";
        return out;
    }

    std::string gapTable(const std::vector<Range>& gaps)
    {
        std::string init;
        for (const Range& x : gaps)
            init += (init.empty() ? "" : ", ") + std::to_string(x.begin) + ", " + std::to_string(x.end);
        if (init.empty())
            return {};
        auto it = gapTables.find(init);
        if (it != gapTables.end())
            return it->second;
        const std::string id = "ts_gaps_" + std::to_string(gapTables.size());
        gapTables[init] = id;
        gapOrder.emplace_back(id, init);
        return id;
    }

    Operand operand(const Graph& sg, int t, int64_t offset) const
    {
        Operand o;
        o.tensor = t;
        o.info = sg.tensor(t);
        if (!o.info)
            return o;
        o.shape = o.info->shape;
        if (!o.info->isConstant() && offset >= 0) {
            o.offset = offset;
            o.ptr = at(offset);
        }
        return o;
    }

    // The code of one op call (emitter, or the generator's own RESHAPE/SQUEEZE copy).
    bool emitCall(EmitContext& c, Step& step)
    {
        const Op& op = *c.op;
        if (op.kind == OpKind::Reshape || op.kind == OpKind::Squeeze) {
            const Operand& in = c.inputs.at(0);
            const Operand& out = c.outputs.at(0);
            if (in.offset >= 0 && in.offset == out.offset) {
                step.lines.push_back("/* alias: the output shares the input's bytes, no code */");
                return true;
            }
            if (in.ptr.empty() || out.ptr.empty())
                return fail("ops[" + std::to_string(c.opIndex) + "]", c.opLabel + ": an operand has no place in the arena");
            step.lines.push_back("memmove(" + out.ptr + ", " + in.ptr + ", " + std::to_string(bytesOf(*c.g, out.tensor)) + ");");
            ++calls;
            return true;
        }
        c.pool = &pool;
        // A one-input element-wise op over strided windows (a patch's QUANTIZE of its input crop):
        // the same kernel row by row, in a loop over the window's rows.
        const bool unary = op.kind == OpKind::Quantize || op.kind == OpKind::Dequantize || op.kind == OpKind::Relu
            || op.kind == OpKind::Relu6 || op.kind == OpKind::LeakyRelu || op.kind == OpKind::Logistic
            || op.kind == OpKind::Tanh;
        bool strided = false;
        for (const auto* list : {&c.inputs, &c.outputs})
            for (const Operand& o : *list)
                strided |= o.strided();
        if (unary && strided && c.inplace == InplaceKind::None && !c.outputs.empty() && c.outputs[0].shape.size() == 4) {
            EmitContext rc = c;
            const int rows = c.outputs[0].shape[1];
            for (auto* list : {&rc.inputs, &rc.outputs})
                for (Operand& o : *list) {
                    if (!o.info || o.info->isConstant())
                        continue;
                    if (o.shape.size() != 4 || o.shape[1] != rows || o.offset < 0)
                        return fail("ops[" + std::to_string(c.opIndex) + "]", c.opLabel + ": windows of different heights");
                    const int64_t pitch = o.rowPitch ? o.rowPitch : int64_t(o.shape[2]) * o.shape[3] * std::max(dtypeSize(o.info->dtype), 1);
                    o.ptr = "(ts_a + " + std::to_string(o.offset) + " + (size_t)ts_r * " + std::to_string(pitch) + "u)";
                    o.shape = {1, 1, o.shape[2], o.shape[3]};
                    o.rowPitch = 0;
                }
            Result<Emitted> e = codegen::emitOp(rc);
            if (!e.ok()) {
                diags.insert(diags.end(), e.diagnostics.begin(), e.diagnostics.end());
                return false;
            }
            step.lines = {"{ /* row by row over the strided windows */", "    int ts_r;",
                          "    for (ts_r = 0; ts_r < " + std::to_string(rows) + "; ++ts_r) {"};
            for (const std::string& l : e->lines)
                step.lines.push_back("        " + l);
            step.lines.push_back("    }");
            step.lines.push_back("}");
            kernels.insert(e->kernels.begin(), e->kernels.end());
            ++calls;
            return true;
        }
        Result<Emitted> e = codegen::emitOp(c);
        if (!e.ok()) {
            diags.insert(diags.end(), e.diagnostics.begin(), e.diagnostics.end());
            return false;
        }
        step.lines = e->lines;
        kernels.insert(e->kernels.begin(), e->kernels.end());
        ++calls;
        return true;
    }

    // What a step runs with besides its operands: the in-place variant the plan's placement needs,
    // the planned scratch parts, and (for the debug gaps) every range live at the step.
    bool prepareStep(const MemoryAnalysis& m, const ArenaPlan& plan, int64_t base, int s,
                     const std::map<int, InplacePlacement>& placed, const std::vector<Range>& extraLive, EmitContext& c,
                     Step& step, std::vector<Range>& live)
    {
        if (auto p = placed.find(s); p != placed.end()) {
            if (!p->second.order)
                return fail("ops[" + std::to_string(c.opIndex) + "]",
                            c.opLabel + ": no kernel variant executes the planned in-place placement (delta "
                                + std::to_string(p->second.delta()) + ")");
            c.inplace = p->second.step.kind;
            c.order = *p->second.order;
            c.inplaceOperand = p->second.step.operand;
            step.inplace = std::string(inplaceKindName(c.inplace)) + "/" + iterationOrderName(c.order);
        }
        live = liveAt(m, plan, s, base);
        int64_t scratchTotal = 0;
        for (size_t b = 0; b < m.buffers.size(); ++b) {
            const PlanBuffer& pb = m.buffers[b];
            if (pb.kind != PlanBuffer::Kind::Scratch || pb.scratchStep != s || pb.segments.empty())
                continue;
            const int64_t o = base + plan.segmentOffset(m, int(b), 0);
            c.scratch.push_back({at(o), pb.segments[0].size});
            step.scratch.emplace_back(o, pb.segments[0].size);
            live.push_back({o, o + pb.segments[0].size});
            scratchTotal += pb.segments[0].size;
        }
        largestScratch = std::max(largestScratch, scratchTotal);
        live.insert(live.end(), extraLive.begin(), extraLive.end());
        return true;
    }

    // A whole-tensor stage: every step of `m.order` over `plan` placed at `base`.
    bool emitStage(const LegalGraph& sl, const MemoryAnalysis& m, const ArenaPlan& plan, int64_t base,
                   const std::function<int(int)>& legalOpOf, const std::vector<Range>& extraLive, Block& block,
                   const std::string& stageName)
    {
        const Graph& sg = sl.graph;
        // Generated code executes the plan as drawn, so a plan no kernel can execute (overlapping
        // live buffers, an in-place placement without a kernel variant, a buffer past the peak) is
        // refused here rather than turned into code.
        if (const std::string bad = checkPlan(sg, m, plan); !bad.empty())
            return fail("plan", stageName + " plan: " + bad);
        for (size_t b = 0; b < m.buffers.size(); ++b)
            for (size_t k = 0; k < m.buffers[b].segments.size(); ++k) {
                const int64_t o = plan.segmentOffset(m, int(b), k);
                if (o < 0 || o + m.buffers[b].segments[k].size > plan.peakBytes || base + plan.peakBytes > arenaBytes)
                    return fail("plan", stageName + " plan: buffer '" + m.buffers[b].label + "' lies outside the "
                                            + std::to_string(plan.peakBytes) + "-byte arena");
            }
        std::map<int, InplacePlacement> placed;
        for (const InplacePlacement& p : inplacePlacements(sg, m, plan))
            placed[p.step.step] = p;
        QJsonArray buffers;
        for (size_t b = 0; b < m.buffers.size(); ++b) {
            const PlanBuffer& pb = m.buffers[b];
            for (size_t k = 0; k < pb.segments.size(); ++k) {
                QJsonObject o;
                o["label"] = QString::fromStdString(pb.label);
                o["kind"] = pb.kind == PlanBuffer::Kind::Scratch ? "scratch" : "tensor";
                o["offset"] = qint64(base + plan.segmentOffset(m, int(b), k));
                o["bytes"] = qint64(pb.segments[k].size);
                o["first_step"] = pb.segments[k].first;
                o["last_step"] = pb.segments[k].last;
                QJsonArray ts;
                for (int t : pb.tensors)
                    ts.append(t);
                o["tensors"] = ts;
                buffers.append(o);
            }
        }
        QJsonObject stage;
        stage["name"] = QString::fromStdString(stageName);
        stage["base"] = qint64(base);
        stage["peak_bytes"] = qint64(plan.peakBytes);
        stage["buffers"] = buffers;
        stagesJson.append(stage);

        for (size_t s = 0; s < m.order.size(); ++s) {
            const int k = m.order[s];
            const Op& op = sg.ops[size_t(k)];
            Step step;
            step.legalOp = legalOpOf(k);
            EmitContext c;
            c.g = &sg;
            c.op = &op;
            c.opIndex = step.legalOp;
            c.opLabel = opLabel(step.legalOp);
            auto offsetOf = [&](int t) -> int64_t {
                const Tensor* x = sg.tensor(t);
                if (!x || x->isConstant())
                    return -1;
                const int64_t o = plan.tensorOffset(sg, m, t);
                return o >= 0 ? base + o : -1;
            };
            auto place = [&](int t) {
                Operand o = operand(sg, t, offsetOf(t));
                if (o.info && !o.info->isConstant() && o.ptr.empty()) {
                    const int root = sl.root(t);
                    if (std::find(stateTensors.begin(), stateTensors.end(), root) != stateTensors.end())
                        o.ptr = "ts_state_" + std::to_string(root);
                }
                return o;
            };
            for (int t : op.inputs)
                c.inputs.push_back(place(t));
            for (int t : op.outputs)
                c.outputs.push_back(place(t));
            for (const auto& list : {c.inputs, c.outputs})
                for (const Operand& o : list)
                    if (o.info && !o.info->isConstant() && o.ptr.empty())
                        return fail("ops[" + std::to_string(step.legalOp) + "]",
                                    c.opLabel + ": tensor '" + o.info->name + "' has no place in the " + stageName + " arena");
            std::vector<Range> live;
            if (!prepareStep(m, plan, base, int(s), placed, extraLive, c, step, live))
                return false;
            step.comment = "step " + std::to_string(s) + ": " + c.opLabel;
            if (!emitCall(c, step))
                return false;
            step.gaps = gapTable(gapsOf(live, arenaBytes));
            for (const Operand& o : c.outputs)
                if (o.offset >= 0)
                    step.dumps.push_back({o.tensor, {o.offset, o.offset + bytesOf(sg, o.tensor)}});
            block.steps.push_back(std::move(step));
        }
        return true;
    }

    bool wholeGraph()
    {
        const Analysis& a = r.analysis;
        arenaBytes = a.plan.peakBytes;
        if (!collectState(a.memory, a.plan, 0))
            return false;
        Block b;
        b.comment = "the whole graph, " + std::to_string(a.memory.order.size()) + " steps";
        std::vector<Range> state;
        for (const auto& [t, o] : stateInArena)
            state.push_back({o, o + bytesOf(g, t)});
        if (!emitStage(lg, a.memory, a.plan, 0, [](int k) { return k; }, state, b, "whole-graph"))
            return false;
        blocks.push_back(std::move(b));
        for (int t : g.inputs) {
            const int64_t o = a.plan.tensorOffset(g, a.memory, t);
            if (o < 0)
                return fail("inputs", "graph input '" + g.tensors[size_t(t)].name + "' has no place in the arena");
            inputPtr.push_back(at(o));
        }
        for (int t : g.outputs) {
            const int64_t o = a.plan.tensorOffset(g, a.memory, t);
            if (o < 0)
                return fail("outputs", "graph output '" + g.tensors[size_t(t)].name + "' has no place in the arena");
            outputPtr.push_back(at(o));
        }
        return true;
    }

    // Variables: planned ones live for the whole invocation (so their bytes persist between
    // invocations); unplanned ones get a persistent buffer of their own.
    bool collectState(const MemoryAnalysis& m, const ArenaPlan& plan, int64_t base)
    {
        for (size_t t = 0; t < g.tensors.size(); ++t) {
            const Tensor& x = g.tensors[t];
            if (!x.isVariable || x.isConstant() || lg.root(int(t)) != int(t))
                continue;
            const int64_t o = plan.tensorOffset(g, m, int(t));
            if (o < 0) {
                stateTensors.push_back(int(t));
                continue;
            }
            const int b = m.tensorBuffer[t];
            const PlanBuffer& pb = m.buffers[size_t(b)];
            if (pb.first() != 0 || pb.last() != int(m.order.size()) - 1)
                return fail("tensors[" + std::to_string(t) + "]",
                            "variable '" + x.name + "' is live only at steps " + std::to_string(pb.first()) + ".."
                                + std::to_string(pb.last()) + "; its state would not survive between invocations");
            stateInArena.emplace_back(int(t), base + o);
        }
        return true;
    }

    bool patched()
    {
        const PatchPlan& p = *r.patch;
        arenaBytes = p.peak;
        const std::vector<int>& order = r.analysis.memory.order;
        if (!p.stage2 || p.patchLayouts.empty())
            return fail("schedule.patch", "the patch plan has no layouts (it was searched, not planned)");
        for (size_t t = 0; t < g.tensors.size(); ++t)
            if (g.tensors[t].isVariable)
                return fail("tensors[" + std::to_string(t) + "]", "a patch schedule over a graph with state ('"
                                                                      + g.tensors[t].name + "') is not supported");
        const int split = p.split.tensor;
        const int64_t splitBytes = bytesOf(g, split);
        const int residentInput = p.inputOffset >= 0 ? p.split.source : -1;
        const std::vector<Range> splitRange{{p.stage1SplitOffset, p.stage1SplitOffset + splitBytes}};

        // Graph inputs: stage 0 reads them at its planned places; a resident input is written where
        // stage 1 reads it; a streamed input is a frame outside the arena, cropped per patch.
        for (int t : g.inputs) {
            if (p.stage0) {
                const int64_t o = p.stage0->plan.tensorOffset(p.stage0->graph.graph, p.stage0->memory, t);
                if (o < 0)
                    return fail("inputs", "stage 0 does not hold the graph input '" + g.tensors[size_t(t)].name + "'");
                inputPtr.push_back(at(p.stage0->base + o));
            } else if (t == residentInput) {
                inputPtr.push_back(at(p.inputOffset));
            } else {
                inputPtr.push_back("ts_frame_" + std::to_string(t));
                inputFrames.emplace_back(t, bytesOf(g, t));
            }
        }

        if (p.stage0) {
            const StageLayout& s0 = *p.stage0;
            Block b;
            b.comment = "stage 0: the non-spatial head on whole tensors";
            if (!emitStage(s0.graph, s0.memory, s0.plan, s0.base, [&](int k) { return order[size_t(k)]; }, {}, b, "stage 0"))
                return false;
            if (p.movesSource()) {
                Step mv;
                mv.comment = "stage 0's output moves to where stage 1 reads it";
                mv.lines.push_back("memmove(" + at(p.inputOffset) + ", " + at(s0.base + p.stage0SourceOffset) + ", "
                                   + std::to_string(bytesOf(g, p.split.source)) + ");");
                b.steps.push_back(std::move(mv));
            }
            blocks.push_back(std::move(b));
        }

        std::vector<Range> held = splitRange;
        if (residentInput >= 0)
            held.push_back({p.inputOffset, p.inputOffset + bytesOf(g, residentInput)});
        for (size_t pi = 0; pi < p.patches.size(); ++pi) {
            const int row = int(pi) / std::max(p.nw, 1), col = int(pi) % std::max(p.nw, 1);
            Block b;
            b.function = "ts_patch_" + std::to_string(row) + "_" + std::to_string(col);
            const Region& pr = p.patches[pi];
            b.comment = "patch " + std::to_string(row) + "," + std::to_string(col) + ": rows " + std::to_string(pr.y0) + ".."
                        + std::to_string(pr.y1 - 1) + ", columns " + std::to_string(pr.x0) + ".." + std::to_string(pr.x1 - 1)
                        + " of the split tensor";
            if (!emitPatch(p, pi, held, b))
                return false;
            blocks.push_back(std::move(b));
        }

        const StageLayout& s2 = *p.stage2;
        Block b2;
        b2.comment = "stage 2: the rest of the graph on whole tensors";
        if (p.movesSplit()) {
            Step mv;
            mv.comment = "the stitched split tensor moves to where stage 2 reads it";
            mv.lines.push_back("memmove(" + at(p.splitOffset) + ", " + at(p.stage1SplitOffset) + ", "
                               + std::to_string(splitBytes) + ");");
            b2.steps.push_back(std::move(mv));
        }
        Step dumpSplit;
        dumpSplit.comment = "the split tensor is complete";
        dumpSplit.dumps.push_back({split, {p.splitOffset, p.splitOffset + splitBytes}});
        b2.steps.push_back(std::move(dumpSplit));
        const size_t restFrom = size_t(p.split.step) + 1;
        if (!emitStage(s2.graph, s2.memory, s2.plan, s2.base, [&](int k) { return order[restFrom + size_t(k)]; }, {}, b2,
                       "stage 2"))
            return false;
        blocks.push_back(std::move(b2));
        for (int t : g.outputs) {
            int64_t o = s2.plan.tensorOffset(s2.graph.graph, s2.memory, t);
            if (o >= 0)
                o += s2.base;
            else if (t == split)
                o = p.splitOffset;
            if (o < 0)
                return fail("outputs", "graph output '" + g.tensors[size_t(t)].name + "' has no place in stage 2's arena");
            outputPtr.push_back(at(o));
        }
        return true;
    }

    bool emitPatch(const PatchPlan& p, size_t pi, const std::vector<Range>& held, Block& b)
    {
        const int li = p.patchLayoutOf[pi];
        const StageLayout& layout = p.patchLayouts[size_t(li)];
        const Graph& lgr = layout.graph.graph;
        const std::vector<PatchOp>& ops = p.ops[pi];
        if (ops.size() != lgr.ops.size())
            return fail("schedule.patch", "patch " + std::to_string(pi) + ": the record and its layout disagree");
        const int split = p.split.tensor;
        if (const std::string bad = checkPlan(lgr, layout.memory, layout.plan); !bad.empty())
            return fail("plan", "patch layout '" + layout.name + "': " + bad);
        if (layout.base < 0 || layout.end() > arenaBytes)
            return fail("plan", "patch layout '" + layout.name + "' lies outside the arena");
        auto planned = [&](int t) {
            return size_t(t) < layout.memory.tensorBuffer.size() && layout.memory.tensorBuffer[size_t(t)] >= 0;
        };
        std::map<int, Region> stored;
        for (const PatchOp& po : ops) {
            for (const PatchOperand& o : po.inputs)
                if (o.tensor >= 0)
                    stored.emplace(o.tensor, o.stored);
            if (po.output.tensor >= 0)
                stored.emplace(po.output.tensor, po.output.stored);
        }
        // A streamed input: its region, cropped from the frame, into the layout.
        for (int t : g.inputs) {
            if (!planned(t))
                continue;
            const auto s = stored.find(t);
            if (s == stored.end())
                return fail("schedule.patch", "patch " + std::to_string(pi) + ": no op reads the input");
            const Tensor& x = g.tensors[size_t(t)];
            const int64_t pix = int64_t(x.shape[3]) * std::max(dtypeSize(x.dtype), 1);
            const int64_t dst = layout.base + layout.plan.tensorOffset(lgr, layout.memory, t);
            Step crop;
            crop.comment = "the patch's input region, rows " + std::to_string(s->second.y0) + ".." + std::to_string(s->second.y1 - 1)
                           + ", from the input frame";
            crop.lines.push_back("ts_copy_rows(" + at(dst) + ", " + std::to_string(s->second.w() * pix) + ", ts_frame_"
                                 + std::to_string(t) + " + " + std::to_string((int64_t(s->second.y0) * x.shape[2] + s->second.x0) * pix)
                                 + ", " + std::to_string(int64_t(x.shape[2]) * pix) + ", " + std::to_string(s->second.h()) + ", "
                                 + std::to_string(s->second.w() * pix) + ");");
            b.steps.push_back(std::move(crop));
        }
        std::map<int, InplacePlacement> placed;
        for (const InplacePlacement& ip : inplacePlacements(lgr, layout.memory, layout.plan))
            placed[ip.step.step] = ip;
        const MemoryAnalysis& m = layout.memory;
        for (size_t s = 0; s < m.order.size(); ++s) {
            const int k = m.order[s];
            const PatchOp& po = ops[size_t(k)];
            Step step;
            step.legalOp = po.op;
            EmitContext c;
            c.g = &lgr;
            c.op = &po.exec;
            c.opIndex = po.op;
            c.opLabel = opLabel(po.op);
            auto place = [&](int t, const PatchOperand& o) -> Operand {
                if (o.tensor < 0)
                    return operand(lgr, t, -1);
                const OperandPlace pl = placeOperand(g, p, pi, o);
                Operand x = operand(lgr, t, pl.first);
                const Tensor& full = g.tensors[size_t(o.tensor)];
                x.shape = {1, o.window.h(), o.window.w(), full.shape[3]};
                x.rowPitch = pl.rowPitch;
                return x;
            };
            for (size_t i = 0; i < po.exec.inputs.size(); ++i)
                c.inputs.push_back(place(po.exec.inputs[i], i < po.inputs.size() ? po.inputs[i] : PatchOperand{}));
            if (!po.exec.outputs.empty())
                c.outputs.push_back(place(po.exec.outputs[0], po.output));
            for (const auto& list : {c.inputs, c.outputs})
                for (const Operand& o : list)
                    if (o.info && !o.info->isConstant() && o.ptr.empty())
                        return fail("ops[" + std::to_string(po.op) + "]",
                                    c.opLabel + ": tensor '" + o.info->name + "' has no place in patch " + std::to_string(pi));
            std::vector<Range> live;
            if (!prepareStep(m, layout.plan, layout.base, int(s), placed, held, c, step, live))
                return false;
            step.comment = "patch step " + std::to_string(s) + ": " + c.opLabel;
            if (!emitCall(c, step))
                return false;
            step.gaps = gapTable(gapsOf(live, arenaBytes));
            b.steps.push_back(std::move(step));
        }
        if (planned(split)) {
            const Tensor& st = g.tensors[size_t(split)];
            const Region& a = stored.at(split);
            const int64_t pix = int64_t(st.shape[3]) * std::max(dtypeSize(st.dtype), 1);
            const int64_t src = layout.base + layout.plan.tensorOffset(lgr, layout.memory, split);
            const int64_t dst = p.stage1SplitOffset + (int64_t(a.y0) * st.shape[2] + a.x0) * pix;
            Step copy;
            copy.comment = "the layout holds the tile: copy it into the split tensor";
            copy.lines.push_back("ts_copy_rows(" + at(dst) + ", " + std::to_string(int64_t(st.shape[2]) * pix) + ", " + at(src)
                                 + ", " + std::to_string(a.w() * pix) + ", " + std::to_string(a.h()) + ", "
                                 + std::to_string(a.w() * pix) + ");");
            b.steps.push_back(std::move(copy));
        }
        return true;
    }
};

} // namespace

QJsonObject GeneratedProject::summary() const
{
    QJsonObject o;
    o["name"] = QString::fromStdString(name);
    o["arena_bytes"] = qint64(arenaBytes);
    o["largest_scratch_bytes"] = qint64(largestScratch);
    o["weights_bytes"] = qint64(weightsBytes);
    o["state_bytes"] = qint64(stateBytes);
    o["input_frame_bytes"] = qint64(frameBytes);
    o["source_bytes"] = qint64(sourceBytes);
    o["source_lines"] = qint64(sourceLines);
    o["kernel_calls"] = steps;
    QJsonArray k;
    for (const auto& s : kernels)
        k.append(QString::fromStdString(s));
    o["kernels"] = k;
    QJsonArray f;
    for (const auto& x : files)
        f.append(QString::fromStdString(x.path));
    o["files"] = f;
    return o;
}

Result<GeneratedProject> generateProject(const Model& model, const PipelineResult& r, const GenerateOptions& options)
{
    Result<GeneratedProject> out;
    Gen gen(model, r);
    std::string base = options.name;
    if (base.empty()) {
        base = r.modelPath.empty() ? model.path : r.modelPath;
        const size_t slash = base.find_last_of("/\\");
        if (slash != std::string::npos)
            base = base.substr(slash + 1);
        if (base.size() > 7 && base.compare(base.size() - 7, 7, ".tflite") == 0)
            base.resize(base.size() - 7);
    }
    std::string name = cIdentifier(base, "model", nullptr, 32);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    gen.name = name;
    gen.NAME = name;
    std::transform(gen.NAME.begin(), gen.NAME.end(), gen.NAME.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
    gen.pool.prefix = name + "_w_"; // unique across models linked into one program

    const bool ok = r.patch ? gen.patched() : gen.wholeGraph();
    if (!ok) {
        out.diagnostics = gen.diags;
        if (out.diagnostics.empty())
            out.diagnostics.push_back(makeError("", "generate", "code generation failed"));
        return out;
    }
    ProjectParts parts;
    parts.name = gen.name;
    parts.NAME = gen.NAME;
    parts.arenaBytes = gen.arenaBytes;
    GeneratedProject project;
    project.name = gen.name;
    project.arenaBytes = gen.arenaBytes;
    project.largestScratch = gen.largestScratch;
    project.weightsBytes = gen.pool.bytes();
    project.steps = gen.calls;
    project.inputCount = int(gen.g.inputs.size());
    project.outputCount = int(gen.g.outputs.size());
    // Kernel files: the used families plus what they include.
    std::vector<std::string> kernelFiles{"ts_common.h"};
    for (const std::string& k : gen.kernels) {
        kernelFiles.push_back(k + ".h");
        kernelFiles.push_back(k + ".c");
        project.kernels.push_back(k);
    }
    const auto& embedded = codegen::embeddedKernelFiles();
    for (const std::string& f : kernelFiles) {
        auto it = embedded.find(f);
        if (it == embedded.end()) {
            out.diagnostics.push_back(makeError("", "kernels", "the kernel file '" + f + "' is not embedded in this build"));
            return out;
        }
        project.files.push_back({"src/kernels/" + f, "/* " + f + ": copied from TinyStudio " TINYSTUDIO_VERSION
                                                         "'s kernel library - do not edit, regenerate instead. */\n"
                                                         + it->second});
    }

    // Model source, header and the rest.
    ModelSource src;
    src.pool = &gen.pool;
    src.gapTables = gen.gapOrder;
    src.kernels.assign(gen.kernels.begin(), gen.kernels.end());
    for (const Block& b : gen.blocks) {
        ModelSource::Block mb;
        mb.function = b.function;
        mb.comment = b.comment;
        for (const Step& s : b.steps) {
            ModelSource::Step ms;
            ms.layer = s.legalOp;
            ms.comment = s.comment;
            ms.lines = s.lines;
            ms.gaps = s.gaps;
            for (const auto& [t, range] : s.dumps)
                ms.dumps.push_back({t, range.begin, range.end - range.begin});
            mb.steps.push_back(std::move(ms));
        }
        src.blocks.push_back(std::move(mb));
    }
    const Graph& g = gen.g;
    for (size_t i = 0; i < g.inputs.size(); ++i)
        src.inputs.push_back({g.inputs[i], &g.tensors[size_t(g.inputs[i])], gen.inputPtr[i]});
    for (size_t i = 0; i < g.outputs.size(); ++i)
        src.outputs.push_back({g.outputs[i], &g.tensors[size_t(g.outputs[i])], gen.outputPtr[i]});
    for (const auto& [t, bytes] : gen.inputFrames) {
        src.frames.push_back({t, bytes});
        project.frameBytes += bytes;
    }
    // State: planned variables and persistent ones, initialised by <name>_init() as the reference
    // interpreter resets them.
    auto interp = ReferenceInterpreter::create(g);
    for (const auto& [t, o] : gen.stateInArena)
        src.stateInit.push_back({t, at(o), interp.ok() ? interp->tensorBytes(t) : std::vector<uint8_t>(size_t(bytesOf(g, t)))});
    for (int t : gen.stateTensors) {
        src.stateBuffers.push_back({t, bytesOf(g, t)});
        src.stateInit.push_back({t, "ts_state_" + std::to_string(t),
                                 interp.ok() ? interp->tensorBytes(t) : std::vector<uint8_t>(size_t(bytesOf(g, t)))});
        project.stateBytes += bytesOf(g, t);
    }
    for (size_t o = 0; o < g.ops.size(); ++o)
        src.layerNames.push_back(gen.opLabel(int(o)));
    for (size_t t = 0; t < g.tensors.size(); ++t)
        src.tensorNames.push_back(g.tensors[t].name);
    src.modelSha256 = r.modelSha256.empty() ? model.sha256 : r.modelSha256;
    src.boardId = r.boardId;

    // The manifest.
    QJsonObject manifest;
    manifest["generator"] = "TinyStudio";
    manifest["tinystudio_version"] = TINYSTUDIO_VERSION;
    manifest["name"] = QString::fromStdString(gen.name);
    manifest["model_sha256"] = QString::fromStdString(src.modelSha256);
    manifest["board"] = QString::fromStdString(r.boardId);
    const QJsonObject pj = pipelineJson(r);
    manifest["schedule"] = pj.value("schedule");
    manifest["stages"] = gen.stagesJson;
    QJsonArray steps;
    for (const Block& b : gen.blocks)
        for (const Step& s : b.steps) {
            if (s.legalOp < 0)
                continue;
            QJsonObject so;
            so["block"] = QString::fromStdString(b.function.empty() ? "invoke" : b.function);
            so["op"] = s.legalOp;
            so["kind"] = QString::fromStdString(opKindName(g.ops[size_t(s.legalOp)].kind));
            if (!s.inplace.empty())
                so["inplace"] = QString::fromStdString(s.inplace);
            QJsonArray sc;
            for (const auto& [o, n] : s.scratch)
                sc.append(QJsonObject{{"offset", qint64(o)}, {"bytes", qint64(n)}});
            so["scratch"] = sc;
            steps.append(so);
        }
    manifest["steps"] = steps;
    if (r.patch) {
        const PatchPlan& p = *r.patch;
        QJsonObject po;
        po["split_tensor"] = p.split.tensor;
        po["grid"] = QJsonArray{p.nh, p.nw};
        po["split_offset"] = qint64(p.splitOffset);
        po["stage1_split_offset"] = qint64(p.stage1SplitOffset);
        po["input_offset"] = qint64(p.inputOffset);
        po["stage0_peak_bytes"] = qint64(p.stage0Peak);
        po["stage1_peak_bytes"] = qint64(p.stage1Peak);
        po["stage2_peak_bytes"] = qint64(p.stage2Peak);
        manifest["patch"] = po;
    }
    project.files.push_back({"include/" + gen.name + "_model.h", modelHeader(src, parts)});
    project.files.push_back({"include/" + gen.name + "_model.hpp", modelClassHeader(src, parts)});
    project.files.push_back({"src/" + gen.name + "_model.c", modelSource(src, parts)});
    project.files.push_back({"src/" + gen.name + "_weights.h", weightsHeader(gen.pool, parts)});
    project.files.push_back({"src/" + gen.name + "_weights.c", weightsSource(gen.pool, parts)});
    project.files.push_back({"runner/runner.cpp", runnerSource(src, parts)});
    project.files.push_back({"CMakeLists.txt", cmakeLists(src, parts)});
    project.files.push_back({"README.md", readme(src, parts, project)});
    for (const GeneratedFile& f : project.files) {
        project.sourceBytes += int64_t(f.text.size());
        project.sourceLines += std::count(f.text.begin(), f.text.end(), '\n');
    }
    QJsonObject figures = project.summary();
    figures.remove("files");
    manifest["figures"] = figures;
    project.manifest = manifest;
    project.files.push_back({"manifest.json", manifestText(manifest)});
    std::sort(project.files.begin(), project.files.end(),
              [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
    out.value = std::move(project);
    return out;
}

} // namespace ts
