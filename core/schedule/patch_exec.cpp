#include "schedule/patch_exec.h"

#include "reference/golden.h"

#include <algorithm>
#include <cstring>

namespace ts {

namespace {

uint8_t poisonByte(int64_t at) { return uint8_t(0x3C ^ uint8_t(at * 151)); }
uint8_t canaryByte(int64_t at)
{
    static const uint8_t pattern[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    return pattern[at & 3];
}

int64_t bytesOf(const Graph& g, int t)
{
    const Tensor* x = g.tensor(t);
    return x ? x->byteSize().value_or(0) : 0;
}

int64_t pixelBytes(const Tensor& t) { return int64_t(t.shape[3]) * std::max(dtypeSize(t.dtype), 1); }

std::string rows(const Region& r)
{
    return "rows " + std::to_string(r.y0) + ".." + std::to_string(r.y1 - 1) + ", cols " + std::to_string(r.x0) + ".."
           + std::to_string(r.x1 - 1);
}

bool contains(const Region& outer, const Region& inner)
{
    return inner.y0 >= outer.y0 && inner.y1 <= outer.y1 && inner.x0 >= outer.x0 && inner.x1 <= outer.x1;
}

struct Span {
    std::string what;
    int64_t begin = 0, end = 0;
};

// A stage layout's ops are exactly `count` ops of `order` starting at position `first`.
bool runsOrder(const std::vector<Op>& ops, const Graph& g, const std::vector<int>& order, size_t first, size_t count)
{
    if (ops.size() != count || first + count > order.size())
        return false;
    for (size_t k = 0; k < count; ++k) {
        const Op& want = g.ops[size_t(order[first + k])];
        if (ops[k].kind != want.kind || ops[k].inputs != want.inputs || ops[k].outputs != want.outputs)
            return false;
    }
    return true;
}

// `from` appended to `to`, each message prefixed with where it happened (a stage, a patch).
void appendPrefixed(Diagnostics& to, const Diagnostics& from, const std::string& prefix)
{
    for (Diagnostic d : from) {
        d.message = prefix + d.message;
        to.push_back(std::move(d));
    }
}

std::string spanText(const Span& s) { return s.what + " [" + std::to_string(s.begin) + ", " + std::to_string(s.end) + ")"; }

// The stitched layout, checked before anything runs: every part inside [0, peak), the parts that
// are live together in stage 1 disjoint, stage 2 holding the split tensor at splitOffset.
std::string checkStitchedLayout(const Graph& g, const PatchPlan& plan)
{
    const int64_t splitBytes = bytesOf(g, plan.split.tensor);
    std::vector<Span> stage1{{"the split tensor", plan.stage1SplitOffset, plan.stage1SplitOffset + splitBytes}};
    if (plan.inputOffset >= 0)
        stage1.push_back({plan.stage0 ? "stage 0's output" : "the resident input", plan.inputOffset,
                          plan.inputOffset + bytesOf(g, plan.split.source)});
    for (const StageLayout& l : plan.patchLayouts)
        stage1.push_back({"'" + l.name + "'", l.base, l.end()});
    std::vector<Span> all = stage1;
    if (plan.stage0) {
        all.push_back({"stage 0", plan.stage0->base, plan.stage0->end()});
        all.push_back({"stage 0's output", plan.stage0->base + plan.stage0SourceOffset,
                       plan.stage0->base + plan.stage0SourceOffset + bytesOf(g, plan.split.source)});
    }
    if (plan.stage2)
        all.push_back({"stage 2", plan.stage2->base, plan.stage2->end()});
    all.push_back({"the moved split tensor", plan.splitOffset, plan.splitOffset + splitBytes});
    for (const Span& s : all)
        if (s.begin < 0 || s.end > plan.peak)
            return spanText(s) + " lies outside the " + std::to_string(plan.peak) + "-byte arena";
    for (size_t i = 0; i < stage1.size(); ++i)
        for (size_t j = i + 1; j < stage1.size(); ++j) {
            const bool layouts = i >= 1 + (plan.inputOffset >= 0) && j >= 1 + (plan.inputOffset >= 0);
            if (layouts)
                continue; // patch layouts run one after the other on the same area
            if (stage1[i].begin < stage1[j].end && stage1[j].begin < stage1[i].end && stage1[i].end > stage1[i].begin
                && stage1[j].end > stage1[j].begin)
                return spanText(stage1[j]) + " overlaps " + spanText(stage1[i]) + " while stage 1 runs";
        }
    if (plan.stage2 && (plan.splitOffset < plan.stage2->base || plan.splitOffset + splitBytes > plan.stage2->end()))
        return "stage 2 does not hold the split tensor at " + std::to_string(plan.splitOffset);
    if (plan.split.prefix > 0 && (!plan.stage0 || plan.inputOffset < 0))
        return "the plan has a stage 0 of " + std::to_string(plan.split.prefix)
               + " ops but no stage-0 layout or no place for its output in stage 1";
    return {};
}

} // namespace

PatchArenaRun runPatchedInArena(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                                const std::vector<uint8_t>& input, const PatchArenaOptions& options)
{
    PatchArenaRun out;
    const Graph& g = lg.graph;
    auto error = [&](const std::string& where, const std::string& message) {
        out.diagnostics.push_back(makeError("", where, message));
        return out;
    };
    const int split = plan.split.tensor;
    if (!g.tensor(split) || g.tensors[size_t(split)].shape.size() != 4)
        return error("plan.split", "the plan's split tensor " + std::to_string(split) + " is not a 4-D tensor of this graph");
    if (plan.patchLayouts.empty() || plan.patchLayoutOf.size() != plan.patches.size() || plan.ops.size() != plan.patches.size()
        || !plan.stage2)
        return error("plan", "the patch plan has no arena layouts (planPatches() fills them; a search keeps figures only)");
    // The layouts run their own op lists: they must be this order's prefix (stage 1) and rest (stage 2).
    const int steps1 = plan.split.step + 1;
    if (steps1 < 1 || steps1 > int(order.size()))
        return error("plan.split", "the plan's split step " + std::to_string(plan.split.step) + " is not in the order");
    for (size_t p = 0; p < plan.ops.size(); ++p) {
        int k = plan.split.prefix;
        for (const PatchOp& po : plan.ops[p]) {
            while (k < steps1 && order[size_t(k)] != po.op)
                ++k;
            if (k++ >= steps1)
                return error("plan.ops", "patch " + std::to_string(p) + " runs op " + std::to_string(po.op)
                                             + ", which is not a stage-1 op of this order (in order)");
        }
    }
    const std::vector<Op>& rest = plan.stage2->graph.graph.ops;
    if (!runsOrder(rest, g, order, size_t(steps1), order.size() - size_t(steps1)))
        return error("plan.stage2", "stage 2's layout does not run the ops after the split in this order");
    if (options.checkLayout)
        if (const std::string bad = checkStitchedLayout(g, plan); !bad.empty())
            return error("plan", "the stitched arena is wrong: " + bad);

    // One arena: guard band, PatchPlan::peak bytes, guard band.
    const int64_t guard = std::max<int64_t>(options.exec.guardBytes, 0);
    const int64_t peak = std::max<int64_t>(plan.peak, 0);
    std::vector<uint8_t> arena(size_t(guard + peak + guard));
    for (int64_t at = 0; at < guard; ++at) {
        arena[size_t(at)] = canaryByte(at);
        arena[size_t(guard + peak + at)] = canaryByte(at);
    }
    for (int64_t at = 0; at < peak; ++at)
        arena[size_t(guard + at)] = poisonByte(at);
    auto guardsIntact = [&]() {
        for (int64_t at = 0; at < guard; ++at)
            if (arena[size_t(at)] != canaryByte(at) || arena[size_t(guard + peak + at)] != canaryByte(at))
                return false;
        return true;
    };

    // The input frame(s), outside the arena.
    std::map<int, std::vector<uint8_t>> frames;
    {
        size_t pos = 0;
        for (int t : g.inputs) {
            const size_t n = size_t(bytesOf(g, t));
            if (pos + n > input.size())
                break;
            frames[t].assign(input.begin() + long(pos), input.begin() + long(pos + n));
            pos += n;
        }
        if (pos != input.size() || frames.size() != g.inputs.size())
            return error("input", "the input holds " + std::to_string(input.size()) + " bytes; the graph's inputs take "
                                      + std::to_string(pos));
    }
    const int residentInput = plan.inputOffset >= 0 ? plan.split.source : -1;
    if (plan.stage0) {
        // Stage 0: the non-spatial head on whole tensors, at its base; its output then moves (one
        // memmove) to where stage 1 reads it.
        const StageLayout& s0 = *plan.stage0;
        const std::vector<Op>& head = s0.graph.graph.ops;
        if (plan.split.prefix > int(order.size()) || !runsOrder(head, g, order, 0, size_t(plan.split.prefix)))
            return error("plan.stage0", "stage 0's layout does not run the first " + std::to_string(plan.split.prefix)
                                            + " ops of this order");
        auto ex0 = ArenaExecutor::create(s0.graph, s0.memory, s0.plan, options.exec);
        if (!ex0.ok()) {
            appendPrefixed(out.diagnostics, ex0.diagnostics, "stage 0: ");
            return out;
        }
        ArenaSpace space{arena.data(), int64_t(arena.size()), guard + s0.base, {}};
        for (int t : g.inputs)
            if (auto e = (*ex0)->writeTensor(space, t, frames[t]); !e.empty()) {
                out.diagnostics = e;
                return out;
            }
        ArenaRun run = (*ex0)->run(space);
        out.inplaceSteps += int(run.inplace.size());
        if (!run.ok()) {
            appendPrefixed(out.diagnostics, run.diagnostics, "stage 0: ");
            return out;
        }
        const int64_t at = (*ex0)->where(space, plan.split.source);
        if (at != guard + s0.base + plan.stage0SourceOffset)
            return error("plan.stage0SourceOffset", "stage 0 leaves its output at " + std::to_string(at - guard) + ", the plan says "
                                                        + std::to_string(s0.base + plan.stage0SourceOffset));
        if (!guardsIntact())
            return error("arena", "stage 0 wrote past the " + std::to_string(peak) + "-byte arena");
        if (plan.movesSource())
            std::memmove(arena.data() + guard + plan.inputOffset, arena.data() + at, size_t(bytesOf(g, plan.split.source)));
    } else if (residentInput >= 0) {
        std::memcpy(arena.data() + guard + plan.inputOffset, frames[residentInput].data(), frames[residentInput].size());
    }

    const Tensor& st = g.tensors[size_t(split)];
    const int64_t splitAt = guard + plan.stage1SplitOffset;
    for (size_t p = 0; p < plan.patches.size(); ++p) {
        const std::string patchName = "patch " + std::to_string(int(p) / std::max(plan.nw, 1)) + ","
                                      + std::to_string(int(p) % std::max(plan.nw, 1));
        const int li = plan.patchLayoutOf[p];
        if (li < 0 || size_t(li) >= plan.patchLayouts.size())
            return error("plan.patchLayoutOf", patchName + " has no layout");
        const StageLayout& layout = plan.patchLayouts[size_t(li)];
        const Graph& lgr = layout.graph.graph;
        const std::vector<PatchOp>& ops = plan.ops[p];
        if (ops.size() != lgr.ops.size())
            return error("plan.ops", patchName + ": " + std::to_string(ops.size()) + " ops recorded, its layout '"
                                         + layout.name + "' runs " + std::to_string(lgr.ops.size()));
        const auto planned = [&](int t) {
            return size_t(t) < layout.memory.tensorBuffer.size() && layout.memory.tensorBuffer[size_t(t)] >= 0;
        };

        // Every operand's window inside what memory holds; strided windows for the executor.
        ArenaExecOptions eo = options.exec;
        eo.windows.clear();
        std::map<int, Region> stored; // tensor → the region memory holds
        for (size_t k = 0; k < ops.size(); ++k) {
            const PatchOp& po = ops[k];
            if (po.op < 0 || size_t(po.op) >= g.ops.size() || lgr.ops[k].kind != g.ops[size_t(po.op)].kind
                || lgr.ops[k].inputs != po.exec.inputs || lgr.ops[k].outputs != po.exec.outputs)
                return error("plan.ops", patchName + ": op " + std::to_string(k) + " of the record is not op "
                                             + std::to_string(k) + " of its layout '" + layout.name + "'");
            for (int i = -1; i < int(po.inputs.size()); ++i) {
                const PatchOperand& o = i < 0 ? po.output : po.inputs[size_t(i)];
                if (o.tensor < 0)
                    continue;
                const Tensor& full = g.tensors[size_t(o.tensor)];
                const Region map{0, full.shape[1], 0, full.shape[2]};
                if (!contains(o.stored, o.window) || !contains(map, o.stored) || o.window.empty())
                    return error("plan.ops", patchName + ": op " + std::to_string(po.op) + " needs " + rows(o.window) + " of '"
                                                 + full.name + "' but the plan holds " + rows(o.stored));
                auto [it, fresh] = stored.emplace(o.tensor, o.stored);
                if (!fresh && !(it->second == o.stored))
                    return error("plan.ops", patchName + ": '" + full.name + "' is held as " + rows(it->second) + " and as "
                                                 + rows(o.stored));
                const Tensor& inLayout = lgr.tensors[size_t(o.tensor)];
                if (planned(o.tensor) && (inLayout.shape[1] != o.stored.h() || inLayout.shape[2] != o.stored.w()))
                    return error("plan.ops", patchName + ": the layout holds '" + full.name + "' as "
                                                 + std::to_string(inLayout.shape[1]) + "x" + std::to_string(inLayout.shape[2])
                                                 + ", the record as " + rows(o.stored));
                const bool sameAsLayout = inLayout.shape[1] == o.window.h() && inLayout.shape[2] == o.window.w();
                if (o.whole() && sameAsLayout && (planned(o.tensor) || o.stored == map))
                    continue; // read or written whole, contiguous at its place
                eo.windows[{int(k), i}] = {o.stored.h(), o.stored.w(), o.originY(), o.originX(), o.window.h(), o.window.w()};
            }
        }
        auto ex = ArenaExecutor::create(layout.graph, layout.memory, layout.plan, eo);
        if (!ex.ok()) {
            appendPrefixed(out.diagnostics, ex.diagnostics, patchName + " ('" + layout.name + "'): ");
            return out;
        }
        ArenaSpace space{arena.data(), int64_t(arena.size()), guard + layout.base, {}};
        const bool tileInLayout = planned(split);
        if (!tileInLayout)
            space.external[split] = splitAt;
        if (residentInput >= 0)
            space.external[residentInput] = guard + plan.inputOffset;
        // The executor places every operand where the record says generated code will find it.
        for (const PatchOp& po : ops)
            for (int i = -1; i < int(po.inputs.size()); ++i) {
                const PatchOperand& o = i < 0 ? po.output : po.inputs[size_t(i)];
                if (o.tensor < 0)
                    continue;
                const OperandPlace place = placeOperand(g, plan, p, o);
                const int64_t there = (*ex)->where(space, o.tensor);
                if (place.stored < 0 || there != guard + place.stored)
                    return error("plan.ops", patchName + ": '" + g.tensors[size_t(o.tensor)].name + "' is recorded at "
                                                 + std::to_string(place.stored) + " but the layout places it at "
                                                 + std::to_string(there - guard));
            }
        // A streamed input: its region, cropped from the frame outside the arena, into the layout.
        for (int t : g.inputs) {
            if (!planned(t))
                continue;
            const auto s = stored.find(t);
            if (s == stored.end())
                return error("plan.ops", patchName + ": no op reads the input '" + g.tensors[size_t(t)].name + "'");
            const Tensor& x = g.tensors[size_t(t)];
            const int64_t pix = pixelBytes(x);
            std::vector<uint8_t> crop;
            crop.reserve(size_t(s->second.h() * s->second.w() * pix));
            for (int y = s->second.y0; y < s->second.y1; ++y) {
                const auto from = frames[t].begin() + long((int64_t(y) * x.shape[2] + s->second.x0) * pix);
                crop.insert(crop.end(), from, from + long(s->second.w() * pix));
            }
            if (auto e = (*ex)->writeTensor(space, t, crop); !e.empty()) {
                out.diagnostics = e;
                return out;
            }
        }
        ArenaRun run = (*ex)->run(space);
        if (!run.ok()) {
            appendPrefixed(out.diagnostics, run.diagnostics, patchName + " ('" + layout.name + "'): ");
            return out;
        }
        out.inplaceSteps += int(run.inplace.size());
        if (tileInLayout) {
            // The layout holds the tile (the last op ran in place): copy it into the split tensor.
            const std::vector<uint8_t> tile = (*ex)->readTensor(space, split);
            const Region& at = stored.at(split);
            const int64_t pix = pixelBytes(st), row = at.w() * pix;
            if (int64_t(tile.size()) != at.h() * row)
                return error("plan.ops", patchName + ": the layout's tile of the split tensor is not " + rows(at));
            for (int y = 0; y < at.h(); ++y)
                std::memcpy(arena.data() + splitAt + ((int64_t(at.y0 + y) * st.shape[2]) + at.x0) * pix,
                            tile.data() + y * row, size_t(row));
            ++out.tileCopies;
        }
        if (!guardsIntact())
            return error("arena", patchName + " wrote past the " + std::to_string(peak) + "-byte arena");
        ++out.patchesRun;
    }

    // Between the stages: the split tensor moves (one memmove) to where stage 2 reads it.
    const int64_t splitBytes = bytesOf(g, split);
    if (plan.movesSplit())
        std::memmove(arena.data() + guard + plan.splitOffset, arena.data() + splitAt, size_t(splitBytes));
    out.split.assign(arena.begin() + long(guard + plan.splitOffset), arena.begin() + long(guard + plan.splitOffset + splitBytes));

    const StageLayout& s2 = *plan.stage2;
    auto ex2 = ArenaExecutor::create(s2.graph, s2.memory, s2.plan, options.exec);
    if (!ex2.ok()) {
        appendPrefixed(out.diagnostics, ex2.diagnostics, "stage 2: ");
        return out;
    }
    ArenaSpace space{arena.data(), int64_t(arena.size()), guard + s2.base, {}};
    if ((*ex2)->where(space, split) != guard + plan.splitOffset)
        return error("plan.splitOffset", "stage 2 reads the split tensor at " + std::to_string((*ex2)->where(space, split) - guard)
                                             + ", the plan says " + std::to_string(plan.splitOffset));
    ArenaRun run = (*ex2)->run(space);
    out.inplaceSteps += int(run.inplace.size());
    if (!run.ok()) {
        appendPrefixed(out.diagnostics, run.diagnostics, "stage 2: ");
        return out;
    }
    for (int t : g.outputs) {
        const std::vector<uint8_t> y = (*ex2)->readTensor(space, t);
        if (int64_t(y.size()) != bytesOf(g, t))
            return error("outputs", "graph output " + std::to_string(t) + " has no place in stage 2's arena");
        out.outputs.insert(out.outputs.end(), y.begin(), y.end());
    }
    if (!guardsIntact())
        return error("arena", "stage 2 wrote past the " + std::to_string(peak) + "-byte arena");
    return out;
}

PatchProof provePatchPlan(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                          const std::vector<uint8_t>& input, const PatchArenaOptions& options)
{
    PatchProof proof;
    auto whole = ReferenceInterpreter::create(lg.graph);
    if (!whole.ok()) {
        proof.detail = firstError(whole.diagnostics);
        return proof;
    }
    if (auto d = whole->setInputsFromConcatenated(input); !d.empty()) {
        proof.detail = firstError(d);
        return proof;
    }
    if (auto d = whole->run(&order); !d.empty()) {
        proof.detail = "whole-tensor run: " + firstError(d);
        return proof;
    }
    const PatchArenaRun run = runPatchedInArena(lg, order, plan, input, options);
    if (!run.ok()) {
        proof.detail = "patched arena run: " + firstError(run.diagnostics);
        return proof;
    }
    proof.inplaceSteps = run.inplaceSteps;
    proof.tileCopies = run.tileCopies;
    const int s = plan.split.tensor;
    if (whole->tensorBytes(s) != run.split) {
        proof.detail = "split tensor: " + describeDifference(lg.graph.tensors[size_t(s)], run.split, whole->tensorBytes(s));
        return proof;
    }
    size_t pos = 0;
    for (int t : lg.graph.outputs) {
        const auto& expected = whole->tensorBytes(t);
        const std::vector<uint8_t> got(run.outputs.begin() + long(pos),
                                       run.outputs.begin() + long(std::min(run.outputs.size(), pos + expected.size())));
        pos += expected.size();
        if (got != expected) {
            proof.detail = "output '" + lg.graph.tensors[size_t(t)].name + "': "
                           + describeDifference(lg.graph.tensors[size_t(t)], got, expected);
            return proof;
        }
    }
    proof.identical = true;
    return proof;
}

} // namespace ts
