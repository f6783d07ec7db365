#include "schedule/patch.h"

#include "analysis/opfacts.h"
#include "kernels/scratch.h"
#include "plan/planner.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>

namespace ts {

Region Region::united(const Region& o) const
{
    if (empty())
        return o;
    if (o.empty())
        return *this;
    return {std::min(y0, o.y0), std::max(y1, o.y1), std::min(x0, o.x0), std::max(x1, o.x1)};
}

namespace {

bool isWindowOp(OpKind k)
{
    return k == OpKind::Conv2D || k == OpKind::DepthwiseConv2D || k == OpKind::AveragePool2D || k == OpKind::MaxPool2D;
}

bool isPointwise(OpKind k)
{
    switch (k) {
    case OpKind::Relu: case OpKind::Relu6: case OpKind::Logistic: case OpKind::Tanh: case OpKind::Quantize:
    case OpKind::Dequantize: case OpKind::LeakyRelu: case OpKind::HardSwish:
        return true;
    default:
        return false;
    }
}

bool is4d(const Tensor* t) { return t && t->shape.size() == 4; }

struct WindowGeometry {
    int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
};

WindowGeometry geometry(const Graph& g, const Op& op)
{
    WindowGeometry w;
    if (const auto* c = std::get_if<Conv2DOptions>(&op.options))
        w.sh = c->strideH, w.sw = c->strideW, w.dh = c->dilationH, w.dw = c->dilationW;
    else if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&op.options))
        w.sh = d->strideH, w.sw = d->strideW, w.dh = d->dilationH, w.dw = d->dilationW;
    else if (const auto* p = std::get_if<Pool2DOptions>(&op.options))
        w.sh = p->strideH, w.sw = p->strideW, w.kh = p->filterH, w.kw = p->filterW;
    if (op.kind == OpKind::Conv2D || op.kind == OpKind::DepthwiseConv2D) {
        const Tensor* f = g.tensor(op.input(1));
        if (f && f->shape.size() == 4)
            w.kh = f->shape[1], w.kw = f->shape[2];
    }
    return w;
}

} // namespace

bool isPatchableOp(const Graph& g, const Op& op)
{
    const Tensor* y = op.outputs.size() == 1 ? g.tensor(op.outputs[0]) : nullptr;
    if (!is4d(y))
        return false;
    if (isWindowOp(op.kind))
        return is4d(g.tensor(op.input(0))) && inputNeed(g, op, Region{0, y->shape[1], 0, y->shape[2]}, 0).has_value();
    if (isPointwise(op.kind))
        return is4d(g.tensor(op.input(0)));
    if (op.kind == OpKind::Add || op.kind == OpKind::Sub || op.kind == OpKind::Mul) {
        for (int i : op.inputs) {
            const Tensor* x = g.tensor(i);
            if (!is4d(x))
                return false;
            const bool sameMap = x->shape[1] == y->shape[1] && x->shape[2] == y->shape[2];
            const bool constantBroadcast = x->isConstant() && x->shape[1] == 1 && x->shape[2] == 1;
            if (!sameMap && !constantBroadcast)
                return false; // e.g. squeeze-excite scales: they depend on the whole map
        }
        return true;
    }
    return false;
}

std::optional<InputNeed> inputNeed(const Graph& g, const Op& op, const Region& out, int operand)
{
    const Tensor* x = g.tensor(op.input(size_t(operand)));
    if (!x || x->isConstant() || !is4d(x))
        return std::nullopt;
    const int H = x->shape[1], W = x->shape[2];
    InputNeed need;
    if (isWindowOp(op.kind)) {
        if (operand != 0)
            return std::nullopt;
        const WindowGeometry w = geometry(g, op);
        const ExplicitPad p = effectivePadding(g, op);
        // In 64 bits: a stored shape that disagrees with the options (a warning at import) can make
        // a window's rows overflow int (fuzz_pipeline: 176 × stride 16777217). Such a window is
        // not patchable (isPatchableOp asks this for the whole output).
        const int64_t startY = int64_t(out.y0) * w.sh - p.top;
        const int64_t endY = int64_t(out.y1 - 1) * w.sh - p.top + int64_t(w.kh - 1) * w.dh + 1;
        const int64_t startX = int64_t(out.x0) * w.sw - p.left;
        const int64_t endX = int64_t(out.x1 - 1) * w.sw - p.left + int64_t(w.kw - 1) * w.dw + 1;
        constexpr int64_t kLimit = int64_t(1) << 30;
        for (int64_t v : {startY, endY, startX, endX})
            if (v < -kLimit || v > kLimit)
                return std::nullopt;
        need.in = {int(std::max<int64_t>(0, startY)), int(std::min<int64_t>(H, endY)), int(std::max<int64_t>(0, startX)),
                   int(std::min<int64_t>(W, endX))};
        need.pad = {int(need.in.y0 - startY), int(endY - need.in.y1), int(need.in.x0 - startX), int(endX - need.in.x1)};
        return need;
    }
    if (x->shape[1] == 1 && x->shape[2] == 1)
        need.in = {0, 1, 0, 1};
    else // the same pixels, within the input's map (a stored shape may disagree with the output's)
        need.in = {std::max(0, out.y0), std::min(H, out.y1), std::max(0, out.x0), std::min(W, out.x1)};
    return need;
}

