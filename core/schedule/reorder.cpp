#include "schedule/reorder.h"

#include "kernels/scratch.h"

#include <algorithm>
#include <unordered_map>

namespace ts {

namespace {

using Bits = std::vector<uint64_t>;

struct BitsHash {
    size_t operator()(const Bits& b) const
    {
        uint64_t h = 1469598103934665603ull;
        for (uint64_t w : b) {
            h ^= w;
            h *= 1099511628211ull;
        }
        return size_t(h);
    }
};

bool has(const Bits& b, int i) { return (b[size_t(i) / 64] >> (i % 64)) & 1u; }
void set(Bits& b, int i) { b[size_t(i) / 64] |= uint64_t(1) << (i % 64); }

// The memory model of one graph for the search: buffers (roots after aliasing), which op makes
// each, which ops read it, whether it is pinned (graph input/output, variable).
struct SearchModel {
    const Graph& g;
    int ops;
    std::vector<int64_t> size;                 // per buffer
    std::vector<int> producer;                 // per buffer, -1 = present from the start
    std::vector<std::vector<int>> readers;     // per buffer
    std::vector<bool> keep;                    // graph output or variable: never freed
    std::vector<std::vector<int>> opIn, opOut; // per op: buffers read / made
    std::vector<std::vector<int>> preds;       // per op: ops it depends on
    std::vector<int64_t> scratch;
    // Per op: input buffers its output may take over, with the scratch and growth of that variant.
    struct InPlace { int buffer; int64_t scratch; int64_t growth; };
    std::vector<std::vector<InPlace>> inPlace;
};

SearchModel buildModel(const LegalGraph& lg, const MemoryOptions& options)
{
    const Graph& g = lg.graph;
    SearchModel m{g, int(g.ops.size()), {}, {}, {}, {}, {}, {}, {}, {}, {}};
    std::vector<int> bufferOf(g.tensors.size(), -1);
    auto bufferFor = [&](int t) {
        const int r = lg.root(t);
        if (bufferOf[size_t(r)] < 0) {
            bufferOf[size_t(r)] = int(m.size.size());
            m.size.push_back(alignUp(g.tensors[size_t(r)].byteSize().value_or(0), options.alignment));
            m.producer.push_back(-1);
            m.readers.emplace_back();
            m.keep.push_back(g.tensors[size_t(r)].isVariable);
        }
        return bufferOf[size_t(r)];
    };
    m.opIn.resize(size_t(m.ops));
    m.opOut.resize(size_t(m.ops));
    m.preds.resize(size_t(m.ops));
    for (int o = 0; o < m.ops; ++o) {
        const Op& op = g.ops[size_t(o)];
        for (int t : op.outputs) {
            const int b = bufferFor(t);
            if (lg.root(t) == t) {
                m.producer[size_t(b)] = o;
                m.opOut[size_t(o)].push_back(b);
            }
        }
    }
    for (int o = 0; o < m.ops; ++o) {
        const Op& op = g.ops[size_t(o)];
        auto read = [&](int t) {
            if (t < 0 || g.tensors[size_t(t)].isConstant())
                return;
            const int b = bufferFor(t);
            if (std::find(m.opIn[size_t(o)].begin(), m.opIn[size_t(o)].end(), b) == m.opIn[size_t(o)].end()) {
                m.opIn[size_t(o)].push_back(b);
                m.readers[size_t(b)].push_back(o);
            }
        };
        for (int t : op.inputs)
            read(t);
        // An aliasing op (RESHAPE) "reads" its input buffer, which also holds its output.
        for (int t : op.outputs)
            if (lg.root(t) != t)
                read(t);
    }
    for (int t : g.outputs)
        m.keep[size_t(bufferFor(t))] = true;
    for (int t : g.inputs)
        bufferFor(t);
    // Readers of an alias also read the root buffer: they were recorded through bufferFor already.
    for (int o = 0; o < m.ops; ++o)
        for (int b : m.opIn[size_t(o)])
            if (m.producer[size_t(b)] >= 0 && m.producer[size_t(b)] != o)
                m.preds[size_t(o)].push_back(m.producer[size_t(b)]);
    m.scratch.resize(size_t(m.ops));
    m.inPlace.resize(size_t(m.ops));

    for (int o = 0; o < m.ops; ++o) {
        const Op& op = g.ops[size_t(o)];
        auto aligned = [&](const KernelScratch& ks) {
            int64_t total = 0;
            for (int64_t part : ks.parts.empty() ? std::vector<int64_t>{ks.bytes} : ks.parts)
                total += alignUp(part, options.alignment);
            return total;
        };
        m.scratch[size_t(o)] = aligned(kernelScratch(g, op, InplaceKind::None));
        if (op.outputs.size() != 1 || lg.root(op.outputs[0]) != op.outputs[0])
            continue;
        for (int k = 0; k < int(op.inputs.size()); ++k) {
            const InplaceKind kind = inplaceKind(g, op, k);
            const int t = op.inputs[size_t(k)];
            if (!options.inplace.allows(kind) || !inplaceOrder(g, op, kind, k, 0)
                || std::find(g.inputs.begin(), g.inputs.end(), t) != g.inputs.end())
                continue;
            const int in = bufferFor(t);
            const int64_t outSize = alignUp(g.tensors[size_t(op.outputs[0])].byteSize().value_or(0), options.alignment);
            m.inPlace[size_t(o)].push_back({in, aligned(kernelScratch(g, op, kind)), std::max<int64_t>(0, outSize - m.size[size_t(in)])});
        }
    }
    return m;
}

// Memory held after the ops in `done` ran: buffers made (or present from the start) and still
// needed by an op not yet run, or kept to the end.
int64_t heldAfter(const SearchModel& m, const Bits& done)
{
    int64_t held = 0;
    for (size_t b = 0; b < m.size.size(); ++b) {
        const int p = m.producer[b];
        if (p >= 0 && !has(done, p))
            continue;
        bool needed = m.keep[b];
        for (int r : m.readers[b])
            needed |= !has(done, r);
        if (needed || (p < 0 && m.readers[b].empty()))
            held += m.size[b];
    }
    return held;
}

// heldAfter(m, next) where next = done + {o} and held = heldAfter(m, done), touching only o's
// buffers: its outputs are held from now on while someone still needs them, and each buffer it
// read is freed when o was its last reader. (O(o's degree) per search state instead of O(buffers).)
int64_t heldAfterAdding(const SearchModel& m, const Bits& next, int o, int64_t held)
{
    auto needed = [&](int b) {
        bool n = m.keep[size_t(b)];
        for (int r : m.readers[size_t(b)])
            n |= !has(next, r);
        return n;
    };
    for (int b : m.opOut[size_t(o)])
        if (needed(b))
            held += m.size[size_t(b)];
    for (int b : m.opIn[size_t(o)])
        if (!needed(b))
            held -= m.size[size_t(b)];
    return held;
}

// Working set while `o` runs after `done`.
int64_t stepCost(const SearchModel& m, const Bits& done, int o, int64_t held)
{
    int64_t outs = 0;
    for (int b : m.opOut[size_t(o)])
        outs += m.size[size_t(b)];
    int64_t scratch = m.scratch[size_t(o)];
    for (const SearchModel::InPlace& ip : m.inPlace[size_t(o)]) {
        // In place when every other reader of the input buffer already ran and it is not kept; an
        // expanding output grows the input's buffer by the difference.
        bool dies = !m.keep[size_t(ip.buffer)];
        for (int r : m.readers[size_t(ip.buffer)])
            dies &= r == o || has(done, r);
        if (dies) {
            outs = ip.growth;
            scratch = ip.scratch;
            break;
        }
    }
    return held + outs + scratch;
}

bool ready(const SearchModel& m, const Bits& done, int o)
{
    if (has(done, o))
        return false;
    for (int p : m.preds[size_t(o)])
        if (!has(done, p))
            return false;
    return true;
}

} // namespace

Result<ReorderResult> findMemoryOptimalOrder(const LegalGraph& lg, const MemoryOptions& options,
                                             const ReorderLimits& limits, const JobControl* job)
{
    Result<ReorderResult> result;
    const auto original = analyzeMemory(lg, storedOrder(lg), options);
    if (!original.ok()) {
        result.diagnostics = original.diagnostics;
        return result;
    }
    const SearchModel m = buildModel(lg, options);
    const size_t words = size_t(m.ops + 63) / 64;

    struct State { int64_t peak; int64_t held; Bits parent; int op; };
    std::vector<std::unordered_map<Bits, State, BitsHash>> layers(size_t(m.ops) + 1);
    Bits empty(words, 0);
    layers[0].emplace(empty, State{0, heldAfter(m, empty), {}, -1});
    int64_t states = 1;
    bool capped = false;
    for (int k = 0; k < m.ops && !capped; ++k) {
        if (job && !job->progress(k, m.ops, "reorder")) {
            result.diagnostics.push_back(makeError("", "reorder", kCancelledMessage));
            return result;
        }
        for (const auto& [done, st] : layers[size_t(k)]) {
            for (int o = 0; o < m.ops && !capped; ++o) {
                if (!ready(m, done, o))
                    continue;
                const int64_t cost = std::max(st.peak, stepCost(m, done, o, st.held));
                Bits next = done;
                set(next, o);
                auto& layer = layers[size_t(k) + 1];
                auto it = layer.find(next);
                if (it == layer.end()) {
                    layer.emplace(next, State{cost, heldAfterAdding(m, next, o, st.held), done, o});
                    capped = ++states > limits.maxStates;
                } else if (cost < it->second.peak) {
                    it->second.peak = cost;
                    it->second.parent = done;
                    it->second.op = o;
                }
            }
            if (capped)
                break;
        }
    }

    ReorderResult r;
    r.originalPeak = original->lowerBound;
    r.states = states;
    std::vector<int> order;
    if (!capped && m.ops > 0 && layers[size_t(m.ops)].size() == 1) {
        // Walk back from the state where every op ran.
        Bits key = layers[size_t(m.ops)].begin()->first;
        for (int k = m.ops; k > 0; --k) {
            const State& st = layers[size_t(k)].at(key);
            order.push_back(st.op);
            key = st.parent;
        }
        std::reverse(order.begin(), order.end());
        r.method = "dp";
        r.optimal = true;
    } else if (m.ops > 0) {
        // Greedy: always run the ready op whose step needs the least memory.
        Bits done(words, 0);
        for (int k = 0; k < m.ops; ++k) {
            const int64_t held = heldAfter(m, done);
            int best = -1;
            int64_t bestCost = 0;
            for (int o = 0; o < m.ops; ++o) {
                if (!ready(m, done, o))
                    continue;
                const int64_t c = stepCost(m, done, o, held);
                if (best < 0 || c < bestCost) {
                    best = o;
                    bestCost = c;
                }
            }
            if (best < 0)
                break;
            order.push_back(best);
            set(done, best);
        }
        r.method = "greedy (state cap reached)";
    }
    layers.clear();

    // The search's cost model is checked against the full analysis; the stored order wins ties.
    r.order = storedOrder(lg);
    r.peak = r.originalPeak;
    if (order.size() == size_t(m.ops) && m.ops > 0) {
        const auto reordered = analyzeMemory(lg, order, options);
        if (reordered.ok() && reordered->lowerBound < r.originalPeak) {
            r.order = order;
            r.peak = reordered->lowerBound;
        }
    }
    result.value = std::move(r);
    return result;
}

} // namespace ts
