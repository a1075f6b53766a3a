// SPDX-License-Identifier: MIT
// --cache-dir / --no-cache, shared by the commands that decode whole splits.
#include "commands.h"

#include "core/data/tensor_cache.h"

namespace cxr::cli {

std::filesystem::path CacheOptions::folder() const
{
    if (disabled) {
        return {};
    }
    return dir.empty() ? data::defaultCacheDir() : std::filesystem::path(dir);
}

void addCacheOptions(CLI::App *command, CacheOptions &options)
{
    command->add_option("--cache-dir", options.dir,
                        "tensor cache folder (default: $CXR_CACHE_DIR or ~/.cache/cxr-studio)");
    command->add_flag("--no-cache", options.disabled,
                      "decode every image, read and write no cache");
}

} // namespace cxr::cli
