// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <filesystem>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace cxr {

// A read-only memory map of a whole file. The OS pages data in on demand and shares it
// between processes; nothing is copied until the caller reads it. Empty on failure.
class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path &path) { open(path); }
    ~MappedFile() { close(); }
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    bool isOpen() const { return m_data != nullptr; }
    const unsigned char *data() const { return static_cast<const unsigned char *>(m_data); }
    std::size_t size() const { return m_size; }

private:
#if defined(_WIN32)
    void open(const std::filesystem::path &path)
    {
        m_file = CreateFileW(path.wstring().c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr,
                             OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
        if (m_file == INVALID_HANDLE_VALUE) {
            return;
        }
        LARGE_INTEGER size;
        if (!GetFileSizeEx(m_file, &size) || size.QuadPart == 0) {
            return;
        }
        m_mapping = CreateFileMappingW(m_file, nullptr, PAGE_READONLY, 0, 0, nullptr);
        if (m_mapping != nullptr) {
            m_data = MapViewOfFile(m_mapping, FILE_MAP_READ, 0, 0, 0);
            m_size = std::size_t(size.QuadPart);
        }
    }
    void close()
    {
        if (m_data)
            UnmapViewOfFile(m_data);
        if (m_mapping)
            CloseHandle(m_mapping);
        if (m_file != INVALID_HANDLE_VALUE)
            CloseHandle(m_file);
    }
    HANDLE m_file = INVALID_HANDLE_VALUE;
    HANDLE m_mapping = nullptr;
#else
    void open(const std::filesystem::path &path)
    {
        const int fd = ::open(path.c_str(), O_RDONLY);
        if (fd < 0) {
            return;
        }
        struct stat info {};
        if (fstat(fd, &info) == 0 && info.st_size > 0) {
            // The callers read the whole file at once: fault it in up front, not page by page.
#if defined(MAP_POPULATE)
            const int flags = MAP_PRIVATE | MAP_POPULATE;
#else
            const int flags = MAP_PRIVATE;
#endif
            void *mapped = mmap(nullptr, std::size_t(info.st_size), PROT_READ, flags, fd, 0);
            if (mapped != MAP_FAILED) {
                m_data = mapped;
                m_size = std::size_t(info.st_size);
            }
        }
        ::close(fd);
    }
    void close()
    {
        if (m_data) {
            munmap(m_data, m_size);
        }
    }
#endif
    void *m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace cxr
