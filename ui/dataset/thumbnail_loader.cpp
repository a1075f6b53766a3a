// SPDX-License-Identifier: MIT
#include "ui/dataset/thumbnail_loader.h"

#include "core/imaging/thumbnail.h"
#include "ui/common/image_conversion.h"

#include <QMetaObject>
#include <QThread>

namespace cxr::ui {

ThumbnailLoader::ThumbnailLoader(int maxSide, QObject *parent) : QObject(parent), m_maxSide(maxSide)
{}

void ThumbnailLoader::enqueue(int generation, int row, const QString &path)
{
    QMutexLocker lock(&m_mutex);
    m_pending.append({generation, row, path});
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &ThumbnailLoader::processQueue, Qt::QueuedConnection);
    }
}

void ThumbnailLoader::clearQueue()
{
    QMutexLocker lock(&m_mutex);
    m_pending.clear();
}

void ThumbnailLoader::processQueue()
{
    for (;;) {
        Request request;
        {
            QMutexLocker lock(&m_mutex);
            if (m_pending.isEmpty() || QThread::currentThread()->isInterruptionRequested()) {
                m_scheduled = false;
                return;
            }
            request = m_pending.takeLast();
        }
        auto thumbnail = imaging::loadThumbnail(request.path.toStdString(), m_maxSide);
        if (thumbnail) {
            Q_EMIT loaded(request.generation, request.row, toQImage(*thumbnail), QString());
        } else {
            Q_EMIT loaded(request.generation, request.row, QImage(),
                          QString::fromStdString(thumbnail.error().message));
        }
    }
}

} // namespace cxr::ui
