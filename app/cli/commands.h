// SPDX-License-Identifier: MIT
#pragma once

#include "core/augment/augmentation_settings.h"
#include "core/common/result.h"
#include "core/ml/trainer.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// A preset option (presetOption: "--preset" for `augment`, "--augment" for `train`) and
// --set KEY=VALUE (repeatable).
struct AugmentationOptions {
    std::string preset = "none";
    std::vector<std::string> overrides;
    // Settings to apply the overrides to instead of the preset's (a trial's base settings when
    // its options name no preset).
    std::optional<AugmentationSettings> base;
    // The preset (or base) with the overrides applied, validated; errors name the bad option.
    Result<AugmentationSettings> settings() const;
};
void addAugmentationOptions(CLI::App *command, AugmentationOptions &options,
                            const std::string &presetOption);

// `cxr train`'s optimiser, schedule, early-stopping and clipping options: the numbers go
// straight into TrainSettings, the names are checked by applyOptimisationOptions.
struct OptimisationOptions {
    std::string optimizer = "adam";
    std::string schedule = "constant";
    std::string earlyStopMetric = "loss";
    std::string precision = "auto";
};
void addOptimisationOptions(CLI::App *command, OptimisationOptions &options,
                            ml::TrainSettings &settings);
Status applyOptimisationOptions(const OptimisationOptions &options, ml::TrainSettings &settings);

// --operating-point as `calibrate` and `ensemble` take it: empty means "not given" (none).
Status parseOptionalOperatingPoint(const std::string &text,
                                   std::optional<ml::OperatingPointRule> &rule);

// Each add* registers one subcommand on app and returns the action to run when it is chosen.
using Action = std::function<int()>;
// The arguments `cxr` was started with (argv[1..]), kept by main() for commands that parse them
// again on top of other defaults (`cxr train --settings`).
const std::vector<std::string> &commandLine();
Action addScanCommand(CLI::App &app);
Action addTrainCommand(CLI::App &app);
Action addEvaluateCommand(CLI::App &app);
Action addBaselineCommand(CLI::App &app);
Action addCompareCommand(CLI::App &app);
Action addPredictCommand(CLI::App &app);
Action addExplainCommand(CLI::App &app);
Action addInfoCommand(CLI::App &app);
Action addConvertCommand(CLI::App &app);
Action addSplitCommand(CLI::App &app);
Action addCacheCommand(CLI::App &app);
Action addAugmentCommand(CLI::App &app);
Action addExportCommand(CLI::App &app);
Action addCalibrateCommand(CLI::App &app);
Action addEnsembleCommand(CLI::App &app);
Action addDevicesCommand(CLI::App &app);
Action addPacsCommand(CLI::App &app);
Action addTuneCommand(CLI::App &app);

} // namespace cxr::cli
