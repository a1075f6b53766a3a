// SPDX-License-Identifier: MIT
#include "core/pipeline/cross_validation.h"

#include "core/common/atomic_file.h"
#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/manifest.h"
#include "core/data/patient_folds.h"
#include "core/ml/metrics.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

struct FoldPlan {
    fs::path manifest;
    fs::path runDir;
    data::FoldSummary summary;
    std::string fingerprint;
    std::int64_t trainImages = 0;
    std::int64_t valImages = 0;
};

Result<FoldPlan> writeFoldManifest(const CrossValidationJob &job, const data::DatasetIndex &index,
                                   int fold)
{
    data::FoldSummary summary;
    auto split = data::crossValidationFold(
        index, data::FoldSettings{job.folds, fold, job.foldSeed, job.valFraction}, &summary);
    if (!split) {
        return split.error();
    }
    FoldPlan plan;
    plan.manifest = job.train.runDir / "manifests" / ("fold-" + std::to_string(fold) + ".csv");
    plan.runDir = job.train.runDir / ("fold-" + std::to_string(fold));
    plan.summary = summary;
    for (const data::DatasetFile &file : split->files) {
        plan.trainImages += file.split == "train" ? 1 : 0;
        plan.valImages += file.split == "val" ? 1 : 0;
    }
    std::error_code error;
    fs::create_directories(plan.manifest.parent_path(), error);
    if (auto written = data::writeManifest(plan.manifest, *split); !written) {
        return written.error();
    }
    // The fingerprint as training will see it: the manifest scanned back.
    auto scanned = data::scanDataset(plan.manifest);
    if (!scanned) {
        return scanned.error();
    }
    plan.fingerprint = scanned->fingerprint();
    return plan;
}

// Trains one fold, or continues or keeps what an earlier invocation left in its run folder.
Result<FoldOutcome> trainFold(const CrossValidationJob &job, const FoldPlan &plan, int fold,
                              ml::TrainObserver *observer)
{
    FoldOutcome outcome;
    outcome.fold = fold;
    outcome.runDir = plan.runDir;
    outcome.heldOutImages = plan.summary.heldOutImages;
    outcome.heldOutPatients = plan.summary.heldOutPatients;
    outcome.trainImages = plan.trainImages;
    outcome.valImages = plan.valImages;
    TrainJob train = job.train;
    train.datasetDir = plan.manifest;
    train.runDir = plan.runDir;
    auto existing = ml::describeRun(plan.runDir);
    if (existing && !job.train.overwrite) {
        if (existing->settings.datasetHash != plan.fingerprint) {
            return makeError(ErrorCode::Incompatible, plan.runDir.string() +
                                                          ": trained on other images than fold " +
                                                          std::to_string(fold) +
                                                          " of this dataset now holds; use another "
                                                          "folder or --overwrite");
        }
        if (existing->state == ml::RunState::Finished) {
            outcome.reused = true;
            outcome.seconds = existing->seconds();
            return outcome;
        }
        train.resume = existing->resumable();
    }
    auto trained = runTrainJob(train, observer);
    if (!trained) {
        return trained.error();
    }
    if (trained->summary.stoppedByUser) {
        return makeError(ErrorCode::Cancelled, plan.runDir.string() + ": cross-validation stopped; "
                                                                      "run it again to continue");
    }
    outcome.trainImages = trained->trainImages; // without images skipped as unreadable
    outcome.valImages = trained->valImages;
    if (auto info = ml::describeRun(plan.runDir)) {
        outcome.seconds = info->seconds();
    }
    return outcome;
}

double sampleSd(const std::vector<double> &values, double mean)
{
    if (values.size() < 2) {
        return 0;
    }
    double sum = 0;
    for (double v : values) {
        sum += (v - mean) * (v - mean);
    }
    return std::sqrt(sum / double(values.size() - 1));
}

std::vector<FoldSpread> spreadOver(const std::vector<FoldOutcome> &folds)
{
    std::vector<FoldSpread> spread;
    for (const ml::MetricDefinition &metric : ml::diagnosticMetricDefinitions()) {
        std::vector<double> values;
        for (const FoldOutcome &fold : folds) {
            values.push_back(fold.heldOut.*metric.member);
        }
        double mean = 0;
        for (double v : values) {
            mean += v / double(values.size());
        }
        spread.push_back({metric.key, mean, sampleSd(values, mean)});
    }
    return spread;
}

