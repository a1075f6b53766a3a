// SPDX-License-Identifier: MIT
#pragma once

#include "core/data/dataset_index.h"

#include <QAbstractListModel>
#include <QCache>
#include <QPixmap>
#include <QSet>
#include <QThread>

#include <cstdint>
#include <memory>
#include <vector>

namespace cxr::ui {

class ThumbnailLoader;

// The images of a dataset as a list model for a QListView in icon mode. Thumbnails are decoded
// lazily, only for rows the view asks to paint, on a thread this model owns; a bounded cache
// keeps memory flat however large the dataset is.
class ThumbnailModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { PathRole = Qt::UserRole + 1, SplitRole, ClassRole, BytesRole, ValueRole };
    enum class SortOrder { ByPath, ByFileName, ByFileSizeLargestFirst };
    static constexpr int kThumbnailSide = 128;

    explicit ThumbnailModel(QObject *parent = nullptr);
    ~ThumbnailModel() override;

    // Pseudo-split for setDataset: the files the scan skipped, with their reasons.
    static inline const QString kProblemFiles = QStringLiteral("\x01problems");

    // Shows the files of index in split and class ("" for all), or its problem files. The
    // model shares the index and keeps only a row number per image, so a large dataset costs
    // 4 bytes per image here beyond the index itself.
    void setDataset(std::shared_ptr<const data::DatasetIndex> index, const QString &split,
                    const QString &className = QString(), SortOrder order = SortOrder::ByPath);

    // Any list of images, in the given order, each with its caption (the file name when empty),
    // tooltip and a value for ValueRole (a probability, say).
    struct Tile {
        QString path;
        QString caption;
        QString toolTip;
        double value = 0;
    };
    void setImages(const QVector<Tile> &tiles);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role) const override;

    int loadedThumbnailCount() const { return m_cache.count(); }

Q_SIGNALS:
    void thumbnailLoaded(int row);

private:
    void onLoaded(int generation, int row, const QImage &image, const QString &error);

    void reset(); // between beginResetModel and endResetModel: forget the old images
    QString pathOf(int row) const;
    QString toolTipOf(int row) const;
    bool showsProblems() const { return m_index && m_showingProblems; }
    QVariant datasetRole(int row, int role) const;

    // A dataset's rows: positions in m_index->files, or in m_index->problems when
    // m_showingProblems. Other lists (setImages) are m_tiles, and m_index is null.
    std::shared_ptr<const data::DatasetIndex> m_index;
    std::vector<std::int32_t> m_rows;
    bool m_showingProblems = false;
    QVector<Tile> m_tiles;
    // Tiles kept as QImage in the decoded format: a grey radiograph costs 16 KB, not the
    // 64 KB of a 32-bit pixmap.
    mutable QCache<int, QImage> m_cache;
    mutable QSet<int> m_requested;
    QHash<int, QString> m_errors;
    QPixmap m_placeholder;
    QPixmap m_problemTile;
    QThread m_thread;
    ThumbnailLoader *m_loader; // lives on m_thread
    int m_generation = 0;      // bumped on setDataset: late results of an old dataset are dropped
};

} // namespace cxr::ui
