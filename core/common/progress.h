// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace cxr {

// Long core work reports through this interface and polls it for cancellation.
// Calls come from the worker thread; implementations must be thread-safe (the GUI adapter
// turns them into queued signals, the CLI prints a progress bar).
class ProgressObserver {
public:
    virtual ~ProgressObserver() = default;
    // done out of total units of work; total may be 0 when unknown.
    virtual void progress(std::int64_t done, std::int64_t total) {}
    // A short human-readable stage description ("Decoding train images").
    virtual void stage(const std::string &what) {}
    // Polled between units of work; true stops the work with ErrorCode::Cancelled.
    virtual bool isCancelled() const { return false; }
};

// An observer that only carries a cancellation flag; handy for tests and batch jobs.
class CancelFlag : public ProgressObserver {
public:
    void cancel() { m_cancelled.store(true); }
    bool isCancelled() const override { return m_cancelled.load(); }

private:
    std::atomic<bool> m_cancelled{false};
};

inline bool cancelled(const ProgressObserver *observer)
{
    return observer != nullptr && observer->isCancelled();
}

} // namespace cxr
