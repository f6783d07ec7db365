// TensorFlow Lite Micro's GreedyMemoryPlanner, reproduced step for step so that its figures match
// TFLM's exactly: buffers are visited largest first (a stable bubble sort of the buffers in
// reverse order of addition), each placed in the first gap, in offset order, among the buffers
// whose lifetimes overlap it. Time-varying buffers are treated at their largest size.

#include "plan/planner.h"

#include <algorithm>

namespace ts {

namespace {

class TflmGreedyPlanner : public MemoryPlanner {
public:
    std::string name() const override { return "tflm-greedy"; }

protected:
    Placement computePlacement() const override
    {
        struct Req { int64_t size; int first, last; };
        std::vector<Req> reqs;
        for (const auto& segs : buffers()) {
            Req r{0, segs.front().first, segs.back().last};
            for (const Segment& s : segs)
                r.size = std::max(r.size, s.size);
            reqs.push_back(r);
        }
        const int count = int(reqs.size());
        std::vector<int64_t> offsets(size_t(count), -1);
        if (count == 0)
            return {offsets, {}};

        // Online buffers are filled in from the tail, so the list starts in reverse order of
        // addition; the bubble sort below is stable, which fixes TFLM's tie-breaking.
        std::vector<int64_t> sizes(static_cast<size_t>(count));
        std::vector<int> ids(static_cast<size_t>(count));
        for (int i = 0; i < count; ++i) {
            sizes[size_t(count - 1 - i)] = reqs[size_t(i)].size;
            ids[size_t(count - 1 - i)] = i;
        }
        bool swapped;
        do {
            swapped = false;
            for (int i = 1; i < count; ++i)
                if (sizes[size_t(i - 1)] < sizes[size_t(i)]) {
                    std::swap(sizes[size_t(i - 1)], sizes[size_t(i)]);
                    std::swap(ids[size_t(i - 1)], ids[size_t(i)]);
                    swapped = true;
                }
        } while (swapped);

        // Placed buffers as a list ordered by offset.
        struct Entry { int64_t offset; int req; int next; };
        std::vector<Entry> list;
        list.reserve(size_t(count));
        int head = 0;
        list.push_back({0, ids[0], -1});
        offsets[size_t(ids[0])] = 0;
        auto overlaps = [&](const Entry& e, int first, int last) {
            const Req& r = reqs[size_t(e.req)];
            return !(r.first > last || first > r.last);
        };
        auto nextActive = [&](int start, int first, int last) -> int {
            int candidate = start < 0 ? head : list[size_t(start)].next;
            while (candidate >= 0) {
                if (overlaps(list[size_t(candidate)], first, last))
                    return candidate;
                candidate = list[size_t(candidate)].next;
            }
            return -1;
        };
        for (int i = 1; i < count; ++i) {
            const int id = ids[size_t(i)];
            const Req& want = reqs[size_t(id)];
            int64_t candidate = 0;
            int prior = -1;
            while (true) {
                const int next = nextActive(prior, want.first, want.last);
                if (prior >= 0) {
                    const int64_t end = list[size_t(prior)].offset + reqs[size_t(list[size_t(prior)].req)].size;
                    candidate = std::max(candidate, end);
                }
                if (next < 0)
                    break;
                if (list[size_t(next)].offset - candidate >= want.size)
                    break;
                prior = next;
            }
            offsets[size_t(id)] = candidate;
            const int index = int(list.size());
            list.push_back({candidate, id, -1});
            if (list[size_t(head)].offset > candidate) {
                list[size_t(index)].next = head;
                head = index;
            } else {
                int cur = head;
                while (true) {
                    const int next = list[size_t(cur)].next;
                    if (next < 0) {
                        list[size_t(cur)].next = index;
                        break;
                    }
                    if (list[size_t(next)].offset > candidate) {
                        list[size_t(index)].next = next;
                        list[size_t(cur)].next = index;
                        break;
                    }
                    cur = next;
                }
            }
        }
        return {offsets, {}};
    }
};

} // namespace

std::unique_ptr<MemoryPlanner> createTflmGreedyPlanner() { return std::make_unique<TflmGreedyPlanner>(); }

} // namespace ts
