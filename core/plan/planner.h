#pragma once
// Arena planners behind one interface (TFLM-style): add buffers with their lifetimes, then ask for
// offsets and the peak. A buffer may shrink over its life (an in-place output smaller than the
// input it overwrites); its remaining bytes sit either at the start of the buffer ("head") or at
// its end ("tail") — the kernels can write an in-place output either way, and the planner chooses.
// Planners that cannot use shrinking treat a buffer at its largest size.

#include "analysis/memory.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ts {

class MemoryPlanner {
public:
    virtual ~MemoryPlanner() = default;
    virtual std::string name() const = 0;

    // Returns the buffer's index. `size` must already be aligned as the caller wants it.
    int addBuffer(int64_t size, int firstUse, int lastUse);
    // `tailAllowed` false: the buffer's shrunk (or grown) segments must stay at its head.
    int addBuffer(std::vector<Segment> segments, bool tailAllowed = true);
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
    const std::vector<bool>& tailAllowedFlags() const { return m_tailAllowed; }
    int64_t lowerBound() const { return m_lowerBound; }

private:
    void ensurePlanned() const;
    std::vector<std::vector<Segment>> m_buffers;
    std::vector<bool> m_tailAllowed;
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
    // Where a tensor's first byte is: its buffer's base, or (tail) base + largest − its aligned
    // size. -1 for a tensor the arena does not hold (constant, external, unplanned variable).
    int64_t tensorOffset(const Graph& g, const MemoryAnalysis& m, int tensor) const;
};

// How one in-place op of a plan executes: where its input and output are and the kernel variant
// (iteration order) its contract gives for that placement (none: no kernel can run it).
struct InplacePlacement {
    InplaceStep step;
    int64_t inputOffset = 0, outputOffset = 0;
    std::optional<IterationOrder> order;
    int64_t delta() const { return outputOffset - inputOffset; }
};
std::vector<InplacePlacement> inplacePlacements(const Graph& g, const MemoryAnalysis& m, const ArenaPlan& plan);
// Empty when every in-place op of the plan has a kernel variant for its placement and no two
// buffers live at the same step overlap; otherwise the first problem, in words.
std::string checkPlan(const Graph& g, const MemoryAnalysis& m, const ArenaPlan& plan);
// Feeds every buffer of `m` to `planner` in the analysis's order (tensors, then scratch).
ArenaPlan planArena(const MemoryAnalysis& m, MemoryPlanner& planner);

} // namespace ts
