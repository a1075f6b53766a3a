// SPDX-License-Identifier: MIT
#pragma once

// `cxr train`'s options: registered on a command, then turned into a training job. `cxr tune`
// parses each trial's values through the same options, so a trial is exactly the run that
// `cxr train` with those options would train.

#include "commands.h"

#include "core/pipeline/training_job.h"

#include <string>
#include <vector>

namespace cxr::cli {

struct TrainOptions {
    std::string dataset;
    std::string out;
    pipeline::TrainJob job;
    bool skipBadImages = false;
    CacheOptions cache;
    AugmentationOptions augmentation;
    std::string balance = "none";
    std::string balanceChoices; // "none, oversample, ..." for help and errors
    OptimisationOptions optimisation;
    std::string resume;
    bool json = false;
    std::string operatingPoint = "sensitivity:0.95";
    std::string populationAges;
    std::string recipe;
    std::string selectBy = "loss";
    int folds = 0; // > 0: cross-validation over that many patient folds
    std::uint64_t foldSeed = 42;
    std::string settingsFile;      // `cxr train --settings FILE`
    bool jsonSteps = false;        // `cxr train --json-steps`
    int rankTimeoutSeconds = 1800; // data-parallel runs: how long a rank waits for the others
};

// Registers every `cxr train` option on command, writing into options.
void addTrainOptions(CLI::App *command, TrainOptions &options);

// The settings from the parsed options: names checked, then the recipe (if any) fills in
// every field the command line left out.
Status applyTrainOptions(TrainOptions &options, const CLI::App &command);

// The job `cxr train ARGUMENTS` would run, without running it (dataset and run folder left to
// the caller), starting from base instead of the defaults: what the arguments leave out keeps
// base's value. Errors name the option: "--lr abc: ...".
Result<pipeline::TrainJob> trainJobFromArguments(const pipeline::TrainJob &base,
                                                 const std::vector<std::string> &arguments);

} // namespace cxr::cli
