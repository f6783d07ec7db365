#include "reference/arena_exec.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

namespace ts {

namespace {

uint8_t poisonByte(int64_t at) { return uint8_t(0xA5 ^ uint8_t(at * 131)); }
uint8_t junkByte(int64_t at) { return uint8_t(0x5A ^ uint8_t(at * 7)); }
uint8_t canaryByte(int64_t at)
{
    static const uint8_t pattern[4] = {0xCA, 0xFE, 0xBA, 0xBE};
    return pattern[at & 3];
}

struct Range {
    int64_t begin = 0, end = 0; // [begin, end), relative to the stage base
};

std::string stepName(const Graph& g, int step, int op)
{
    return "step " + std::to_string(step) + " (op " + std::to_string(op) + " "
           + opKindName(g.ops[size_t(op)].kind) + ")";
}

Diagnostic stepError(const Graph& g, int step, int op, const std::string& message)
{
    Diagnostic d = makeError("", "steps[" + std::to_string(step) + "]", stepName(g, step, op) + ": " + message);
    d.op = op;
    return d;
}

int64_t bytesOf(const Graph& g, int t)
{
    const Tensor* x = g.tensor(t);
    return x ? x->byteSize().value_or(0) : 0;
}

} // namespace

struct ArenaExecutor::Impl {
    const LegalGraph* lg = nullptr;
    const MemoryAnalysis* m = nullptr;
    const ArenaPlan* plan = nullptr;
    ArenaExecOptions options;
    std::optional<ReferenceInterpreter> interp; // constants, unplanned variables, scratch for copies
    std::vector<int64_t> offset;                // per tensor: relative offset, or -1
    std::vector<bool> produced;                 // per tensor: some op writes it
    std::vector<InplacePlacement> placements;
    std::vector<int> placementAt;                 // per step: index in placements, or -1
    std::vector<std::vector<int>> scratchAt;      // per step: scratch buffers
    std::vector<std::vector<Range>> releasedAfter; // per step: bytes no buffer holds from the next step on
    // Arena tensors that no op produces and no caller writes (variables, tensors read but never
    // produced): their bytes at the start of a run, as the reference interpreter resets them.
    std::vector<std::pair<int, std::vector<uint8_t>>> initial;
    // Strided operand windows: the interpreter's graph gives each one a tensor of its own (index
    // past the legal graph's tensors) that ops read or write in place of the stored tensor.
    struct View {
        int tensor = -1; // the stored tensor
        OperandWindow window;
        int64_t pixelBytes = 0;
    };
    std::map<int, View> views;           // interpreter tensor → view
    std::map<int, int64_t> storedExtent; // tensor → bytes of its largest stored map (windows on it)

