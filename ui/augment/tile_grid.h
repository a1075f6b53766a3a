// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>
#include <QVector>
#include <QWidget>

namespace cxr::ui {

// Equal tiles in a grid, scaled by one factor to fit, with nearest-neighbour sampling so every
// model input pixel shows as it is (no smoothing that would make it look better than it is).
// Each tile has a caption under it; a message replaces the grid when there are no tiles.
class TileGrid : public QWidget {
    Q_OBJECT
public:
    explicit TileGrid(QWidget *parent = nullptr);

    void setTiles(const QVector<QImage> &tiles, const QStringList &captions);
    void setMessage(const QString &message);
    int tileCount() const { return m_tiles.size(); }
    const QVector<QImage> &tiles() const { return m_tiles; }
    QString message() const { return m_message; }
    // The display scale of the last paint (1.0 = one screen pixel per model input pixel).
    double scale() const { return m_scale; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QVector<QImage> m_tiles;
    QStringList m_captions;
    QString m_message;
    double m_scale = 1.0;
};

} // namespace cxr::ui
