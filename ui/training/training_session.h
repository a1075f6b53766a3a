// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/trainer.h"
#include "core/pipeline/cross_validation.h"
#include "core/pipeline/training_job.h"
#include "core/pipeline/tuning_study.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <utility>

class QThread;

namespace cxr::ui {

// Runs one training job at a time on a thread it owns and turns the trainer's observer calls
// into signals on the GUI thread. Pause holds the trainer before its next batch; stop lets the
// epoch finish and checkpoint; abort stops within the epoch, after a checkpoint of the step
// reached. Every way of stopping leaves a resumable run. Destroying a session aborts its job
// and waits for the thread.
class TrainingSession : public QObject {
    Q_OBJECT
public:
    explicit TrainingSession(QObject *parent = nullptr);
    ~TrainingSession() override;

    // False (and nothing starts) while a job runs.
    bool start(const pipeline::TrainJob &job);
    // K runs over patient folds under job.train.runDir (cxr train --folds); the controls act on
    // the fold that trains, and starting the same job again continues where it stopped.
    bool startCrossValidation(const pipeline::CrossValidationJob &job);
    // A hyper-parameter study in job.studyDir, its trials made by makeTrialJob; the controls
    // act on the trial that trains, and every way of stopping leaves the study resumable.
    bool startTuning(const pipeline::TuningJob &job, pipeline::TrialJobMaker makeTrialJob);
    void pause();
    void resume();
    void stopAfterEpoch();
    void abort();

    bool isRunning() const;
    bool isPaused() const;
    QString runDir() const { return m_runDir; }
    // Blocks until the job's thread ends (true) or timeoutMs passes (false). For shutdown.
    bool wait(int timeoutMs);

Q_SIGNALS:
    void stageChanged(const QString &stage);
    void progressChanged(qint64 done, qint64 total); // scanning, decoding, then batches
    void stepFinished(const cxr::ml::BatchReport &report);
    void epochFinished(const cxr::ml::EpochMetrics &metrics);
    void pausedChanged(bool paused);
    void foldStarted(int fold, int folds);     // cross-validation: the next fold begins
    void trialStarted(int trial, int planned); // a study: the next trial begins (1-based)
    void trialFinished(int trial);             // complete, pruned or failed: in study.json
    // After the job ends, however it ended; message says how (or why it failed).
    void finished(bool succeeded, const QString &message);

private:
    class Observer;
    // Runs work on a new thread; its message and success end in finished().
    bool launch(const QString &runDir, std::function<std::pair<bool, QString>(Observer &)> work);
    std::shared_ptr<Observer> m_observer;
    QThread *m_thread = nullptr;
    QString m_runDir;
};

} // namespace cxr::ui

Q_DECLARE_METATYPE(cxr::ml::BatchReport)
Q_DECLARE_METATYPE(cxr::ml::EpochMetrics)
