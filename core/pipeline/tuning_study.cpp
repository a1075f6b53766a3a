// SPDX-License-Identifier: MIT
#include "core/pipeline/tuning_study.h"

#include "core/ml/run_folder.h"
#include "core/tuning/pruner.h"
#include "core/tuning/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace cxr::pipeline {

namespace fs = std::filesystem;
using tuning::Trial;
using tuning::TrialState;

namespace {

// An epoch's score for the study: higher is better.
double scoreOf(tuning::Objective objective, const ml::EpochMetrics &m)
{
    return objective == tuning::Objective::ValAuc ? m.valAuc : -m.valLoss;
}

// Passes training progress on, scores each epoch for the trial, saves the study, and asks the
// trainer to stop after an epoch when the pruner says so.
class TrialWatcher : public ml::TrainObserver {
public:
    TrialWatcher(tuning::StudyRecord &study, Trial &trial, const tuning::Pruner &pruner,
                 const fs::path &studyDir, TuningObserver *outer)
        : m_study(study), m_trial(trial), m_pruner(pruner), m_studyDir(studyDir), m_outer(outer)
    {}

    void progress(std::int64_t done, std::int64_t total) override
    {
        if (m_outer) {
            m_outer->progress(done, total);
        }
    }
    void stage(const std::string &what) override
    {
        if (m_outer) {
            m_outer->stage("Trial " + std::to_string(m_trial.number) + ": " + what);
        }
    }
    bool isCancelled() const override { return m_outer && m_outer->isCancelled(); }
    void batchFinished(const ml::BatchReport &report) override
    {
        if (m_outer) {
            m_outer->batchFinished(report);
        }
    }
    void epochFinished(const ml::EpochMetrics &m) override
    {
        m_trial.scores.push_back(scoreOf(m_study.settings.objective, m));
        m_pruned = m_pruner.shouldPrune(m_trial, m_study.trials);
        m_saved = tuning::writeStudy(m_studyDir, m_study); // a kill now loses nothing
        if (m_outer) {
            m_outer->epochFinished(m);
        }
    }
    bool stopAfterEpoch() const override
    {
        return m_pruned || (m_outer && m_outer->stopAfterEpoch());
    }