int64_t rowPitch(const Graph& g, const PatchOperand& o)
{
    const Tensor* t = g.tensor(o.tensor);
    if (!t || t->shape.size() != 4)
        return 0;
    return int64_t(o.stored.w()) * t->shape[3] * std::max(dtypeSize(t->dtype), 1);
}

std::vector<int> tileBounds(int size, int n)
{
    std::vector<int> b;
    for (int i = 0; i <= n; ++i)
        b.push_back(int(int64_t(i) * size / n));
    return b;
}

std::vector<SplitPoint> validSplits(const LegalGraph& lg, const std::vector<int>& order)
{
    const Graph& g = lg.graph;
    const int n = int(order.size());
    std::vector<int> producedAt(g.tensors.size(), -2), lastUse(g.tensors.size(), -1);
    for (int t : g.inputs)
        producedAt[size_t(lg.root(t))] = -1;
    for (int k = 0; k < n; ++k) {
        const Op& op = g.ops[size_t(order[size_t(k)])];
        for (int t : op.outputs)
            if (producedAt[size_t(lg.root(t))] == -2)
                producedAt[size_t(lg.root(t))] = k;
        for (int t : op.inputs)
            if (t >= 0 && !g.tensors[size_t(t)].isConstant())
                lastUse[size_t(lg.root(t))] = std::max(lastUse[size_t(lg.root(t))], k);
    }
    for (int t : g.outputs)
        lastUse[size_t(lg.root(t))] = n;
    for (size_t t = 0; t < g.tensors.size(); ++t)
        if (g.tensors[t].isVariable)
            lastUse[t] = n;

    // The tensors (buffer roots) that cross the cut after position k: produced at or before k (or a
    // graph input), used after it.
    auto crossing = [&](int k) {
        std::vector<int> c;
        for (size_t t = 0; t < g.tensors.size(); ++t)
            if (producedAt[t] != -2 && producedAt[t] <= k && lastUse[t] > k)
                c.push_back(int(t));
        return c;
    };

    // Stage 0: the leading ops that are not patchable run whole; they must hand exactly one 4-D
    // map to stage 1 (the tensor id stage 1 reads, which may alias the crossing buffer).
    int prefix = 0;
    while (prefix < n && !isPatchableOp(g, g.ops[size_t(order[size_t(prefix)])]))
        ++prefix;
    int source = g.inputs.empty() ? -1 : g.inputs[0];
    if (prefix > 0) {
        const auto c = crossing(prefix - 1);
        if (prefix >= n - 1 || c.size() != 1)
            return {};
        std::set<int> read;
        for (int k = prefix; k < n; ++k)
            for (int t : g.ops[size_t(order[size_t(k)])].inputs)
                if (t >= 0 && !g.tensors[size_t(t)].isConstant() && lg.root(t) == c[0])
                    read.insert(t);
        if (read.size() != 1)
            return {};
        source = *read.begin();
        const Tensor& x = g.tensors[size_t(source)];
        if (x.shape.size() != 4 || x.shape[1] < 2 || x.shape[2] < 2)
            return {};
    }

    std::vector<SplitPoint> out;
    for (int k = prefix; k < n - 1; ++k) {
        const Op& op = g.ops[size_t(order[size_t(k)])];
        if (!isPatchableOp(g, op))
            break; // every longer prefix contains this op
        const int s = lg.root(op.outputs[0]);
        const Tensor& st = g.tensors[size_t(s)];
        if (st.shape.size() != 4 || st.shape[1] < 2 || st.shape[2] < 2)
            continue;
        // Exactly one tensor crosses the cut.
        const auto c = crossing(k);
        if (c.size() == 1 && c[0] == s)
            out.push_back({s, k, st.shape, prefix, source});
    }
    return out;
}

