// SPDX-License-Identifier: MIT
#include "ui/viewer/image_view.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QWheelEvent>

namespace cxr::ui {

ImageView::ImageView(QWidget *parent) : QGraphicsView(parent)
{
    setScene(new QGraphicsScene(this));
    setBackgroundBrush(Qt::black);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setRenderHint(QPainter::SmoothPixmapTransform);
}

void ImageView::setImage(const QImage &image)
{
    scene()->clear();
    m_item = scene()->addPixmap(QPixmap::fromImage(image));
    m_item->setTransformationMode(Qt::SmoothTransformation);
    scene()->setSceneRect(m_item->boundingRect());
    fitToWindow();
}

void ImageView::clearImage()
{
    scene()->clear();
    m_item = nullptr;
}

void ImageView::fitToWindow()
{
    m_fitting = true;
    if (m_item) {
        fitInView(m_item, Qt::KeepAspectRatio);
    }
}

double ImageView::zoomFactor() const
{
    return transform().m11();
}

void ImageView::wheelEvent(QWheelEvent *event)
{
    if (!m_item) {
        return;
    }
    m_fitting = false;
    const double steps = event->angleDelta().y() / 120.0;
    const double factor = std::pow(1.25, steps);
    const double next = zoomFactor() * factor;
    if (next > 0.02 && next < 40) {
        scale(factor, factor);
    }
    event->accept();
}

void ImageView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_fitting) {
        fitToWindow();
    }
}

} // namespace cxr::ui