    bool pruned() const { return m_pruned; }
    const Status &saved() const { return m_saved; }

private:
    tuning::StudyRecord &m_study;
    Trial &m_trial;
    const tuning::Pruner &m_pruner;
    const fs::path &m_studyDir;
    TuningObserver *m_outer;
    bool m_pruned = false;
    Status m_saved = Ok{};
};

Result<tuning::StudyRecord> openStudy(const TuningJob &job)
{
    if (job.resume) {
        return tuning::readStudy(job.studyDir);
    }
    std::error_code error;
    if (fs::exists(job.studyDir / "study.json", error)) {
        return makeError(ErrorCode::InvalidArgument,
                         job.studyDir.string() +
                             " already holds a study: resume it, or choose another folder");
    }
    fs::create_directories(job.studyDir, error);
    if (error) {
        return makeError(ErrorCode::WriteFailed, job.studyDir.string() +
                                                     ": cannot create the study folder (" +
                                                     error.message() + ")");
    }
    tuning::StudyRecord study;
    study.settings = job.settings;
    if (auto written = tuning::writeStudy(job.studyDir, study); !written) {
        return written.error();
    }
    return study;
}

// Trains the trial at index (resuming its run when it has a checkpoint). Returns false when the
// study must stop: cancelled, or stopped by the user after an epoch (both resumable).
Result<bool> runTrial(tuning::StudyRecord &study, std::size_t index, const fs::path &studyDir,
                      const TrialJobMaker &makeTrialJob, const tuning::Pruner &pruner,
                      TuningObserver *observer, int planned)
{
    Trial &trial = study.trials[index];
    if (observer) {
        observer->trialStarted(trial, planned);
    }
    auto job = makeTrialJob(study.settings, trial.params);
    if (!job) {
        trial.state = TrialState::Failed;
        trial.error = job.error().message;
    } else {
        job->runDir = tuning::trialRunDir(studyDir, trial.number);
        job->datasetDir = study.settings.dataset;
        std::error_code error;
        job->resume = fs::exists(ml::RunPaths{job->runDir}.lastCheckpoint(), error);
        job->overwrite = !job->resume; // a trial killed before its first checkpoint starts over
        trial.scores.clear();
        if (job->resume) {
            // The run's own history: the study's record may be an epoch behind its checkpoint.
            auto history = ml::readMetricsCsv(ml::RunPaths{job->runDir});
            for (const ml::EpochMetrics &m : history ? *history : std::vector<ml::EpochMetrics>{}) {
                trial.scores.push_back(scoreOf(study.settings.objective, m));
            }
        }
        const auto started = std::chrono::steady_clock::now();
        TrialWatcher watcher(study, trial, pruner, studyDir, observer);
        auto trained = runTrainJob(*job, &watcher);
        trial.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!trained && trained.error().code == ErrorCode::Cancelled) {
            if (auto written = tuning::writeStudy(studyDir, study); !written) {
                return written.error();
            }
            return trained.error();
        }
        if (!trained) {
            trial.state = TrialState::Failed;
            trial.error = trained.error().message;
        } else {
            trial.scores.clear(); // the run's own history is the record, resumed epochs included
            for (const ml::EpochMetrics &m : trained->summary.epochs) {
                trial.scores.push_back(scoreOf(study.settings.objective, m));
            }
            // Stopped before its last epoch: by the pruner, or by the user (then resumable). A
            // pruner's verdict at the last epoch stops nothing: the trial is complete.
            const bool stopped = trained->summary.stoppedByUser;
            trial.state = stopped && watcher.pruned() ? TrialState::Pruned
                          : stopped                   ? TrialState::Running
                                                      : TrialState::Complete;
        }
    }
    if (auto written = tuning::writeStudy(studyDir, study); !written) {
        return written.error();
    }
    if (observer && trial.state != TrialState::Running) {
        observer->trialFinished(trial);
    }
    return trial.state != TrialState::Running;
}

} // namespace

Result<TuningResult> runTuningStudy(const TuningJob &job, const TrialJobMaker &makeTrialJob,
                                    TuningObserver *observer)
{
    auto opened = openStudy(job);
    if (!opened) {
        return opened.error();
    }
    TuningResult result;
    result.study = std::move(*opened);
    tuning::StudyRecord &study = result.study;
    const tuning::StudySettings &settings = study.settings;
    auto sampler = tuning::makeSampler(settings.sampler, settings.space, settings.seed);
    if (!sampler) {
        return sampler.error();
    }
    auto pruner = tuning::makePruner(settings.pruner);
    if (!pruner) {
        return pruner.error();
    }
    const int planned = std::min(settings.trials, (*sampler)->size().value_or(settings.trials));
    // An unfinished trial first (killed, cancelled or stopped): it resumes from its checkpoint.
    for (std::size_t i = 0; i < study.trials.size(); ++i) {
        if (study.trials[i].state == TrialState::Running) {
            auto went = runTrial(study, i, job.studyDir, makeTrialJob, **pruner, observer, planned);
            ++result.trialsRun;
            if (!went) {
                return went.error();
            }
            if (!*went) {
                return result;
            }
        }
    }
    while (int(study.trials.size()) < planned) {
        Trial trial;
        trial.number = int(study.trials.size()) + 1;
        trial.params = (*sampler)->sample(trial.number, study.trials);
        study.trials.push_back(std::move(trial));
        if (auto written = tuning::writeStudy(job.studyDir, study); !written) {
            return written.error();
        }
        auto went = runTrial(study, study.trials.size() - 1, job.studyDir, makeTrialJob, **pruner,
                             observer, planned);
        ++result.trialsRun;
        if (!went) {
            return went.error();
        }
        if (!*went) {
            break;
        }
    }
    return result;
}

} // namespace cxr::pipeline
