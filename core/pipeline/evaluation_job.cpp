// SPDX-License-Identifier: MIT
#include "core/pipeline/evaluation_job.h"
#include "core/common/json_text.h"

#include "core/common/atomic_file.h"
#include "core/ml/calibration.h"
#include "core/ml/classifier.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/labelled_split.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// Undefined values (a zero denominator) are null.
nlohmann::json number(double value)
{
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

// Every diagnostic metric with its bootstrap interval.
nlohmann::json metricsWithIntervals(const ml::DiagnosticReport &report)
{
    nlohmann::json values = nlohmann::json::object();
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        values[definitions[d].key] = {{"value", number(report.metrics.*(definitions[d].member))},
                                      {"ci_low", number(report.intervals[d].low)},
                                      {"ci_high", number(report.intervals[d].high)}};
    }
    return values;
}

// Paths relative to the dataset: file names may carry patient ids, but no other identifier is
// written.
std::string predictionsCsv(const EvaluationResult &result, const fs::path &datasetRoot)
{
    std::ostringstream csv;
    csv << "file,label,probability\n";
    for (std::size_t i = 0; i < result.labels.size(); ++i) {
        char probability[32];
        std::snprintf(probability, sizeof probability, "%.6f", result.probabilities[i]);
        csv << fs::path(result.files[i]).lexically_relative(datasetRoot).generic_string() << ','
            << result.classNames[std::size_t(result.labels[i])] << ',' << probability << '\n';
    }
    return csv.str();
}

nlohmann::json metricsJson(const EvaluationResult &result)
{
    const ml::BinaryMetrics &m = result.metrics;
    const ml::DiagnosticReport &report = result.report;
    nlohmann::json metrics = {
        {"model", result.modelName},
        {"split", result.split},
        {"positive_class", result.classNames[1]},
        {"threshold", m.threshold},
        {"images", m.counts.total()},
        {"accuracy", m.accuracy},
        {"precision", m.precision},
        {"recall", m.recall},
        {"specificity", m.specificity},
        {"f1", m.f1},
        {"confusion",
         {{"tp", m.counts.truePositive},
          {"fp", m.counts.falsePositive},
          {"tn", m.counts.trueNegative},
          {"fn", m.counts.falseNegative}}},
    };
    metrics["threshold_source"] = result.thresholdSource;
    metrics["test_time_augmentation"] = result.tta;
    metrics["metrics"] = metricsWithIntervals(report);
    metrics["prevalence"] = number(report.prevalence);
    metrics["majority_baseline_accuracy"] = number(report.majorityBaseline);
    metrics["calibration"] = {{"temperature", result.calibration.temperature},
                              {"bias", result.calibration.bias},
                              {"ece_uncalibrated", number(result.eceUncalibrated)},
                              {"ece_calibrated", number(result.eceCalibrated)}};
    metrics["ood_flagged"] =
        result.oodFlagged >= 0 ? nlohmann::json(result.oodFlagged) : nlohmann::json();
    metrics["bootstrap"] = {{"samples", report.bootstrap.samples},
                            {"seed", report.bootstrap.seed},
                            {"confidence", report.bootstrap.confidence},
                            {"method", "percentile"}};
    return metrics;
}

nlohmann::json stressJson(const EvaluationResult &result)
{
    nlohmann::json rows = nlohmann::json::array();
    for (const StressRow &row : result.stress) {
        rows.push_back({{"shift", row.shift}, {"metrics", metricsWithIntervals(row.report)}});
    }
    return {{"model", result.modelName},
            {"split", result.split},
            {"threshold", result.report.threshold},
            {"shifts", rows}};
}

} // namespace

Status writeEvaluation(const EvaluationResult &result, const fs::path &datasetRoot)
{
    const fs::path &folder = result.outputFolder;
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) {
        return makeError(ErrorCode::WriteFailed, folder.string() + ": cannot create folder");
    }
    if (auto written =
            writeFileAtomically(folder / "predictions.csv", predictionsCsv(result, datasetRoot));
        !written) {
        return written;
    }
    if (auto written =
            writeFileAtomically(folder / "metrics.json", jsonText(metricsJson(result), 2) + "\n");
        !written) {
        return written;
    }
    if (result.stress.empty()) {
        return Ok{};
    }
    return writeFileAtomically(folder / "stress.json", jsonText(stressJson(result), 2) + "\n");
}

