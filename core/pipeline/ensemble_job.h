// SPDX-License-Identifier: MIT
#pragma once

// Ensembles: a model folder whose card names two or more trained models. It works wherever a
// run works (predict, explain, evaluate, the Viewer, batches, reports): ml::Classifier
// averages the members' calibrated probabilities and their maps.

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/calibration.h"
#include "core/ml/model_card.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

struct EnsembleJob {
    std::vector<std::filesystem::path> members; // run or model folders, two or more
    std::filesystem::path out;                  // new, laid out like a run: OUT/model/model.json
    // When set, the ensemble's threshold is chosen on this dataset's split for the rule
    // (default sensitivity:0.95); otherwise it is the mean of the members' thresholds.
    std::filesystem::path dataset;
    std::string split = "val";
    std::optional<ml::OperatingPointRule> operatingPoint;
    std::string device = "auto";
    std::filesystem::path cacheDir;
};

// Errors name the member that cannot join (not a model, an ensemble itself, another input or
// other classes), an occupied out folder, or the dataset's problem.
Result<ml::ModelCard> makeEnsemble(const EnsembleJob &job, ProgressObserver *observer = nullptr);

} // namespace cxr::pipeline
