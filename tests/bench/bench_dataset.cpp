// SPDX-License-Identifier: MIT
// Dataset scan against a plain recursive listing of the same tree, and loading a split through
// the tensor cache against decoding it, in one run.
#include "core/data/dataset_scanner.h"
#include "core/data/tensor_cache.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Best of n runs, in seconds: the least disturbed by the other core's work.
double bestOf(int n, const std::function<void()> &work)
{
    double best = 1e30;
    for (int i = 0; i < n; ++i) {
        const auto start = Clock::now();
        work();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_dataset DATASET\n");
        return 2;
    }
    const fs::path root = argv[1];
    std::size_t listed = 0;
    const double listing = bestOf(5, [&] {
        listed = 0;
        for (const auto &entry : fs::recursive_directory_iterator(root)) {
            listed += entry.is_regular_file() ? 1 : 0;
        }
    });
    std::size_t scanned = 0;
    const double quick = bestOf(5, [&] {
        scanned = cxr::data::scanDataset(root, nullptr, {/*inspectFiles=*/false})->files.size();
    });
    const double scan = bestOf(5, [&] { scanned = cxr::data::scanDataset(root)->files.size(); });
    std::printf("plain recursive listing       : %7.3f s (%zu files, baseline)\n", listing, listed);
    std::printf("scan, names only (GUI phase 1): %7.3f s, %.2fx the listing\n", quick,
                quick / listing);
    std::printf("scan + open every file        : %7.3f s (%zu images), %.2fx the listing\n", scan,
                scanned, scan / listing);

    auto index = cxr::data::scanDataset(root);
    const std::string split = index->splits.front();
    const fs::path cacheDir = fs::temp_directory_path() / "cxr-bench-cache";
    fs::remove_all(cacheDir);
    cxr::imaging::ModelInputSpec spec;
    cxr::data::LoadReport report;
    // Both sides read every byte once, as a training epoch does: the cache hands out a view of
    // its memory map, so loading alone would not touch the pixels.
    std::uint64_t checksum = 0;
    auto readEveryByte = [&checksum](const cxr::ImageArrays &arrays) {
        for (std::uint8_t value : arrays.pixels) {
            checksum += value;
        }
    };
    const double decode = bestOf(1, [&] {
        readEveryByte(*cxr::data::loadSplitCached(*index, split, spec, cacheDir, report));
    });
    const double cached = bestOf(3, [&] {
        readEveryByte(*cxr::data::loadSplitCached(*index, split, spec, cacheDir, report));
    });
    std::printf("split '%s' at 224 px: decode %.2f s (baseline), from the tensor cache %.3f s: "
                "%.1fx faster\n",
                split.c_str(), decode, cached, decode / cached);
    std::printf("(checksum %llu)\n", static_cast<unsigned long long>(checksum));
    fs::remove_all(cacheDir);
    return 0;
}
