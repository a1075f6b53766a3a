// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/training_job.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cxr::pipeline {

// K-fold cross-validation over patients: K runs of the same recipe, each evaluated on patients
// it never saw, so a recipe is chosen on more than one validation split.
struct CrossValidationJob {
    // datasetDir, settings, cacheDir and badImages as for one run; runDir is the folder that
    // holds every fold: FOLDER/fold-N/ (a run folder each), FOLDER/manifests/fold-N.csv and
    // FOLDER/crossval.json. Running the same job again continues: finished folds are kept,
    // an interrupted fold resumes from its checkpoint.
    TrainJob train;
    int folds = 5;
    std::uint64_t foldSeed = 42;
    double valFraction = 0.1;
};

struct FoldOutcome {
    int fold = 0;
    std::filesystem::path runDir;
    std::int64_t trainImages = 0;
    std::int64_t valImages = 0;
    std::int64_t heldOutImages = 0;
    std::int64_t heldOutPatients = 0;
    bool reused = false;           // trained by an earlier invocation
    double threshold = 0.5;        // the card's, chosen on the fold's own validation split
    ml::DiagnosticMetrics heldOut; // on the held-out patients at that threshold
    double eceCalibrated = 0;
    double seconds = 0; // training time
};

// Mean and sample standard deviation over the folds of one metric.
struct FoldSpread {
    std::string key; // "roc_auc", as in metrics.json
    double mean = 0;
    double sd = 0;
};

struct CrossValidationResult {
    std::vector<FoldOutcome> folds;
    std::vector<FoldSpread> spread;
    double pooledRocAuc = 0;           // over every held-out prediction together
    std::filesystem::path summaryFile; // FOLDER/crossval.json
};

// Told before each fold starts (1-based), so a front end can say which one is training.
using FoldStarted = std::function<void(int fold, int folds, const std::filesystem::path &runDir)>;

// Errors: an unreadable dataset, fewer patients than folds, or any fold's training or
// evaluation error (the folds finished before it are kept).
Result<CrossValidationResult> runCrossValidation(const CrossValidationJob &job,
                                                 ml::TrainObserver *observer = nullptr,
                                                 const FoldStarted &started = {});

} // namespace cxr::pipeline
