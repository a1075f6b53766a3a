// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>

namespace cxr {

// Writes content to path through a temporary file in the same folder and a rename, so a crash
// or a full disk never leaves a half-written file where a good one was. The parts are written
// one after another, never joined in memory (a tensor cache's pixels can be gigabytes).
inline Status writeFileAtomically(const std::filesystem::path &path,
                                  std::initializer_list<std::string_view> parts)
{
    const std::filesystem::path temporary = path.string() + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            return makeError(ErrorCode::WriteFailed,
                             "cannot write " + temporary.string() + " (folder missing or not writable?)");
        }
        for (std::string_view part : parts) {
            out.write(part.data(), std::streamsize(part.size()));
        }
        out.flush();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(temporary, ignored);
            return makeError(ErrorCode::WriteFailed,
                             "writing " + path.string() + " failed (disk full?)");
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        const std::string reason = error.message();
        std::filesystem::remove(temporary, error);
        return makeError(ErrorCode::WriteFailed, "cannot replace " + path.string() + ": " + reason);
    }
    return Ok{};
}

inline Status writeFileAtomically(const std::filesystem::path &path, const std::string &content)
{
    return writeFileAtomically(path, {std::string_view(content)});
}

} // namespace cxr
