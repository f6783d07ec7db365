#include "schedule/patch_exec.h"

#include "reference/golden.h"

#include <cstring>

namespace ts {

namespace {

// Copies `sub` (absolute coordinates) out of a tensor region `have` of an [1,H,W,C] map.
std::vector<uint8_t> crop(const std::vector<uint8_t>& bytes, const Region& have, const Region& sub, size_t pixelBytes)
{
    std::vector<uint8_t> out(size_t(sub.h()) * size_t(sub.w()) * pixelBytes);
    for (int y = sub.y0; y < sub.y1; ++y) {
        const size_t src = (size_t(y - have.y0) * size_t(have.w()) + size_t(sub.x0 - have.x0)) * pixelBytes;
        const size_t dst = size_t(y - sub.y0) * size_t(sub.w()) * pixelBytes;
        std::memcpy(out.data() + dst, bytes.data() + src, size_t(sub.w()) * pixelBytes);
    }
    return out;
}

void paste(std::vector<uint8_t>& bytes, const Region& whole, const std::vector<uint8_t>& part, const Region& at,
           size_t pixelBytes)
{
    for (int y = at.y0; y < at.y1; ++y) {
        const size_t dst = (size_t(y - whole.y0) * size_t(whole.w()) + size_t(at.x0 - whole.x0)) * pixelBytes;
        const size_t src = size_t(y - at.y0) * size_t(at.w()) * pixelBytes;
        std::memcpy(bytes.data() + dst, part.data() + src, size_t(at.w()) * pixelBytes);
    }
}

size_t pixelBytes(const Tensor& t) { return size_t(t.shape[3]) * size_t(std::max(dtypeSize(t.dtype), 1)); }

Region fullRegion(const Tensor& t) { return {0, t.shape[1], 0, t.shape[2]}; }

} // namespace

Diagnostics runPatched(ReferenceInterpreter& interp, const LegalGraph& lg, const std::vector<int>& order,
                       const PatchPlan& plan)
{
    const Graph& g = lg.graph;
    const int steps1 = plan.split.step + 1;
    for (size_t p = 0; p < plan.patches.size(); ++p) {
        const auto& regions = plan.regions[p];
        std::map<int, std::vector<uint8_t>> data; // tensor → bytes of its region for this patch
        for (int t : g.inputs) {
            if (!regions.count(t))
                continue;
            const Region full = fullRegion(g.tensors[size_t(t)]);
            const Region& want = regions.at(t);
            if (want.y0 < 0 || want.x0 < 0 || want.y1 > full.y1 || want.x1 > full.x1 || want.empty())
                return {makeError("", "patch", "patch " + std::to_string(p) + ": the input region lies outside the input")};
            data[t] = crop(interp.tensorBytes(t), fullRegion(g.tensors[size_t(t)]), regions.at(t), pixelBytes(g.tensors[size_t(t)]));
        }
        for (int k = 0; k < steps1; ++k) {
            const Op& op = g.ops[size_t(order[size_t(k)])];
            const int outT = op.outputs[0];
            const auto outRegion = regions.find(outT);
            if (outRegion == regions.end())
                continue;
            // A one-op graph over cropped tensors: each non-constant input is cut to exactly what
            // this op needs of it; padding applies only where the region meets the image border.
            Graph mini;
            Op mop = op;
            mop.inputs.clear();
            for (size_t i = 0; i < op.inputs.size(); ++i) {
                const int t = op.inputs[i];
                if (t < 0) {
                    mop.inputs.push_back(-1);
                    continue;
                }
                Tensor x = g.tensors[size_t(t)];
                mop.inputs.push_back(int(mini.tensors.size()));
                if (!x.isConstant()) {
                    const auto need = inputNeed(g, op, outRegion->second, int(i));
                    if (!need || !data.count(t))
                        return {makeError("", "patch", "patch " + std::to_string(p) + ": no data for input '" + x.name
                                                           + "' of op " + std::to_string(order[size_t(k)]))};
                    x.shape = {1, need->in.h(), need->in.w(), x.shape[3]};
                    if (std::holds_alternative<Conv2DOptions>(mop.options) || std::holds_alternative<DepthwiseConv2DOptions>(mop.options)
                        || std::holds_alternative<Pool2DOptions>(mop.options))
                        if (i == 0)
                            std::visit(
                                [&](auto& o) {
                                    using T = std::decay_t<decltype(o)>;
                                    if constexpr (std::is_same_v<T, Conv2DOptions> || std::is_same_v<T, DepthwiseConv2DOptions>
                                                  || std::is_same_v<T, Pool2DOptions>) {
                                        o.padding = Padding::Valid;
                                        o.pad = need->pad;
                                    }
                                },
                                mop.options);
                }
                mini.tensors.push_back(x);
            }
            Tensor y = g.tensors[size_t(outT)];
            y.shape = {1, outRegion->second.h(), outRegion->second.w(), y.shape[3]};
            mop.outputs = {int(mini.tensors.size())};
            mini.tensors.push_back(y);
            mini.ops = {mop};
            auto runner = ReferenceInterpreter::create(mini);
            if (!runner.ok())
                return runner.diagnostics;
            for (size_t i = 0; i < op.inputs.size(); ++i) {
                const int t = op.inputs[i];
                if (t < 0 || g.tensors[size_t(t)].isConstant())
                    continue;
                const auto need = inputNeed(g, op, outRegion->second, int(i));
                // A plan whose regions do not cover what an op reads is wrong: say so, never read past it.
                const Region& have = regions.at(t);
                if (need->in.y0 < have.y0 || need->in.y1 > have.y1 || need->in.x0 < have.x0 || need->in.x1 > have.x1)
                    return {makeError("", "patch", "patch " + std::to_string(p) + ": op " + std::to_string(order[size_t(k)])
                                                       + " needs rows " + std::to_string(need->in.y0) + ".."
                                                       + std::to_string(need->in.y1 - 1) + ", cols "
                                                       + std::to_string(need->in.x0) + ".." + std::to_string(need->in.x1 - 1)
                                                       + " of '" + g.tensors[size_t(t)].name + "' but the plan holds rows "
                                                       + std::to_string(have.y0) + ".." + std::to_string(have.y1 - 1)
                                                       + ", cols " + std::to_string(have.x0) + ".." + std::to_string(have.x1 - 1))};
                runner->tensorBytes(mop.inputs[i]) = crop(data[t], have, need->in, pixelBytes(g.tensors[size_t(t)]));
            }
            if (auto d = runner->runOp(0); !d.empty())
                return d;
            data[outT] = runner->tensorBytes(mop.outputs[0]);
        }
        const int s = plan.split.tensor;
        if (!data.count(s))
            return {makeError("", "patch", "patch " + std::to_string(p) + " did not produce the split tensor")};
        paste(interp.tensorBytes(s), fullRegion(g.tensors[size_t(s)]), data[s], plan.patches[p], pixelBytes(g.tensors[size_t(s)]));
    }
    for (size_t k = size_t(steps1); k < order.size(); ++k)
        if (auto d = interp.runOp(order[k]); !d.empty())
            return d;
    return {};
}

PatchProof provePatchPlan(const LegalGraph& lg, const std::vector<int>& order, const PatchPlan& plan,
                          const std::vector<uint8_t>& input)
{
    PatchProof proof;
    auto whole = ReferenceInterpreter::create(lg.graph);
    auto patched = ReferenceInterpreter::create(lg.graph);
    if (!whole.ok() || !patched.ok()) {
        proof.detail = firstError(whole.ok() ? patched.diagnostics : whole.diagnostics);
        return proof;
    }
    if (auto d = whole->setInputsFromConcatenated(input); !d.empty()) {
        proof.detail = firstError(d);
        return proof;
    }
    patched->setInputsFromConcatenated(input);
    if (auto d = whole->run(&order); !d.empty()) {
        proof.detail = "whole-tensor run: " + firstError(d);
        return proof;
    }
    if (auto d = runPatched(*patched, lg, order, plan); !d.empty()) {
        proof.detail = "patched run: " + firstError(d);
        return proof;
    }
    const int s = plan.split.tensor;
    if (whole->tensorBytes(s) != patched->tensorBytes(s)) {
        proof.detail = "split tensor: " + describeDifference(lg.graph.tensors[size_t(s)], patched->tensorBytes(s), whole->tensorBytes(s));
        return proof;
    }
    for (int t : lg.graph.outputs)
        if (whole->tensorBytes(t) != patched->tensorBytes(t)) {
            proof.detail = "output '" + lg.graph.tensors[size_t(t)].name + "': "
                           + describeDifference(lg.graph.tensors[size_t(t)], patched->tensorBytes(t), whole->tensorBytes(t));
            return proof;
        }
    proof.identical = true;
    return proof;
}

} // namespace ts
