// SPDX-License-Identifier: MIT
#include "core/pipeline/site_calibration.h"

#include "core/common/text.h"
#include "core/ml/classifier.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/labelled_split.h"

#include <algorithm>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// The model folder's files in a new folder: the weights and guard unchanged (their digests in
// the card still hold), the card rewritten by the caller.
Status copyModelFolder(const fs::path &from, const fs::path &to, const ml::ModelCard &card)
{
    std::error_code error;
    fs::create_directories(to, error);
    if (error) {
        return makeError(ErrorCode::WriteFailed,
                         to.string() + ": cannot create the folder (" + error.message() + ")");
    }
    // An ensemble's card names its members' folders; it has no weights of its own.
    std::vector<std::string> files;
    if (!card.isEnsemble()) {
        files.push_back("weights.pt");
    }
    if (!card.ood.file.empty()) {
        files.push_back(card.ood.file);
    }
    for (const std::string &file : files) {
        fs::copy_file(from / file, to / file, fs::copy_options::overwrite_existing, error);
        if (error) {
            return makeError(ErrorCode::WriteFailed,
                             (to / file).string() + ": cannot copy (" + error.message() + ")");
        }
    }
    return Ok{};
}

} // namespace

Result<SiteCalibrationResult> runSiteCalibration(const SiteCalibrationJob &job,
                                                 ProgressObserver *observer)
{
    auto classifier = ml::Classifier::open(job.run, job.device);
    if (!classifier) {
        return classifier.error();
    }
    const ml::ModelCard &card = classifier->card();
    if (card.spec.classNames.size() != 2) {
        return makeError(ErrorCode::Unsupported,
                         "site calibration is for binary models; this one has " +
                             std::to_string(card.spec.classNames.size()) + " classes");
    }
    auto split = loadLabelledSplit(job.sample, job.fitSplit, card.spec, job.cacheDir, observer);
    if (!split) {
        return split.error();
    }
    const data::DatasetIndex &index = split->index;
    // A temperature or bias fitted on one class runs to its bound, and only a fixed threshold
    // rule would let such a sample through to a card.
    if (!ml::hasBothClasses(split->images.labels)) {
        return makeError(ErrorCode::InvalidDataset,
                         job.sample.string() + ": the '" + job.fitSplit +
                             "' split holds images of one class only; "
                             "site calibration needs labelled images of both classes");
    }
    auto predictions = classifier->predict(split->images, observer);
    if (!predictions) {
        return predictions.error();
    }

    SiteCalibrationResult result;
    result.previousCalibration = card.calibration;
    result.previousThreshold = card.spec.threshold;
    result.card = card;
    const std::vector<int> &labels = split->images.labels;
    const std::string source =
        "site sample " + index.root.filename().string() + " (" + job.fitSplit + ")";
    std::vector<float> after;
    if (card.isEnsemble()) {
        // Each member applies its own calibration; the ensemble's threshold alone is refitted.
        after = predictions->positiveProbabilities();
    } else {
        const ml::LogitCalibration fitted = ml::fitCalibration(predictions->logits, 1, labels);
        std::vector<float> before;
        for (float logit : predictions->logits) {
            before.push_back(float(ml::calibratedProbability(logit, card.calibration.logits())));
            after.push_back(float(ml::calibratedProbability(logit, fitted)));
        }
        result.card.calibration = {fitted.temperature,
                                   fitted.bias,
                                   source,
                                   int(labels.size()),
                                   ml::expectedCalibrationError(labels, before),
                                   ml::expectedCalibrationError(labels, after),
                                   utcTimestamp()};
    }
    ml::OperatingPointRule rule{ml::OperatingPointRule::Kind::Sensitivity, 0.95};
    if (job.operatingPoint) {
        rule = *job.operatingPoint;
    } else if (auto recorded = ml::parseOperatingPoint(card.operatingPoint.rule);
               recorded && !card.operatingPoint.rule.empty()) {
        rule = *recorded;
    }
    auto threshold = ml::chooseThreshold(rule, labels, after);
    if (!threshold) {
        return Error{threshold.error().code,
                     index.root.string() + ": " + threshold.error().message};
    }
    const ml::DiagnosticMetrics at = ml::computeDiagnosticMetrics(labels, after, *threshold);
    result.card.spec.threshold = *threshold;
    result.card.operatingPoint = {ml::operatingPointSpec(rule), source, int(labels.size()),
                                  at.sensitivity, at.specificity};
    result.card.name = card.name + " [site-calibrated on " + index.root.filename().string() + "]";
    std::error_code error;
    if (fs::exists(job.out, error) && !fs::is_empty(job.out, error)) {
        return makeError(ErrorCode::InvalidArgument,
                         job.out.string() + ": exists and is not empty; choose a new folder");
    }
    // Laid out like a run (OUT/model/), so that evaluations land in OUT/evaluations/ and every
    // command that takes a run takes it.
    const fs::path modelDir = job.out / "model";
    if (auto copied = copyModelFolder(classifier->modelDir(), modelDir, card); !copied) {
        return copied.error();
    }
    if (auto written = ml::writeModelCard(ml::modelCardPath(modelDir), result.card); !written) {
        return written.error();
    }
    if (std::find(index.splits.begin(), index.splits.end(), job.evaluateSplit) !=
        index.splits.end()) {
        EvaluationJob evaluation;
        evaluation.run = job.out;
        evaluation.datasetDir = job.sample;
        evaluation.split = job.evaluateSplit;
        evaluation.device = job.device;
        evaluation.cacheDir = job.cacheDir;
        evaluation.bootstrap = job.bootstrap;
        auto evaluated = runEvaluation(evaluation, observer);
        if (!evaluated) {
            return evaluated.error();
        }
        result.evaluation = std::move(*evaluated);
    }
    return result;
}

} // namespace cxr::pipeline
