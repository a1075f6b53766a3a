// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace cxr {

// "a, b, c": names listed in messages and help texts.
inline std::string joined(const std::vector<std::string> &names,
                          const std::string &separator = ", ")
{
    std::string text;
    for (const std::string &name : names) {
        text += (text.empty() ? "" : separator) + name;
    }
    return text;
}

// "1 image", "3 images": a count with its noun, for messages. plural defaults to singular + "s".
inline std::string counted(long long count, const std::string &singular,
                           const std::string &plural = {})
{
    return std::to_string(count) + " " +
           (count == 1       ? singular
            : plural.empty() ? singular + "s"
                             : plural);
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

// True when text is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
inline bool isValidUtf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        int continuation = 0;
        unsigned lowest = 0;
        unsigned value = 0;
        if (byte < 0x80) {
            ++i;
            continue;
        } else if ((byte & 0xE0) == 0xC0) {
            continuation = 1;
            lowest = 0x80;
            value = byte & 0x1Fu;
        } else if ((byte & 0xF0) == 0xE0) {
            continuation = 2;
            lowest = 0x800;
            value = byte & 0x0Fu;
        } else if ((byte & 0xF8) == 0xF0) {
            continuation = 3;
            lowest = 0x10000;
            value = byte & 0x07u;
        } else {
            return false;
        }
        if (i + std::size_t(continuation) >= text.size()) {
            return false;
        }
        for (int k = 1; k <= continuation; ++k) {
            const auto next = static_cast<unsigned char>(text[i + std::size_t(k)]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            value = (value << 6) | (next & 0x3F);
        }
        if (value < lowest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
            return false;
        }
        i += std::size_t(continuation) + 1;
    }
    return true;
}

// text on one line, for a message or a listed problem: a line break (in a file name, or in a
// library's message) is written as \n or \r, so that one problem stays one line.
inline std::string oneLine(std::string_view text)
{
    std::string line;
    line.reserve(text.size());
    for (char c : text) {
        if (c == '\n') {
            line += "\\n";
        } else if (c == '\r') {
            line += "\\r";
        } else {
            line += c;
        }
    }
    return line;
}

} // namespace cxr
