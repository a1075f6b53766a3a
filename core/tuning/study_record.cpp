// SPDX-License-Identifier: MIT
#include "core/tuning/study_record.h"

#include "core/common/atomic_file.h"
#include "core/common/csv.h"
#include "core/common/version.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace cxr::tuning {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr int kStudyFormat = 1;

Json trialJson(const Trial &trial)
{
    Json params = Json::object();
    for (const auto &[name, value] : trial.params) {
        params[name] = value;
    }
    Json scores = Json::array();
    for (double score : trial.scores) {
        scores.push_back(std::isfinite(score) ? Json(score) : Json()); // JSON has no NaN
    }
    return {{"number", trial.number},   {"state", trialStateName(trial.state)},
            {"params", params},         {"scores", scores},
            {"seconds", trial.seconds}, {"error", trial.error}};
}

Trial trialFrom(const Json &j)
{
    Trial trial;
    trial.number = j.at("number").get<int>();
    trial.state = parseTrialState(j.at("state").get<std::string>()).value_or(TrialState::Failed);
    for (const auto &[name, value] : j.at("params").items()) {
        trial.params.emplace_back(name, value.get<std::string>());
    }
    for (const Json &score : j.at("scores")) {
        trial.scores.push_back(score.is_number() ? score.get<double>() : std::nan(""));
    }
    trial.seconds = j.value("seconds", 0.0);
    trial.error = j.value("error", std::string());
    return trial;
}

std::string number(double x)
{
    if (!std::isfinite(x)) {
        return {};
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", x);
    return text;
}

} // namespace

fs::path trialRunDir(const fs::path &studyDir, int number)
{
    char name[32];
    std::snprintf(name, sizeof name, "trial-%03d", number);
    return studyDir / name;
}

Status writeStudy(const fs::path &studyDir, const StudyRecord &study)
{
    const StudySettings &s = study.settings;
    Json trials = Json::array();
    for (const Trial &trial : study.trials) {
        trials.push_back(trialJson(trial));
    }
    Json root = {{"format", kStudyFormat},
                 {"created_with", std::string("CXR Studio ") + kVersionString},
                 {"dataset", s.dataset},
                 {"test_split_read", false}, // trials train on train and val only
                 {"sampler", s.sampler},
                 {"pruner", s.pruner},
                 {"objective", objectiveName(s.objective)},
                 {"trials_planned", s.trials},
                 {"seed", s.seed},
                 {"train_arguments", s.trainArguments},
                 {"space", Json::parse(searchSpaceJson(s.space))},
                 {"trials", trials}};
    if (!s.baseSettings.empty()) {
        Json base = Json::parse(s.baseSettings, nullptr, false);
        if (base.is_discarded()) {
            return makeError(ErrorCode::InvalidArgument,
                             (studyDir / "study.json").string() + ": base settings are not JSON");
        }
        root["base_settings"] = std::move(base);
    }
    if (auto written = writeFileAtomically(studyDir / "study.json", root.dump(2) + "\n");
        !written) {
        return written;
    }
    return writeFileAtomically(studyDir / "study.csv", studyCsv(study));
}

Result<StudyRecord> readStudy(const fs::path &studyDir)
{
    const fs::path file = studyDir / "study.json";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound, file.string() + ": no study here");
    }
    std::ostringstream text;
    text << in.rdbuf();
    const Json root = Json::parse(text.str(), nullptr, false);
    if (root.is_discarded() || !root.is_object() || root.value("format", 0) != kStudyFormat) {
        return makeError(ErrorCode::Corrupt, file.string() + ": not a study record of this "
                                                             "CXR Studio version");
    }
    StudyRecord study;
    StudySettings &s = study.settings;
    try {
        s.dataset = root.at("dataset").get<std::string>();
        s.sampler = root.at("sampler").get<std::string>();
        s.pruner = root.at("pruner").get<std::string>();
        const auto objective = parseObjective(root.at("objective").get<std::string>());
        if (!objective) {
            return makeError(ErrorCode::Corrupt, file.string() + ": unknown objective");
        }
        s.objective = *objective;
        s.trials = root.at("trials_planned").get<int>();
        s.seed = root.at("seed").get<std::uint64_t>();
        s.trainArguments = root.at("train_arguments").get<std::vector<std::string>>();
        if (root.contains("base_settings")) {
            s.baseSettings = root.at("base_settings").dump(2);
        }
        auto space = parseSearchSpace(root.at("space").dump(), file.string() + " (space)");
        if (!space) {
            return space.error();
        }
        s.space = std::move(*space);
        for (const Json &trial : root.at("trials")) {
            study.trials.push_back(trialFrom(trial));
        }
    } catch (const nlohmann::json::exception &e) {
        return makeError(ErrorCode::Corrupt,
                         file.string() + ": damaged study record (" + e.what() + ")");
    }
    return study;
}

std::string studyCsv(const StudyRecord &study)
{
    const Objective objective = study.settings.objective;
    std::ostringstream out;
    out << "trial,state," << objectiveName(objective) << ",best_epoch,epochs,seconds";
    for (const ParamSpec &spec : study.settings.space.params) {
        out << ',' << csvField(spec.name);
    }
    out << '\n';
    for (const Trial &trial : study.trials) {
        const double best = trial.bestScore();
        int bestEpoch = 0;
        for (std::size_t i = 0; i < trial.scores.size(); ++i) {
            bestEpoch = trial.scores[i] == best ? int(i) + 1 : bestEpoch;
        }
        out << trial.number << ',' << trialStateName(trial.state) << ','
            << number(std::isfinite(best) ? objectiveValue(objective, best) : best) << ','
            << (bestEpoch ? std::to_string(bestEpoch) : std::string()) << ',' << trial.scores.size()
            << ',' << number(trial.seconds);
        for (const ParamSpec &spec : study.settings.space.params) {
            out << ',' << csvField(valueOf(trial.params, spec.name));
        }
        out << '\n';
    }
    return out.str();
}

std::optional<std::size_t> bestTrial(const StudyRecord &study)
{
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < study.trials.size(); ++i) {
        const Trial &trial = study.trials[i];
        if (trial.state == TrialState::Complete && std::isfinite(trial.bestScore()) &&
            (!best || trial.bestScore() > study.trials[*best].bestScore())) {
            best = i;
        }
    }
    return best;
}

} // namespace cxr::tuning
