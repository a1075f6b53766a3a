// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace cxr {

// Calls work(i) for every i in [0, count) on all cores, each index once, in no fixed order.
// work must only write state of its own index. Stops taking new indices once the observer
// cancels; progress is reported as items finish (serialised, so observers need no lock).
// Returns false when cancelled.
template <typename Work>
bool parallelFor(std::size_t count, Work work, ProgressObserver *observer = nullptr)
{
    std::atomic<std::size_t> next{0};
    std::atomic<std::int64_t> done{0};
    std::mutex progressMutex;
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++) {
            if (cancelled(observer)) {
                return;
            }
            work(i);
            const std::int64_t finished = ++done;
            if (observer) {
                std::lock_guard<std::mutex> lock(progressMutex);
                observer->progress(finished, std::int64_t(count));
            }
        }
    };
    const unsigned threads =
        std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), unsigned(count)));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) {
        pool.emplace_back(worker);
    }
    worker();
    for (std::thread &thread : pool) {
        thread.join();
    }
    return !cancelled(observer);
}

} // namespace cxr