namespace {

struct Stage {
    SplitPoint split;
    std::vector<int> prefix; // op indices of stage 0 (run whole before stage 1), in order
    std::vector<int> ops;    // op indices of stage 1, in order
    std::vector<int> rest;
};

// Stage 1 holds its source whole in the arena when stage 0 made it, or when the user keeps the
// input frame resident; else the source (the graph input) is streamed per patch.
bool sourceResident(const SplitPoint& s, const PatchOptions& o) { return s.prefix > 0 || o.inputResident; }

// Per-pixel MACs of an op's output (exact for conv, depthwise and FC; 0 for the rest).
int64_t macsPerPixel(const Graph& g, const Op& op)
{
    const Tensor* y = g.tensor(op.outputs[0]);
    if (!y || y->shape.size() != 4)
        return 0;
    const int64_t pixels = int64_t(y->shape[0]) * y->shape[1] * y->shape[2];
    return pixels ? computeOpFacts(g, op).macs / pixels : 0;
}

// Regions of every stage-1 tensor for one patch of the split tensor (consumers' needs united).
std::map<int, Region> regionsFor(const Graph& g, const Stage& st, const Region& patch)
{
    std::map<int, Region> r;
    r[st.split.tensor] = patch;
    for (auto it = st.ops.rbegin(); it != st.ops.rend(); ++it) {
        const Op& op = g.ops[size_t(*it)];
        auto out = r.find(op.outputs[0]);
        if (out == r.end())
            continue;
        for (size_t i = 0; i < op.inputs.size(); ++i) {
            const auto need = inputNeed(g, op, out->second, int(i));
            if (!need)
                continue;
            Region& dst = r[op.inputs[i]];
            dst = dst.united(need->in);
        }
    }
    return r;
}

Region wholeMap(const Tensor& t) { return t.shape.size() == 4 ? Region{0, t.shape[1], 0, t.shape[2]} : Region{}; }

// The one rewrite of the stage-1 ops for a patch: each op computes exactly its output region, reads
// the window of each input that inputNeed() gives, and pads only where that window meets the true
// image border. `heldWhole(t)`: memory holds tensor t as its whole map (outside the patch layout),
// else as its region.
std::vector<PatchOp> rewritePatch(const Graph& g, const Stage& st, const std::map<int, Region>& regions,
                                  const std::function<bool(int)>& heldWhole)
{
    std::vector<PatchOp> out;
    auto storedOf = [&](int t) {
        const auto r = regions.find(t);
        return heldWhole(t) || r == regions.end() ? wholeMap(g.tensors[size_t(t)]) : r->second;
    };
    for (int o : st.ops) {
        const Op& src = g.ops[size_t(o)];
        const auto outRegion = regions.find(src.outputs[0]);
        if (outRegion == regions.end())
            continue;
        PatchOp po;
        po.op = o;
        po.exec = src;
        for (size_t i = 0; i < src.inputs.size(); ++i) {
            PatchOperand operand;
            const int t = src.inputs[i];
            const auto need = t >= 0 ? inputNeed(g, src, outRegion->second, int(i)) : std::nullopt;
            if (need) {
                operand.tensor = t;
                operand.stored = storedOf(t);
                operand.window = need->in;
                if (i == 0 && isWindowOp(src.kind))
                    std::visit(
                        [&](auto& opt) {
                            using T = std::decay_t<decltype(opt)>;
                            if constexpr (std::is_same_v<T, Conv2DOptions> || std::is_same_v<T, DepthwiseConv2DOptions>
                                          || std::is_same_v<T, Pool2DOptions>) {
                                opt.padding = Padding::Valid;
                                opt.pad = need->pad;
                            }
                        },
                        po.exec.options);
            }
            po.inputs.push_back(operand);
        }
        po.output.tensor = src.outputs[0];
        po.output.stored = storedOf(src.outputs[0]);
        po.output.window = outRegion->second;
        out.push_back(std::move(po));
    }
    return out;
}

// The stage-1 graph of one patch, as its layout is planned: every tensor shaped as its region, the
// ops of rewritePatch() (their windows are recorded in PatchPlan::ops).
LegalGraph patchGraph(const LegalGraph& lg, const Stage& st, const std::map<int, Region>& regions)
{
    LegalGraph pg = makeLegalGraph(lg.graph);
    Graph& g = pg.graph;
    g.ops.clear();
    pg.sourceOp.clear();
    for (const auto& [t, reg] : regions) {
        Tensor& x = g.tensors[size_t(t)];
        x.shape = {1, reg.h(), reg.w(), x.shape[3]};
        x.shapeSignature.clear();
    }
    for (PatchOp& po : rewritePatch(lg.graph, st, regions, [](int) { return false; })) {
        g.ops.push_back(std::move(po.exec));
        pg.sourceOp.push_back(size_t(po.op) < lg.sourceOp.size() ? lg.sourceOp[size_t(po.op)] : -1); // as stage 2's
    }
    g.outputs = {st.split.tensor};
    if (st.split.prefix > 0)
        g.inputs = {st.split.source}; // stage 0's output, held whole outside the patch layout
    return pg;
}

// Plans a (sub)graph on whole tensors of its own shapes: the layout, or nothing when it cannot
// be analysed.
std::optional<StageLayout> planLayout(const LegalGraph& lg, const MemoryOptions& mo, const std::string& planner,
                                      std::string name, bool keepGraph = true)
{
    auto m = analyzeMemory(lg, storedOrder(lg), mo);
    if (!m.ok())
        return std::nullopt;
    auto p = createPlanner(planner);
    if (!p)
        return std::nullopt;
    StageLayout l;
    l.name = std::move(name);
    if (keepGraph)
        l.graph = lg;
    l.plan = planArena(*m, *p);
    l.memory = std::move(*m);
    return l;
}

// The legal graph restricted to `ops` (in that order), with the given boundary tensors: stage 0
// (graph inputs → stage 1's source) and stage 2 (split tensor → graph outputs) are such subgraphs.
LegalGraph subgraph(const LegalGraph& lg, const std::vector<int>& ops)
{
    LegalGraph sub = lg;
    sub.graph.ops.clear();
    sub.sourceOp.clear();
    for (int o : ops) {
        sub.graph.ops.push_back(lg.graph.ops[size_t(o)]);
        sub.sourceOp.push_back(lg.sourceOp[size_t(o)]);
    }
    return sub;
}

// Stage 0's graph: the non-spatial head on whole tensors, from the graph inputs to stage 1's source.
LegalGraph stage0Graph(const LegalGraph& lg, const Stage& st)
{
    LegalGraph head = subgraph(lg, st.prefix);
    head.graph.outputs = {st.split.source};
    return head;
}

Stage stageAt(const SplitPoint& s, const std::vector<int>& order)
{
    Stage st;
    st.split = s;
    st.prefix.assign(order.begin(), order.begin() + s.prefix);
    st.ops.assign(order.begin() + s.prefix, order.begin() + s.step + 1);
    st.rest.assign(order.begin() + s.step + 1, order.end());
    return st;
}

Result<Stage> stageFor(const LegalGraph& lg, const std::vector<int>& order, int splitTensor)
{
    Result<Stage> r;
    const auto splits = validSplits(lg, order);
    for (const auto& s : splits)
        if (s.tensor == splitTensor) {
            r.value = stageAt(s, order);
            return r;
        }
    std::string valid;
    for (const auto& s : splits)
        valid += (valid.empty() ? "" : ", ") + std::to_string(s.tensor) + " " + shapeString(s.shape);
    r.diagnostics.push_back(makeError("", "schedule.patch.split",
                                      "tensor " + std::to_string(splitTensor)
                                          + " is not a valid split (a prefix of spatial ops that hands exactly one "
                                            "tensor to the rest); valid splits: "
                                          + (valid.empty() ? std::string("none") : valid)));
    return r;
}

struct Evaluator {
    const LegalGraph& lg;
    const std::vector<int>& order;
    const PatchOptions& options;
    bool keepLayouts = false; // planPatches keeps every layout; the search only the figures
    Evaluator(const LegalGraph& l, const std::vector<int>& o, const PatchOptions& opt, bool keep)
        : lg(l), order(o), options(opt), keepLayouts(keep)
    {
        if (!keepLayouts) {
            // Figures only: the stage graphs are planned and dropped, so plan copies of a graph
            // without what planning never reads (names, quantization): far fewer allocations per
            // patch graph, the same shapes, dtypes, ops and therefore the same figures.
            slim = lg;
            for (Tensor& t : slim.graph.tensors) {
                t.name.clear();
                t.shapeSignature.clear();
                t.quant = Quantization{};
            }
            slim.log.clear();
        }
    }
    LegalGraph slim;
    const LegalGraph& source() const { return keepLayouts ? lg : slim; }
    int64_t wholePeak = -1;
    int64_t totalMacs = 0;
    struct Stage2 { int64_t peak = -1; int64_t splitOffset = 0; std::optional<StageLayout> layout; };
    std::map<int, Stage2> stage2Cache;
    struct PatchLayout { int64_t peak = -1; std::optional<StageLayout> layout; };
    std::map<std::string, PatchLayout> patchCache;
    struct Stage0 { bool planned = false; int64_t peak = -1; int64_t sourceOffset = -1; std::optional<StageLayout> layout; };
    Stage0 stage0Cache; // stage 0 is the same for every split of one order

