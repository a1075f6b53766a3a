// SPDX-License-Identifier: MIT
#include "ui/training/training_session.h"

#include <QPointer>
#include <QThread>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace cxr::ui {

// Lives as long as the job's thread needs it (shared with the thread's function); reaches the
// session only through queued calls, which Qt drops once the session is gone.
class TrainingSession::Observer : public pipeline::TuningObserver {
public:
    explicit Observer(TrainingSession *session) : m_session(session) {}

    void stage(const std::string &what) override
    {
        post([text = QString::fromStdString(what)](TrainingSession *s) {
            Q_EMIT s->stageChanged(text);
        });
    }

    void progress(std::int64_t done, std::int64_t total) override
    {
        // Scanning and decoding report per file: pass on at most 20 updates a second.
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - m_lastProgress < std::chrono::milliseconds(50)) {
            return;
        }
        m_lastProgress = now;
        post([done, total](TrainingSession *s) { Q_EMIT s->progressChanged(done, total); });
    }

    void batchFinished(const ml::BatchReport &report) override
    {
        post([report](TrainingSession *s) { Q_EMIT s->stepFinished(report); });
    }

    void epochFinished(const ml::EpochMetrics &metrics) override
    {
        post([metrics](TrainingSession *s) { Q_EMIT s->epochFinished(metrics); });
    }

    void trialStarted(const tuning::Trial &trial, int planned) override
    {
        post([number = trial.number, planned](TrainingSession *s) {
            Q_EMIT s->trialStarted(number, planned);
        });
    }

    void trialFinished(const tuning::Trial &trial) override
    {
        post([number = trial.number](TrainingSession *s) { Q_EMIT s->trialFinished(number); });
    }

    // Called by the trainer before every batch: a paused run waits here.
    bool isCancelled() const override
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_paused || m_abort; });
        return m_abort;
    }

    bool stopAfterEpoch() const override { return m_stopAfterEpoch.load(); }

    void setPaused(bool paused)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_paused = paused;
        }
        m_changed.notify_all();
    }
    bool paused() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_paused;
    }
    void requestAbort()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_abort = true;
        }
        m_changed.notify_all();
    }
    void requestStopAfterEpoch() { m_stopAfterEpoch.store(true); }

    template <typename Function> void post(Function function)
    {
        QPointer<TrainingSession> session = m_session;
        QMetaObject::invokeMethod(
            m_session,
            [session, function]() {
                if (session) {
                    function(session.data());
                }
            },
            Qt::QueuedConnection);
    }

private:
    TrainingSession *m_session;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    bool m_paused = false;
    bool m_abort = false;
    std::atomic<bool> m_stopAfterEpoch{false};
    std::chrono::steady_clock::time_point m_lastProgress;
};

TrainingSession::TrainingSession(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<cxr::ml::BatchReport>();
    qRegisterMetaType<cxr::ml::EpochMetrics>();
}

TrainingSession::~TrainingSession()
{
    if (m_thread) {
        abort();
        m_thread->wait();
    }
}

bool TrainingSession::launch(const QString &runDir,
                             std::function<std::pair<bool, QString>(Observer &)> work)
{
    if (isRunning()) {
        return false;
    }
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
    m_observer = std::make_shared<Observer>(this);
    m_runDir = runDir;
    std::shared_ptr<Observer> observer = m_observer;
    m_thread = QThread::create([work = std::move(work), observer]() {
        const auto [succeeded, message] = work(*observer);
        observer->post([succeeded = succeeded, message = message](TrainingSession *s) {
            Q_EMIT s->finished(succeeded, message);
        });
    });
    m_thread->setObjectName(QStringLiteral("training"));
    m_thread->start();
    return true;
}

