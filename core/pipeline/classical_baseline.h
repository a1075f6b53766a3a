// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/evaluation_job.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace cxr::pipeline {

// The thesis's classical baselines: a random forest and an RBF support-vector machine (OpenCV's
// ml module) on the flattened pixels of each image shrunk to imageSize x imageSize grey, trained
// on the train split and evaluated like a CNN, so that a CNN's gain over them is visible.
enum class BaselineMethod { RandomForest, Svm };

struct BaselineJob {
    BaselineMethod method = BaselineMethod::RandomForest;
    std::filesystem::path datasetDir;
    std::string trainSplit = "train";
    std::string split = "test";         // the split it is evaluated on
    int imageSize = 32;                 // 32 x 32 = 1,024 features
    std::filesystem::path outputFolder; // gets baseline.json and evaluations/<split>/
    std::uint64_t seed = 42;
    ml::BootstrapSettings bootstrap;
};

std::string baselineName(BaselineMethod method, int imageSize); // "random forest (32x32 pixels)"

// Trains on the train split, predicts the evaluated split at threshold 0.5 and saves
// predictions.csv and metrics.json as an evaluation of a run does (plus baseline.json). The
// SVM's probabilities are its decision values through a sigmoid fitted on the train split
// (Platt scaling): rank metrics (AUC) are exact, calibration is optimistic. Binary datasets only.
// Cancellable while images decode; training itself runs to its end (seconds on Kermany).
Result<EvaluationResult> runBaseline(const BaselineJob &job, ProgressObserver *observer = nullptr);

} // namespace cxr::pipeline