    Stage0& stage0For(const Stage& st)
    {
        if (stage0Cache.planned && (!keepLayouts || stage0Cache.layout || stage0Cache.peak < 0))
            return stage0Cache;
        const LegalGraph head = stage0Graph(source(), st);
        Stage0 s0;
        s0.planned = true;
        if (auto l = planLayout(head, options.memory, options.planner, "stage 0", keepLayouts)) {
            s0.peak = l->plan.peakBytes;
            s0.sourceOffset = l->plan.tensorOffset(head.graph, l->memory, st.split.source);
            if (s0.sourceOffset < 0)
                s0.peak = -1; // stage 0 must leave its output in the arena
            if (keepLayouts)
                s0.layout = std::move(*l);
        }
        return stage0Cache = std::move(s0);
    }

    Stage2& stage2For(const Stage& st)
    {
        auto cached = stage2Cache.find(st.split.tensor);
        if (cached != stage2Cache.end() && (!keepLayouts || cached->second.layout || cached->second.peak < 0))
            return cached->second;
        LegalGraph rest = subgraph(source(), st.rest);
        rest.graph.inputs = {st.split.tensor};
        Stage2 s2;
        if (auto l = planLayout(rest, options.memory, options.planner, "stage 2", keepLayouts)) {
            s2.peak = l->plan.peakBytes;
            s2.splitOffset = std::max<int64_t>(0, l->plan.tensorOffset(rest.graph, l->memory, st.split.tensor));
            if (keepLayouts)
                s2.layout = std::move(*l);
        }
        return stage2Cache[st.split.tensor] = std::move(s2);
    }