bool TrainingSession::start(const pipeline::TrainJob &job)
{
    return launch(QString::fromStdString(job.runDir.string()), [job](Observer &observer) {
        auto result = pipeline::runTrainJob(job, &observer);
        if (!result) {
            return std::make_pair(false, QString::fromStdString(result.error().message));
        }
        if (result->summary.stoppedByUser) {
            return std::make_pair(true,
                                  QObject::tr("Stopped after epoch %1; the run can be resumed.")
                                      .arg(result->summary.epochs.size()));
        }
        const auto &best = result->summary.epochs.at(std::size_t(result->summary.bestEpoch - 1));
        return std::make_pair(
            true, QObject::tr("Finished: best epoch %1, validation loss %2, accuracy %3.")
                      .arg(best.epoch)
                      .arg(best.valLoss, 0, 'f', 4)
                      .arg(best.valAccuracy, 0, 'f', 3));
    });
}

bool TrainingSession::startCrossValidation(const pipeline::CrossValidationJob &job)
{
    return launch(QString::fromStdString(job.train.runDir.string()), [job](Observer &observer) {
        auto result = pipeline::runCrossValidation(
            job, &observer, [&observer](int fold, int folds, const auto &) {
                observer.post(
                    [fold, folds](TrainingSession *s) { Q_EMIT s->foldStarted(fold, folds); });
            });
        if (!result) {
            return std::make_pair(false, QString::fromStdString(result.error().message));
        }
        QStringList spread;
        for (const pipeline::FoldSpread &s : result->spread) {
            if (s.key == "roc_auc" || s.key == "sensitivity" || s.key == "specificity") {
                spread << QObject::tr("%1 %2 ± %3")
                              .arg(QString::fromStdString(s.key).replace(QLatin1Char('_'),
                                                                         QLatin1Char(' ')))
                              .arg(s.mean, 0, 'f', 3)
                              .arg(s.sd, 0, 'f', 3);
            }
        }
        return std::make_pair(
            true, QObject::tr("Cross-validation over %1 patient folds, each on patients "
                              "it never saw: %2; pooled ROC AUC %3. Saved in %4.")
                      .arg(result->folds.size())
                      .arg(spread.join(QStringLiteral(", ")))
                      .arg(result->pooledRocAuc, 0, 'f', 3)
                      .arg(QString::fromStdString(result->summaryFile.string())));
    });
}

bool TrainingSession::startTuning(const pipeline::TuningJob &job,
                                  pipeline::TrialJobMaker makeTrialJob)
{
    return launch(
        QString::fromStdString(job.studyDir.string()),
        [job, makeTrialJob = std::move(makeTrialJob)](Observer &observer) {
            auto result = pipeline::runTuningStudy(job, makeTrialJob, &observer);
            if (!result) {
                return std::make_pair(false, QString::fromStdString(result.error().message));
            }
            const auto &trials = result->study.trials;
            const bool stopped =
                !trials.empty() && trials.back().state == tuning::TrialState::Running;
            return std::make_pair(
                true, stopped ? QObject::tr("Study stopped after trial %1's epoch; "
                                            "Resume study continues it.")
                                    .arg(trials.back().number)
                              : QObject::tr("Study finished: %1 trials.").arg(trials.size()));
        });
}

void TrainingSession::pause()
{
    if (isRunning() && !m_observer->paused()) {
        m_observer->setPaused(true);
        Q_EMIT pausedChanged(true);
    }
}

void TrainingSession::resume()
{
    if (m_observer && m_observer->paused()) {
        m_observer->setPaused(false);
        Q_EMIT pausedChanged(false);
    }
}

void TrainingSession::stopAfterEpoch()
{
    if (isRunning()) {
        m_observer->requestStopAfterEpoch();
        resume();
    }
}

void TrainingSession::abort()
{
    if (m_observer) {
        m_observer->requestAbort();
    }
}

bool TrainingSession::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

bool TrainingSession::isPaused() const
{
    return isRunning() && m_observer->paused();
}

bool TrainingSession::wait(int timeoutMs)
{
    return !m_thread || m_thread->wait(QDeadlineTimer(timeoutMs));
}

} // namespace cxr::ui