    const Graph& g() const { return lg->graph; }
    Range scratchRange(int b) const
    {
        const int64_t o = plan->segmentOffset(*m, b, 0);
        return {o, o + m->buffers[size_t(b)].segments[0].size};
    }
};

Result<std::unique_ptr<ArenaExecutor>> ArenaExecutor::create(const LegalGraph& lg, const MemoryAnalysis& m,
                                                             const ArenaPlan& plan, ArenaExecOptions options)
{
    Result<std::unique_ptr<ArenaExecutor>> r;
    const Graph& g = lg.graph;
    auto refuse = [&](const std::string& where, const std::string& message) {
        r.diagnostics.push_back(makeError("", where, "the arena executor refuses the plan: " + message));
        return std::move(r);
    };
    if (plan.offsets.size() != m.buffers.size())
        return refuse("plan.offsets", "it has " + std::to_string(plan.offsets.size()) + " offsets for "
                                          + std::to_string(m.buffers.size()) + " buffers");
    if (m.tensorBuffer.size() != g.tensors.size() || m.steps.size() != m.order.size())
        return refuse("memory", "the memory analysis is not of this graph");
    if (const std::string bad = checkOrder(lg, m.order); !bad.empty())
        return refuse("memory.order", bad);

    auto impl = std::make_shared<Impl>();
    impl->lg = &lg;
    impl->m = &m;
    impl->plan = &plan;
    impl->options = std::move(options);
    // The graph the kernels run: the legal graph with every windowed operand replaced by a tensor of
    // the window's shape.
    Graph xg = g;
    for (const auto& [key, win] : impl->options.windows) {
        const auto [o, operand] = key;
        const std::string where = "windows[" + std::to_string(o) + "," + std::to_string(operand) + "]";
        if (o < 0 || size_t(o) >= g.ops.size())
            return refuse(where, "no op " + std::to_string(o));
        const Op& op = g.ops[size_t(o)];
        if (operand >= int(op.inputs.size()) || (operand < 0 && op.outputs.size() != 1) || operand < -1)
            return refuse(where, "op " + std::to_string(o) + " has no operand " + std::to_string(operand));
        const int t = operand >= 0 ? op.inputs[size_t(operand)] : op.outputs[0];
        const Tensor* x = g.tensor(t);
        if (!x || x->isConstant() || x->shape.size() != 4 || x->shape[0] != 1)
            return refuse(where, "a window applies to a non-constant [1,H,W,C] tensor only");
        if (win.h <= 0 || win.w <= 0 || win.y0 < 0 || win.x0 < 0 || win.y0 + win.h > win.storedH || win.x0 + win.w > win.storedW)
            return refuse(where, "rows " + std::to_string(win.y0) + ".." + std::to_string(win.y0 + win.h - 1) + ", cols "
                                     + std::to_string(win.x0) + ".." + std::to_string(win.x0 + win.w - 1) + " of '" + x->name
                                     + "' lie outside the " + std::to_string(win.storedH) + "x" + std::to_string(win.storedW)
                                     + " map memory holds");
        const int64_t pixel = int64_t(x->shape[3]) * std::max(dtypeSize(x->dtype), 1);
        if (plan.tensorOffset(g, m, t) >= 0 && (win.storedH != x->shape[1] || win.storedW != x->shape[2]))
            return refuse(where, "the arena holds '" + x->name + "' as " + std::to_string(x->shape[1]) + "x"
                                     + std::to_string(x->shape[2]) + ", not " + std::to_string(win.storedH) + "x"
                                     + std::to_string(win.storedW));
        Tensor v = *x;
        v.name += " (window)";
        v.shape = {1, win.h, win.w, x->shape[3]};
        v.shapeSignature.clear();
        const int vi = int(xg.tensors.size());
        xg.tensors.push_back(v);
        (operand >= 0 ? xg.ops[size_t(o)].inputs[size_t(operand)] : xg.ops[size_t(o)].outputs[0]) = vi;
        impl->views[vi] = {t, win, pixel};
        int64_t& extent = impl->storedExtent[t];
        extent = std::max({extent, bytesOf(g, t), int64_t(win.storedH) * win.storedW * pixel});
    }
    auto interp = ReferenceInterpreter::create(xg);
    if (!interp.ok()) {
        r.diagnostics = interp.diagnostics;
        return r;
    }
    impl->interp = std::move(*interp);

    const int steps = int(m.order.size());
    impl->offset.assign(g.tensors.size(), -1);
    impl->produced.assign(g.tensors.size(), false);
    for (size_t t = 0; t < g.tensors.size(); ++t)
        impl->offset[t] = plan.tensorOffset(g, m, int(t));
    for (const Op& op : g.ops)
        for (int t : op.outputs)
            if (t >= 0 && size_t(t) < g.tensors.size())
                impl->produced[size_t(t)] = true;

    for (size_t t = 0; t < g.tensors.size(); ++t) {
        const bool isInput = std::count(g.inputs.begin(), g.inputs.end(), int(t)) > 0;
        if (impl->offset[t] >= 0 && m.firstUse[t] >= 0 && !impl->produced[t] && !isInput && !g.tensors[t].isConstant()
            && lg.root(int(t)) == int(t))
            impl->initial.emplace_back(int(t), impl->interp->tensorBytes(int(t)));
    }

    // Every buffer lies in [0, peakBytes): otherwise the plan claims less memory than it uses.
    if (impl->options.checkFootprint)
        for (size_t b = 0; b < m.buffers.size(); ++b)
            for (size_t k = 0; k < m.buffers[b].segments.size(); ++k) {
                const int64_t o = plan.segmentOffset(m, int(b), k), size = m.buffers[b].segments[k].size;
                if (o < 0 || o + size > plan.peakBytes)
                    return refuse("plan.offsets[" + std::to_string(b) + "]",
                                  "buffer " + std::to_string(b) + " '" + m.buffers[b].label + "' occupies ["
                                      + std::to_string(o) + ", " + std::to_string(o + size) + ") at steps "
                                      + std::to_string(m.buffers[b].segments[k].first) + ".."
                                      + std::to_string(m.buffers[b].segments[k].last) + ", outside the plan's "
                                      + std::to_string(plan.peakBytes) + " bytes");
            }

    impl->placements = inplacePlacements(g, m, plan);
    impl->placementAt.assign(size_t(steps), -1);
    for (size_t i = 0; i < impl->placements.size(); ++i) {
        const int s = impl->placements[i].step.step;
        if (s < 0 || s >= steps || m.order[size_t(s)] != impl->placements[i].step.op)
            return refuse("memory.inplace", "in-place entry " + std::to_string(i) + " names step " + std::to_string(s)
                                                + ", which does not run op " + std::to_string(impl->placements[i].step.op));
        impl->placementAt[size_t(s)] = int(i);
    }

    impl->scratchAt.assign(size_t(steps), {});
    impl->releasedAfter.assign(size_t(steps), {});
    for (size_t b = 0; b < m.buffers.size(); ++b) {
        const PlanBuffer& pb = m.buffers[b];
        if (pb.kind == PlanBuffer::Kind::Scratch && pb.scratchStep >= 0 && pb.scratchStep < steps && !pb.segments.empty())
            impl->scratchAt[size_t(pb.scratchStep)].push_back(int(b));
        // After segment k's last step its bytes are free, except those segment k + 1 keeps.
        for (size_t k = 0; k < pb.segments.size(); ++k) {
            const Segment& seg = pb.segments[k];
            if (seg.last >= steps - 1 || seg.last < 0 || seg.size <= 0)
                continue;
            const int64_t a = plan.segmentOffset(m, int(b), k), e = a + seg.size;
            std::vector<Range> freed{{a, e}};
            if (k + 1 < pb.segments.size() && pb.segments[k + 1].first == seg.last + 1) {
                const int64_t c = plan.segmentOffset(m, int(b), k + 1), d = c + pb.segments[k + 1].size;
                freed = {{a, std::min(e, c)}, {std::max(a, d), e}};
            }
            for (const Range& f : freed)
                if (f.end > f.begin)
                    impl->releasedAfter[size_t(seg.last)].push_back(f);
        }
    }

    auto ex = std::unique_ptr<ArenaExecutor>(new ArenaExecutor);
    ex->d = std::move(impl);
    r.value = std::move(ex);
    return r;
}

int64_t ArenaExecutor::where(const ArenaSpace& space, int tensor) const
{
    if (tensor < 0 || size_t(tensor) >= d->offset.size())
        return -1;
    if (d->offset[size_t(tensor)] >= 0)
        return space.base + d->offset[size_t(tensor)];
    for (int t : {d->lg->root(tensor), tensor}) {
        auto it = space.external.find(t);
        if (it != space.external.end())
            return it->second;
    }
    return -1;
}

Diagnostics ArenaExecutor::writeTensor(ArenaSpace& space, int tensor, const std::vector<uint8_t>& bytes) const
{
    const Graph& g = d->g();
    const int64_t w = where(space, tensor);
    const std::string name = g.tensor(tensor) ? "'" + g.tensors[size_t(tensor)].name + "'" : std::string("?");
    if (w < 0)
        return {makeError("", "tensors[" + std::to_string(tensor) + "]", "tensor " + name + " has no place in the arena")};
    if (int64_t(bytes.size()) != bytesOf(g, tensor))
        return {makeError("", "tensors[" + std::to_string(tensor) + "]",
                          std::to_string(bytes.size()) + " bytes given for tensor " + name + " of "
                              + std::to_string(bytesOf(g, tensor)) + " bytes")};
    if (w + int64_t(bytes.size()) > space.size)
        return {makeError("", "tensors[" + std::to_string(tensor) + "]", "tensor " + name + " lies outside the arena")};
    if (!bytes.empty())
        std::memcpy(space.data + w, bytes.data(), bytes.size());
    return {};
}

std::vector<uint8_t> ArenaExecutor::readTensor(const ArenaSpace& space, int tensor) const
{
    const int64_t w = where(space, tensor);
    const int64_t n = bytesOf(d->g(), tensor);
    if (w < 0 || w + n > space.size)
        return {};
    return std::vector<uint8_t>(space.data + w, space.data + w + n);
}

ArenaRun ArenaExecutor::run(ArenaSpace& space)
{
    ArenaRun out;
    const Graph& g = d->g();
    const MemoryAnalysis& m = *d->m;
    const ArenaPlan& plan = *d->plan;
    const int64_t peak = plan.peakBytes;
    const int64_t stageEnd = space.base + peak;
    if (!space.data || space.base < 0 || peak < 0 || stageEnd > space.size) {
        out.diagnostics.push_back(makeError("", "arena", "the stage [" + std::to_string(space.base) + ", "
                                                              + std::to_string(stageEnd) + ") does not fit the arena of "
                                                              + std::to_string(space.size) + " bytes"));
        return out;
    }
    // Regions the stage may write outside its own bytes: the external tensors it is bound to.
    std::vector<Range> externalRanges;
    for (const auto& [t, at] : space.external) {
        const auto extent = d->storedExtent.find(t);
        externalRanges.push_back({at, at + (extent != d->storedExtent.end() ? extent->second : bytesOf(g, t))});
    }
    auto isExternalByte = [&](int64_t at) {
        return std::any_of(externalRanges.begin(), externalRanges.end(),
                           [at](const Range& r) { return at >= r.begin && at < r.end; });
    };
    auto inside = [&](int64_t at, int64_t n) { return at >= 0 && n >= 0 && at + n <= space.size; };

    // Poison the stage, keeping the inputs the caller wrote (and external tensors inside it).
    std::vector<std::pair<int, std::vector<uint8_t>>> kept;
    for (int t : g.inputs)
        if (d->offset[size_t(t)] >= 0)
            kept.emplace_back(t, readTensor(space, t));
    for (int64_t at = space.base; at < stageEnd; ++at)
        if (!isExternalByte(at))
            space.data[at] = poisonByte(at - space.base);
    for (const auto& [t, bytes] : kept)
        if (auto e = writeTensor(space, t, bytes); !e.empty()) {
            out.diagnostics = e;
            return out;
        }
    // Variables and tensors read but never produced start as the reference interpreter resets them.
    for (const auto& [t, bytes] : d->initial)
        if (auto e = writeTensor(space, t, bytes); !e.empty()) {
            out.diagnostics = e;
            return out;
        }
    // Variables the plan leaves outside the arena (TFLM-style) start from their reset state too.
    d->interp->resetState();

    // Everything outside the stage must stay as it is; the guard bands are checked every step.
    const std::vector<uint8_t> before(space.data, space.data + space.size);
    const int64_t guard = std::max<int64_t>(d->options.guardBytes, 0);
    const Range guards[2] = {{std::max<int64_t>(space.base - guard, 0), space.base},
                             {stageEnd, std::min(stageEnd + guard, space.size)}};
    auto guardBreach = [&](const Range& r) -> int64_t {
        for (int64_t at = r.begin; at < r.end; ++at)
            if (space.data[at] != before[size_t(at)] && !isExternalByte(at))
                return at;
        return -1;
    };

    const Graph& xg = d->interp->graph();
    // Bytes of an operand wherever it lives (arena, external, or the interpreter's constants and
    // gathered windows).
    auto operandBytes = [&](int t) -> const uint8_t* {
        const int64_t w = where(space, t);
        if (w >= 0)
            return inside(w, bytesOf(g, t)) ? space.data + w : nullptr;
        return t >= 0 && size_t(t) < xg.tensors.size() ? d->interp->tensorBytes(t).data() : nullptr;
    };
    // A window's rows: fn(absolute offset of row r in the arena, offset in the window's bytes, row bytes).
    auto windowRows = [&](const Impl::View& v, const std::function<void(int64_t, size_t, size_t)>& fn) -> std::string {
        const int64_t base = where(space, v.tensor);
        const OperandWindow& w = v.window;
        if (base < 0 || !inside(base, int64_t(w.storedH) * w.storedW * v.pixelBytes))
            return "the " + std::to_string(w.storedH) + "x" + std::to_string(w.storedW) + " map of '"
                   + g.tensors[size_t(v.tensor)].name + "' that a window reads lies outside the arena";
        const size_t rowBytes = size_t(w.w) * size_t(v.pixelBytes);
        for (int r = 0; r < w.h; ++r)
            fn(base + (int64_t(w.y0 + r) * w.storedW + w.x0) * v.pixelBytes, size_t(r) * rowBytes, rowBytes);
        return {};
    };
    auto gather = [&](int vi) {
        auto& bytes = d->interp->tensorBytes(vi);
        return windowRows(d->views.at(vi), [&](int64_t at, size_t off, size_t n) { std::memcpy(bytes.data() + off, space.data + at, n); });
    };
    auto scatter = [&](int vi) {
        const auto& bytes = d->interp->tensorBytes(vi);
        return windowRows(d->views.at(vi), [&](int64_t at, size_t off, size_t n) { std::memcpy(space.data + at, bytes.data() + off, n); });
    };

    const int steps = int(m.order.size());
    for (int s = 0; s < steps; ++s) {
        const int o = m.order[size_t(s)];
        const Op& op = g.ops[size_t(o)];
        const Op& xop = xg.ops[size_t(o)]; // the op as the kernels run it (windows in place of operands)
        auto fail = [&](const std::string& message) {
            out.diagnostics.push_back(stepError(g, s, o, message));
            return out;
        };
        // Every tensor the op touches must have a place, inside the arena.
        for (const std::vector<int>* list : {&op.inputs, &op.outputs})
            for (int t : *list) {
                if (t < 0 || g.tensors[size_t(t)].isConstant())
                    continue;
                const int64_t w = where(space, t);
                if (w < 0 && !g.tensors[size_t(t)].isVariable)
                    return fail("tensor " + std::to_string(t) + " '" + g.tensors[size_t(t)].name
                                + "' is neither planned nor bound as an external tensor");
                if (w >= 0 && !inside(w, bytesOf(g, t)))
                    return fail("tensor " + std::to_string(t) + " '" + g.tensors[size_t(t)].name + "' at ["
                                + std::to_string(w) + ", +" + std::to_string(bytesOf(g, t)) + ") lies outside the "
                                + std::to_string(space.size) + "-byte arena");
            }
        std::vector<Range> scratch;
        for (int b : d->scratchAt[size_t(s)]) {
            const Range r = d->scratchRange(b);
            if (!inside(space.base + r.begin, r.end - r.begin))
                return fail("scratch buffer " + std::to_string(b) + " lies outside the arena");
            scratch.push_back(r);
        }

        const bool alias = (op.kind == OpKind::Reshape || op.kind == OpKind::Squeeze) && op.outputs.size() == 1
            && op.outputs[0] >= 0 && d->lg->aliasOf[size_t(op.outputs[0])] >= 0;
        if (alias) {
            // Legalization made the output share its input's bytes: nothing runs, but both must sit
            // at the same place.
            const int y = op.outputs[0], x = d->lg->aliasOf[size_t(y)];
            if (where(space, y) != where(space, x))
                return fail("the alias '" + g.tensors[size_t(y)].name + "' sits at " + std::to_string(where(space, y))
                            + ", not at its root's " + std::to_string(where(space, x)));
        } else if (d->placementAt[size_t(s)] >= 0) {
            const InplacePlacement& p = d->placements[size_t(d->placementAt[size_t(s)])];
            auto forced = d->options.forceOrder.find(o);
            std::optional<IterationOrder> order = forced != d->options.forceOrder.end() ? std::optional(forced->second) : p.order;
            if (!order)
                return fail(std::string("in-place ") + inplaceKindName(p.step.kind) + " writes its output "
                            + std::to_string(p.delta()) + " B from its input: no kernel variant executes that placement");
            InplaceExecution ex;
            ex.step = s;
            ex.op = o;
            ex.kind = p.step.kind;
            ex.order = *order;
            ex.inputOffset = p.inputOffset;
            ex.outputOffset = p.outputOffset;
            if (!scratch.empty()) {
                ex.scratchOffset = scratch[0].begin;
                ex.scratchBytes = scratch[0].end - scratch[0].begin;
            }
            if (xop.inputs[size_t(p.step.operand)] != op.inputs[size_t(p.step.operand)] || xop.outputs[0] != op.outputs[0])
                return fail(std::string("in-place ") + inplaceKindName(p.step.kind)
                            + " over a window of a larger map: no kernel contract covers it");
            for (size_t i = 0; i < op.inputs.size(); ++i)
                if (xop.inputs[i] != op.inputs[i])
                    if (const std::string e = gather(xop.inputs[i]); !e.empty())
                        return fail(e);
            const int64_t in = space.base + p.inputOffset, outAt = space.base + p.outputOffset;
            const int64_t sc = space.base + std::max<int64_t>(ex.scratchOffset, 0);
            std::string err;
            switch (p.step.kind) {
            case InplaceKind::Depthwise:
                err = ex.order == IterationOrder::ChannelByChannel
                    ? inplace::depthwise(xg, xop, space.data, in, outAt, sc, ex.scratchBytes, operandBytes)
                    : std::string("the in-place depthwise kernel runs channel by channel only");
                break;
            case InplaceKind::PointwiseShrink:
            case InplaceKind::PointwiseExpand:
                err = inplace::pointwise(xg, xop, space.data, in, outAt, sc, ex.scratchBytes, ex.order, operandBytes);
                break;
            case InplaceKind::Elementwise:
                err = inplace::elementwise(xg, xop, p.step.operand, space.data, in, outAt, operandBytes);
                break;
            case InplaceKind::None:
                err = "no in-place kind";
                break;
            }
            if (!err.empty())
                return fail(err);
            out.inplace.push_back(ex);
        } else {
            // A kernel that is not in place: its scratch is its own (junk before it runs), its inputs
            // are read from the arena, its outputs written there.
            if (d->options.scribbleScratch)
                for (const Range& r : scratch)
                    for (int64_t at = r.begin; at < r.end; ++at)
                        space.data[space.base + at] = junkByte(at);
            for (size_t i = 0; i < op.inputs.size(); ++i) {
                const int t = op.inputs[i];
                if (xop.inputs[i] != t) {
                    if (const std::string e = gather(xop.inputs[i]); !e.empty())
                        return fail(e);
                    continue;
                }
                const int64_t w = t >= 0 && !g.tensors[size_t(t)].isConstant() ? where(space, t) : -1;
                if (w < 0)
                    continue;
                auto& bytes = d->interp->tensorBytes(t);
                std::memcpy(bytes.data(), space.data + w, bytes.size());
            }
            if (Diagnostics ran = d->interp->runOp(o); !ran.empty())
                return fail(firstError(ran).empty() ? ran.front().toString() : firstError(ran));
            for (size_t i = 0; i < op.outputs.size(); ++i) {
                const int t = op.outputs[i];
                if (xop.outputs[i] != t) {
                    if (const std::string e = scatter(xop.outputs[i]); !e.empty())
                        return fail(e);
                    continue;
                }
                const int64_t w = t >= 0 ? where(space, t) : -1;
                if (w < 0)
                    continue;
                const auto& bytes = d->interp->tensorBytes(t);
                std::memcpy(space.data + w, bytes.data(), bytes.size());
            }
            // State the kernel updated in place (SVDF): back to its arena bytes.
            for (int t : op.inputs) {
                const int64_t w = t >= 0 && g.tensors[size_t(t)].isVariable ? where(space, t) : -1;
                if (w < 0)
                    continue;
                const auto& bytes = d->interp->tensorBytes(t);
                std::memcpy(space.data + w, bytes.data(), bytes.size());
            }
            // The arena is the only copy: the interpreter's copies are spoiled, so an input that a
            // later op failed to take from the arena could not pass for the right bytes.
            for (const std::vector<int>* list : {&xop.inputs, &xop.outputs})
                for (int t : *list)
                    if (t >= 0 && !xg.tensors[size_t(t)].isConstant() && (d->views.count(t) || where(space, t) >= 0)) {
                        auto& bytes = d->interp->tensorBytes(t);
                        for (size_t i = 0; i < bytes.size(); ++i)
                            bytes[i] = poisonByte(int64_t(i) + 1);
                    }
        }
        ++out.stepsRun;

        for (int side = 0; side < 2; ++side)
            if (const int64_t at = guardBreach(guards[side]); at >= 0)
                return fail(side == 0 ? "overwrote the guard band " + std::to_string(space.base - at)
                                            + " B before the stage's arena: something was placed below offset 0"
                                      : "overwrote the guard band " + std::to_string(at - stageEnd)
                                            + " B past the end of the stage's " + std::to_string(peak)
                                            + "-byte arena: the plan is too small for what this step writes");
        if (d->options.poisonReleased)
            for (const Range& r : d->releasedAfter[size_t(s)])
                for (int64_t at = r.begin; at < r.end; ++at)
                    if (!isExternalByte(space.base + at))
                        space.data[space.base + at] = poisonByte(at);
    }
    // Nothing else outside the stage changed.
    for (const Range& r : {Range{0, space.base}, Range{stageEnd, space.size}})
        for (int64_t at = r.begin; at < r.end; ++at)
            if (space.data[at] != before[size_t(at)] && !isExternalByte(at)) {
                out.diagnostics.push_back(makeError("", "arena", "byte " + std::to_string(at) + " outside the stage's arena ["
                                                                     + std::to_string(space.base) + ", "
                                                                     + std::to_string(stageEnd) + ") changed during the run"));
                return out;
            }
    return out;
}

ArenaRun runInArena(const LegalGraph& lg, const MemoryAnalysis& m, const ArenaPlan& plan, const std::vector<uint8_t>& input,
                    const ArenaExecOptions& options)
{
    ArenaRun out;
    auto ex = ArenaExecutor::create(lg, m, plan, options);
    if (!ex.ok()) {
        out.diagnostics = ex.diagnostics;
        return out;
    }
    const Graph& g = lg.graph;
    const int64_t guard = std::max<int64_t>(options.guardBytes, 0);
    const int64_t peak = std::max<int64_t>(plan.peakBytes, 0);
    std::vector<uint8_t> bytes(size_t(guard + peak + guard));
    for (int64_t at = 0; at < guard; ++at) {
        bytes[size_t(at)] = canaryByte(at);
        bytes[size_t(guard + peak + at)] = canaryByte(at);
    }
    ArenaSpace space{bytes.data(), int64_t(bytes.size()), guard, {}};

    int64_t total = 0;
    for (int t : g.inputs)
        total += bytesOf(g, t);
    if (int64_t(input.size()) != total) {
        out.diagnostics.push_back(makeError("", "input", "the input holds " + std::to_string(input.size())
                                                             + " bytes; the graph's inputs take " + std::to_string(total)));
        return out;
    }
    size_t pos = 0;
    for (int t : g.inputs) {
        const size_t n = size_t(bytesOf(g, t));
        if (auto e = (*ex)->writeTensor(space, t, std::vector<uint8_t>(input.begin() + long(pos), input.begin() + long(pos + n)));
            !e.empty()) {
            out.diagnostics = e;
            return out;
        }
        pos += n;
    }
    out = (*ex)->run(space);
    if (!out.ok())
        return out;
    for (int t : g.outputs) {
        const std::vector<uint8_t> y = (*ex)->readTensor(space, t);
        if (int64_t(y.size()) != bytesOf(g, t)) {
            out.diagnostics.push_back(makeError("", "outputs", "graph output " + std::to_string(t) + " has no place in the arena"));
            return out;
        }
        out.outputs.insert(out.outputs.end(), y.begin(), y.end());
    }
    return out;
}

} // namespace ts
