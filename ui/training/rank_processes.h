// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/training_job.h"
#include "ui/training/training_session.h" // the report types as Qt meta-types

#include <QObject>
#include <QString>
#include <QTemporaryDir>

#include <memory>
#include <vector>

class QProcess;

namespace cxr::ui {

// A data-parallel run started from the Train page: `cxr train` as ranks 0..N-1 of a process
// group on this machine (loopback rendezvous; one GPU each on CUDA), as torchrun would start
// them. The form's settings travel in a file (`--settings`); the ranks' `--json-steps` lines
// become the same signals a TrainingSession sends, plus each rank's speed. Abort interrupts
// every rank, and a rank that fails stops the others; the run resumes from the start of the
// epoch it was in. Pause and stop after the epoch are a single process's, not offered here.
class RankProcesses : public QObject {
    Q_OBJECT
public:
    explicit RankProcesses(QObject *parent = nullptr);
    ~RankProcesses() override;

    // False with a reason in error when it cannot start (cxr not found, already running).
    bool start(const pipeline::TrainJob &job, int ranks, QString *error);
    void abort();
    bool isRunning() const { return !m_processes.empty(); }
    QString runDir() const { return m_runDir; }

    // The `cxr` executable: $CXR_CLI, else the one beside this program (installed) or in the
    // build tree; empty when there is none.
    static QString cxrExecutable();

Q_SIGNALS:
    void stageChanged(const QString &stage);
    void stepFinished(const cxr::ml::BatchReport &report); // rank 0's steps
    void epochFinished(const cxr::ml::EpochMetrics &metrics);
    void rankSpeed(int rank, double imagesPerSecond);
    void finished(bool succeeded, const QString &message);

private:
    void readLines(int rank);
    void handleLine(int rank, const QByteArray &line);
    void processEnded();

    std::vector<QProcess *> m_processes;
    std::vector<QByteArray> m_pending; // a rank's output after its last full line
    std::unique_ptr<QTemporaryDir> m_settingsDir;
    QString m_runDir;
    QString m_failure; // the first rank's error line
    QString m_summary; // rank 0's outcome, for finished()
    int m_running = 0;
    bool m_finishedCleanly = false;
};

} // namespace cxr::ui
