// SPDX-License-Identifier: MIT
#include "core/ml/model_card.h"
#include "core/common/json_text.h"

#include "core/common/atomic_file.h"
#include "core/common/text.h"
#include "core/ml/json_fields.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace cxr::ml {

using nlohmann::json;

namespace {
constexpr const char *kModelCardFormat = "cxr-studio-model-card/1";
} // namespace

std::string CalibrationRecord::describe() const
{
    return logits().describe();
}

namespace {

// The calibration, operating point and out-of-distribution guard, each when the card has one.
void addRecords(const ModelCard &card, json &j)
{
    const CalibrationRecord &c = card.calibration;
    if (!c.fittedOn.empty() || c.temperature != 1 || c.bias != 0) {
        // "temperature" alone keeps the cards of multi-class models, and of older versions,
        // as they were; "platt" adds the bias.
        j["calibration"] = {{"method", c.bias == 0 ? "temperature" : "platt"},
                            {"temperature", c.temperature},
                            {"fitted_on", c.fittedOn},
                            {"images", c.images},
                            {"ece_before", c.eceBefore},
                            {"ece_after", c.eceAfter},
                            {"fitted_at", c.fittedAt}};
        if (c.bias != 0) {
            j["calibration"]["bias"] = c.bias;
        }
    }
    const OperatingPointRecord &o = card.operatingPoint;
    if (!o.rule.empty()) {
        j["operating_point"] = {{"rule", o.rule},
                                {"chosen_on", o.chosenOn},
                                {"images", o.images},
                                {"sensitivity", o.sensitivity},
                                {"specificity", o.specificity}};
    }
    const OodRecord &d = card.ood;
    if (!d.method.empty()) {
        j["ood"] = {{"method", d.method},
                    {"file", d.file},
                    {"sha256", d.sha256},
                    {"threshold", d.threshold},
                    {"reference_images", d.referenceImages},
                    {"validation_images", d.validationImages},
                    {"validation_flagged", d.validationFlagged}};
    }
}

} // namespace

Status writeModelCard(const std::filesystem::path &file, const ModelCard &card)
{
    const ModelSpec &s = card.spec;
    json j = {
        {"format", kModelCardFormat},
        {"name", card.name},
        {"created_with", card.createdWith},
        {"trained_on", pathJson(card.trainedOn)},
        {"best_epoch", card.bestEpoch},
        {"saw_test_split", card.sawTestSplit},
        {"validation_metrics", card.validationMetrics},
        {"architecture", s.architecture},
        {"input",
         {{"size", s.inputSize},
          {"channels", s.channels},
          {"resize", s.resize},
          {"interpolation", s.interpolation},
          {"normalisation", s.normalisation}}},
        {"class_names", s.classNames},
        {"threshold", s.threshold},
        {"weights", "weights.pt"},
        {"review",
         {{"reviewed", card.review.reviewed},
          {"on_lungs", card.review.onLungs},
          {"elsewhere", card.review.elsewhere}}},
        {"approved_for_use", card.approvedForUse},
    };
    if (!card.weightsSha256.empty()) {
        j["weights_sha256"] = card.weightsSha256;
    }
    addRecords(card, j);
    if (card.isEnsemble()) {
        j["ensemble"] = {{"members", card.ensembleMembers},
                         {"weights_sha256", card.ensembleMemberSha256}};
        j.erase("weights");
    }
    if (card.population.stated()) {
        j["population"] = {{"min_age_years", card.population.minAgeYears},
                           {"max_age_years", card.population.maxAgeYears}};
    }
    if (card.approvedForUse) {
        j["approved_at"] = card.approvedAt;
        j["approval_note"] = card.approvalNote;
    }
    if (s.architecture == "custom-cnn") {
        j["custom_cnn"] = s.custom;
    }
    return writeFileAtomically(file, jsonText(j, 2) + "\n");
}

