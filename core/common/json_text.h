// SPDX-License-Identifier: MIT
#pragma once

// JSON text for files and terminal output that never aborts on bytes that are not UTF-8.
//
// File names are bytes on Linux and need not be UTF-8, but JSON text must be. Two rules,
// documented in docs/architecture.md ("Files on disk"):
//   - A path (pathJson) that is valid UTF-8 is written as a plain string. One that is not is
//     written as {"bytes_hex": "<every byte, two hex digits>", "text": "<shown with U+FFFD>"},
//     so the exact bytes survive and readers (pathFromJson) get the same path back.
//   - Any other text that is not valid UTF-8 (a patient id or a split name from a manifest)
//     is written with U+FFFD in place of each invalid byte (jsonText), never an abort.
// Header-only, for the libraries that link nlohmann-json (core/ml, core/pipeline, app/cli).
#include "core/common/text.h"

#include <nlohmann/json.hpp>

#include <string>

namespace cxr {

// The JSON text of value; bytes that are not UTF-8 in its strings become U+FFFD.
inline std::string jsonText(const nlohmann::json &value, int indent = -1)
{
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A path as JSON without losing a byte (see the rules above).
inline nlohmann::json pathJson(const std::string &bytes)
{
    if (isValidUtf8(bytes)) {
        return bytes;
    }
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        hex += digits[byte >> 4];
        hex += digits[byte & 0x0F];
    }
    // Round-trip through the replacing dump so that "text" holds only valid UTF-8.
    return {{"bytes_hex", hex}, {"text", nlohmann::json::parse(jsonText(bytes))}};
}

// The bytes written by pathJson; an empty string for anything else.
inline std::string pathFromJson(const nlohmann::json &value)
{
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (!value.is_object() || !value.contains("bytes_hex") || !value.at("bytes_hex").is_string()) {
        return {};
    }
    const std::string hex = value.at("bytes_hex").get<std::string>();
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int high = nibble(hex[i]);
        const int low = nibble(hex[i + 1]);
        if (high < 0 || low < 0) {
            return {};
        }
        bytes += static_cast<char>(high * 16 + low);
    }
    return hex.size() % 2 == 0 ? bytes : std::string{};
}

} // namespace cxr
