// Planners that understand time-varying buffers:
//  greedy-by-size – first fit (lowest offset that clashes with no simultaneously live buffer),
//                   largest buffers first;
//  hill-climb     – first fit over several placement orders, then a seeded hill climb over the
//                   order that stops as soon as the lower bound is reached. TFLM's greedy plan is
//                   one of the candidates, so the result is never larger than it.

#include "plan/planner.h"

#include <algorithm>
#include <numeric>

namespace ts {

namespace {

using Buffers = std::vector<std::vector<Segment>>;

struct Placer {
    const Buffers& buffers;
    std::vector<std::vector<int>> neighbours; // buffers whose lifetimes overlap

    explicit Placer(const Buffers& b) : buffers(b), neighbours(b.size())
    {
        for (size_t i = 0; i < b.size(); ++i)
            for (size_t j = i + 1; j < b.size(); ++j)
                if (!(b[i].back().last < b[j].front().first || b[j].back().last < b[i].front().first)) {
                    neighbours[i].push_back(int(j));
                    neighbours[j].push_back(int(i));
                }
    }

    // First fit in the given order; returns offsets.
    std::vector<int64_t> place(const std::vector<int>& order) const
    {
        std::vector<int64_t> offsets(buffers.size(), -1);
        std::vector<std::pair<int64_t, int64_t>> forbidden;
        for (int b : order) {
            forbidden.clear();
            for (int n : neighbours[size_t(b)]) {
                if (offsets[size_t(n)] < 0)
                    continue;
                for (const Segment& x : buffers[size_t(n)])
                    for (const Segment& y : buffers[size_t(b)]) {
                        if (x.last < y.first || y.last < x.first || x.size == 0 || y.size == 0)
                            continue;
                        // Offsets o with [o, o+y) ∩ [on, on+x) ≠ ∅.
                        forbidden.emplace_back(offsets[size_t(n)] - y.size + 1, offsets[size_t(n)] + x.size);
                    }
            }
            std::sort(forbidden.begin(), forbidden.end());
            int64_t o = 0;
            for (const auto& [lo, hi] : forbidden) {
                if (lo > o)
                    break;
                o = std::max(o, hi);
            }
            offsets[size_t(b)] = o;
        }
        return offsets;
    }
};

int64_t maxSize(const std::vector<Segment>& segs)
{
    int64_t m = 0;
    for (const Segment& s : segs)
        m = std::max(m, s.size);
    return m;
}

std::vector<int> bySize(const Buffers& b)
{
    std::vector<int> order(b.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
        const int64_t sx = maxSize(b[size_t(x)]), sy = maxSize(b[size_t(y)]);
        if (sx != sy)
            return sx > sy;
        return b[size_t(x)].front().first < b[size_t(y)].front().first;
    });
    return order;
}

class GreedyBySizePlanner : public MemoryPlanner {
public:
    std::string name() const override { return "greedy-by-size"; }

protected:
    std::vector<int64_t> computeOffsets() const override { return Placer(buffers()).place(bySize(buffers())); }
};

class HillClimbPlanner : public MemoryPlanner {
public:
    std::string name() const override { return "hill-climb"; }

protected:
    std::vector<int64_t> computeOffsets() const override
    {
        const Buffers& b = buffers();
        if (b.empty())
            return {};
        const Placer placer(b);
        const int64_t target = lowerBound();

        // Candidate orders.
        std::vector<std::vector<int>> orders;
        orders.push_back(bySize(b));
        std::vector<int> byArea = orders[0];
        std::stable_sort(byArea.begin(), byArea.end(), [&](int x, int y) {
            auto area = [&](int i) {
                int64_t a = 0;
                for (const Segment& s : b[size_t(i)])
                    a += s.size * (s.last - s.first + 1);
                return a;
            };
            return area(x) > area(y);
        });
        orders.push_back(byArea);
        std::vector<int> byStart = orders[0];
        std::stable_sort(byStart.begin(), byStart.end(),
                         [&](int x, int y) { return b[size_t(x)].front().first < b[size_t(y)].front().first; });
        orders.push_back(byStart);
        std::vector<int> byLength = orders[0];
        std::stable_sort(byLength.begin(), byLength.end(), [&](int x, int y) {
            return b[size_t(x)].back().last - b[size_t(x)].front().first > b[size_t(y)].back().last - b[size_t(y)].front().first;
        });
        orders.push_back(byLength);

        std::vector<int64_t> best;
        int64_t bestPeak = -1;
        std::vector<int> bestOrder;
        auto consider = [&](const std::vector<int64_t>& offsets, const std::vector<int>* order) {
            const int64_t peak = placementPeak(b, offsets);
            if (bestPeak < 0 || peak < bestPeak) {
                bestPeak = peak;
                best = offsets;
                if (order)
                    bestOrder = *order;
            }
        };
        // TFLM's plan is a candidate: the result is never worse than it.
        {
            auto tflm = createPlanner("tflm-greedy");
            for (const auto& segs : b)
                tflm->addBuffer(segs);
            consider(tflm->offsets(), nullptr);
        }
        for (const auto& order : orders) {
            consider(placer.place(order), &order);
            if (bestPeak <= target)
                return best;
        }
        if (bestOrder.empty())
            bestOrder = orders[0];

        // Hill climb over the placement order: move a buffer that ends at the peak earlier, or
        // swap two buffers; keep changes that do not make the peak worse. Deterministic (seeded).
        uint32_t rng = 0x9E3779B9u;
        auto next = [&] {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            return rng;
        };
        std::vector<int> order = bestOrder;
        std::vector<int64_t> current = placer.place(order);
        int64_t currentPeak = placementPeak(b, current);
        const int n = int(order.size());
        const int maxEvaluations = std::min(4000, 40 * n + 200);
        int sinceImprovement = 0;
        for (int it = 0; it < maxEvaluations && bestPeak > target && sinceImprovement < 600 && n > 1; ++it) {
            std::vector<int> candidate = order;
            if (next() % 2 == 0) {
                // A buffer at the top of the arena moves to a random earlier position.
                std::vector<int> top;
                for (int i = 0; i < n; ++i) {
                    const int id = candidate[size_t(i)];
                    for (const Segment& s : b[size_t(id)])
                        if (current[size_t(id)] + s.size == currentPeak) {
                            top.push_back(i);
                            break;
                        }
                }
                if (top.empty())
                    continue;
                const int from = top[next() % top.size()];
                if (from == 0)
                    continue;
                const int to = int(next() % uint32_t(from));
                const int id = candidate[size_t(from)];
                candidate.erase(candidate.begin() + from);
                candidate.insert(candidate.begin() + to, id);
            } else {
                const int i = int(next() % uint32_t(n)), j = int(next() % uint32_t(n));
                std::swap(candidate[size_t(i)], candidate[size_t(j)]);
            }
            const auto offsets = placer.place(candidate);
            const int64_t peak = placementPeak(b, offsets);
            ++sinceImprovement;
            if (peak <= currentPeak) {
                if (peak < currentPeak)
                    sinceImprovement = 0;
                order = std::move(candidate);
                current = offsets;
                currentPeak = peak;
                consider(current, &order);
            }
        }
        return best;
    }
};

} // namespace

std::unique_ptr<MemoryPlanner> createGreedyBySizePlanner() { return std::make_unique<GreedyBySizePlanner>(); }
std::unique_ptr<MemoryPlanner> createHillClimbPlanner() { return std::make_unique<HillClimbPlanner>(); }

} // namespace ts
