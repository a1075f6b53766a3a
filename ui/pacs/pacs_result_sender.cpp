// SPDX-License-Identifier: MIT
#include "ui/pacs/pacs_result_sender.h"

#include "core/pacs/pacs_client.h"
#include "core/pipeline/dicom_result_export.h"

#include <QTemporaryDir>
#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

PacsResultSender::PacsResultSender(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, [this] {
        const QString problem = m_watcher.result();
        Q_EMIT finished(problem.isEmpty(),
                        problem.isEmpty()
                            ? tr("Result stored in %1: a structured report and the overlay, in the "
                                 "image's study.")
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
        QTemporaryDir folder;
        if (!folder.isValid()) {
            return tr("No temporary folder for the result files.");
        }
        pipeline::DicomResultPaths paths;
        paths.structuredReport = folder.filePath(QStringLiteral("report.dcm")).toStdString();
        paths.secondaryCapture = folder.filePath(QStringLiteral("overlay.dcm")).toStdString();
        if (auto written =
                pipeline::writeDicomResults(image.toStdString(), prediction, card, paths, display);
            !written) {
            return QString::fromStdString(written.error().message);
        }
        auto sent = pacs::send(node, {paths.structuredReport, paths.secondaryCapture});
        return sent ? QString() : QString::fromStdString(sent.error().message);
    }));
}

} // namespace cxr::ui
