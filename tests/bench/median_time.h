// SPDX-License-Identifier: MIT
#pragma once

// Benchmarks time work as the median of repeated runs after warm-up runs.

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace cxr::bench {

// Milliseconds of work, the median of repeats runs after warmups untimed ones.
inline double medianMs(int repeats, const std::function<void()> &work, int warmups = 2)
{
    std::vector<double> times;
    for (int i = 0; i < warmups + repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work();
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        if (i >= warmups) {
            times.push_back(ms);
        }
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

} // namespace cxr::bench