    // Per op: its MACs and MACs per output pixel (computed once).
    std::vector<int64_t> opMacs, opMacsPerPixel;
    void cacheMacs()
    {
        if (!opMacs.empty() || lg.graph.ops.empty())
            return;
        for (const Op& op : lg.graph.ops) {
            opMacs.push_back(computeOpFacts(lg.graph, op).macs);
            opMacsPerPixel.push_back(macsPerPixel(lg.graph, op));
        }
    }

    // Extra MACs of an nh × nw grid at this split (the recomputed halos), without planning anything.
    int64_t extraMacs(const Stage& st, int nh, int nw)
    {
        cacheMacs();
        const Graph& g = lg.graph;
        const auto ys = tileBounds(st.split.shape[1], nh), xs = tileBounds(st.split.shape[2], nw);
        int64_t stageMacs = 0, patchedMacs = 0;
        for (int o : st.ops)
            stageMacs += opMacs[size_t(o)];
        for (int i = 0; i < nh; ++i)
            for (int j = 0; j < nw; ++j) {
                const Region patch{ys[size_t(i)], ys[size_t(i) + 1], xs[size_t(j)], xs[size_t(j) + 1]};
                const auto regions = regionsFor(g, st, patch);
                for (int o : st.ops) {
                    const auto out = regions.find(g.ops[size_t(o)].outputs[0]);
                    if (out != regions.end())
                        patchedMacs += opMacsPerPixel[size_t(o)] * out->second.h() * out->second.w();
                }
            }
        return patchedMacs - stageMacs;
    }

