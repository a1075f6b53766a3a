// SPDX-License-Identifier: MIT
#include "core/data/tensor_cache.h"

#include "core/common/atomic_file.h"
#include "core/common/fnv1a.h"
#include "core/common/tensor_cache_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
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

// Images decoded in memory at a time while a cache is written: 256 grey 224 px images are
// 13 MB, where the whole of Kermany's training split is 262 MB.
constexpr std::size_t kImagesPerChunk = 256;

// Reports a chunk's progress as progress through the whole split.
class SplitProgress : public ProgressObserver {
public:
    SplitProgress(ProgressObserver *split, std::int64_t chunkStart, std::int64_t total)
        : m_split(split), m_chunkStart(chunkStart), m_total(total)
    {}
    void progress(std::int64_t done, std::int64_t) override
    {
        if (m_split) {
            m_split->progress(m_chunkStart + done, m_total);
        }
    }
    bool isCancelled() const override { return cancelled(m_split); }

private:
    ProgressObserver *m_split;
    std::int64_t m_chunkStart;
    std::int64_t m_total;
};

// Not cached: the folder is not writable, the disk filled up, or an image failed to decode.
enum class Streamed { Written, NotCached, Cancelled };

// Decodes files straight into a new cache file at path, a chunk at a time, so that memory holds
// one chunk and never the split. Leaves no file unless every image decoded and every byte was
// written.
Streamed decodeIntoCache(const std::vector<const DatasetFile *> &files,
                         const imaging::ModelInputSpec &spec, std::uint64_t key,
                         const fs::path &path, ProgressObserver *observer)
{
    AtomicFileWriter writer(path);
    if (!writer.isOpen()) {
        return Streamed::NotCached;
    }
    TensorCacheHeader header;
    header.channels = std::uint32_t(spec.channels);
    header.side = std::uint32_t(spec.size);
    header.count = std::uint32_t(files.size());
    header.key = key;
    std::vector<std::int32_t> labels;
    labels.reserve(files.size());
    for (const DatasetFile *file : files) {
        labels.push_back(file->label);
    }
    if (!writer.write(tensorCacheHeaderBytes(header)) || !writer.write(labelBytes(labels))) {
        return Streamed::NotCached;
    }
    const std::size_t imageSize =
        std::size_t(spec.channels) * std::size_t(spec.size) * std::size_t(spec.size);
    std::vector<std::uint8_t> chunk;
    std::vector<char> decoded;
    std::vector<Error> errors(kImagesPerChunk);
    for (std::size_t start = 0; start < files.size(); start += kImagesPerChunk) {
        const std::size_t count = std::min(kImagesPerChunk, files.size() - start);
        chunk.assign(count * imageSize, 0);
        decoded.assign(count, 0);
        SplitProgress progress(observer, std::int64_t(start), std::int64_t(files.size()));
        if (!decodeModelInputs(files.data() + start, count, spec, chunk.data(), decoded.data(),
                               errors.data(), &progress)) {
            return Streamed::Cancelled;
        }
        if (std::find(decoded.begin(), decoded.end(), 0) != decoded.end()) {
            return Streamed::NotCached; // loadSplit decodes again and names the failures
        }
        if (!writer.write(
                std::string_view(reinterpret_cast<const char *>(chunk.data()), chunk.size()))) {
            return Streamed::NotCached;
        }
    }
    return writer.commit().ok() ? Streamed::Written : Streamed::NotCached;
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
    if (files.empty()) {
        return loadSplit(index, split, spec, report, observer); // names the missing split
    }
    const std::uint64_t key = cacheKey(files, spec);
    // The cache file's images, with their paths (the file stores pixels and labels only).
    auto mappedWithPaths = [&](Result<ImageArrays> mapped) -> Result<ImageArrays> {
        for (const DatasetFile *file : files) {
            mapped->paths.push_back(file->path.string());
        }
        if (outcome) {
            *outcome = result;
        }
        return mapped;
    };
    // The key covers the spec; the header's shape is compared too, so that a cache changed on
    // disk can never hand the model images of another shape.
    auto fits = [&](const Result<ImageArrays> &mapped) {
        return mapped && mapped->count() == files.size() && mapped->channels == spec.channels &&
               mapped->height == spec.size && mapped->width == spec.size;
    };
    if (auto cached = readTensorCache(result.file, key); fits(cached)) {
        result.hit = true;
        return mappedWithPaths(std::move(cached));
    }

    std::error_code error;
    fs::create_directories(result.file.parent_path(), error);
    const Streamed streamed = decodeIntoCache(files, spec, key, result.file, observer);
    if (streamed == Streamed::Cancelled) {
        return makeError(ErrorCode::Cancelled, "loading the " + split + " split was cancelled");
    }
    if (streamed == Streamed::Written) {
        // Train from the file just written, as later runs will: its pages belong to the OS,
        // which can drop and reread them.
        if (auto mapped = readTensorCache(result.file, key); fits(mapped)) {
            result.written = true;
            return mappedWithPaths(std::move(mapped));
        }
    }
    // Not cached: an image failed to decode (the ordinary load names it, and a split with
    // failures is not cached), or the cache could not be written, which costs speed only.
    auto arrays = loadSplit(index, split, spec, report, observer);
    if (outcome) {
        *outcome = result;
    }
    return arrays;
}

} // namespace cxr::data
