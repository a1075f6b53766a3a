// SPDX-License-Identifier: MIT
#include "ui/viewer/explain_worker.h"

#include "core/imaging/model_input.h"
#include "core/ml/run_folder.h"

#include <QDateTime>
#include <QFileInfo>

#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

struct ExplainWorker::State {
    QString modelPath;
    QDateTime cardModified; // the card is read again when it changes (threshold, approval)
    std::optional<ml::Classifier> classifier;
};

namespace {

QString errorText(const Error &error)
{
    return QString::fromStdString(error.message);
}

} // namespace

ExplainWorker::ExplainWorker(QObject *parent) : QObject(parent), m_state(std::make_shared<State>())
{
    m_pool.setMaxThreadCount(1);
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &ExplainWorker::onFinished);
}

ExplainWorker::~ExplainWorker()
{
    m_pending.reset();
    m_watcher.waitForFinished();
}

bool ExplainWorker::isBusy() const
{
    return m_running;
}

void ExplainWorker::submit(const Request &request)
{
    if (m_running) {
        m_pending = request;
        return;
    }
    start(request);
}

void ExplainWorker::start(const Request &request)
{
    std::shared_ptr<State> state = m_state;
    m_running = true;
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [state, request]() {
        try {
            return compute(*state, request);
        } catch (const std::exception &e) { // a library failure must not end the application
            Outcome outcome;
            outcome.request = request;
            outcome.error =
                QStringLiteral("unexpected failure: %1").arg(QString::fromLocal8Bit(e.what()));
            return outcome;
        }
    }));
}

ExplainWorker::Outcome ExplainWorker::compute(State &state, const Request &request)
{
    Outcome outcome;
    outcome.request = request;
    auto modelDir = ml::findModelDir(request.model.toStdString());
    const QDateTime cardModified =
        modelDir ? QFileInfo(QString::fromStdString((ml::modelCardPath(*modelDir)).string()))
                       .lastModified()
                 : QDateTime();
    if (!state.classifier || state.modelPath != request.model ||
        state.cardModified != cardModified) {
        state.classifier.reset();
        auto opened = ml::Classifier::open(request.model.toStdString());
        if (!opened) {
            outcome.error = errorText(opened.error());
            return outcome;
        }
        state.classifier.emplace(std::move(*opened));
        state.modelPath = request.model;
        state.cardModified = cardModified;
    }
    ml::Classifier &classifier = *state.classifier;
    outcome.card = classifier.card();
    outcome.layers = classifier.camLayers();
    if (request.image.isEmpty()) {
        return outcome; // the model alone: its card and layers
    }
    classifier.setTestTimeAugmentation(request.tta);
    auto prediction = pipeline::predictImage(classifier, request.image.toStdString(), &request.cam);
    if (!prediction) {
        outcome.error = errorText(prediction.error());
        return outcome;
    }
    if (request.faithfulness) {
        auto measured = classifier.faithfulness(imaging::scaleModelInput(prediction->modelInput),
                                                *prediction->cam);
        if (!measured) {
            outcome.error = errorText(measured.error());
        } else {
            outcome.faithfulness = *measured;
        }
    }
    outcome.prediction = std::move(*prediction);
    return outcome;
}

void ExplainWorker::onFinished()
{
    m_last = m_watcher.result();
    m_running = false;
    if (m_pending) {
        const Request next = *m_pending;
        m_pending.reset();
        start(next);
        return; // the newer request supersedes this result
    }
    Q_EMIT finished();
}

} // namespace cxr::ui