    Result<PatchPlan> evaluate(const Stage& st, int nh, int nw)
    {
        Result<PatchPlan> r;
        const Graph& g = lg.graph;
        const int H = st.split.shape[1], W = st.split.shape[2];
        if (nh < 1 || nw < 1 || nh > H || nw > W) {
            r.diagnostics.push_back(makeError("", "schedule.patch.grid",
                                              "a " + std::to_string(nh) + "x" + std::to_string(nw) + " grid does not fit the "
                                                  + std::to_string(H) + "x" + std::to_string(W)
                                                  + " split tensor; expected 1.." + std::to_string(H) + " x 1.."
                                                  + std::to_string(W)));
            return r;
        }
        PatchPlan plan;
        plan.split = st.split;
        plan.nh = nh;
        plan.nw = nw;
        if (wholePeak < 0) {
            auto m = analyzeMemory(source(), order, options.memory);
            auto p = createPlanner(options.planner);
            wholePeak = m.ok() && p ? planArena(*m, *p).peakBytes : -1;
            totalMacs = computeTotals(g).macs;
        }
        plan.wholePeak = wholePeak;
        plan.totalMacs = totalMacs;

        // Stage 0: the non-spatial head on whole tensors.
        if (!st.prefix.empty()) {
            Stage0& s0 = stage0For(st);
            if (s0.peak < 0) {
                r.diagnostics.push_back(makeError("", "schedule.patch", "stage 0 (the ops before the first spatial op) cannot be planned"));
                return r;
            }
            plan.stage0Peak = s0.peak;
            plan.stage0SourceOffset = s0.sourceOffset;
            if (keepLayouts)
                plan.stage0 = s0.layout;
        }

        // Stage 2: the rest of the graph on whole tensors, starting from the split tensor.
        Stage2& s2 = stage2For(st);
        plan.stage2Peak = s2.peak;
        plan.splitOffset = s2.splitOffset;
        if (keepLayouts && s2.layout)
            plan.stage2 = s2.layout;

        const auto ys = tileBounds(H, nh), xs = tileBounds(W, nw);
        MemoryOptions mo = options.memory;
        mo.external = {st.split.tensor};
        const int input = st.split.source;
        const bool resident = sourceResident(st.split, options);
        if (resident && input >= 0)
            mo.external.push_back(input);
        cacheMacs();
        int64_t stageMacs = 0;
        for (int o : st.ops)
            stageMacs += opMacs[size_t(o)];
        int64_t patchedMacs = 0, largest = 0;
        std::map<std::string, int> layoutIndex;
        for (int i = 0; i < nh; ++i)
            for (int j = 0; j < nw; ++j) {
                const Region patch{ys[size_t(i)], ys[size_t(i) + 1], xs[size_t(j)], xs[size_t(j) + 1]};
                auto regions = regionsFor(g, st, patch);
                std::string key;
                for (const auto& [t, reg] : regions)
                    key += std::to_string(t) + ":" + std::to_string(reg.h()) + "x" + std::to_string(reg.w()) + ";";
                for (int o : st.ops) {
                    const auto out = regions.find(g.ops[size_t(o)].outputs[0]);
                    if (out == regions.end())
                        continue;
                    patchedMacs += opMacsPerPixel[size_t(o)] * out->second.h() * out->second.w();
                    if (const auto need = inputNeed(g, g.ops[size_t(o)], out->second, 0))
                        key += std::to_string(need->pad.top) + std::to_string(need->pad.bottom) + std::to_string(need->pad.left)
                               + std::to_string(need->pad.right);
                }
                auto hit = patchCache.find(key);
                if (hit == patchCache.end() || (keepLayouts && !hit->second.layout && hit->second.peak >= 0)) {
                    PatchLayout pl;
                    if (auto l = planLayout(patchGraph(source(), st, regions), mo, options.planner,
                                            "stage 1, patch " + std::to_string(i) + "," + std::to_string(j), keepLayouts)) {
                        pl.peak = l->plan.peakBytes;
                        if (keepLayouts)
                            pl.layout = std::move(*l);
                    }
                    hit = patchCache.insert_or_assign(key, std::move(pl)).first;
                }
                if (hit->second.peak < 0) {
                    r.diagnostics.push_back(makeError("", "schedule.patch", "patch " + std::to_string(i) + "," + std::to_string(j)
                                                                                + " cannot be planned"));
                    return r;
                }
                if (keepLayouts) {
                    auto li = layoutIndex.find(key);
                    if (li == layoutIndex.end()) {
                        li = layoutIndex.emplace(key, int(plan.patchLayouts.size())).first;
                        plan.patchLayouts.push_back(*hit->second.layout);
                    }
                    plan.patchLayoutOf.push_back(li->second);
                    // Tensors the layout does not plan are held whole outside it (the split tensor,
                    // a resident input).
                    const MemoryAnalysis& lm = hit->second.layout->memory;
                    plan.ops.push_back(rewritePatch(g, st, regions, [&lm](int t) {
                        return size_t(t) >= lm.tensorBuffer.size() || lm.tensorBuffer[size_t(t)] < 0;
                    }));
                }
                if (hit->second.peak > largest) {
                    largest = hit->second.peak;
                    plan.largestPatch = int(plan.patches.size());
                }
                if (input >= 0 && regions.count(input)) {
                    const Region& in = regions[input];
                    if (int64_t(in.h()) * in.w() > int64_t(plan.inputPatchH) * plan.inputPatchW) {
                        plan.inputPatchH = in.h();
                        plan.inputPatchW = in.w();
                    }
                }
                plan.patches.push_back(patch);
                plan.regions.push_back(std::move(regions));
            }
        const int64_t splitBytes = alignUp(g.tensors[size_t(st.split.tensor)].byteSize().value_or(0), options.memory.alignment);
        const int64_t inputBytes = resident && input >= 0
            ? alignUp(g.tensors[size_t(input)].byteSize().value_or(0), options.memory.alignment)
            : 0;
        // Stage 2 reads the split tensor at splitOffset. Stage 1 either builds it there (the patch
        // area below it when it fits, else above it) or builds it at 0 with the patch area above
        // and moves it (memmove, split bytes) to splitOffset between the stages; the smallest
        // footprint wins, and without a move on a tie.
        const int64_t area = inputBytes + largest;
        const int64_t y = plan.splitOffset;
        struct Option { int64_t split, areaAt, end; };
        std::vector<Option> options;
        if (area <= y)
            options.push_back({y, 0, std::max(y + splitBytes, area)});
        options.push_back({y, y + splitBytes, y + splitBytes + area});
        options.push_back({0, splitBytes, splitBytes + area});
        const Option best = *std::min_element(options.begin(), options.end(),
                                              [](const Option& a, const Option& b) { return a.end < b.end; });
        plan.stage1SplitOffset = best.split;
        plan.patchAreaOffset = best.areaAt;
        plan.inputOffset = inputBytes > 0 ? plan.patchAreaOffset : -1;
        for (StageLayout& l : plan.patchLayouts)
            l.base = plan.patchAreaOffset + inputBytes;
        plan.stage1Peak = best.end;
        plan.peak = std::max({plan.stage0Peak, plan.stage1Peak, plan.stage2Peak});
        plan.extraMacs = patchedMacs - stageMacs;
        plan.extraMacsPercent = totalMacs ? 100.0 * double(plan.extraMacs) / double(totalMacs) : 0.0;
        r.value = std::move(plan);
        return r;
    }
};

} // namespace

int64_t streamedFrameBytes(const Graph& g, const PatchPlan& plan)
{
    if (plan.split.prefix > 0)
        return 0; // stage 0 holds the inputs in its layout
    const int resident = plan.inputOffset >= 0 ? plan.split.source : -1;
    int64_t bytes = 0;
    for (int t : g.inputs)
        if (t != resident && t >= 0)
            bytes += g.tensors[size_t(t)].byteSize().value_or(0);
    return bytes;
}

int64_t patchedOpCalls(const Graph& g, const PatchPlan& plan)
{
    const int64_t stage1 = std::max(0, plan.split.step + 1 - plan.split.prefix);
    return int64_t(g.ops.size()) - stage1 + stage1 * plan.nh * plan.nw;
}