namespace {

// Each reader below returns what is wrong with its part of the card, or "" when nothing is.

std::string readSpec(const json &j, ModelSpec &s)
{
    s.architecture = j.at("architecture").get<std::string>();
    const json &input = j.at("input");
    s.inputSize = input.at("size").get<int>();
    s.channels = input.at("channels").get<int>();
    s.resize = input.value("resize", "squash");
    s.interpolation = input.value("interpolation", "area");
    s.normalisation = input.value("normalisation", "scale01");
    s.classNames = j.at("class_names").get<std::vector<std::string>>();
    if (!j.contains("threshold") || !j.at("threshold").is_number()) {
        return "the decision threshold is missing";
    }
    s.threshold = j.at("threshold").get<double>();
    if (!(s.threshold >= 0 && s.threshold <= 1)) {
        return "the decision threshold " + j.at("threshold").dump() + " is outside [0, 1]";
    }
    if (j.contains("custom_cnn")) {
        s.custom = j.at("custom_cnn").get<CustomCnnOptions>();
    }
    return {};
}

std::string readCalibration(const json &c, std::size_t classCount, CalibrationRecord &r)
{
    r.temperature = c.at("temperature").get<double>();
    r.fittedOn = c.value("fitted_on", "validation");
    r.images = c.value("images", 0);
    r.eceBefore = c.value("ece_before", -1.0);
    r.eceAfter = c.value("ece_after", -1.0);
    r.fittedAt = c.value("fitted_at", "");
    const std::string method = c.value("method", "");
    if ((method != "temperature" && method != "platt") ||
        !(r.temperature >= 0.05 && r.temperature <= 20)) {
        return "the calibration is not a temperature in [0.05, 20]";
    }
    if (method != "platt") {
        return c.contains("bias")
                   ? "the calibration has a bias but its method is \"temperature\"; use \"platt\""
                   : "";
    }
    if (!c.contains("bias") || !c.at("bias").is_number()) {
        return c.contains("bias") ? "the calibration's bias is not a number"
                                  : "the calibration's bias is missing";
    }
    r.bias = c.at("bias").get<double>();
    if (!(r.bias >= -20 && r.bias <= 20)) {
        return "the calibration's bias " + c.at("bias").dump() + " is outside [-20, 20]";
    }
    // A bias shifts a binary model's one logit; a card that gives one to a model of more classes
    // would show a calibration that is never applied.
    if (classCount != 2) {
        return "a calibration bias (method \"platt\") needs a model of two classes";
    }
    return {};
}

std::string readOodGuard(const json &d, OodRecord &r)
{
    r.method = d.at("method").get<std::string>();
    r.file = d.at("file").get<std::string>();
    r.sha256 = d.value("sha256", "");
    r.threshold = d.at("threshold").get<double>();
    r.referenceImages = d.value("reference_images", 0);
    r.validationImages = d.value("validation_images", 0);
    r.validationFlagged = d.value("validation_flagged", 0.0);
    if (r.method != "mahalanobis" || !std::isfinite(r.threshold) ||
        r.file.find('/') != std::string::npos || r.file.find('\\') != std::string::npos) {
        return "the out-of-distribution guard is not one this version reads";
    }
    // The Viewer shows this share as a percentage beside the model: never a nonsense figure.
    if (!(r.validationFlagged >= 0 && r.validationFlagged <= 1)) {
        return "the out-of-distribution guard's validation_flagged " +
               d.at("validation_flagged").dump() + " is outside [0, 1]";
    }
    return {};
}

// The operating point, the training population, the guard and the ensemble's members.
std::string readRecords(const json &j, ModelCard &card)
{
    if (j.contains("operating_point")) {
        const json &o = j.at("operating_point");
        OperatingPointRecord &r = card.operatingPoint;
        r.rule = o.at("rule").get<std::string>();
        r.chosenOn = o.value("chosen_on", "");
        r.images = o.value("images", 0);
        r.sensitivity = o.value("sensitivity", -1.0);
        r.specificity = o.value("specificity", -1.0);
    }
    if (j.contains("population")) {
        card.population.minAgeYears = j.at("population").at("min_age_years").get<double>();
        card.population.maxAgeYears = j.at("population").at("max_age_years").get<double>();
        if (!card.population.stated()) {
            return "the training population's ages are not a range";
        }
    }
    if (j.contains("ood")) {
        if (std::string problem = readOodGuard(j.at("ood"), card.ood); !problem.empty()) {
            return problem;
        }
    }
    if (j.contains("ensemble")) {
        card.ensembleMembers = j.at("ensemble").at("members").get<std::vector<std::string>>();
        card.ensembleMemberSha256 =
            j.at("ensemble").value("weights_sha256", std::vector<std::string>{});
        if (card.spec.architecture != "ensemble" || card.ensembleMembers.size() < 2 ||
            card.ensembleMemberSha256.size() != card.ensembleMembers.size()) {
            return "an ensemble needs at least two members, each with its weights' SHA-256";
        }
    }
    return {};
}

// Each field on its own, so the message names the one that is wrong.
std::string specProblem(const ModelSpec &s)
{
    if (s.inputSize < 16 || s.inputSize > 4096) {
        return "input size " + std::to_string(s.inputSize) + " is outside 16-4096";
    }
    if (s.channels != 1 && s.channels != 3) {
        return "input channels " + std::to_string(s.channels) + " must be 1 or 3";
    }
    if (s.classNames.size() < 2) {
        return "a model needs at least two class names";
    }
    if (!isKnownResize(s.resize)) {
        return "unknown resize '" + s.resize + "' (squash or letterbox)";
    }
    if (s.interpolation != "area") {
        return "unknown interpolation '" + s.interpolation + "' (area)";
    }
    if (!isKnownNormalisation(s.normalisation)) {
        return "unknown normalisation '" + s.normalisation + "' (" +
               joined(knownNormalisations(), " or ") + ")";
    }
    if (s.architecture == "custom-cnn") {
        return validateCustomCnn(s.custom, s.inputSize);
    }
    return {};
}

// Name, provenance, review and approval.
void readProvenance(const json &j, ModelCard &card)
{
    card.name = j.value("name", "");
    card.createdWith = j.value("created_with", "");
    card.trainedOn = j.contains("trained_on") ? pathFromJson(j.at("trained_on")) : "";
    card.bestEpoch = j.value("best_epoch", 0);
    card.sawTestSplit = j.value("saw_test_split", false);
    card.validationMetrics = j.value("validation_metrics", std::map<std::string, double>{});
    if (j.contains("review")) {
        const json &review = j.at("review");
        card.review.reviewed = review.value("reviewed", 0);
        card.review.onLungs = review.value("on_lungs", 0);
        card.review.elsewhere = review.value("elsewhere", 0);
    }
    card.approvedForUse = j.value("approved_for_use", false);
    card.approvedAt = j.value("approved_at", "");
    card.approvalNote = j.value("approval_note", "");
    card.weightsSha256 = j.value("weights_sha256", "");
}

// The card's parts in the order a reader checks them; the first problem, or "".
std::string readCard(const json &j, ModelCard &card)
{
    if (!j.is_object()) {
        return "not a model card (not a JSON object)";
    }
    if (std::string problem = intFieldProblem(
            j, {"best_epoch", "size", "channels", "reviewed", "on_lungs", "elsewhere", "images",
                "reference_images", "validation_images", "blocks", "filters", "kernel_size"});
        !problem.empty()) {
        return problem;
    }
    if (j.value("format", "") != kModelCardFormat) {
        return "not a CXR Studio model card (format '" + j.value("format", "") + "', expected '" +
               kModelCardFormat + "')";
    }
    readProvenance(j, card);
    if (std::string problem = readSpec(j, card.spec); !problem.empty()) {
        return problem;
    }
    if (j.contains("calibration")) {
        if (std::string problem =
                readCalibration(j.at("calibration"), card.spec.classNames.size(), card.calibration);
            !problem.empty()) {
            return problem;
        }
    }
    return readRecords(j, card);
}

} // namespace

Result<ModelCard> readModelCard(const std::filesystem::path &file)
{
    std::ifstream in(file);
    if (!in) {
        return makeError(ErrorCode::NotFound, file.string() + ": model card not found");
    }
    try {
        const json j = json::parse(in);
        ModelCard card;
        if (std::string problem = readCard(j, card); !problem.empty()) {
            return makeError(ErrorCode::Corrupt, file.string() + ": " + problem);
        }
        const ModelSpec &s = card.spec;
        if (!card.isEnsemble() && !isKnownArchitecture(s.architecture)) {
            return makeError(ErrorCode::Incompatible,
                             file.string() + ": unknown architecture '" + s.architecture + "'");
        }
        if (std::string problem = specProblem(s); !problem.empty()) {
            return makeError(ErrorCode::Corrupt, file.string() + ": " + problem);
        }
        return card;
    } catch (const json::exception &e) {
        return makeError(ErrorCode::Corrupt,
                         file.string() + ": not a valid model card (" + e.what() + ")");
    }
}

} // namespace cxr::ml
