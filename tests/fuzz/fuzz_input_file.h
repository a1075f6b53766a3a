// SPDX-License-Identifier: MIT
#pragma once

// The readers under test take paths, so each fuzz target writes its input to a file in a
// folder of its own, made once per process and removed at exit.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace cxr::fuzz {

class InputFolder {
public:
    InputFolder()
    {
        std::error_code error;
        std::string pattern =
            (std::filesystem::temp_directory_path(error) / "cxr-fuzz-XXXXXX").string();
        if (error || ::mkdtemp(pattern.data()) == nullptr) {
            std::fprintf(stderr, "fuzz: cannot make a temporary folder\n");
            std::abort();
        }
        m_dir = pattern;
    }
    ~InputFolder()
    {
        std::error_code error;
        std::filesystem::remove_all(m_dir, error);
    }
    InputFolder(const InputFolder &) = delete;
    InputFolder &operator=(const InputFolder &) = delete;

    const std::filesystem::path &dir() const { return m_dir; }

    // Writes bytes to dir()/name, replacing what was there, and returns the path.
    std::filesystem::path write(const std::string &name, const std::uint8_t *data,
                                std::size_t size) const
    {
        const std::filesystem::path path = m_dir / name;
        std::FILE *file = std::fopen(path.c_str(), "wb");
        if (file == nullptr || (size > 0 && std::fwrite(data, 1, size, file) != size) ||
            std::fclose(file) != 0) {
            std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
            std::abort();
        }
        return path;
    }

private:
    std::filesystem::path m_dir;
};

// One folder per process, shared by every input it runs.
inline const InputFolder &inputFolder()
{
    static const InputFolder folder;
    return folder;
}

} // namespace cxr::fuzz
