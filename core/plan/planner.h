#pragma once
// Arena planners behind one interface (TFLM-style): add buffers with their lifetimes, then ask for
// offsets and the peak. A buffer may shrink over its life (an in-place output smaller than the
// input it overwrites); its remaining bytes sit either at the start of the buffer ("head") or at
// its end ("tail") — the kernels can write an in-place output either way, and the planner chooses.
// Planners that cannot use shrinking treat a buffer at its largest size.

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

    int64_t offsetOf(int buffer) const; // the buffer's base (where its largest segment starts)
    int64_t peakBytes() const;
    const std::vector<int64_t>& offsets() const;
    const std::vector<bool>& tailAligned() const; // per buffer: shrunk segments kept at the end
    int bufferCount() const { return int(m_buffers.size()); }

    struct Placement {
        std::vector<int64_t> offsets;
        std::vector<bool> tail;
    };

protected:
    virtual Placement computePlacement() const = 0;
    const std::vector<std::vector<Segment>>& buffers() const { return m_buffers; }
    int64_t lowerBound() const { return m_lowerBound; }

private:
    void ensurePlanned() const;
    std::vector<std::vector<Segment>> m_buffers;
    int64_t m_lowerBound = 0;
    mutable Placement m_placement;
    mutable bool m_planned = false;
};

// Registered planner names: "tflm-greedy", "greedy-by-size", "hill-climb" (the default).
std::vector<std::string> plannerNames();
std::unique_ptr<MemoryPlanner> createPlanner(const std::string& name); // nullptr if unknown
constexpr const char* kDefaultPlanner = "hill-climb";

// Where segment `k` of a buffer starts, given the buffer's base and alignment of its shrinking.
int64_t segmentOffset(const std::vector<Segment>& segments, size_t k, int64_t base, bool tail);

// Peak of a placement: max over buffers and their segments of segment offset + size. `tail` may be
// empty (all head-aligned).
int64_t placementPeak(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets,
                      const std::vector<bool>& tail = {});

// Empty when no two buffers that are live at the same step overlap in the arena; otherwise the
// first conflict, in words.
std::string checkPlacement(const std::vector<std::vector<Segment>>& buffers, const std::vector<int64_t>& offsets,
                           const std::vector<bool>& tail = {});

// The plan of a memory analysis with a named planner.
struct ArenaPlan {
    std::string planner;
    std::vector<int64_t> offsets; // per MemoryAnalysis buffer: its base
    std::vector<bool> tail;       // per buffer: shrunk segments kept at the end of the buffer
    int64_t peakBytes = 0;
    // Where buffer b's segment k starts.
    int64_t segmentOffset(const MemoryAnalysis& m, int b, size_t k) const;
};
// Feeds every buffer of `m` to `planner` in the analysis's order (tensors, then scratch).
ArenaPlan planArena(const MemoryAnalysis& m, MemoryPlanner& planner);

} // namespace ts
