// SPDX-License-Identifier: MIT
#include "core/pipeline/ensemble_job.h"

#include "core/common/text.h"
#include "core/common/version.h"
#include "core/ml/classifier.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/labelled_split.h"

#include <algorithm>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// The ensemble's threshold chosen on a labelled split, with the split's AUC and accuracy.
Status chooseOnDataset(const EnsembleJob &job, const fs::path &modelDir, ml::ModelCard &card,
                       ProgressObserver *observer)
{
    auto ensemble = ml::Classifier::open(modelDir, job.device);
    if (!ensemble) {
        return ensemble.error();
    }
    // The same checks as an evaluation: the model's classes, and every image decoded.
    auto split = loadLabelledSplit(job.dataset, job.split, card.spec, job.cacheDir, observer);
    if (!split) {
        return split.error();
    }
    const data::DatasetIndex &index = split->index;
    const ImageArrays &images = split->images;
    auto predictions = ensemble->predict(images, observer);
    if (!predictions) {
        return predictions.error();
    }
    const std::vector<float> positive = predictions->positiveProbabilities();
    const ml::OperatingPointRule rule = job.operatingPoint.value_or(ml::OperatingPointRule{});
    auto threshold = ml::chooseThreshold(rule, images.labels, positive);
    if (!threshold) {
        return Error{threshold.error().code,
                     index.root.string() + ": " + threshold.error().message};
    }
    const ml::DiagnosticMetrics at =
        ml::computeDiagnosticMetrics(images.labels, positive, *threshold);
    card.spec.threshold = *threshold;
    card.operatingPoint = {ml::operatingPointSpec(rule),
                           job.split + " of " + index.root.filename().string(),
                           int(positive.size()), at.sensitivity, at.specificity};
    card.validationMetrics = {{"auc", at.rocAuc}, {"accuracy", at.accuracy}};
    return ml::writeModelCard(ml::modelCardPath(modelDir), card);
}

} // namespace

Result<ml::ModelCard> makeEnsemble(const EnsembleJob &job, ProgressObserver *observer)
{
    if (job.members.size() < 2) {
        return makeError(ErrorCode::InvalidArgument, "an ensemble needs at least two runs");
    }
    std::error_code error;
    if (fs::exists(job.out, error) && !fs::is_empty(job.out, error)) {
        return makeError(ErrorCode::InvalidArgument,
                         job.out.string() + ": exists and is not empty; choose a new folder");
    }
    ml::ModelCard card;
    std::vector<std::string> names;
    double thresholdSum = 0;
    for (const fs::path &member : job.members) {
        auto model = ml::Classifier::open(member, job.device);
        if (!model) {
            return model.error();
        }
        const ml::ModelCard &memberCard = model->card();
        if (memberCard.isEnsemble()) {
            return makeError(ErrorCode::Incompatible,
                             member.string() + ": is an ensemble; list its members instead");
        }
        if (card.ensembleMembers.empty()) {
            card.spec = memberCard.spec;
            card.trainedOn = memberCard.trainedOn;
            card.population = memberCard.population;
        } else if (!ml::sameModelInput(memberCard.spec, card.spec)) {
            return makeError(ErrorCode::Incompatible,
                             member.string() +
                                 ": takes another input or names other classes than " +
                                 job.members.front().string() + "; members must match");
        }
        const std::string canonical = fs::weakly_canonical(model->modelDir()).string();
        if (std::find(card.ensembleMembers.begin(), card.ensembleMembers.end(), canonical) !=
            card.ensembleMembers.end()) {
            // "ensemble of 2" of one model weighted it twice and claimed a second opinion.
            return makeError(
                ErrorCode::InvalidArgument,
                member.string() +
                    ": the same model is listed twice; an ensemble needs different runs");
        }
        card.sawTestSplit = card.sawTestSplit || memberCard.sawTestSplit;
        card.ensembleMembers.push_back(canonical);
        card.ensembleMemberSha256.push_back(memberCard.weightsSha256);
        names.push_back(memberCard.name);
        thresholdSum += memberCard.spec.threshold;
    }
    card.spec.architecture = "ensemble";
    card.spec.threshold = thresholdSum / double(job.members.size());
    card.name = "ensemble of " + std::to_string(names.size()) + " (" + joined(names) + ")";
    card.createdWith = std::string("CXR Studio ") + kVersionString;
    const fs::path modelDir = job.out / "model";
    fs::create_directories(modelDir, error);
    if (error) {
        return makeError(ErrorCode::WriteFailed, modelDir.string() +
                                                     ": cannot create the folder (" +
                                                     error.message() + ")");
    }
    if (auto written = ml::writeModelCard(ml::modelCardPath(modelDir), card); !written) {
        return written.error();
    }
    if (!job.dataset.empty()) {
        if (auto chosen = chooseOnDataset(job, modelDir, card, observer); !chosen) {
            return chosen.error();
        }
    }
    return card;
}

} // namespace cxr::pipeline
