// SPDX-License-Identifier: MIT
#include "ui/dataset/thumbnail_model.h"

#include "ui/dataset/thumbnail_loader.h"

#include <QFileInfo>

#include <algorithm>

namespace cxr::ui {

namespace {
constexpr int kCachedThumbnails = 1500; // about 25 MB of 128 px grey tiles (75 MB in colour)
}

ThumbnailModel::ThumbnailModel(QObject *parent)
    : QAbstractListModel(parent), m_cache(kCachedThumbnails),
      m_loader(new ThumbnailLoader(kThumbnailSide))
{
    m_placeholder = QPixmap(kThumbnailSide, kThumbnailSide);
    m_placeholder.fill(QColor(40, 40, 40));
    m_problemTile = QPixmap(kThumbnailSide, kThumbnailSide);
    m_problemTile.fill(QColor(120, 30, 30));
    m_loader->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_loader, &QObject::deleteLater);
    connect(m_loader, &ThumbnailLoader::loaded, this, &ThumbnailModel::onLoaded,
            Qt::QueuedConnection);
    m_thread.setObjectName(QStringLiteral("thumbnails"));
    m_thread.start(QThread::LowPriority);
}

ThumbnailModel::~ThumbnailModel()
{
    m_loader->clearQueue();
    m_thread.requestInterruption();
    m_thread.quit();
    m_thread.wait();
}

void ThumbnailModel::setDataset(const data::DatasetIndex &index, const QString &split,
                                const QString &className, SortOrder order)
{
    beginResetModel();
    reset();
    if (split == kProblemFiles) {
        for (const data::DatasetProblem &problem : index.problems) {
            m_entries.append({QString::fromStdString(problem.path.string()), tr("skipped"),
                              QString(), 0, QString::fromStdString(problem.reason), QString(), QString(), 0});
        }
    }
    for (const data::DatasetFile &file : index.files) {
        if (split == kProblemFiles) {
            break;
        }
        const QString fileSplit = QString::fromStdString(file.split);
        const QString fileClass = QString::fromStdString(index.classes[std::size_t(file.label)]);
        if ((!split.isEmpty() && fileSplit != split) ||
            (!className.isEmpty() && fileClass != className)) {
            continue;
        }
        m_entries.append({QString::fromStdString(file.path.string()), fileSplit, fileClass,
                          qint64(file.bytes), QString(), QString(), QString(), 0});
    }
    // The index is already in split, class, path order (ByPath).
    if (order == SortOrder::ByFileName) {
        std::stable_sort(m_entries.begin(), m_entries.end(), [](const Entry &a, const Entry &b) {
            return QFileInfo(a.path).fileName() < QFileInfo(b.path).fileName();
        });
    } else if (order == SortOrder::ByFileSizeLargestFirst) {
        std::stable_sort(m_entries.begin(), m_entries.end(),
                         [](const Entry &a, const Entry &b) { return a.bytes > b.bytes; });
    }
    endResetModel();
}

void ThumbnailModel::reset()
{
    m_loader->clearQueue();
    ++m_generation;
    m_entries.clear();
    m_cache.clear();
    m_requested.clear();
    m_errors.clear();
}

void ThumbnailModel::setImages(const QVector<Tile> &tiles)
{
    beginResetModel();
    reset();
    for (const Tile &tile : tiles) {
        Entry entry;
        entry.path = tile.path;
        entry.caption = tile.caption;
        entry.toolTip = tile.toolTip;
        entry.value = tile.value;
        m_entries.append(entry);
    }
    endResetModel();
}

int ThumbnailModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant ThumbnailModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size()) {
        return {};
    }
    const int row = index.row();
    const Entry &entry = m_entries[row];
    switch (role) {
    case Qt::DisplayRole:
        return entry.caption.isEmpty() ? QFileInfo(entry.path).fileName() : entry.caption;
    case Qt::ToolTipRole: {
        if (!entry.toolTip.isEmpty()) {
            return entry.toolTip;
        }
        if (!entry.problem.isEmpty()) {
            return QStringLiteral("%1\n%2").arg(entry.path, entry.problem);
        }
        QString tip = QStringLiteral("%1\n%2 / %3").arg(entry.path, entry.split, entry.className);
        if (m_errors.contains(row)) {
            tip += QStringLiteral("\n") + m_errors.value(row);
        }
        return tip;
    }
    case Qt::DecorationRole:
        if (!entry.problem.isEmpty()) {
            return m_problemTile;
        }
        if (QImage *cached = m_cache.object(row)) {
            return *cached;
        }
        if (!m_requested.contains(row) && !m_errors.contains(row)) {
            m_requested.insert(row);
            m_loader->enqueue(m_generation, row, entry.path);
        }
        return m_placeholder;
    case PathRole:
        return entry.path;
    case SplitRole:
        return entry.split;
    case ClassRole:
        return entry.className;
    case BytesRole:
        return entry.bytes;
    case ValueRole:
        return entry.value;
    default:
        return {};
    }
}

void ThumbnailModel::onLoaded(int generation, int row, const QImage &image, const QString &error)
{
    if (generation != m_generation) {
        return;
    }
    m_requested.remove(row);
    if (image.isNull()) {
        m_errors.insert(row, error);
    } else {
        // Centre on a fixed black square so the grid stays aligned whatever the aspect ratio:
        // QImage::copy fills the area outside the image with zeros.
        const QImage scaled = image.scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio,
                                           Qt::SmoothTransformation);
        const QRect square(-(kThumbnailSide - scaled.width()) / 2,
                           -(kThumbnailSide - scaled.height()) / 2, kThumbnailSide, kThumbnailSide);
        m_cache.insert(row, new QImage(scaled.copy(square)));
    }
    const QModelIndex changed = index(row);
    Q_EMIT dataChanged(changed, changed, {Qt::DecorationRole, Qt::ToolTipRole});
    Q_EMIT thumbnailLoaded(row);
}

} // namespace cxr::ui
