// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace cxr::ui {

// Shows one image: wheel zooms about the cursor, left-drag pans, fitToWindow shows it whole.
class ImageView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageView(QWidget *parent = nullptr);
    void setImage(const QImage &image);
    void clearImage();
    void fitToWindow();
    double zoomFactor() const;

protected:
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QGraphicsPixmapItem *m_item = nullptr;
    bool m_fitting = true; // keep fitting on resize until the user zooms
};

} // namespace cxr::ui
