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
class TrainingSession::Observer : public ml::TrainObserver {
public:
    explicit Observer(TrainingSession *session) : m_session(session) {}

    void stage(const std::string &what) override
    {
        post([text = QString::fromStdString(what)](TrainingSession *s) { Q_EMIT s->stageChanged(text); });
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

    template <typename Function>
    void post(Function function)
    {
        QPointer<TrainingSession> session = m_session;
        QMetaObject::invokeMethod(
            m_session, [session, function]() {
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

bool TrainingSession::start(const pipeline::TrainJob &job)
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
    m_runDir = QString::fromStdString(job.runDir.string());
    std::shared_ptr<Observer> observer = m_observer;
    m_thread = QThread::create([job, observer]() {
        auto result = pipeline::runTrainJob(job, observer.get());
        QString message;
        if (!result) {
            message = QString::fromStdString(result.error().message);
        } else if (result->summary.stoppedByUser) {
            message = QObject::tr("Stopped after epoch %1; the run can be resumed.")
                          .arg(result->summary.epochs.size());
        } else {
            const auto &best = result->summary.epochs.at(std::size_t(result->summary.bestEpoch - 1));
            message = QObject::tr("Finished: best epoch %1, validation loss %2, accuracy %3.")
                          .arg(best.epoch)
                          .arg(best.valLoss, 0, 'f', 4)
                          .arg(best.valAccuracy, 0, 'f', 3);
        }
        const bool succeeded = result.ok();
        observer->post([succeeded, message](TrainingSession *s) { Q_EMIT s->finished(succeeded, message); });
    });
    m_thread->setObjectName(QStringLiteral("training"));
    m_thread->start();
    return true;
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
