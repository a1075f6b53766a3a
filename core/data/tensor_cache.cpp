// SPDX-License-Identifier: MIT
#include "core/data/tensor_cache.h"

#include "core/common/allocator_tuning.h"
#include "core/common/fnv1a.h"
#include "core/common/tensor_cache_file.h"

#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdlib>

namespace cxr::data {

namespace fs = std::filesystem;

namespace {

// A string and its terminating NUL, so that "ab" + "c" and "a" + "bc" differ.
void addText(Fnv1a &hash, const std::string &text)
{
    hash.add(text.c_str(), text.size() + 1);
}

const char *resizeName(imaging::ResizeMode mode)
{
    return mode == imaging::ResizeMode::Letterbox ? "letterbox" : "squash";
}

// Everything that changes the cached bytes: the spec, and each file's identity and version.
std::uint64_t cacheKey(const std::vector<const DatasetFile *> &files,
                       const imaging::ModelInputSpec &spec)
{
    Fnv1a hash;
    hash.addValue(spec.size);
    hash.addValue(spec.channels);
    addText(hash, resizeName(spec.resize));
    for (const DatasetFile *file : files) {
        std::error_code error;
        const auto modified = fs::last_write_time(file->path, error).time_since_epoch().count();
        addText(hash, file->path.string());
        hash.addValue(file->bytes);
        hash.addValue(std::int64_t(modified));
        hash.addValue(file->label);
    }
    return hash.value();
}

std::string hex(std::uint64_t value)
{
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

} // namespace

fs::path defaultCacheDir()
{
    if (const char *explicitDir = std::getenv("CXR_CACHE_DIR"); explicitDir && *explicitDir) {
        return explicitDir;
    }
#if defined(_WIN32)
    if (const char *local = std::getenv("LOCALAPPDATA"); local && *local) {
        return fs::path(local) / "CXR Studio" / "cache";
    }
#else
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
        return fs::path(xdg) / "cxr-studio";
    }
    if (const char *home = std::getenv("HOME"); home && *home) {
        return fs::path(home) / ".cache" / "cxr-studio";
    }
#endif
    return fs::temp_directory_path() / "cxr-studio-cache";
}

fs::path cacheFileFor(const DatasetIndex &index, const std::string &split,
                      const imaging::ModelInputSpec &spec, const fs::path &cacheDir)
{
    Fnv1a dataset;
    addText(dataset, (index.manifest.empty() ? index.root : index.manifest).string());
    // Split names come from folders or manifests: keep only safe characters in the file name.
    std::string safeSplit;
    for (char c : split) {
        safeSplit += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return cacheDir / hex(dataset.value()) /
           (safeSplit + "-" + std::to_string(spec.size) + "px-" + std::to_string(spec.channels) +
            "ch-" + resizeName(spec.resize) + ".cxrcache");
}

Result<ImageArrays> loadSplitCached(const DatasetIndex &index, const std::string &split,
                                    const imaging::ModelInputSpec &spec, const fs::path &cacheDir,
                                    LoadReport &report, ProgressObserver *observer,
                                    CacheOutcome *outcome)
{
    if (cacheDir.empty()) {
        return loadSplit(index, split, spec, report, observer);
    }
    CacheOutcome result;
    result.file = cacheFileFor(index, split, spec, cacheDir);
    const std::vector<const DatasetFile *> files = index.filesOf(split);
    const std::uint64_t key = cacheKey(files, spec);
    if (auto cached = readTensorCache(result.file, key);
        cached && cached->count() == files.size()) {
        for (const DatasetFile *file : files) {
            cached->paths.push_back(file->path.string());
        }
        result.hit = true;
        if (outcome) {
            *outcome = result;
        }
        return cached;
    }

    const std::size_t failuresBefore = report.failures.size();
    auto arrays = loadSplit(index, split, spec, report, observer);
    if (arrays && report.failures.size() == failuresBefore) {
        TensorCacheHeader header;
        header.channels = std::uint32_t(spec.channels);
        header.side = std::uint32_t(spec.size);
        header.count = std::uint32_t(arrays->count());
        header.key = key;
        std::vector<std::int32_t> labels(arrays->labels.begin(), arrays->labels.end());
        std::error_code error;
        fs::create_directories(result.file.parent_path(), error);
        result.written =
            !error && writeTensorCache(result.file, header, labels, arrays->pixels).ok();
    }
    if (result.written) {
        // Train from the file just written, as later runs will: its pages belong to the OS,
        // which can drop and reread them, where the decoded copy would stay in this process
        // for the whole run (a 4x Kermany split at 224 px is 1 GB).
        if (auto mapped = readTensorCache(result.file, key);
            mapped && mapped->count() == arrays->count()) {
            mapped->paths = std::move(arrays->paths);
            arrays = std::move(mapped);
            releaseFreedMemory();
        }
    }
    if (outcome) {
        *outcome = result;
    }
    return arrays;
}

} // namespace cxr::data
