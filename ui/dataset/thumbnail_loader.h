// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QVector>

namespace cxr::ui {

// Decodes thumbnails on the thread it lives on. Requests are served newest first, so the
// images the user is looking at now come before those scrolled past.
class ThumbnailLoader : public QObject {
    Q_OBJECT
public:
    explicit ThumbnailLoader(int maxSide, QObject *parent = nullptr);

    // Thread-safe: callable from the GUI thread while the loader works.
    // generation is handed back with the result so the model can drop results for old data.
    void enqueue(int generation, int row, const QString &path);
    void clearQueue();

Q_SIGNALS:
    // image is null when decoding failed; error then says why.
    void loaded(int generation, int row, const QImage &image, const QString &error);

private:
    void processQueue();

    struct Request {
        int generation;
        int row;
        QString path;
    };
    const int m_maxSide;
    QMutex m_mutex;
    QVector<Request> m_pending;
    bool m_scheduled = false;
};

} // namespace cxr::ui
