// SPDX-License-Identifier: MIT
#include "core/pipeline/evaluation_comparison.h"

#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// The most bootstrap resamples a saved evaluation may ask for (`cxr evaluate --bootstrap`'s limit).
constexpr int kMaxSavedBootstrapSamples = 100000;

// The class names a run's model card or a baseline's card declares.
Result<std::vector<std::string>> classNamesOf(const fs::path &folder)
{
    const fs::path cardFile = ml::RunPaths{folder}.modelCard();
    std::error_code error;
    if (fs::exists(cardFile, error)) {
        auto card = ml::readModelCard(cardFile);
        if (!card) {
            return card
                .error(); // a damaged card, named as such, not "neither a run nor a baseline"
        }
        return card->spec.classNames;
    }
    const fs::path baseline = folder / "baseline.json";
    std::ifstream in(baseline);
    const auto json = nlohmann::json::parse(in, nullptr, false);
    if (!in || !json.is_object() || !json.contains("class_names")) {
        return makeError(ErrorCode::NotFound,
                         folder.string() +
                             ": neither a run (model/model.json) nor a baseline (baseline.json)");
    }
    try {
        return json["class_names"].get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception &) {
        return makeError(ErrorCode::Corrupt,
                         baseline.string() + ": class_names is not a list of names");
    }
}

} // namespace

Result<SavedEvaluation> readSavedEvaluation(const fs::path &folder, const std::string &split,
                                            const ml::BootstrapSettings &bootstrap)
{
    auto classes = classNamesOf(folder);
    if (!classes) {
        return classes.error();
    }
    const fs::path evaluation = folder / "evaluations" / split;
    const std::string metricsName = (evaluation / "metrics.json").string();
    std::ifstream metricsFile(evaluation / "metrics.json");
    if (!metricsFile) {
        return makeError(ErrorCode::NotFound,
                         metricsName + ": no saved evaluation of split " + split);
    }
    const auto metrics = nlohmann::json::parse(metricsFile, nullptr, false);
    if (!metrics.is_object() || !metrics.contains("threshold")) {
        return makeError(ErrorCode::Corrupt,
                         metricsName + ": not a saved evaluation (not JSON with a threshold)");
    }
    auto predictions = readPredictionsFile(evaluation / "predictions.csv", *classes);
    if (!predictions) {
        return predictions.error();
    }
    SavedEvaluation saved;
    saved.folder = folder;
    saved.name = metrics.value("model", folder.filename().string());
    saved.split = split;
    saved.classNames = *classes;
    saved.labels = std::move(predictions->labels);
    saved.probabilities = std::move(predictions->probabilities);
    try {
        // The bootstrap the evaluation used, so that its saved intervals come out again.
        ml::BootstrapSettings used = bootstrap;
        if (metrics.contains("bootstrap")) {
            used.samples = metrics["bootstrap"].value("samples", used.samples);
            used.seed = metrics["bootstrap"].value("seed", used.seed);
            used.confidence = metrics["bootstrap"].value("confidence", used.confidence);
        }
        // Values out of range gave a wrong report (a threshold of 7, a confidence of 5) or
        // never finished (two billion resamples); `cxr evaluate` writes none of them.
        const double threshold = metrics["threshold"].get<double>();
        if (!(threshold >= 0 && threshold <= 1)) {
            return makeError(ErrorCode::Corrupt, metricsName + ": threshold " +
                                                     std::to_string(threshold) +
                                                     " is not a probability between 0 and 1");
        }
        if (used.samples < 0 || used.samples > kMaxSavedBootstrapSamples) {
            return makeError(ErrorCode::Corrupt,
                             metricsName + ": bootstrap samples " + std::to_string(used.samples) +
                                 " out of range (0 to " +
                                 std::to_string(kMaxSavedBootstrapSamples) + ")");
        }
        if (!(used.confidence > 0 && used.confidence < 1)) {
            return makeError(ErrorCode::Corrupt, metricsName + ": bootstrap confidence " +
                                                     std::to_string(used.confidence) +
                                                     " is not between 0 and 1");
        }
        saved.report = ml::diagnosticReport(saved.labels, saved.probabilities, threshold, used);
    } catch (const nlohmann::json::exception &) {
        return makeError(ErrorCode::Corrupt, (evaluation / "metrics.json").string() +
                                                 ": threshold or bootstrap is not a number");
    }
    return saved;
}

std::vector<fs::path> foldersWithEvaluation(const fs::path &runsFolder, const std::string &split)
{
    std::vector<fs::path> folders;
    std::error_code error;
    for (fs::directory_iterator it(runsFolder, error), end; !error && it != end;
         it.increment(error)) {
        if (it->is_directory(error) &&
            fs::is_regular_file(it->path() / "evaluations" / split / "metrics.json", error)) {
            folders.push_back(it->path());
        }
    }
    std::sort(folders.begin(), folders.end());
    return folders;
}

} // namespace cxr::pipeline
