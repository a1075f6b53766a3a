// SPDX-License-Identifier: MIT
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>

namespace cxr::cli {

// Exit codes of `cxr`: 0 success; 1 bad input or a failed job (one line on stderr names the
// file and the problem); 2 the command line itself was wrong; 3 the scan finished but listed
// problems; 130 cancelled.
enum ExitCode { kSuccess = 0, kFailure = 1, kUsage = 2, kProblemsFound = 3, kCancelled = 130 };

// --cache-dir / --no-cache, shared by the commands that decode whole splits.
struct CacheOptions {
    std::string dir;
    bool disabled = false;
    std::filesystem::path folder() const; // empty when disabled
};
void addCacheOptions(CLI::App *command, CacheOptions &options);

// Each add* registers one subcommand on app and returns the action to run when it is chosen.
using Action = std::function<int()>;
Action addScanCommand(CLI::App &app);
Action addTrainCommand(CLI::App &app);
Action addEvaluateCommand(CLI::App &app);
Action addExplainCommand(CLI::App &app);
Action addInfoCommand(CLI::App &app);
Action addConvertCommand(CLI::App &app);
Action addSplitCommand(CLI::App &app);
Action addCacheCommand(CLI::App &app);
Action addAugmentCommand(CLI::App &app);

} // namespace cxr::cli
