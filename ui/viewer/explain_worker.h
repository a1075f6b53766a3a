// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/classifier.h"
#include "core/ml/model_card.h"
#include "core/pipeline/explain_job.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cxr::ui {

// Keeps one model open and predicts and explains images with it on a worker thread, one
// request at a time: a request made while another runs replaces any request still waiting,
// so quick changes of method or layer cost one computation, not one each.
class ExplainWorker : public QObject {
    Q_OBJECT
public:
    struct Request {
        QString model; // run or model folder
        QString image;
        ml::CamRequest cam;
        bool faithfulness = false;
        bool tta = false; // test-time augmentation (ml::Classifier::setTestTimeAugmentation)
    };
    struct Outcome {
        Request request;
        ml::ModelCard card;
        std::vector<std::string> layers;
        std::optional<pipeline::ImagePrediction> prediction; // with its map
        std::optional<ml::Faithfulness> faithfulness;
        QString error; // names the model or the image and the problem
    };

    explicit ExplainWorker(QObject *parent = nullptr);
    ~ExplainWorker() override; // waits for the request in flight

    void submit(const Request &request);
    bool isBusy() const;
    const Outcome &lastOutcome() const { return m_last; }

Q_SIGNALS:
    void finished(); // lastOutcome() holds the result

private:
    struct State;
    void start(const Request &request);
    static Outcome compute(State &state, const Request &request); // on the worker thread
    void onFinished();

    std::shared_ptr<State> m_state; // the open model; used by one job at a time
    QThreadPool m_pool;
    QFutureWatcher<Outcome> m_watcher;
    // Until the finished signal is handled, not just until the future finishes: a new future
    // set on the watcher before that would drop the signal and reorder the requests.
    bool m_running = false;
    std::optional<Request> m_pending;
    Outcome m_last;
};

} // namespace cxr::ui
