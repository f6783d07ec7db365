#pragma once
// Arena planners behind one interface (TFLM-style): add buffers with their lifetimes, then ask for
// offsets and the peak. A buffer may change size over its life (an in-place output that is smaller
// than the input it overwrites); planners that cannot use that treat it at its largest size.

#include "analysis/memory.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts {

class MemoryPlanner {
public:
    virtual ~MemoryPlanner() = default;
    virtual std::string name() const = 0;

    // Returns the buffer's index. `size` must already be aligned as the caller wants it.
    int addBuffer(int64_t size, int firstUse, int lastUse);
    int addBuffer(std::vector<Segment> segments);
    void setLowerBound(int64_t bytes) { m_lowerBound = bytes; } // lets search planners stop early

    int64_t offsetOf(int buffer) const;
    int64_t peakBytes() const;
    const std::vector<int64_t>& offsets() const;
    int bufferCount() const { return int(m_buffers.size()); }

protected:
    virtual std::vector<int64_t> computeOffsets() const = 0;
    const std::vector<std::vector<Segment>>& buffers() const { return m_buffers; }
    int64_t lowerBound() const { return m_lowerBound; }

private:
    void ensurePlanned() const;
    std::vector<std::vector<Segment>> m_buffers;
    int64_t m_lowerBound = 0;
    mutable std::vector<int64_t> m_offsets;
    mutable bool m_planned = false;
};

// Registered planner names: "tflm-greedy", "greedy-by-size", "hill-climb" (the default).
std::vector<std::string> plannerNames();
std::unique_ptr<MemoryPlanner> createPlanner(const std::string& name); // nullptr if unknown
constexpr const char* kDefaultPlanner = "hill-climb";

// Peak of a placement: max over buffers and their segments of offset + size.
int64_t placementPeak(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets);

// Empty when no two buffers that are live at the same step overlap in the arena; otherwise the
// first conflict, in words.
std::string checkPlacement(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets);

// The plan of a memory analysis with a named planner.
struct ArenaPlan {
    std::string planner;
    std::vector<int64_t> offsets; // per MemoryAnalysis buffer
    int64_t peakBytes = 0;
};
// Feeds every buffer of `m` to `planner` in the analysis's order (tensors, then scratch).
ArenaPlan planArena(const MemoryAnalysis& m, MemoryPlanner& planner);

} // namespace ts
