// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/file_sniffer.h"
#include "core/imaging/image.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cxr::data {

// How the files were laid out on disk.
enum class DatasetLayout {
    SplitClass, // root/split/CLASS/files (Kermany: train|val|test/NORMAL|PNEUMONIA)
    ClassOnly,  // root/CLASS/files, no split: every file is in split "all"
    Manifest,   // a CSV file: path,label[,split][,patient]; root is the CSV's folder
};

// A file's path stored as one string. std::filesystem::path also keeps a list of its
// components (in libstdc++ about ten small allocations per path), which made per-image index
// entries the largest memory cost of browsing a big dataset. Converts to and from
// std::filesystem::path implicitly.
class FilePath {
public:
    FilePath() = default;
    FilePath(const std::filesystem::path &path) : m_native(path.native()) {}
    explicit FilePath(std::filesystem::path::string_type native) : m_native(std::move(native)) {}
    operator std::filesystem::path() const { return m_native; }

    const std::filesystem::path::string_type &native() const { return m_native; }
    std::string string() const
    {
#if defined(_WIN32)
        return std::filesystem::path(m_native).string();
#else
        return m_native;
#endif
    }
    std::filesystem::path filename() const
    {
        return std::filesystem::path(m_native).filename();
    }
    // The file name as a string, without building a path (which parses every component).
    std::string fileNameString() const
    {
#if defined(_WIN32)
        return filename().string();
#else
        return m_native.substr(m_native.find_last_of('/') + 1);
#endif
    }
    std::filesystem::path lexically_relative(const std::filesystem::path &base) const
    {
        return std::filesystem::path(m_native).lexically_relative(base);
    }
    bool empty() const
    {
        return m_native.empty();
    }

    friend bool operator==(const FilePath &a, const FilePath &b)
    {
        return a.m_native == b.m_native;
    }
    friend bool operator!=(const FilePath &a, const FilePath &b)
    {
        return a.m_native != b.m_native;
    }
    friend bool operator<(const FilePath &a, const FilePath &b)
    {
        return a.m_native < b.m_native;
    }

private:
    std::filesystem::path::string_type m_native;
};

struct DatasetFile {
    FilePath path;     // absolute
    std::string split; // "train", "val", "test", or "all"
    int label = -1;    // index into DatasetIndex::classes
    std::int64_t bytes = 0;
    imaging::FileFormat format = imaging::FileFormat::Unknown;
    std::string patient;             // from the manifest or the file name; empty when unknown
    imaging::ImageHeaderInfo header; // size, bit depth, channels from the file header
};

// A file the scan skipped, with the reason ("not an image", "truncated JPEG", ...).
// Why a class folder or a manifest row whose class or split name is not UTF-8 is refused:
// class names reach model cards, reports and JSON, which hold UTF-8 text only.
inline constexpr const char *kClassNameNotUtf8 =
    "class or split name is not UTF-8 text (names appear in model cards, reports and JSON); rename "
    "it";

struct DatasetProblem {
    std::filesystem::path path;
    std::string reason;
};

struct DatasetIndex {
    std::filesystem::path root;
    std::filesystem::path manifest; // the CSV for DatasetLayout::Manifest, else empty
    DatasetLayout layout = DatasetLayout::SplitClass;
    std::vector<std::string> classes; // sorted by name; a binary set's positive class is last
    std::vector<std::string> splits;  // train, val, test first, then any others by name
    std::vector<DatasetFile> files;   // sorted by split, class, path
    std::vector<DatasetProblem> problems;
    // Every file was opened and checked (sizes, formats and headers are filled in). A quick
    // scan only lists names; inspectDataset does the rest.
    bool filesInspected = false;

    bool hasSplit(const std::string &split) const;
    std::int64_t count(const std::string &split, int label) const;
    std::int64_t count(const std::string &split) const;
    std::vector<const DatasetFile *> filesOf(const std::string &split) const;
    // Stable fingerprint of the usable files (relative path, size, split, label): recorded in
    // run configs so a run names exactly the data it saw.
    std::string fingerprint() const;
};

} // namespace cxr::data
