#include "analysis/memory.h"

#include "kernels/scratch.h"

#include <algorithm>
#include <map>
#include <set>

namespace ts {

int64_t alignUp(int64_t bytes, int alignment)
{
    if (alignment <= 1)
        return bytes;
    return (bytes + alignment - 1) / alignment * alignment;
}

int64_t PlanBuffer::maxSize() const
{
    int64_t m = 0;
    for (const auto& s : segments)
        m = std::max(m, s.size);
    return m;
}

int64_t PlanBuffer::sizeAt(int step) const
{
    for (const auto& s : segments)
        if (step >= s.first && step <= s.last)
            return s.size;
    return 0;
}

int64_t alignedTensorBytes(const Graph& g, int tensor, int alignment)
{
    const Tensor* t = g.tensor(tensor);
    return t ? alignUp(t->byteSize().value_or(0), alignment) : 0;
}

std::vector<int> storedOrder(const LegalGraph& lg)
{
    std::vector<int> order(lg.graph.ops.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = int(i);
    return order;
}

std::string checkOrder(const LegalGraph& lg, const std::vector<int>& order)
{
    const Graph& g = lg.graph;
    if (order.size() != g.ops.size())
        return "the order has " + std::to_string(order.size()) + " steps; the graph has " + std::to_string(g.ops.size())
               + " ops";
    std::vector<int> producer(g.tensors.size(), -1);
    for (size_t i = 0; i < g.ops.size(); ++i)
        for (int t : g.ops[i].outputs)
            producer[size_t(t)] = int(i);
    std::vector<bool> done(g.ops.size(), false);
    for (size_t s = 0; s < order.size(); ++s) {
        const int o = order[s];
        if (o < 0 || size_t(o) >= g.ops.size() || done[size_t(o)])
            return "step " + std::to_string(s) + ": op " + std::to_string(o) + " is out of range or repeated";
        for (int t : g.ops[size_t(o)].inputs)
            if (t >= 0 && producer[size_t(t)] >= 0 && !done[size_t(producer[size_t(t)])])
                return "step " + std::to_string(s) + ": op " + std::to_string(o) + " runs before op "
                       + std::to_string(producer[size_t(t)]) + " which produces its input";
        done[size_t(o)] = true;
    }
    return {};
}

Result<MemoryAnalysis> analyzeMemory(const LegalGraph& lg, const std::vector<int>& order, const MemoryOptions& options)
{
    Result<MemoryAnalysis> result;
    const Graph& g = lg.graph;
    if (const std::string bad = checkOrder(lg, order); !bad.empty()) {
        result.diagnostics.push_back(makeError("", "schedule.order", bad));
        return result;
    }
    MemoryAnalysis m;
    m.order = order;
    m.alignment = options.alignment;
    const int steps = int(order.size());
    const int lastStep = std::max(steps - 1, 0);
    const size_t nt = g.tensors.size();
    m.firstUse.assign(nt, -1);
    m.lastUse.assign(nt, -1);

    // Lifetimes (TFLM's rules): graph inputs from step 0, graph outputs to the last step,
    // variable tensors for the whole invocation; otherwise from the producing step to the last
    // consuming step.
    for (int s = 0; s < steps; ++s) {
        const Op& op = g.ops[size_t(order[size_t(s)])];
        for (int t : op.outputs)
            if (m.firstUse[size_t(t)] < 0)
                m.firstUse[size_t(t)] = s;
    }
    for (int t : g.inputs)
        m.firstUse[size_t(t)] = 0;
    for (size_t t = 0; t < nt; ++t)
        if (g.tensors[t].isVariable) {
            m.firstUse[t] = 0;
            m.lastUse[t] = lastStep;
        }
    for (int s = 0; s < steps; ++s) {
        const Op& op = g.ops[size_t(order[size_t(s)])];
        for (int t : op.inputs) {
            if (t < 0 || g.tensors[size_t(t)].isConstant())
                continue;
            if (m.firstUse[size_t(t)] < 0) {
                result.diagnostics.push_back(makeWarning("", "tensors[" + std::to_string(t) + "]",
                                                         "'" + g.tensors[size_t(t)].name
                                                             + "' is read but no op produces it and it is not a graph "
                                                               "input; it is treated as live from the start"));
                m.firstUse[size_t(t)] = 0;
            }
            m.lastUse[size_t(t)] = std::max(m.lastUse[size_t(t)], s);
        }
    }
    for (int t : g.outputs)
        if (m.firstUse[size_t(t)] >= 0)
            m.lastUse[size_t(t)] = lastStep;
    for (size_t t = 0; t < nt; ++t)
        if (m.firstUse[t] >= 0 && m.lastUse[t] < m.firstUse[t])
            m.lastUse[t] = m.firstUse[t]; // produced but never read: live during its own step

    // Every live tensor needs a fixed size.
    for (size_t t = 0; t < nt; ++t) {
        if (m.firstUse[t] < 0 || g.tensors[t].isConstant())
            continue;
        const Tensor& x = g.tensors[t];
        const auto bytes = x.byteSize();
        // A rank-0 shape is a scalar (one element). Dynamic means -1 in the signature beyond the
        // batch dimension, or a type with no fixed size.
        bool dynamic = !bytes;
        for (size_t d = 1; d < x.shapeSignature.size(); ++d)
            dynamic |= x.shapeSignature[d] < 0;
        if (dynamic) {
            Diagnostic d = makeError("", "tensors[" + std::to_string(t) + "]",
                                     "'" + x.name + "' " + dtypeName(x.dtype) + shapeString(x.shape)
                                         + " has a dynamic or unknown shape (signature "
                                         + shapeString(x.shapeSignature)
                                         + "); a static arena needs every tensor's size");
            d.tensor = int(t);
            result.diagnostics.push_back(d);
            return result;
        }
    }

    // Buffers: one per root tensor; aliases join their root; an in-place depthwise output joins
    // its input's buffer when that buffer's last use is the depthwise step.
    struct Member { int tensor; int first, last; int64_t size; };
    std::vector<std::vector<Member>> members;
    m.tensorBuffer.assign(nt, -1);
    auto bufferLast = [&](int b) {
        int last = -1;
        for (const Member& mm : members[size_t(b)])
            last = std::max(last, mm.last);
        return last;
    };
    auto addMember = [&](int buffer, int t) {
        members[size_t(buffer)].push_back(
            {t, m.firstUse[size_t(t)], m.lastUse[size_t(t)], alignUp(g.tensors[size_t(t)].byteSize().value_or(0), options.alignment)});
        m.tensorBuffer[size_t(t)] = buffer;
    };
    auto isExternal = [&](int t) {
        return std::find(options.external.begin(), options.external.end(), lg.root(t)) != options.external.end();
    };
    auto ensureBuffer = [&](int t) {
        if (m.tensorBuffer[size_t(t)] >= 0 || isExternal(t))
            return;
        const int root = lg.root(t);
        if (root != t && root >= 0 && m.firstUse[size_t(root)] >= 0) {
            if (m.tensorBuffer[size_t(root)] < 0) {
                members.emplace_back();
                addMember(int(members.size() - 1), root);
            }
            addMember(m.tensorBuffer[size_t(root)], t);
            return;
        }
        members.emplace_back();
        addMember(int(members.size() - 1), t);
    };
    // Graph inputs and variables first, then tensors in the order they are produced.
    for (int t : g.inputs)
        if (!g.tensors[size_t(t)].isConstant())
            ensureBuffer(t);
    for (size_t t = 0; t < nt; ++t)
        if (g.tensors[t].isVariable && m.firstUse[t] >= 0) {
            if (options.planVariables)
                ensureBuffer(int(t));
            else
                m.unplannedVariableBytes += alignUp(g.tensors[t].byteSize().value_or(0), options.alignment);
        }
    std::vector<InplaceKind> inplaceStep(size_t(steps), InplaceKind::None);
    for (int s = 0; s < steps; ++s) {
        const Op& op = g.ops[size_t(order[size_t(s)])];
        for (int t : op.inputs)
            if (t >= 0 && !g.tensors[size_t(t)].isConstant() && m.firstUse[size_t(t)] >= 0
                && (options.planVariables || !g.tensors[size_t(t)].isVariable))
                ensureBuffer(t);
        // In place: the output takes over the buffer of an input whose last use is this step, when
        // a kernel contract covers the op and its head placement (delta 0).
        for (int k = 0; k < int(op.inputs.size()) && op.outputs.size() == 1; ++k) {
            const InplaceKind kind = inplaceKind(g, op, k);
            if (!options.inplace.allows(kind) || !inplaceOrder(g, op, kind, k, 0))
                continue;
            const int in = op.inputs[size_t(k)], out = op.outputs[0];
            const int b = m.tensorBuffer[size_t(in)];
            const bool inputIsGraphInput = std::find(g.inputs.begin(), g.inputs.end(), in) != g.inputs.end();
            // An external output (the stitched split tensor of a patch) lives outside this plan.
            if (b >= 0 && bufferLast(b) == s && m.tensorBuffer[size_t(out)] < 0 && lg.root(out) == out && !isExternal(out)
                && !inputIsGraphInput && !g.tensors[size_t(in)].isVariable && m.firstUse[size_t(out)] >= 0) {
                addMember(b, out);
                inplaceStep[size_t(s)] = kind;
                m.inplace.push_back({s, order[size_t(s)], kind, k, in, out, b});
                break;
            }
        }
        for (int t : op.outputs)
            if (m.firstUse[size_t(t)] >= 0)
                ensureBuffer(t);
    }

    for (size_t b = 0; b < members.size(); ++b) {
        PlanBuffer pb;
        for (const Member& mm : members[b])
            pb.tensors.push_back(mm.tensor);
        int first = steps, last = -1;
        for (const Member& mm : members[b]) {
            first = std::min(first, mm.first);
            last = std::max(last, mm.last);
        }
        for (int s = first; s <= last; ++s) {
            int64_t size = 0;
            for (const Member& mm : members[b])
                if (s >= mm.first && s <= mm.last)
                    size = std::max(size, mm.size);
            if (!pb.segments.empty() && pb.segments.back().size == size && pb.segments.back().last == s - 1)
                pb.segments.back().last = s;
            else
                pb.segments.push_back({s, s, size});
        }
        pb.label = g.tensors[size_t(pb.tensors[0])].name;
        m.buffers.push_back(std::move(pb));
    }
    // End-aligned ("tail") placement puts every tensor of a buffer at base + largest − its size, so
    // an in-place op's output sits (input size − output size) after its input. Allowed only where
    // the op's contract has a kernel variant for that placement.
    for (const InplaceStep& ip : m.inplace) {
        const int64_t delta = alignedTensorBytes(g, ip.input, options.alignment) - alignedTensorBytes(g, ip.output, options.alignment);
        if (!inplaceOrder(g, g.ops[size_t(ip.op)], ip.kind, ip.operand, delta))
            m.buffers[size_t(ip.buffer)].tailAllowed = false;
    }
    // Kernel scratch: one short-lived buffer per step that needs it.
    std::vector<int64_t> scratch(size_t(steps), 0);
    for (int s = 0; s < steps; ++s) {
        const KernelScratch ks = kernelScratch(g, g.ops[size_t(order[size_t(s)])], inplaceStep[size_t(s)]);
        if (ks.bytes <= 0)
            continue;
        const std::vector<int64_t> parts = ks.parts.empty() ? std::vector<int64_t>{ks.bytes} : ks.parts;
        for (int64_t part : parts) {
            PlanBuffer pb;
            pb.kind = PlanBuffer::Kind::Scratch;
            pb.scratchStep = s;
            pb.segments.push_back({s, s, alignUp(part, options.alignment)});
            pb.label = "scratch: " + ks.what;
            scratch[size_t(s)] += pb.segments[0].size;
            m.buffers.push_back(std::move(pb));
        }
    }

    // Working set per step, by role.
    m.steps.resize(size_t(steps));
    for (int s = 0; s < steps; ++s) {
        StepUse& u = m.steps[size_t(s)];
        const Op& op = g.ops[size_t(order[size_t(s)])];
        u.op = order[size_t(s)];
        u.inplace = inplaceStep[size_t(s)] != InplaceKind::None;
        std::set<int> in, out;
        for (int t : op.inputs)
            if (t >= 0 && m.tensorBuffer[size_t(t)] >= 0)
                in.insert(m.tensorBuffer[size_t(t)]);
        for (int t : op.outputs)
            if (m.tensorBuffer[size_t(t)] >= 0 && !in.count(m.tensorBuffer[size_t(t)]))
                out.insert(m.tensorBuffer[size_t(t)]);
        for (size_t b = 0; b < m.buffers.size(); ++b) {
            const int64_t size = m.buffers[b].sizeAt(s);
            if (size == 0)
                continue;
            u.live.push_back(int(b));
            if (m.buffers[b].kind == PlanBuffer::Kind::Scratch)
                u.scratch += size;
            else if (in.count(int(b)))
                u.inputs += size;
            else if (out.count(int(b)))
                u.outputs += size;
            else
                u.other += size;
        }
        if (u.total() > m.lowerBound) {
            m.lowerBound = u.total();
            m.peakStep = s;
        }
    }
    // A graph with no ops (or only constants) still holds its inputs.
    if (steps == 0)
        for (const auto& b : m.buffers)
            m.lowerBound += b.maxSize();
    result.value = std::move(m);
    return result;
}

} // namespace ts
