// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_result_sender.h"

#include "core/pipeline/dicom_result_export.h"

#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

PacsResultSender::PacsResultSender(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, [this] {
        const QString problem = m_watcher.result();
        Q_EMIT finished(problem.isEmpty(),
                        problem.isEmpty()
                            ? tr("Result stored in %1: a structured report, the overlay and the "
                                 "map, in the image's study.")
                                  .arg(m_nodeName)
                            : problem);
    });
}

PacsResultSender::~PacsResultSender()
{
    m_watcher.waitForFinished();
}

void PacsResultSender::send(const QString &image, const pipeline::ImagePrediction &prediction,
                            const ml::ModelCard &card, const pipeline::CamDisplay &display,
                            const pacs::PacsNode &node)
{
    if (isBusy()) {
        return;
    }
    m_nodeName = QString::fromStdString(pacs::describe(node));
    m_watcher.setFuture(QtConcurrent::run([image, prediction, card, display, node]() -> QString {
        auto stored =
            pipeline::sendDicomResults(image.toStdString(), prediction, card, node, {}, display);
        return stored ? QString() : QString::fromStdString(stored.error().message);
    }));
}

} // namespace cxr::ui
