// SPDX-License-Identifier: MIT
#pragma once

// A hyper-parameter study run: trials drawn by the study's sampler, each trained as an ordinary
// run in STUDY/trial-NNN on the train split (validation carved or given, the test split never
// read), stopped early by the pruner from its per-epoch validation metric, and recorded in
// study.json / study.csv after every epoch. Run again with resume, a study killed at any moment
// continues: the unfinished trial resumes from its checkpoint, finished trials are kept, and
// the sampler (deterministic for its seed) draws the rest.

#include "core/common/result.h"
#include "core/pipeline/training_job.h"
#include "core/tuning/study_record.h"

#include <filesystem>
#include <functional>

namespace cxr::pipeline {

// A trial's training job from the study's settings and the trial's values (the CLI parses them
// as `cxr train` options after the study's fixed ones). The study sets the job's run folder,
// dataset and resume flags; an error fails that trial only.
using TrialJobMaker = std::function<Result<TrainJob>(const tuning::StudySettings &settings,
                                                     const tuning::Assignment &values)>;

// Training progress of the running trial (every TrainObserver call is passed on), and the
// trials as they start and end.
class TuningObserver : public ml::TrainObserver {
public:
    virtual void trialStarted(const tuning::Trial &trial, int planned) {}
    // An epoch of trial ended (its score is in trial.scores); by default passed on to
    // epochFinished. Trials training at once each report their own.
    virtual void trialEpochFinished(const tuning::Trial &trial, const ml::EpochMetrics &metrics)
    {
        epochFinished(metrics);
    }
    virtual void trialFinished(const tuning::Trial &trial) {}
};

struct TuningJob {
    std::filesystem::path studyDir;
    tuning::StudySettings settings; // a new study's; a resumed one keeps its own
    bool resume = false;
    // Trials trained at once, each on its own thread (and its own GPU when there are several,
    // round robin, unless the trials are set to the CPU). The sampler draws a new trial while
    // others still train, so TPE's trials then depend on which finished first; random and
    // grid trials do not. LibTorch's random generator is the process's, so trials trained at
    // once do not start from the weights a lone run with their seed would.
    int parallel = 1;
};

struct TuningResult {
    tuning::StudyRecord study;
    int trialsRun = 0; // by this call
};

// Errors: a study folder that already holds a study (without resume) or none (with resume), a
// bad sampler or pruner, a trial job that cannot be made for reasons other than its values, or
// a cancel (the study stays resumable). A trial that fails is recorded as failed and the study
// goes on.
Result<TuningResult> runTuningStudy(const TuningJob &job, const TrialJobMaker &makeTrialJob,
                                    TuningObserver *observer = nullptr);

} // namespace cxr::pipeline
