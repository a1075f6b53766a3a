// SPDX-License-Identifier: MIT
#include "core/pipeline/tuning_study.h"

#include "core/ml/run_folder.h"
#include "core/tuning/pruner.h"
#include "core/tuning/sampler.h"

#include "core/ml/device.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

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

// Every call to the outer observer under one lock: trials training at once report from their
// own threads, and a terminal bar or a GUI session expects one caller at a time. (A GUI pause
// blocks in isCancelled under this lock, which holds every trial: what a pause should do.)
class SerialObserver : public TuningObserver {
public:
    explicit SerialObserver(TuningObserver *outer) : m_outer(outer) {}

    void stage(const std::string &what) override
    {
        call([&] { m_outer->stage(what); });
    }
    void progress(std::int64_t done, std::int64_t total) override
    {
        call([&] { m_outer->progress(done, total); });
    }
    void batchFinished(const ml::BatchReport &report) override
    {
        call([&] { m_outer->batchFinished(report); });
    }
    void epochFinished(const ml::EpochMetrics &m) override
    {
        call([&] { m_outer->epochFinished(m); });
    }
    bool isCancelled() const override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_outer && m_outer->isCancelled();
    }
    bool stopAfterEpoch() const override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_outer && m_outer->stopAfterEpoch();
    }
    void trialStarted(const Trial &trial, int planned) override
    {
        call([&] { m_outer->trialStarted(trial, planned); });
    }
    void trialEpochFinished(const Trial &trial, const ml::EpochMetrics &m) override
    {
        call([&] { m_outer->trialEpochFinished(trial, m); });
    }
    void trialFinished(const Trial &trial) override
    {
        call([&] { m_outer->trialFinished(trial); });
    }

private:
    template <typename Call> void call(Call &&function)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_outer) {
            function();
        }
    }
    TuningObserver *m_outer;
    mutable std::mutex m_mutex;
};

// What the study's workers share. The record is read and written under mutex only; each
// worker takes an unfinished or a new trial, trains it, and takes the next.
struct SharedStudy {
    SharedStudy(tuning::StudyRecord &record, const fs::path &folder, const TrialJobMaker &maker,
                const tuning::Pruner &stopper, tuning::Sampler &drawer, TuningObserver &reporter)
        : study(record), studyDir(folder), makeTrialJob(maker), pruner(stopper), sampler(drawer),
          observer(reporter)
    {}

    tuning::StudyRecord &study;
    const fs::path &studyDir;
    const TrialJobMaker &makeTrialJob;
    const tuning::Pruner &pruner;
    tuning::Sampler &sampler;
    TuningObserver &observer;
    int planned = 0;
    int gpus = 0; // with more than one and several workers: worker k trains on GPU k mod gpus

    std::mutex mutex;
    std::vector<bool> taken; // per trial: a worker has it
    // Workers after the first wait for this: until one trial has decoded the data (its tensor
    // cache is then written once, not by every worker at the same time).
    std::condition_variable othersMayStartChanged;
    bool othersMayStart = false;
    bool stop = false;
    std::optional<Error> error;
    int trialsRun = 0;

    void letOthersStart()
    {
        {
            std::lock_guard<std::mutex> lock(mutex);
            othersMayStart = true;
        }
        othersMayStartChanged.notify_all();
    }
};

// Passes training progress on, scores each epoch for the trial, saves the study, and asks the
// trainer to stop after an epoch when the pruner says so.
class TrialWatcher : public ml::TrainObserver {
public:
    TrialWatcher(SharedStudy &shared, std::size_t index, int number)
        : m_shared(shared), m_index(index), m_number(number)
    {}

