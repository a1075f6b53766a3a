// SPDX-License-Identifier: MIT
#include "ui/augment/tile_grid.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace cxr::ui {

namespace {
constexpr int kGap = 6;
constexpr int kCaption = 16;
} // namespace

TileGrid::TileGrid(QWidget *parent) : QWidget(parent)
{
    setMinimumSize(240, 240);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void TileGrid::setTiles(const QVector<QImage> &tiles, const QStringList &captions)
{
    m_tiles = tiles;
    m_captions = captions;
    m_message.clear();
    update();
}

void TileGrid::setMessage(const QString &message)
{
    m_tiles.clear();
    m_captions.clear();
    m_message = message;
    update();
}

void TileGrid::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().window());
    if (m_tiles.isEmpty()) {
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                         m_message);
        return;
    }
    const int count = m_tiles.size();
    const int columns = int(std::ceil(std::sqrt(double(count))));
    const int rows = (count + columns - 1) / columns;
    const QSize tile = m_tiles.front().size();
    const double across = double(width() - kGap * (columns + 1)) / (columns * tile.width());
    const double down = double(height() - (kGap + kCaption) * rows - kGap) / (rows * tile.height());
    m_scale = std::max(0.05, std::min(across, down));
    const int side = int(std::floor(tile.width() * m_scale));
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (int i = 0; i < count; ++i) {
        const int x = kGap + (i % columns) * (side + kGap);
        const int y = kGap + (i / columns) * (side + kGap + kCaption);
        painter.drawImage(QRect(x, y, side, side), m_tiles[i]);
        if (i < m_captions.size()) {
            painter.drawText(QRect(x, y + side, side, kCaption), Qt::AlignCenter, m_captions[i]);
        }
    }
}

} // namespace cxr::ui
