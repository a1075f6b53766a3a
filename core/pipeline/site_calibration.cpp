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

// The sample's probabilities after the new calibration (fitted here, recorded in the card);
// an ensemble's members keep their own, and only its threshold is refitted.
std::vector<float> recalibrate(const ml::ModelCard &card, const ml::Predictions &predictions,
                               const std::vector<int> &labels, const std::string &source,
                               ml::ModelCard &newCard)
{
    if (card.isEnsemble()) {
        return predictions.positiveProbabilities();
    }
    const ml::LogitCalibration fitted = ml::fitCalibration(predictions.logits, 1, labels);
    std::vector<float> before;
    std::vector<float> after;
    for (float logit : predictions.logits) {
        before.push_back(float(ml::calibratedProbability(logit, card.calibration.logits())));
        after.push_back(float(ml::calibratedProbability(logit, fitted)));
    }
    newCard.calibration = {fitted.temperature,
                           fitted.bias,
                           source,
                           int(labels.size()),
                           ml::expectedCalibrationError(labels, before),
                           ml::expectedCalibrationError(labels, after),
                           utcTimestamp()};
    return after;
}

// The threshold by the job's rule, else the card's recorded rule, else sensitivity 0.95.
Status refitThreshold(const SiteCalibrationJob &job, const ml::ModelCard &card,
                      const std::vector<int> &labels, const std::vector<float> &after,
                      const std::string &source, const data::DatasetIndex &index,
                      ml::ModelCard &newCard)
{
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
    newCard.spec.threshold = *threshold;
    newCard.operatingPoint = {ml::operatingPointSpec(rule), source, int(labels.size()),
                              at.sensitivity, at.specificity};
    return Ok{};
}

// Laid out like a run (OUT/model/), so that evaluations land in OUT/evaluations/ and every
// command that takes a run takes it.
Status writeCalibratedModel(const SiteCalibrationJob &job, const ml::Classifier &classifier,
                            const ml::ModelCard &newCard)
{
    std::error_code error;
    if (fs::exists(job.out, error) && !fs::is_empty(job.out, error)) {
        return makeError(ErrorCode::InvalidArgument,
                         job.out.string() + ": exists and is not empty; choose a new folder");
    }
    const fs::path modelDir = job.out / "model";
    if (auto copied = copyModelFolder(classifier.modelDir(), modelDir, classifier.card());
        !copied) {
        return copied;
    }
    return ml::writeModelCard(ml::modelCardPath(modelDir), newCard);
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
    const std::vector<float> after = recalibrate(card, *predictions, labels, source, result.card);
    if (auto refitted = refitThreshold(job, card, labels, after, source, index, result.card);
        !refitted) {
        return refitted.error();
    }
    result.card.name = card.name + " [site-calibrated on " + index.root.filename().string() + "]";
    if (auto written = writeCalibratedModel(job, *classifier, result.card); !written) {
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