Result<FitVerdict> patchedFitVerdict(const Board& board, const BoardSet& boards, const Graph& g, int64_t arenaBytes,
                                     const PatchPlan& plan, const FitOptions& options)
{
    return fitVerdict(board, boards, g, arenaBytes, -1, options, streamedFrameBytes(g, plan), patchedOpCalls(g, plan),
                      plan.nh * plan.nw);
}

Result<PatchPlan> planPatches(const LegalGraph& lg, const std::vector<int>& order, int splitTensor, int nh, int nw,
                              const PatchOptions& options)
{
    auto st = stageFor(lg, order, splitTensor);
    if (!st.ok()) {
        Result<PatchPlan> r;
        r.diagnostics = st.diagnostics;
        return r;
    }
    Evaluator e(lg, order, options, true);
    return e.evaluate(*st, nh, nw);
}

OperandPlace placeOperand(const Graph& g, const PatchPlan& plan, size_t patch, const PatchOperand& o)
{
    OperandPlace at;
    const Tensor* t = g.tensor(o.tensor);
    if (!t || t->shape.size() != 4 || patch >= plan.patchLayoutOf.size()
        || size_t(plan.patchLayoutOf[patch]) >= plan.patchLayouts.size())
        return at;
    const StageLayout& l = plan.patchLayouts[size_t(plan.patchLayoutOf[patch])];
    const int64_t planned = l.plan.tensorOffset(l.graph.graph, l.memory, o.tensor);
    if (planned >= 0)
        at.stored = l.base + planned;
    else if (o.tensor == plan.split.tensor)
        at.stored = plan.stage1SplitOffset;
    else if (plan.inputOffset >= 0 && o.tensor == plan.split.source)
        at.stored = plan.inputOffset;
    else
        return at;
    const int64_t pixel = int64_t(t->shape[3]) * std::max(dtypeSize(t->dtype), 1);
    at.rowPitch = rowPitch(g, o);
    at.rowBytes = int64_t(o.window.w()) * pixel;
    at.rows = o.window.h();
    at.first = at.stored + int64_t(o.originY()) * at.rowPitch + int64_t(o.originX()) * pixel;
    return at;
}

std::vector<int64_t> stage1WorkingSets(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                                       const PatchOptions& options)
{
    std::vector<int64_t> out;
    auto st = stageFor(lg, order, plan.split.tensor);
    if (!st.ok() || plan.largestPatch < 0 || size_t(plan.largestPatch) >= plan.regions.size())
        return out;
    const Graph& g = lg.graph;
    MemoryOptions mo = options.memory;
    mo.external = {plan.split.tensor};
    const int input = plan.split.source;
    const bool resident = sourceResident(plan.split, options);
    if (resident && input >= 0)
        mo.external.push_back(input);
    const int64_t fixed = alignUp(g.tensors[size_t(plan.split.tensor)].byteSize().value_or(0), mo.alignment)
        + (resident && input >= 0 ? alignUp(g.tensors[size_t(input)].byteSize().value_or(0), mo.alignment) : 0);
    if (!st->prefix.empty()) {
        // Stage 0 runs whole: its own working set per step.
        const LegalGraph head = stage0Graph(lg, *st);
        auto m0 = analyzeMemory(head, storedOrder(head), options.memory);
        if (!m0.ok())
            return out;
        for (const StepUse& u : m0->steps)
            out.push_back(u.total());
    }
    const LegalGraph pg = patchGraph(lg, *st, plan.regions[size_t(plan.largestPatch)]);
    auto m = analyzeMemory(pg, storedOrder(pg), mo);
    if (!m.ok())
        return out;
    for (const StepUse& u : m->steps)
        out.push_back(fixed + u.total());
    return out;
}

