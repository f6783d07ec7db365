#include "plan/planner.h"

#include <algorithm>

namespace ts {

std::unique_ptr<MemoryPlanner> createTflmGreedyPlanner();
std::unique_ptr<MemoryPlanner> createGreedyBySizePlanner();
std::unique_ptr<MemoryPlanner> createHillClimbPlanner();

int MemoryPlanner::addBuffer(int64_t size, int firstUse, int lastUse)
{
    return addBuffer(std::vector<Segment>{{firstUse, lastUse, size}});
}

int MemoryPlanner::addBuffer(std::vector<Segment> segments, bool tailAllowed)
{
    m_buffers.push_back(std::move(segments));
    m_tailAllowed.push_back(tailAllowed);
    m_planned = false;
    return int(m_buffers.size() - 1);
}

void MemoryPlanner::ensurePlanned() const
{
    if (m_planned)
        return;
    m_placement = computePlacement();
    m_placement.tail.resize(m_placement.offsets.size(), false);
    for (size_t b = 0; b < m_placement.tail.size() && b < m_tailAllowed.size(); ++b)
        if (!m_tailAllowed[b])
            m_placement.tail[b] = false; // a planner that ignores the flag still gets a safe plan
    m_planned = true;
}

int64_t MemoryPlanner::offsetOf(int buffer) const
{
    ensurePlanned();
    return buffer >= 0 && size_t(buffer) < m_placement.offsets.size() ? m_placement.offsets[size_t(buffer)] : -1;
}

const std::vector<int64_t>& MemoryPlanner::offsets() const
{
    ensurePlanned();
    return m_placement.offsets;
}

const std::vector<bool>& MemoryPlanner::tailAligned() const
{
    ensurePlanned();
    return m_placement.tail;
}

int64_t MemoryPlanner::peakBytes() const
{
    ensurePlanned();
    return placementPeak(m_buffers, m_placement.offsets, m_placement.tail);
}

int64_t segmentOffset(const std::vector<Segment>& segments, size_t k, int64_t base, bool tail)
{
    if (!tail)
        return base;
    int64_t largest = 0;
    for (const Segment& s : segments)
        largest = std::max(largest, s.size);
    return base + largest - segments[k].size;
}

int64_t ArenaPlan::segmentOffset(const MemoryAnalysis& m, int b, size_t k) const
{
    return ts::segmentOffset(m.buffers[size_t(b)].segments, k, offsets[size_t(b)], size_t(b) < tail.size() && tail[size_t(b)]);
}

int64_t ArenaPlan::tensorOffset(const Graph& g, const MemoryAnalysis& m, int tensor) const
{
    if (tensor < 0 || size_t(tensor) >= m.tensorBuffer.size())
        return -1;
    const int b = m.tensorBuffer[size_t(tensor)];
    if (b < 0 || size_t(b) >= offsets.size())
        return -1;
    const bool isTail = size_t(b) < tail.size() && tail[size_t(b)];
    if (!isTail)
        return offsets[size_t(b)];
    return offsets[size_t(b)] + m.buffers[size_t(b)].maxSize() - alignedTensorBytes(g, tensor, m.alignment);
}

std::vector<InplacePlacement> inplacePlacements(const Graph& g, const MemoryAnalysis& m, const ArenaPlan& plan)
{
    std::vector<InplacePlacement> out;
    for (const InplaceStep& ip : m.inplace) {
        InplacePlacement p;
        p.step = ip;
        p.inputOffset = plan.tensorOffset(g, m, ip.input);
        p.outputOffset = plan.tensorOffset(g, m, ip.output);
        p.order = inplaceOrder(g, g.ops[size_t(ip.op)], ip.kind, ip.operand, p.delta());
        out.push_back(p);
    }
    return out;
}

std::string checkPlan(const Graph& g, const MemoryAnalysis& m, const ArenaPlan& plan)
{
    std::vector<std::vector<Segment>> segs;
    for (const PlanBuffer& b : m.buffers)
        segs.push_back(b.segments);
    if (std::string overlap = checkPlacement(segs, plan.offsets, plan.tail); !overlap.empty())
        return overlap;
    for (const InplacePlacement& p : inplacePlacements(g, m, plan))
        if (!p.order)
            return "step " + std::to_string(p.step.step) + " (op " + std::to_string(p.step.op) + ", in-place "
                   + inplaceKindName(p.step.kind) + ") writes its output " + std::to_string(p.delta())
                   + " B from its input: no kernel variant executes that placement";
    return {};
}

std::vector<std::string> plannerNames() { return {"tflm-greedy", "greedy-by-size", "hill-climb"}; }

std::unique_ptr<MemoryPlanner> createPlanner(const std::string& name)
{
    if (name == "tflm-greedy")
        return createTflmGreedyPlanner();
    if (name == "greedy-by-size")
        return createGreedyBySizePlanner();
    if (name == "hill-climb")
        return createHillClimbPlanner();
    return nullptr;
}

int64_t placementPeak(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets,
                      const std::vector<bool>& tail)
{
    int64_t peak = 0;
    for (size_t b = 0; b < buffers.size() && b < offsets.size(); ++b)
        for (size_t k = 0; k < buffers[b].size(); ++k)
            peak = std::max(peak, segmentOffset(buffers[b], k, offsets[b], b < tail.size() && tail[b]) + buffers[b][k].size);
    return peak;
}

std::string checkPlacement(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets,
                           const std::vector<bool>& tail)
{
    if (offsets.size() != buffers.size())
        return "the plan has " + std::to_string(offsets.size()) + " offsets for " + std::to_string(buffers.size())
               + " buffers";
    for (size_t a = 0; a < buffers.size(); ++a) {
        if (offsets[a] < 0)
            return "buffer " + std::to_string(a) + " has a negative offset";
        for (size_t b = a + 1; b < buffers.size(); ++b)
            for (size_t i = 0; i < buffers[a].size(); ++i)
                for (size_t j = 0; j < buffers[b].size(); ++j) {
                    const Segment& x = buffers[a][i];
                    const Segment& y = buffers[b][j];
                    if (x.last < y.first || y.last < x.first || x.size == 0 || y.size == 0)
                        continue;
                    const int64_t ox = segmentOffset(buffers[a], i, offsets[a], a < tail.size() && tail[a]);
                    const int64_t oy = segmentOffset(buffers[b], j, offsets[b], b < tail.size() && tail[b]);
                    if (ox < oy + y.size && oy < ox + x.size)
                        return "buffers " + std::to_string(a) + " [" + std::to_string(ox) + ", +" + std::to_string(x.size)
                               + ") and " + std::to_string(b) + " [" + std::to_string(oy) + ", +" + std::to_string(y.size)
                               + ") overlap while both are live (steps " + std::to_string(std::max(x.first, y.first))
                               + ".." + std::to_string(std::min(x.last, y.last)) + ")";
                }
    }
    return {};
}

ArenaPlan planArena(const MemoryAnalysis& m, MemoryPlanner& planner)
{
    for (const PlanBuffer& b : m.buffers)
        planner.addBuffer(b.segments, b.tailAllowed);
    planner.setLowerBound(m.lowerBound);
    ArenaPlan plan;
    plan.planner = planner.name();
    plan.offsets = planner.offsets();
    plan.tail = planner.tailAligned();
    plan.peakBytes = planner.peakBytes();
    return plan;
}

} // namespace ts
