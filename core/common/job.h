#pragma once
// Progress and cancellation for long core work (patch search, reorder search, and later build,
// flash and model search). Core code calls progress() at its cancellation points and stops with a
// "cancelled" error as soon as cancelled() is true; the GUI sets the flag from its Cancel button
// and shows the progress. Thread-safe: the worker reads, the GUI thread writes.

#include <atomic>
#include <functional>
#include <string>

namespace ts {

class JobControl {
public:
    // Called by the worker with done/total units and a short phrase ("split 3 of 7").
    using ProgressFn = std::function<void(int64_t done, int64_t total, const std::string& what)>;

    JobControl() = default;
    explicit JobControl(ProgressFn progress) : m_progress(std::move(progress)) {}

    void cancel() const { m_cancelled.store(true); }
    bool cancelled() const { return m_cancelled.load(); }
    // Reports progress; returns false when the job should stop.
    bool progress(int64_t done, int64_t total, const std::string& what = {}) const
    {
        if (cancelled())
            return false; // a cancelled job reports nothing more (its receiver may be gone)
        if (m_progress)
            m_progress(done, total, what);
        return !cancelled();
    }

private:
    ProgressFn m_progress;
    mutable std::atomic<bool> m_cancelled{false};
};

// The error text core returns for a cancelled job.
constexpr const char* kCancelledMessage = "cancelled";

} // namespace ts
