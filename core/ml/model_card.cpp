// SPDX-License-Identifier: MIT
#include "core/ml/model_card.h"

#include "core/common/atomic_file.h"
#include "core/ml/json_fields.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace cxr::ml {

using nlohmann::json;

Status writeModelCard(const std::filesystem::path &file, const ModelCard &card)
{
    const ModelSpec &s = card.spec;
    json j = {
        {"format", "cxr-studio-model-card/1"},
        {"name", card.name},
        {"created_with", card.createdWith},
        {"trained_on", card.trainedOn},
        {"best_epoch", card.bestEpoch},
        {"saw_test_split", card.sawTestSplit},
        {"validation_metrics", card.validationMetrics},
        {"architecture", s.architecture},
        {"input", {{"size", s.inputSize}, {"channels", s.channels}, {"resize", s.resize},
                   {"interpolation", s.interpolation}, {"normalisation", s.normalisation}}},
        {"class_names", s.classNames},
        {"threshold", s.threshold},
        {"weights", "weights.pt"},
        {"review", {{"reviewed", card.review.reviewed}, {"on_lungs", card.review.onLungs},
                    {"elsewhere", card.review.elsewhere}}},
        {"approved_for_use", card.approvedForUse},
    };
    if (card.approvedForUse) {
        j["approved_at"] = card.approvedAt;
        j["approval_note"] = card.approvalNote;
    }
    if (s.architecture == "custom-cnn") {
        j["custom_cnn"] = s.custom;
    }
    return writeFileAtomically(file, j.dump(2) + "\n");
}

Result<ModelCard> readModelCard(const std::filesystem::path &file)
{
    std::ifstream in(file);
    if (!in) {
        return makeError(ErrorCode::NotFound, file.string() + ": model card not found");
    }
    try {
        const json j = json::parse(in);
        ModelCard card;
        card.name = j.value("name", "");
        card.createdWith = j.value("created_with", "");
        card.trainedOn = j.value("trained_on", "");
        card.bestEpoch = j.value("best_epoch", 0);
        card.sawTestSplit = j.value("saw_test_split", false);
        card.validationMetrics =
            j.value("validation_metrics", std::map<std::string, double>{});
        if (j.contains("review")) {
            const json &review = j.at("review");
            card.review.reviewed = review.value("reviewed", 0);
            card.review.onLungs = review.value("on_lungs", 0);
            card.review.elsewhere = review.value("elsewhere", 0);
        }
        card.approvedForUse = j.value("approved_for_use", false);
        card.approvedAt = j.value("approved_at", "");
        card.approvalNote = j.value("approval_note", "");
        ModelSpec &s = card.spec;
        s.architecture = j.at("architecture").get<std::string>();
        const json &input = j.at("input");
        s.inputSize = input.at("size").get<int>();
        s.channels = input.at("channels").get<int>();
        s.resize = input.value("resize", "squash");
        s.interpolation = input.value("interpolation", "area");
        s.normalisation = input.value("normalisation", "scale01");
        s.classNames = j.at("class_names").get<std::vector<std::string>>();
        s.threshold = j.value("threshold", 0.5);
        if (j.contains("custom_cnn")) {
            s.custom = j.at("custom_cnn").get<CustomCnnOptions>();
        }
        if (!isKnownArchitecture(s.architecture)) {
            return makeError(ErrorCode::Incompatible, file.string() + ": unknown architecture '" +
                                                          s.architecture + "'");
        }
        if (s.inputSize < 16 || s.inputSize > 4096 || (s.channels != 1 && s.channels != 3) ||
            s.classNames.size() < 2 || !isKnownResize(s.resize) || s.interpolation != "area" ||
            (s.architecture == "custom-cnn" && !validateCustomCnn(s.custom, s.inputSize).empty())) {
            return makeError(ErrorCode::Corrupt,
                             file.string() + ": input size, channels or classes out of range");
        }
        return card;
    } catch (const json::exception &e) {
        return makeError(ErrorCode::Corrupt,
                         file.string() + ": not a valid model card (" + e.what() + ")");
    }
}

} // namespace cxr::ml
