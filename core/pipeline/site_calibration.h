// SPDX-License-Identifier: MIT
#pragma once

// Site calibration: a hospital adapts a model's probabilities and threshold to its own images
// without retraining. The calibration (temperature and bias) and the threshold are refitted
// on a small labelled sample of the site's images, written into a new model folder (the
// original stays as it was), and the recalibrated model is evaluated on the rest of the
// site's images.

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/calibration.h"
#include "core/ml/model_card.h"
#include "core/pipeline/evaluation_job.h"

#include <filesystem>
#include <optional>
#include <string>

namespace cxr::pipeline {

struct SiteCalibrationJob {
    std::filesystem::path run;          // run or model folder to adapt
    std::filesystem::path sample;       // the site's labelled dataset folder or manifest
    std::string fitSplit = "val";       // the images the calibration and threshold are fitted on
    std::string evaluateSplit = "test"; // the rest, evaluated afterwards when present
    // The rule for the threshold; none: the card's recorded rule (sensitivity:0.95 without).
    std::optional<ml::OperatingPointRule> operatingPoint;
    std::filesystem::path out; // new, laid out like a run: OUT/model/ (weights, guard, card)
    std::string device = "auto";
    std::filesystem::path cacheDir;
    ml::BootstrapSettings bootstrap;
};

struct SiteCalibrationResult {
    ml::ModelCard card; // as written to out/model.json
    ml::CalibrationRecord previousCalibration;
    double previousThreshold = 0.5;
    std::optional<EvaluationResult> evaluation; // on evaluateSplit, when the sample has it
};

// Errors: the model's or the sample's (classes that differ, too few images of one class to
// choose a threshold), an existing non-empty out folder, or a write that fails.
Result<SiteCalibrationResult> runSiteCalibration(const SiteCalibrationJob &job,
                                                 ProgressObserver *observer = nullptr);

} // namespace cxr::pipeline
