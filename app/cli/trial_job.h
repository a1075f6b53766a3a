// SPDX-License-Identifier: MIT
#pragma once

// A study trial's training job, made the same way by `cxr tune` and by the Train page's Tune tab
// (cxr-studio hands it this function): the study's base settings (the form's, or `cxr train`'s
// defaults), then the study's train options, then the trial's values, all parsed by `cxr
// train`'s own options. A study started in either resumes in the other with the same trials.

#include "core/common/result.h"
#include "core/pipeline/training_job.h"
#include "core/tuning/study_record.h"

#include <string>

namespace cxr::cli {

// Errors name the trial's values and the option: "a trial's train options (lr=abc): ...".
Result<pipeline::TrainJob> makeTrialJob(const tuning::StudySettings &settings,
                                        const tuning::Assignment &values);

// "lr=0.001 batch=32".
std::string describeTrialValues(const tuning::Assignment &values);

} // namespace cxr::cli