Result<EvaluationResult> runEvaluation(const EvaluationJob &job, ProgressObserver *observer)
{
    auto classifier = ml::Classifier::open(job.run, job.device);
    if (!classifier) {
        return classifier.error();
    }
    classifier->setTestTimeAugmentation(job.tta);
    const ml::ModelSpec &spec = classifier->card().spec;
    if (spec.classNames.size() != 2) {
        return makeError(ErrorCode::Unsupported,
                         "evaluation reports binary metrics; this model has " +
                             std::to_string(spec.classNames.size()) + " classes");
    }
    auto split = loadLabelledSplit(job.datasetDir, job.split, spec, job.cacheDir, observer);
    if (!split) {
        return split.error();
    }
    const ImageArrays &images = split->images;
    if (observer) {
        observer->stage("Predicting");
    }
    auto predictions = classifier->predict(images, observer);
    if (!predictions) {
        return predictions.error();
    }
    std::vector<float> positive = predictions->positiveProbabilities();

    EvaluationResult result;
    result.modelName = classifier->card().name;
    result.classNames = spec.classNames;
    result.split = job.split;
    double threshold = spec.threshold;
    result.thresholdSource = "model card";
    if (job.youdenThreshold) {
        threshold = ml::youdenThreshold(images.labels, positive);
        result.thresholdSource = "Youden's J on this split";
    } else if (job.threshold) {
        threshold = *job.threshold;
        result.thresholdSource = "given";
    }
    result.metrics = ml::computeBinaryMetrics(images.labels, positive, threshold);
    result.report = ml::diagnosticReport(images.labels, positive, threshold, job.bootstrap);
    result.labels = images.labels;
    result.files.assign(images.paths.begin(), images.paths.end());
    result.probabilities = std::move(positive);
    result.validationMetrics = classifier->card().validationMetrics;
    result.tta = job.tta;
    result.calibration = classifier->card().calibration.logits();
    std::vector<float> uncalibrated;
    for (float logit : predictions->logits) {
        uncalibrated.push_back(float(ml::calibratedProbability(logit)));
    }
    result.eceUncalibrated = ml::expectedCalibrationError(result.labels, uncalibrated);
    result.eceCalibrated = ml::expectedCalibrationError(result.labels, result.probabilities);
    if (classifier->hasOodGuard()) {
        const double limit = classifier->oodThreshold();
        result.oodFlagged =
            int(std::count_if(predictions->oodScores.begin(), predictions->oodScores.end(),
                              [limit](float score) { return !(score <= limit); }));
    }
    if (job.stress) {
        auto rows = runStressTest(*classifier, images, threshold, job.bootstrap, observer);
        if (!rows) {
            return rows.error();
        }
        result.stress = std::move(*rows);
    }
    // Test-time augmented predictions are kept apart from plain ones (SPLIT-tta), so that one
    // never reopens as the other.
    result.outputFolder = classifier->modelDir().parent_path() / "evaluations" /
                          (job.split + (job.tta ? "-tta" : ""));
    if (auto written = writeEvaluation(result, split->index.root); !written) {
        return written.error();
    }
    return result;
}

Result<SavedPredictions> readSavedPredictions(const fs::path &runOrModel, const std::string &split,
                                              const std::vector<std::string> &classNames)
{
    auto modelDir = ml::findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    return readPredictionsFile(modelDir->parent_path() / "evaluations" / split / "predictions.csv",
                               classNames);
}

Result<SavedPredictions> readPredictionsFile(const fs::path &file,
                                             const std::vector<std::string> &classNames)
{
    std::ifstream in(file);
    if (!in) {
        return makeError(ErrorCode::NotFound, file.string() + ": no saved evaluation");
    }
    SavedPredictions saved;
    std::string line;
    std::getline(in, line);
    if (line != "file,label,probability") {
        return makeError(ErrorCode::Corrupt, file.string() + ": not a predictions file");
    }
    for (int row = 2; std::getline(in, line); ++row) {
        // The file name may contain commas; the label and probability are the last fields.
        const std::size_t second = line.rfind(',');
        const std::size_t first = second == std::string::npos || second == 0
                                      ? std::string::npos
                                      : line.rfind(',', second - 1);
        if (first == std::string::npos) {
            return makeError(ErrorCode::Corrupt,
                             file.string() + ": line " + std::to_string(row) + " is malformed");
        }
        const std::string label = line.substr(first + 1, second - first - 1);
        const auto cls = std::find(classNames.begin(), classNames.end(), label);
        char *end = nullptr;
        const float probability = std::strtof(line.c_str() + second + 1, &end);
        if (cls == classNames.end() || end == line.c_str() + second + 1 || *end != '\0' ||
            !(probability >= 0 && probability <= 1)) {
            return makeError(ErrorCode::Corrupt, file.string() + ": line " + std::to_string(row) +
                                                     " has an unknown class or a bad probability");
        }
        saved.files.push_back(line.substr(0, first));
        saved.labels.push_back(int(cls - classNames.begin()));
        saved.probabilities.push_back(probability);
    }
    if (saved.files.empty()) {
        return makeError(ErrorCode::Corrupt, file.string() + ": holds no predictions");
    }
    return saved;
}

} // namespace cxr::pipeline