Result<PatchSearchResult> searchPatches(const LegalGraph& lg, const std::vector<int>& order, const PatchOptions& options,
                                        int64_t budgetBytes, int maxN, double macCapPercent, const JobControl* job)
{
    Result<PatchSearchResult> r;
    PatchSearchResult out;
    Evaluator e(lg, order, options, false);
    std::vector<PatchPlan> all;
    const auto splits = validSplits(lg, order);
    int64_t total = 0, done = 0;
    for (const SplitPoint& s : splits)
        total += int64_t(std::min(maxN, s.shape[1])) * std::min(maxN, s.shape[2]);
    for (const SplitPoint& s : splits) {
        const Stage st = stageAt(s, order); // s is valid: no need to search the splits again
        const size_t first = all.size();
        for (int nh = 1; nh <= std::min(maxN, s.shape[1]); ++nh)
            for (int nw = 1; nw <= std::min(maxN, s.shape[2]); ++nw) {
                if (job && !job->progress(done++, total, "split " + std::to_string(s.tensor))) {
                    r.diagnostics.push_back(makeError("", "patch search", kCancelledMessage));
                    return r;
                }
                auto p = e.evaluate(st, nh, nw);
                ++out.evaluated;
                if (p.ok() && p->peak > 0) {
                    p->regions.clear(); // the search keeps figures only; planPatches rebuilds regions
                    all.push_back(std::move(*p));
                }
            }
        // This split's best plan within the MAC cap (evaluated in grid order: ties keep the first,
        // so fewer rows of patches win an exact tie of peak and MACs).
        const PatchPlan* best = nullptr;
        for (size_t i = first; i < all.size(); ++i) {
            const PatchPlan& p = all[i];
            if (p.extraMacsPercent > macCapPercent)
                continue;
            if (!best || p.peak < best->peak || (p.peak == best->peak && p.extraMacs < best->extraMacs)
                || (p.peak == best->peak && p.extraMacs == best->extraMacs && p.nh * p.nw < best->nh * best->nw))
                best = &p;
        }
        if (best) {
            out.bestPerSplit.push_back(*best);
        } else {
            PatchPlan none;
            none.split = s;
            none.nh = none.nw = 0;
            out.bestPerSplit.push_back(std::move(none));
        }
    }
    out.wholePeak = e.wholePeak;
    // Pareto front on (peak, extra MACs).
    // Ties go to fewer patches: a 1×1 grid is whole-tensor execution, the simplest schedule.
    std::sort(all.begin(), all.end(), [](const PatchPlan& a, const PatchPlan& b) {
        if (a.peak != b.peak)
            return a.peak < b.peak;
        if (a.extraMacs != b.extraMacs)
            return a.extraMacs < b.extraMacs;
        return a.nh * a.nw < b.nh * b.nw;
    });
    int64_t bestMacs = std::numeric_limits<int64_t>::max();
    for (auto& p : all)
        if (p.extraMacs < bestMacs) {
            bestMacs = p.extraMacs;
            out.pareto.push_back(std::move(p));
        }
    // Recommended: the least recomputation that fits; if nothing fits, the smallest peak whose
    // recomputation stays under the cap (a 1×1 grid, whole tensors, always does).
    for (size_t i = 0; i < out.pareto.size(); ++i) {
        const auto& p = out.pareto[i];
        if (p.peak <= budgetBytes && p.extraMacsPercent <= macCapPercent
            && (out.recommended < 0 || p.extraMacs < out.pareto[size_t(out.recommended)].extraMacs))
            out.recommended = int(i);
    }
    for (size_t i = 0; i < out.pareto.size() && out.recommended < 0; ++i)
        if (out.pareto[i].extraMacsPercent <= macCapPercent)
            out.recommended = int(i); // the front is sorted by peak
    if (out.recommended < 0 && !out.pareto.empty())
        out.recommended = int(out.pareto.size()) - 1;
    r.value = std::move(out);
    return r;
}

std::optional<PatchPlan> findFittingPatchPlan(const LegalGraph& lg, const std::vector<int>& order,
                                              const PatchOptions& options, const std::vector<int64_t>& workingSets,
                                              int64_t budgetBytes, int maxN, double macCapPercent)
{
    Evaluator e(lg, order, options, false);
    std::optional<PatchPlan> best;
    const Graph& g = lg.graph;
    const int64_t totalMacs = computeTotals(g).macs;
    // suffixMax[k]: the largest working set of the steps after step k.
    std::vector<int64_t> suffixMax(workingSets.size() + 1, 0);
    for (size_t k = workingSets.size(); k-- > 0;)
        suffixMax[k] = std::max(suffixMax[k + 1], workingSets[k]);
    for (const SplitPoint& s : validSplits(lg, order)) {
        const int64_t splitBytes = alignUp(g.tensors[size_t(s.tensor)].byteSize().value_or(0), options.memory.alignment);
        const int64_t after = size_t(s.step) + 1 < suffixMax.size() ? suffixMax[size_t(s.step) + 1] : 0;
        if (splitBytes > budgetBytes || after > budgetBytes)
            continue;
        const Stage st = stageAt(s, order);
        for (int n = 2; n <= std::min({maxN, s.shape[1], s.shape[2]}); ++n) {
            // Recomputation only grows with finer grids: stop before planning once this grid
            // recomputes more than the cap or than the best plan found so far.
            const int64_t extra = e.extraMacs(st, n, n);
            if ((totalMacs > 0 && 100.0 * double(extra) / double(totalMacs) > macCapPercent) ||
                (best && extra > best->extraMacs))
                break;
            auto p = e.evaluate(st, n, n);
            if (!p.ok() || p->peak <= 0)
                break;
            if (p->extraMacsPercent > macCapPercent)
                break; // finer grids recompute more
            if (p->peak <= budgetBytes) {
                if (!best || p->extraMacs < best->extraMacs || (p->extraMacs == best->extraMacs && p->peak < best->peak)) {
                    p->regions.clear();
                    best = std::move(*p);
                }
                break;
            }
        }
    }
    return best;
}

} // namespace ts
