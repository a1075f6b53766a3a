// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/model_card.h"
#include "core/pacs/pacs_node.h"
#include "core/pipeline/cam_rendering.h"
#include "core/pipeline/explain_job.h"

#include <QFutureWatcher>
#include <QObject>

namespace cxr::ui {

// "Send result to PACS": writes the Viewer's prediction for a DICOM image as a structured
// report and a secondary capture of the overlay (core/pipeline/dicom_result_export.h), then
// stores both in the PACS, on a worker thread. The files are written to a temporary folder and
// removed once sent; the PACS keeps them in the source's study.
class PacsResultSender : public QObject {
    Q_OBJECT
public:
    explicit PacsResultSender(QObject *parent = nullptr);
    ~PacsResultSender() override; // waits for a send in progress (bounded by the node's timeout)

    void send(const QString &image, const pipeline::ImagePrediction &prediction,
              const ml::ModelCard &card, const pipeline::CamDisplay &display,
              const pacs::PacsNode &node);
    bool isBusy() const { return m_watcher.isRunning(); }

Q_SIGNALS:
    // ok: stored; message: what happened, for the status line.
    void finished(bool ok, const QString &message);

private:
    QFutureWatcher<QString> m_watcher; // empty string: stored
    QString m_nodeName;
};

} // namespace cxr::ui
