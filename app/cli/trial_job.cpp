// SPDX-License-Identifier: MIT
#include "trial_job.h"

#include "train_options.h"

#include "core/ml/run_folder.h"

namespace cxr::cli {

Result<pipeline::TrainJob> makeTrialJob(const tuning::StudySettings &settings,
                                        const tuning::Assignment &values)
{
    pipeline::TrainJob base;
    if (!settings.baseSettings.empty()) {
        auto parsed = ml::parseTrainSettings(settings.baseSettings, "the study's base settings");
        if (!parsed) {
            return parsed.error();
        }
        base.settings = std::move(*parsed);
    }
    std::vector<std::string> arguments = settings.trainArguments;
    for (const auto &[name, value] : values) {
        arguments.push_back("--" + name + "=" + value);
    }
    auto job = trainJobFromArguments(base, arguments);
    if (!job) {
        return makeError(ErrorCode::InvalidArgument, "a trial's train options (" +
                                                         describeTrialValues(values) +
                                                         "): " + job.error().message);
    }
    return job;
}

std::string describeTrialValues(const tuning::Assignment &values)
{
    std::string text;
    for (const auto &[name, value] : values) {
        text += (text.empty() ? "" : " ") + name + "=" + value;
    }
    return text;
}

} // namespace cxr::cli
