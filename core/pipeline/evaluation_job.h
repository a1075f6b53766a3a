// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/ml/metrics.h"
#include "core/pipeline/stress_test.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

struct EvaluationJob {
    std::filesystem::path run; // run folder or model folder
    std::filesystem::path datasetDir;
    std::string split = "test";
    std::string device = "auto";
    std::filesystem::path cacheDir; // tensor cache folder; empty: decode every time
    // The decision threshold: the model card's when neither is set, else this value, or
    // Youden's J on the evaluated split (optimistic there: the split chose it).
    std::optional<double> threshold;
    bool youdenThreshold = false;
    ml::BootstrapSettings bootstrap;
    // Also the robustness report: the metrics under controlled shifts (stress_test.h).
    bool stress = false;
    bool tta = false; // test-time augmentation (ml::Classifier::setTestTimeAugmentation)
};

struct EvaluationResult {
    std::string modelName;
    std::vector<std::string> classNames;
    std::string split;
    ml::BinaryMetrics metrics;        // class 1 (e.g. PNEUMONIA) is the positive class
    ml::DiagnosticReport report;      // every metric with its bootstrap interval
    std::string thresholdSource;      // "model card", "given" or "Youden's J on this split"
    std::vector<int> labels;          // per image of the split, as in predictions.csv
    std::vector<float> probabilities; // P(class 1) per image
    std::vector<std::string> files;   // absolute path per image
    std::filesystem::path
        outputFolder; // RUN/evaluations/<split>[-tta]/ with predictions.csv, metrics.json
    // Calibration on this split: expected calibration error of the model's raw probabilities
    // and of the calibrated ones the card's calibration gives (equal when it is the identity).
    ml::LogitCalibration calibration;
    double eceUncalibrated = 0;
    double eceCalibrated = 0;
    // Images the out-of-distribution guard flags on this split; -1 when the model has none.
    int oodFlagged = -1;
    // The model card's figures on its own validation split (carved from the training folders),
    // to be shown beside these: they overestimate performance on other patients.
    std::map<std::string, double> validationMetrics;
    // With EvaluationJob::stress: one row per shift, the first unshifted; saved in stress.json.
    std::vector<StressRow> stress;
    bool tta = false; // the probabilities are test-time augmented
};

// Predicts every image of the split with the run's model and computes the metrics at the
// model card's threshold. Saves predictions.csv and metrics.json into the run folder.
// Errors: missing run or split, classes or input that do not match the model, images that fail
// to decode (named).
Result<EvaluationResult> runEvaluation(const EvaluationJob &job,
                                       ProgressObserver *observer = nullptr);

// Writes result.outputFolder/predictions.csv (paths relative to datasetRoot: file names may
// carry patient ids, nothing else identifying is written) and metrics.json, atomically.
Status writeEvaluation(const EvaluationResult &result, const std::filesystem::path &datasetRoot);

// The predictions an earlier evaluation saved (RUN/evaluations/<split>/predictions.csv), so a
// result reopens without predicting again. An error, naming the file and the line, when it is
// missing or was edited into something else: such a file is evaluated again, never trusted.
struct SavedPredictions {
    std::vector<std::string> files;   // relative to the dataset
    std::vector<int> labels;          // class index per image
    std::vector<float> probabilities; // P(class 1)
};
Result<SavedPredictions> readSavedPredictions(const std::filesystem::path &runOrModel,
                                              const std::string &split,
                                              const std::vector<std::string> &classNames);
// The same from a predictions.csv file.
Result<SavedPredictions> readPredictionsFile(const std::filesystem::path &file,
                                             const std::vector<std::string> &classNames);

} // namespace cxr::pipeline
