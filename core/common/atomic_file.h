// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace cxr {

// Writes a file through a temporary file in the same folder and a rename, so a crash or a full
// disk never leaves a half-written file where a good one was. For files written piece by piece
// (a tensor cache is gigabytes, core/data/tensor_cache.cpp); writeFileAtomically below does it
// in one call. A writer that
// is destroyed without commit() removes its temporary file.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::filesystem::path path)
        : m_path(std::move(path)), m_temporary(m_path.string() + ".partial"),
          m_out(m_temporary, std::ios::binary | std::ios::trunc)
    {}
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;
    ~AtomicFileWriter()
    {
        if (!m_committed) {
            m_out.close();
            std::error_code ignored;
            std::filesystem::remove(m_temporary, ignored);
        }
    }

    // False when the temporary file could not be created (folder missing or not writable).
    bool isOpen() const { return m_out.is_open(); }
    bool write(std::string_view bytes)
    {
        m_out.write(bytes.data(), std::streamsize(bytes.size()));
        return bool(m_out);
    }
    Status commit()
    {
        if (!m_out.is_open()) {
            return makeError(ErrorCode::WriteFailed, "cannot write " + m_temporary.string() +
                                                         " (folder missing or not writable?)");
        }
        m_out.flush();
        const bool written = bool(m_out);
        m_out.close();
        if (!written) {
            return makeError(ErrorCode::WriteFailed,
                             "writing " + m_path.string() + " failed (disk full?)");
        }
        std::error_code error;
        std::filesystem::rename(m_temporary, m_path, error);
        if (error) {
            return makeError(ErrorCode::WriteFailed,
                             "cannot replace " + m_path.string() + ": " + error.message());
        }
        m_committed = true;
        return Ok{};
    }

private:
    std::filesystem::path m_path;
    std::filesystem::path m_temporary;
    std::ofstream m_out;
    bool m_committed = false;
};

// The whole content in one call, through an AtomicFileWriter.
inline Status writeFileAtomically(const std::filesystem::path &path, std::string_view content)
{
    AtomicFileWriter writer(path);
    writer.write(content); // a failure shows in commit()
    return writer.commit();
}

} // namespace cxr
