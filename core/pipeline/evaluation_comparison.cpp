// SPDX-License-Identifier: MIT
#include "core/pipeline/evaluation_comparison.h"

#include "core/ml/model_card.h"
#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// The class names a run's model card or a baseline's card declares.
Result<std::vector<std::string>> classNamesOf(const fs::path &folder)
{
    if (auto card = ml::readModelCard(folder / "model" / "model.json")) {
        return card->spec.classNames;
    }
    const fs::path baseline = folder / "baseline.json";
    std::ifstream in(baseline);
    const auto json = nlohmann::json::parse(in, nullptr, false);
    if (!in || !json.is_object() || !json.contains("class_names")) {
        return makeError(ErrorCode::NotFound, folder.string() + ": neither a run (model/model.json) nor a baseline (baseline.json)");
    }
    try {
        return json["class_names"].get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception &) {
        return makeError(ErrorCode::Corrupt, baseline.string() + ": class_names is not a list of names");
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
    std::ifstream metricsFile(evaluation / "metrics.json");
    const auto metrics = nlohmann::json::parse(metricsFile, nullptr, false);
    if (!metricsFile || !metrics.is_object() || !metrics.contains("threshold")) {
        return makeError(ErrorCode::NotFound, (evaluation / "metrics.json").string() + ": no saved evaluation of split " + split);
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
        saved.report = ml::diagnosticReport(saved.labels, saved.probabilities, metrics["threshold"].get<double>(), used);
    } catch (const nlohmann::json::exception &) {
        return makeError(ErrorCode::Corrupt, (evaluation / "metrics.json").string() + ": threshold or bootstrap is not a number");
    }
    return saved;
}

std::vector<fs::path> foldersWithEvaluation(const fs::path &runsFolder, const std::string &split)
{
    std::vector<fs::path> folders;
    std::error_code error;
    for (fs::directory_iterator it(runsFolder, error), end; !error && it != end; it.increment(error)) {
        if (it->is_directory(error) && fs::is_regular_file(it->path() / "evaluations" / split / "metrics.json", error)) {
            folders.push_back(it->path());
        }
    }
    std::sort(folders.begin(), folders.end());
    return folders;
}

} // namespace cxr::pipeline
