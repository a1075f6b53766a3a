// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace cxr::ui {

// Shows one image: wheel zooms about the cursor, left-drag pans, right-drag reports
// window/level changes, and the cursor position is reported in image pixels.
class ImageView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageView(QWidget *parent = nullptr);
    // A new image: shown whole.
    void setImage(const QImage &image);
    // The same image rendered differently (window/level, inversion): zoom and pan are kept.
    void replaceImage(const QImage &image);
    void clearImage();
    void fitToWindow();
    double zoomFactor() const;

Q_SIGNALS:
    // Image pixel under the cursor; (-1, -1) when the cursor leaves the image.
    void cursorMoved(QPoint pixel);
    // Right-drag since the last report, in screen pixels: x changes width, y changes centre.
    void windowDragged(QPoint delta);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    QGraphicsPixmapItem *m_item = nullptr;
    bool m_fitting = true; // keep fitting on resize until the user zooms
    bool m_windowing = false;
    QPoint m_lastWindowPos;
};

} // namespace cxr::ui
