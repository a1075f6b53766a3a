// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace cxr {

// "a, b, c": names listed in messages and help texts.
inline std::string joined(const std::vector<std::string> &names, const std::string &separator = ", ")
{
    std::string text;
    for (const std::string &name : names) {
        text += (text.empty() ? "" : separator) + name;
    }
    return text;
}

// Now as ISO 8601 UTC ("2026-12-03T23:50:00Z"), for run folders, cards and reviews.
inline std::string utcTimestamp()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
#if defined(_WIN32)
    gmtime_s(&utc, &now);
#else
    gmtime_r(&now, &utc);
#endif
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

} // namespace cxr
