// SPDX-License-Identifier: MIT
#pragma once

// A folder of its own under the system's temporary folder, removed with everything in it when
// the object goes: for files that only travel through (results written, then sent).

#include "core/common/result.h"

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <utility>

namespace cxr {

class TemporaryFolder {
public:
    // prefix-XXXXXXXX, made with create_directory, which fails on a name that exists: a folder
    // another process made is never shared.
    static Result<TemporaryFolder> create(const std::string &prefix)
    {
        std::error_code error;
        const std::filesystem::path base = std::filesystem::temp_directory_path(error);
        if (error) {
            return makeError(ErrorCode::WriteFailed,
                             "no temporary folder for " + prefix + ": " + error.message());
        }
        std::mt19937_64 random(
            std::random_device{}() ^
            std::uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
        for (int attempt = 0; attempt < 100; ++attempt) {
            const std::filesystem::path path =
                base / (prefix + "-" + std::to_string(random() % 100000000));
            if (std::filesystem::create_directory(path, error)) {
                return TemporaryFolder(path);
            }
            if (error) {
                return makeError(ErrorCode::WriteFailed,
                                 path.string() +
                                     ": cannot create a temporary folder: " + error.message());
            }
        }
        return makeError(ErrorCode::WriteFailed,
                         base.string() + ": no free name for a temporary folder");
    }

    TemporaryFolder(TemporaryFolder &&other) noexcept : m_path(std::exchange(other.m_path, {})) {}
    TemporaryFolder &operator=(TemporaryFolder &&other) noexcept
    {
        std::swap(m_path, other.m_path);
        return *this;
    }
    TemporaryFolder(const TemporaryFolder &) = delete;
    TemporaryFolder &operator=(const TemporaryFolder &) = delete;
    ~TemporaryFolder()
    {
        if (!m_path.empty()) {
            std::error_code ignored; // nothing to do about a folder that will not go
            std::filesystem::remove_all(m_path, ignored);
        }
    }

    const std::filesystem::path &path() const { return m_path; }

private:
    explicit TemporaryFolder(std::filesystem::path path) : m_path(std::move(path)) {}
    std::filesystem::path m_path;
};

} // namespace cxr
