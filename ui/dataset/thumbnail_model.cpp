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

void ThumbnailModel::setDataset(std::shared_ptr<const data::DatasetIndex> index,
                                const QString &split, const QString &className, SortOrder order)
{
    beginResetModel();
    reset();
    m_index = std::move(index);
    m_showingProblems = split == kProblemFiles;
    if (m_showingProblems) {
        m_rows.resize(m_index->problems.size());
        for (std::size_t i = 0; i < m_rows.size(); ++i) {
            m_rows[i] = std::int32_t(i);
        }
        endResetModel();
        return;
    }
    const std::string wantedSplit = split.toStdString();
    int wantedLabel = -1;
    if (!className.isEmpty()) {
        const auto &classes = m_index->classes;
        const auto found = std::find(classes.begin(), classes.end(), className.toStdString());
        wantedLabel = found == classes.end() ? int(classes.size()) : int(found - classes.begin());
    }
    const auto &files = m_index->files;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if ((wantedSplit.empty() || files[i].split == wantedSplit) &&
            (wantedLabel < 0 || files[i].label == wantedLabel)) {
            m_rows.push_back(std::int32_t(i));
        }
    }
    m_rows.shrink_to_fit();
    // The index is already in split, class, path order (ByPath).
    if (order == SortOrder::ByFileName) {
        // Each name once, not twice per comparison.
        std::vector<std::pair<std::string, std::int32_t>> byName;
        byName.reserve(m_rows.size());
        for (std::int32_t row : m_rows) {
            byName.emplace_back(files[std::size_t(row)].path.fileNameString(), row);
        }
        std::stable_sort(byName.begin(), byName.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        for (std::size_t i = 0; i < byName.size(); ++i) {
            m_rows[i] = byName[i].second;
        }
    } else if (order == SortOrder::ByFileSizeLargestFirst) {
        std::stable_sort(m_rows.begin(), m_rows.end(), [&files](std::int32_t a, std::int32_t b) {
            return files[std::size_t(a)].bytes > files[std::size_t(b)].bytes;
        });
    }
    endResetModel();
}

void ThumbnailModel::reset()
{
    m_loader->clearQueue();
    ++m_generation;
    m_index.reset();
    m_rows.clear();
    m_showingProblems = false;
    m_tiles.clear();
    m_cache.clear();
    m_requested.clear();
    m_errors.clear();
}

void ThumbnailModel::setImages(const QVector<Tile> &tiles)
{
    beginResetModel();
    reset();
    m_tiles = tiles;
    endResetModel();
}

int ThumbnailModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid()) {
        return 0;
    }
    return m_index ? int(m_rows.size()) : int(m_tiles.size());
}

QString ThumbnailModel::pathOf(int row) const
{
    if (!m_index) {
        return m_tiles[row].path;
    }
    const std::size_t at = std::size_t(m_rows[std::size_t(row)]);
    return m_showingProblems ? QString::fromStdString(m_index->problems[at].path.string())
                             : QString::fromStdString(m_index->files[at].path.string());
}

QString ThumbnailModel::toolTipOf(int row) const
{
    if (!m_index) {
        return m_tiles[row].toolTip;
    }
    const std::size_t at = std::size_t(m_rows[std::size_t(row)]);
    if (m_showingProblems) {
        return QStringLiteral("%1\n%2").arg(pathOf(row),
                                            QString::fromStdString(m_index->problems[at].reason));
    }
    const data::DatasetFile &file = m_index->files[at];
    QString tip = QStringLiteral("%1\n%2 / %3")
                      .arg(pathOf(row), QString::fromStdString(file.split),
                           QString::fromStdString(m_index->classes[std::size_t(file.label)]));
    if (m_errors.contains(row)) {
        tip += QStringLiteral("\n") + m_errors.value(row);
    }
    return tip;
}

// SplitRole, ClassRole, BytesRole and ValueRole of a dataset row.
QVariant ThumbnailModel::datasetRole(int row, int role) const
{
    const std::size_t at = std::size_t(m_rows[std::size_t(row)]);
    if (m_showingProblems) {
        return role == SplitRole ? QVariant(tr("skipped")) : QVariant();
    }
    const data::DatasetFile &file = m_index->files[at];
    switch (role) {
    case SplitRole:
        return QString::fromStdString(file.split);
    case ClassRole:
        return QString::fromStdString(m_index->classes[std::size_t(file.label)]);
    case BytesRole:
        return qint64(file.bytes);
    default:
        return {};
    }
}

QVariant ThumbnailModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const int row = index.row();
    switch (role) {
    case Qt::DisplayRole:
        if (!m_index && !m_tiles[row].caption.isEmpty()) {
            return m_tiles[row].caption;
        }
        return QFileInfo(pathOf(row)).fileName();
    case Qt::ToolTipRole:
        return toolTipOf(row);
    case Qt::DecorationRole:
        if (showsProblems()) {
            return m_problemTile;
        }
        if (QImage *cached = m_cache.object(row)) {
            return *cached;
        }
        if (!m_requested.contains(row) && !m_errors.contains(row)) {
            m_requested.insert(row);
            m_loader->enqueue(m_generation, row, pathOf(row));
        }
        return m_placeholder;
    case PathRole:
        return pathOf(row);
    case ValueRole:
        return m_index ? QVariant(0.0) : QVariant(m_tiles[row].value);
    case SplitRole:
    case ClassRole:
    case BytesRole:
        return m_index ? datasetRole(row, role) : QVariant();
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