nlohmann::json metricsJson(const ml::DiagnosticMetrics &metrics)
{
    nlohmann::json j = nlohmann::json::object();
    for (const ml::MetricDefinition &metric : ml::diagnosticMetricDefinitions()) {
        j[metric.key] = metrics.*metric.member;
    }
    return j;
}

Status writeSummary(const CrossValidationJob &job, const CrossValidationResult &result)
{
    nlohmann::json folds = nlohmann::json::array();
    for (const FoldOutcome &fold : result.folds) {
        folds.push_back({{"fold", fold.fold},
                         {"run", pathJson(fold.runDir.filename().string())},
                         {"train_images", fold.trainImages},
                         {"val_images", fold.valImages},
                         {"held_out_images", fold.heldOutImages},
                         {"held_out_patients", fold.heldOutPatients},
                         {"threshold", fold.threshold},
                         {"ece_calibrated", fold.eceCalibrated},
                         {"training_seconds", fold.seconds},
                         {"held_out", metricsJson(fold.heldOut)}});
    }
    nlohmann::json spread = nlohmann::json::object();
    for (const FoldSpread &s : result.spread) {
        spread[s.key] = {{"mean", s.mean}, {"sd", s.sd}};
    }
    const nlohmann::json summary = {{"format", "cxr-studio-crossval/1"},
                                    {"created", utcTimestamp()},
                                    {"dataset", pathJson(job.train.datasetDir.string())},
                                    {"folds", job.folds},
                                    {"fold_seed", job.foldSeed},
                                    {"val_fraction", job.valFraction},
                                    {"by", "patient"},
                                    {"test_split_used", false},
                                    {"per_fold", folds},
                                    {"mean_sd", spread},
                                    {"pooled_roc_auc", result.pooledRocAuc}};
    return writeFileAtomically(result.summaryFile, jsonText(summary, 2) + "\n");
}

} // namespace

Result<CrossValidationResult> runCrossValidation(const CrossValidationJob &job,
                                                 ml::TrainObserver *observer,
                                                 const FoldStarted &started)
{
    if (observer) {
        observer->stage("Scanning " + job.train.datasetDir.string());
    }
    auto index = data::scanDataset(job.train.datasetDir, observer);
    if (!index) {
        return index.error();
    }
    CrossValidationResult result;
    result.summaryFile = job.train.runDir / "crossval.json";
    std::vector<int> pooledLabels;
    std::vector<float> pooledProbabilities;
    for (int fold = 1; fold <= job.folds; ++fold) {
        auto plan = writeFoldManifest(job, *index, fold);
        if (!plan) {
            return plan.error();
        }
        if (started) {
            started(fold, job.folds, plan->runDir);
        }
        auto outcome = trainFold(job, *plan, fold, observer);
        if (!outcome) {
            return outcome.error();
        }
        EvaluationJob evaluation;
        evaluation.run = plan->runDir;
        evaluation.datasetDir = plan->manifest;
        evaluation.split = data::kHeldOutSplit;
        evaluation.device = job.train.settings.device;
        evaluation.cacheDir = job.train.cacheDir;
        auto evaluated = runEvaluation(evaluation, observer);
        if (!evaluated) {
            return evaluated.error();
        }
        if (auto written = writeEvaluation(*evaluated, plan->manifest.parent_path()); !written) {
            return written.error();
        }
        outcome->threshold = evaluated->report.threshold;
        outcome->heldOut = evaluated->report.metrics;
        outcome->eceCalibrated = evaluated->eceCalibrated;
        pooledLabels.insert(pooledLabels.end(), evaluated->labels.begin(), evaluated->labels.end());
        pooledProbabilities.insert(pooledProbabilities.end(), evaluated->probabilities.begin(),
                                   evaluated->probabilities.end());
        result.folds.push_back(*outcome);
    }
    result.spread = spreadOver(result.folds);
    result.pooledRocAuc = ml::rocAuc(pooledLabels, pooledProbabilities);
    if (auto written = writeSummary(job, result); !written) {
        return written.error();
    }
    return result;
}

} // namespace cxr::pipeline
