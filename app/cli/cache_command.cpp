// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/tensor_cache.h"

#include <chrono>
#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

struct CacheCommandOptions {
    std::string dataset;
    imaging::ModelInputSpec spec;
    std::string resize = "squash";
    CacheOptions cache;
};

// One split into the cache: decoded, or read when the cache is up to date. Returns how many
// of its files could not be used (each printed as a problem), or an error when the cache
// cannot be written.
Result<int> cacheSplit(const data::DatasetIndex &index, const std::string &split,
                       const CacheCommandOptions &options, const std::filesystem::path &folder,
                       TerminalProgress &progress)
{
    int failures = 0;
    progress.stage("Caching " + split);
    data::LoadReport report;
    data::CacheOutcome outcome;
    const auto start = std::chrono::steady_clock::now();
    auto arrays =
        data::loadSplitCached(index, split, options.spec, folder, report, &progress, &outcome);
    progress.finishLine();
    if (!arrays) {
        return arrays.error();
    }
    if (!outcome.hit && !outcome.written && report.failures.empty()) {
        return makeError(ErrorCode::WriteFailed,
                         outcome.file.string() +
                             ": cannot write the cache (folder not writable or disk full?)");
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto &failure : report.failures) {
        std::fprintf(stderr, "problem: %s: %s\n", oneLine(failure.path.string()).c_str(),
                     oneLine(failure.reason).c_str());
        ++failures;
    }
    std::printf("%-8s %6zu images  %s in %.2f s  %s\n", split.c_str(), arrays->count(),
                outcome.hit       ? "up to date, read"
                : outcome.written ? "decoded and cached"
                                  : "decoded, NOT cached (see problems)",
                seconds, outcome.file.string().c_str());
    return failures;
}

} // namespace

Action addCacheCommand(CLI::App &app)
{
    auto options = std::make_shared<CacheCommandOptions>();
    CLI::App *command = app.add_subcommand(
        "cache", "Decode every split of a dataset once into the tensor cache (8-bit model\n"
                 "inputs in a memory-mapped file), so training and evaluation skip decoding.\n"
                 "A cache is rebuilt only when files or settings change.");
    command->add_option("dataset", options->dataset, "dataset folder or manifest")->required();
    command->add_option("--size", options->spec.size, "model input side in pixels")
        ->check(CLI::Range(32, 1024))
        ->capture_default_str();
    command->add_option("--channels", options->spec.channels, "1 or 3")
        ->check(CLI::IsMember({1, 3}))
        ->capture_default_str();
    command->add_option("--resize", options->resize, "squash or letterbox")
        ->check(CLI::IsMember({"squash", "letterbox"}))
        ->capture_default_str();
    addCacheOptions(command, options->cache);
    return [options]() -> int {
        options->spec.resize = options->resize == "letterbox" ? imaging::ResizeMode::Letterbox
                                                              : imaging::ResizeMode::Squash;
        const std::filesystem::path folder = options->cache.folder();
        if (folder.empty()) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--no-cache leaves nothing for cxr cache to do"));
        }
        TerminalProgress progress;
        auto index = data::scanDataset(options->dataset, &progress);
        progress.finishLine();
        if (!index) {
            return reportError(index.error());
        }
        // The cache is this command's whole output: a folder it cannot write is a failed job,
        // not a warning behind a zero exit code.
        std::error_code error;
        std::filesystem::create_directories(folder, error);
        if (error || !std::filesystem::is_directory(folder)) {
            return reportError(makeError(ErrorCode::WriteFailed,
                                         folder.string() + ": cannot create the cache folder (" +
                                             (error ? error.message() : "not a folder") + ")"));
        }
        // Files the scan could not use are left out of the cache: list them as problems.
        int failures = 0;
        for (const auto &problem : index->problems) {
            std::fprintf(stderr, "problem: %s: %s\n", oneLine(problem.path.string()).c_str(),
                         oneLine(problem.reason).c_str());
            ++failures;
        }
        for (const std::string &split : index->splits) {
            auto failed = cacheSplit(*index, split, *options, folder, progress);
            if (!failed) {
                return reportError(failed.error());
            }
            failures += *failed;
        }
        return failures == 0 ? kSuccess : kProblemsFound;
    };
}

} // namespace cxr::cli
