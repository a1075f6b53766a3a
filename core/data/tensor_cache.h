// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"
#include "core/data/split_loader.h"
#include "core/imaging/model_input.h"

#include <filesystem>
#include <string>

namespace cxr::data {

// $CXR_CACHE_DIR, else $XDG_CACHE_HOME/cxr-studio, else ~/.cache/cxr-studio (on Windows
// %LOCALAPPDATA%\CXR Studio\cache), else the temporary folder.
std::filesystem::path defaultCacheDir();

// The cache file of one split and input spec of index, under cacheDir.
std::filesystem::path cacheFileFor(const DatasetIndex &index, const std::string &split,
                                   const imaging::ModelInputSpec &spec,
                                   const std::filesystem::path &cacheDir);

struct CacheOutcome {
    bool hit = false;     // read from a valid cache
    bool written = false; // decoded and saved for next time
    std::filesystem::path file;
};

// loadSplit through the tensor cache: reads the split's cache when its key (files' paths,
// sizes, modification times, and the spec) matches; otherwise decodes in parallel (progress,
// cancel) straight into a new cache file, a chunk of images at a time, and returns the images
// as a view of that file (memory holds one chunk, never the split; the OS can drop the file's
// pages and reread them). A split with files that fail to decode is returned as loadSplit
// returns it (naming the failures) and is not cached. A cache that cannot be written
// (read-only folder, full disk) costs speed, not correctness: the images are returned.
// An empty cacheDir means no cache: plain loadSplit.
Result<ImageArrays> loadSplitCached(const DatasetIndex &index, const std::string &split,
                                    const imaging::ModelInputSpec &spec,
                                    const std::filesystem::path &cacheDir, LoadReport &report,
                                    ProgressObserver *observer = nullptr,
                                    CacheOutcome *outcome = nullptr);

} // namespace cxr::data
