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

    // First fit in the given order, with each buffer's head/tail choice; returns the bases.
    std::vector<int64_t> place(const std::vector<int>& order, const std::vector<bool>& tail) const
    {
        std::vector<int64_t> offsets(buffers.size(), -1);
        std::vector<std::pair<int64_t, int64_t>> forbidden;
        for (int b : order) {
            forbidden.clear();
            const auto& mine = buffers[size_t(b)];
            for (int n : neighbours[size_t(b)]) {
                if (offsets[size_t(n)] < 0)
                    continue;
                const auto& theirs = buffers[size_t(n)];
                for (size_t i = 0; i < theirs.size(); ++i)
                    for (size_t j = 0; j < mine.size(); ++j) {
                        const Segment& x = theirs[i];
                        const Segment& y = mine[j];
                        if (x.last < y.first || y.last < x.first || x.size == 0 || y.size == 0)
                            continue;
                        const int64_t ox = segmentOffset(theirs, i, offsets[size_t(n)], tail[size_t(n)]);
                        const int64_t shift = segmentOffset(mine, j, 0, tail[size_t(b)]);
                        // Bases o with [o+shift, o+shift+y) ∩ [ox, ox+x) ≠ ∅.
                        forbidden.emplace_back(ox - shift - y.size + 1, ox - shift + x.size);
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
    Placement computePlacement() const override
    {
        const std::vector<bool> head(buffers().size(), false);
        return {Placer(buffers()).place(bySize(buffers()), head), head};
    }
};

class HillClimbPlanner : public MemoryPlanner {
public:
    std::string name() const override { return "hill-climb"; }

protected:
    Placement computePlacement() const override
    {
        const Buffers& b = buffers();
        if (b.empty())
            return {};
        const Placer placer(b);
        const int64_t target = lowerBound();
        const size_t n = b.size();

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

        // Head/tail configurations: all head, all tail, and shrinking buffers alternating in time
        // (consecutive in-place chains then leave their remainders at opposite ends).
        std::vector<int> shrinking;
        const std::vector<bool>& tailOk = tailAllowedFlags();
        for (size_t i = 0; i < n; ++i)
            if (b[i].size() > 1 && (i >= tailOk.size() || tailOk[i]))
                shrinking.push_back(int(i)); // only buffers whose kernels allow the tail placement
        std::sort(shrinking.begin(), shrinking.end(),
                  [&](int x, int y) { return b[size_t(x)].front().first < b[size_t(y)].front().first; });
        std::vector<std::vector<bool>> tails{std::vector<bool>(n, false)};
        if (!shrinking.empty()) {
            std::vector<bool> all(n, false), alternate(n, false), alternate2(n, false);
            for (size_t k = 0; k < shrinking.size(); ++k) {
                all[size_t(shrinking[k])] = true;
                alternate[size_t(shrinking[k])] = k % 2 == 1;
                alternate2[size_t(shrinking[k])] = k % 2 == 0;
            }
            tails.push_back(all);
            tails.push_back(alternate);
            tails.push_back(alternate2);
        }

        Placement best;
        int64_t bestPeak = -1;
        std::vector<int> bestOrder;
        std::vector<bool> bestTail;
        auto consider = [&](const std::vector<int64_t>& offsets, const std::vector<bool>& tail, const std::vector<int>* order) {
            const int64_t peak = placementPeak(b, offsets, tail);
            if (bestPeak < 0 || peak < bestPeak) {
                bestPeak = peak;
                best = {offsets, tail};
                if (order) {
                    bestOrder = *order;
                    bestTail = tail;
                }
            }
        };
        // TFLM's plan is a candidate: the result is never worse than it.
        {
            auto tflm = createPlanner("tflm-greedy");
            for (const auto& segs : b)
                tflm->addBuffer(segs);
            consider(tflm->offsets(), std::vector<bool>(n, false), nullptr);
        }
        for (const auto& tail : tails)
            for (const auto& order : orders) {
                consider(placer.place(order, tail), tail, &order);
                if (bestPeak <= target)
                    return best;
            }
        if (bestOrder.empty()) {
            bestOrder = orders[0];
            bestTail = tails[0];
        }

        // Hill climb over the placement order and the head/tail choices: move a buffer that
        // reaches the peak earlier, swap two buffers, or flip a shrinking buffer's alignment;
        // keep changes that do not make the peak worse. Deterministic (seeded).
        uint32_t rng = 0x9E3779B9u;
        auto next = [&] {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            return rng;
        };
        std::vector<int> order = bestOrder;
        std::vector<bool> tail = bestTail;
        std::vector<int64_t> current = placer.place(order, tail);
        int64_t currentPeak = placementPeak(b, current, tail);
        const int count = int(n);
        const int maxEvaluations = std::min(6000, 60 * count + 300);
        int sinceImprovement = 0;
        for (int it = 0; it < maxEvaluations && bestPeak > target && sinceImprovement < 800 && count > 1; ++it) {
            std::vector<int> candidate = order;
            std::vector<bool> candidateTail = tail;
            const uint32_t move = next() % 3;
            if (move == 0) {
                // A buffer at the top of the arena moves to a random earlier position.
                std::vector<int> top;
                for (int i = 0; i < count; ++i) {
                    const int id = candidate[size_t(i)];
                    for (size_t k = 0; k < b[size_t(id)].size(); ++k)
                        if (segmentOffset(b[size_t(id)], k, current[size_t(id)], tail[size_t(id)]) + b[size_t(id)][k].size
                            == currentPeak) {
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
            } else if (move == 1 || shrinking.empty()) {
                const int i = int(next() % uint32_t(count)), j = int(next() % uint32_t(count));
                std::swap(candidate[size_t(i)], candidate[size_t(j)]);
            } else {
                // Flip the alignment of a shrinking buffer that is live while a buffer reaching
                // the peak is: that is where a remainder at the wrong end blocks a large buffer.
                std::vector<int> targets;
                for (int id = 0; id < count && targets.empty(); ++id) {
                    bool atTop = false;
                    for (size_t k = 0; k < b[size_t(id)].size(); ++k)
                        atTop |= segmentOffset(b[size_t(id)], k, current[size_t(id)], tail[size_t(id)]) + b[size_t(id)][k].size
                            == currentPeak;
                    if (!atTop)
                        continue;
                    for (int sId : shrinking)
                        if (!(b[size_t(sId)].back().last < b[size_t(id)].front().first
                              || b[size_t(id)].back().last < b[size_t(sId)].front().first))
                            targets.push_back(sId);
                }
                const int id = !targets.empty() && next() % 4 != 0 ? targets[next() % targets.size()]
                                                                   : shrinking[next() % shrinking.size()];
                candidateTail[size_t(id)] = !candidateTail[size_t(id)];
            }
            const auto offsets = placer.place(candidate, candidateTail);
            const int64_t peak = placementPeak(b, offsets, candidateTail);
            ++sinceImprovement;
            if (peak <= currentPeak) {
                if (peak < currentPeak)
                    sinceImprovement = 0;
                order = std::move(candidate);
                tail = std::move(candidateTail);
                current = offsets;
                currentPeak = peak;
                consider(current, tail, &order);
            }
        }
        return best;
    }
};

} // namespace

std::unique_ptr<MemoryPlanner> createGreedyBySizePlanner() { return std::make_unique<GreedyBySizePlanner>(); }
std::unique_ptr<MemoryPlanner> createHillClimbPlanner() { return std::make_unique<HillClimbPlanner>(); }

} // namespace ts
