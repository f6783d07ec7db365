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

int MemoryPlanner::addBuffer(std::vector<Segment> segments)
{
    m_buffers.push_back(std::move(segments));
    m_planned = false;
    return int(m_buffers.size() - 1);
}

void MemoryPlanner::ensurePlanned() const
{
    if (m_planned)
        return;
    m_offsets = computeOffsets();
    m_planned = true;
}

int64_t MemoryPlanner::offsetOf(int buffer) const
{
    ensurePlanned();
    return buffer >= 0 && size_t(buffer) < m_offsets.size() ? m_offsets[size_t(buffer)] : -1;
}

const std::vector<int64_t>& MemoryPlanner::offsets() const
{
    ensurePlanned();
    return m_offsets;
}

int64_t MemoryPlanner::peakBytes() const
{
    ensurePlanned();
    return placementPeak(m_buffers, m_offsets);
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

int64_t placementPeak(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets)
{
    int64_t peak = 0;
    for (size_t b = 0; b < buffers.size() && b < offsets.size(); ++b)
        for (const Segment& s : buffers[b])
            peak = std::max(peak, offsets[b] + s.size);
    return peak;
}

std::string checkPlacement(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets)
{
    if (offsets.size() != buffers.size())
        return "the plan has " + std::to_string(offsets.size()) + " offsets for " + std::to_string(buffers.size())
               + " buffers";
    for (size_t a = 0; a < buffers.size(); ++a) {
        if (offsets[a] < 0)
            return "buffer " + std::to_string(a) + " has a negative offset";
        for (size_t b = a + 1; b < buffers.size(); ++b)
            for (const Segment& x : buffers[a])
                for (const Segment& y : buffers[b]) {
                    if (x.last < y.first || y.last < x.first || x.size == 0 || y.size == 0)
                        continue;
                    if (offsets[a] < offsets[b] + y.size && offsets[b] < offsets[a] + x.size)
                        return "buffers " + std::to_string(a) + " [" + std::to_string(offsets[a]) + ", +"
                               + std::to_string(x.size) + ") and " + std::to_string(b) + " ["
                               + std::to_string(offsets[b]) + ", +" + std::to_string(y.size)
                               + ") overlap while both are live (steps " + std::to_string(std::max(x.first, y.first))
                               + ".." + std::to_string(std::min(x.last, y.last)) + ")";
                }
    }
    return {};
}

ArenaPlan planArena(const MemoryAnalysis& m, MemoryPlanner& planner)
{
    for (const PlanBuffer& b : m.buffers)
        planner.addBuffer(b.segments);
    planner.setLowerBound(m.lowerBound);
    ArenaPlan plan;
    plan.planner = planner.name();
    plan.offsets = planner.offsets();
    plan.peakBytes = planner.peakBytes();
    return plan;
}

} // namespace ts
