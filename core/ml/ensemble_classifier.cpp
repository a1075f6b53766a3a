// SPDX-License-Identifier: MIT
// A Classifier whose card lists other models: it averages their calibrated probabilities and
// their maps, and flags an image when any member's guard does.
#include "core/ml/classifier_impl.h"

namespace cxr::ml {

Status Classifier::Impl::openMembers(const std::string &device)
{
    for (std::size_t i = 0; i < card.ensembleMembers.size(); ++i) {
        const std::string &folder = card.ensembleMembers[i];
        const auto named = [&](const std::string &why) {
            return makeError(ErrorCode::Incompatible,
                             modelDir.string() + ": member " + folder + ": " + why);
        };
        auto member = Classifier::open(folder, device);
        if (!member) {
            return Error{member.error().code,
                         modelDir.string() + ": member " + member.error().message};
        }
        if (member->card().isEnsemble()) {
            return named("is itself an ensemble");
        }
        if (member->card().weightsSha256 != card.ensembleMemberSha256[i]) {
            return named("its weights changed since the ensemble was made");
        }
        if (!sameModelInput(member->card().spec, card.spec)) {
            return named("takes another input or names other classes than the ensemble");
        }
        members.push_back(std::move(*member));
    }
    return Ok{};
}

Result<Predictions> Classifier::Impl::predictWithMembers(const ImageArrays &arrays,
                                                         ProgressObserver *observer)
{
    Predictions mean;
    const bool guarded = std::all_of(members.begin(), members.end(),
                                     [](const Classifier &m) { return m.hasOodGuard(); });
    const double share = 1.0 / double(members.size());
    for (std::size_t m = 0; m < members.size(); ++m) {
        auto predicted = members[m].predict(arrays, observer);
        if (!predicted) {
            return predicted.error();
        }
        if (m == 0) {
            mean.classCount = predicted->classCount;
            mean.probabilities.assign(predicted->probabilities.size(), 0.0f);
            mean.logits.assign(predicted->logits.size(), 0.0f);
            mean.oodScores.assign(guarded ? arrays.count() : 0, 0.0f);
        }
        for (std::size_t i = 0; i < mean.probabilities.size(); ++i) {
            mean.probabilities[i] += float(share) * predicted->probabilities[i];
        }
        for (std::size_t i = 0; i < mean.logits.size(); ++i) {
            mean.logits[i] += float(share) * predicted->logits[i];
        }
        for (std::size_t i = 0; i < mean.oodScores.size(); ++i) {
            const float ratio = float(predicted->oodScores[i] / members[m].oodThreshold());
            mean.oodScores[i] = std::max(mean.oodScores[i], std::isnan(ratio) ? INFINITY : ratio);
        }
    }
    return mean;
}

Result<CamMap> Classifier::Impl::explainWithMembers(const std::vector<float> &image,
                                                    const CamRequest &request)
{
    std::vector<CamMap> maps;
    for (Classifier &member : members) {
        auto map = member.explain(image, request);
        if (!map) {
            return map.error();
        }
        maps.push_back(std::move(*map));
    }
    CamMap mean = maps.front();
    const double share = 1.0 / double(maps.size());
    std::fill(mean.classProbabilities.begin(), mean.classProbabilities.end(), 0.0);
    for (const CamMap &map : maps) {
        for (std::size_t k = 0; k < mean.classProbabilities.size(); ++k) {
            mean.classProbabilities[k] += share * map.classProbabilities[k];
        }
    }
    mean.probability = mean.classProbabilities.size() > 1 ? mean.classProbabilities[1] : 0;
    // The class the maps explain follows the ensemble's own decision; members that decided
    // otherwise explain it again for that class.
    if (mean.classProbabilities.size() == 2 && request.target == CamTarget::Predicted &&
        request.targetClass < 0) {
        CamRequest agreed = request;
        agreed.targetClass = mean.probability >= card.spec.threshold ? 1 : 0;
        for (std::size_t m = 0; m < maps.size(); ++m) {
            if (maps[m].explainedClass != agreed.targetClass && maps[m].explainedClass >= 0) {
                auto again = members[m].explain(image, agreed);
                if (!again) {
                    return again.error();
                }
                maps[m] = std::move(*again);
            }
        }
        mean.explainedClass = agreed.targetClass;
    }
    float highest = 0;
    mean.rawLow = 0;
    mean.rawHigh = 0;
    mean.flat = true;
    mean.oodScore.reset();
    for (std::size_t i = 0; i < mean.values.size(); ++i) {
        float sum = 0;
        for (const CamMap &map : maps) {
            sum += map.values.size() == mean.values.size() ? map.values[i] : 0.0f;
        }
        mean.values[i] = sum / float(maps.size());
        highest = std::max(highest, mean.values[i]);
    }
    for (std::size_t m = 0; m < maps.size(); ++m) {
        mean.rawLow += share * maps[m].rawLow;
        mean.rawHigh += share * maps[m].rawHigh;
        mean.flat = mean.flat && maps[m].flat;
        if (maps[m].oodScore) {
            const double ratio = *maps[m].oodScore / members[m].oodThreshold();
            mean.oodScore =
                std::max(mean.oodScore.value_or(0.0), std::isnan(ratio) ? INFINITY : ratio);
        }
    }
    if (highest > 0) {
        for (float &value : mean.values) {
            value /= highest;
        }
    }
    return mean;
}

} // namespace cxr::ml