    void progress(std::int64_t done, std::int64_t total) override
    {
        m_shared.observer.progress(done, total);
    }
    void stage(const std::string &what) override
    {
        m_shared.observer.stage("Trial " + std::to_string(m_number) + ": " + what);
    }
    bool isCancelled() const override { return m_shared.observer.isCancelled(); }
    void batchFinished(const ml::BatchReport &report) override
    {
        if (!m_training) {
            m_training = true;
            m_shared.letOthersStart();
        }
        m_shared.observer.batchFinished(report);
    }
    void epochFinished(const ml::EpochMetrics &m) override
    {
        Trial snapshot;
        {
            std::lock_guard<std::mutex> lock(m_shared.mutex);
            tuning::StudyRecord &study = m_shared.study;
            Trial &trial = study.trials[m_index];
            trial.scores.push_back(scoreOf(study.settings.objective, m));
            m_pruned = m_shared.pruner.shouldPrune(trial, study.trials);
            m_saved = tuning::writeStudy(m_shared.studyDir, study); // a kill now loses nothing
            snapshot = trial;
        }
        m_shared.observer.trialEpochFinished(snapshot, m);
    }
    bool stopAfterEpoch() const override { return m_pruned || m_shared.observer.stopAfterEpoch(); }

    bool pruned() const { return m_pruned; }

private:
    SharedStudy &m_shared;
    std::size_t m_index;
    int m_number;
    bool m_training = false;
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

// Trains the trial at index (resuming its run when it has a checkpoint) on the worker's slot.
// Returns false when the study must stop: cancelled, or stopped by the user after an epoch
// (both resumable).
Result<bool> runTrial(SharedStudy &shared, std::size_t index, int slot)
{
    const tuning::StudySettings &settings = shared.study.settings; // fixed while the study runs
    Trial snapshot;
    {
        std::lock_guard<std::mutex> lock(shared.mutex);
        snapshot = shared.study.trials[index];
    }
    shared.observer.trialStarted(snapshot, shared.planned);
    auto job = shared.makeTrialJob(settings, snapshot.params);
    std::optional<Result<TrainJobResult>> trained;
    bool pruned = false;
    double seconds = 0;
    std::vector<double> resumedScores;
    if (job) {
        job->runDir = tuning::trialRunDir(shared.studyDir, snapshot.number);
        job->datasetDir = settings.dataset;
        std::error_code error;
        job->resume = fs::exists(ml::RunPaths{job->runDir}.lastCheckpoint(), error);
        job->overwrite = !job->resume; // a trial killed before its first checkpoint starts over
        if (shared.gpus > 1 && job->settings.device != "cpu") {
            job->settings.device = "cuda:" + std::to_string(slot % shared.gpus);
        }
        if (job->resume) {
            // The run's own history: the study's record may be an epoch behind its checkpoint.
            auto history = ml::readMetricsCsv(ml::RunPaths{job->runDir});
            for (const ml::EpochMetrics &m : history ? *history : std::vector<ml::EpochMetrics>{}) {
                resumedScores.push_back(scoreOf(settings.objective, m));
            }
        }
        {
            std::lock_guard<std::mutex> lock(shared.mutex);
            shared.study.trials[index].scores = resumedScores;
        }
        const auto started = std::chrono::steady_clock::now();
        TrialWatcher watcher(shared, index, snapshot.number);
        trained = runTrainJob(*job, &watcher);
        pruned = watcher.pruned();
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    shared.letOthersStart(); // whatever became of it, the data was read or cannot be
    std::unique_lock<std::mutex> lock(shared.mutex);
    Trial &trial = shared.study.trials[index];
    trial.seconds += seconds;
    const bool cancelled = trained && !*trained && (*trained).error().code == ErrorCode::Cancelled;
    if (!job) {
        trial.state = TrialState::Failed;
        trial.error = job.error().message;
    } else if (!cancelled && !*trained) {
        trial.state = TrialState::Failed;
        trial.error = (*trained).error().message;
    } else if (!cancelled) {
        const TrainJobResult &result = **trained;
        trial.scores.clear(); // the run's own history is the record, resumed epochs included
        for (const ml::EpochMetrics &m : result.summary.epochs) {
            trial.scores.push_back(scoreOf(settings.objective, m));
        }
        // Stopped before its last epoch: by the pruner, or by the user (then resumable). A
        // pruner's verdict at the last epoch stops nothing: the trial is complete.
        const bool stopped = result.summary.stoppedByUser;
        trial.state = stopped && pruned ? TrialState::Pruned
                      : stopped         ? TrialState::Running
                                        : TrialState::Complete;
    }
    if (auto written = tuning::writeStudy(shared.studyDir, shared.study); !written) {
        return written.error();
    }
    if (cancelled) {
        return (*trained).error();
    }
    snapshot = trial;
    lock.unlock();
    if (snapshot.state != TrialState::Running) {
        shared.observer.trialFinished(snapshot);
    }
    return snapshot.state != TrialState::Running;
}

// The next trial for a worker, taken: an unfinished one (killed, cancelled or stopped) first,
// else a new one from the sampler; none when the study is done or must stop. Under the lock.
std::optional<std::size_t> takeTrial(SharedStudy &shared)
{
    if (shared.stop) {
        return std::nullopt;
    }
    std::vector<Trial> &trials = shared.study.trials;
    shared.taken.resize(trials.size(), false);
    for (std::size_t i = 0; i < trials.size(); ++i) {
        if (trials[i].state == TrialState::Running && !shared.taken[i]) {
            shared.taken[i] = true;
            return i;
        }
    }
    if (int(trials.size()) >= shared.planned) {
        return std::nullopt;
    }
    Trial trial;
    trial.number = int(trials.size()) + 1;
    trial.params = shared.sampler.sample(trial.number, trials);
    trials.push_back(std::move(trial));
    shared.taken.push_back(true);
    if (auto written = tuning::writeStudy(shared.studyDir, shared.study); !written) {
        shared.error = written.error();
        shared.stop = true;
        return std::nullopt;
    }
    return trials.size() - 1;
}

void runWorker(SharedStudy &shared, int slot)
{
    if (slot > 0) {
        std::unique_lock<std::mutex> lock(shared.mutex);
        shared.othersMayStartChanged.wait(lock, [&] { return shared.othersMayStart; });
    }
    for (;;) {
        std::optional<std::size_t> index;
        {
            std::lock_guard<std::mutex> lock(shared.mutex);
            index = takeTrial(shared);
            if (index) {
                ++shared.trialsRun;
            }
        }
        if (!index) {
            break;
        }
        auto went = runTrial(shared, *index, slot);
        if (!went || !*went) {
            std::lock_guard<std::mutex> lock(shared.mutex);
            shared.stop = true;
            if (!went && !shared.error) {
                shared.error = went.error();
            }
            break;
        }
    }
    shared.letOthersStart(); // a worker with nothing to do must not keep the others waiting
}

int gpuCount()
{
    int count = 0;
    for (const ml::ComputeDevice &device : ml::listComputeDevices()) {
        count += device.id.rfind("cuda", 0) == 0 ? 1 : 0;
    }
    return count;
}

} // namespace

Result<TuningResult> runTuningStudy(const TuningJob &job, const TrialJobMaker &makeTrialJob,
                                    TuningObserver *observer)
{
    if (job.parallel < 1) {
        return makeError(ErrorCode::InvalidArgument, "parallel trials: at least 1");
    }
    auto opened = openStudy(job);
    if (!opened) {
        return opened.error();
    }
    TuningResult result;
    result.study = std::move(*opened);
    const tuning::StudySettings &settings = result.study.settings;
    auto sampler = tuning::makeSampler(settings.sampler, settings.space, settings.seed);
    if (!sampler) {
        return sampler.error();
    }
    auto pruner = tuning::makePruner(settings.pruner);
    if (!pruner) {
        return pruner.error();
    }
    TuningObserver quiet;
    SerialObserver serial(observer ? observer : &quiet);
    SharedStudy shared(result.study, job.studyDir, makeTrialJob, **pruner, **sampler, serial);
    shared.planned = std::min(settings.trials, (*sampler)->size().value_or(settings.trials));
    shared.gpus = job.parallel > 1 ? gpuCount() : 0;
    // Worker 0 is this thread; the others have their own.
    std::vector<std::thread> workers;
    for (int slot = 1; slot < job.parallel; ++slot) {
        workers.emplace_back([&shared, slot] { runWorker(shared, slot); });
    }
    runWorker(shared, 0);
    for (std::thread &worker : workers) {
        worker.join();
    }
    if (shared.error) {
        return *shared.error;
    }
    result.trialsRun = shared.trialsRun;
    return result;
}

} // namespace cxr::pipeline
