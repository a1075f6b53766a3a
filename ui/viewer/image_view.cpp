// SPDX-License-Identifier: MIT
#include "ui/viewer/image_view.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QWheelEvent>

#include <cmath>

namespace cxr::ui {

ImageView::ImageView(QWidget *parent) : QGraphicsView(parent)
{
    setScene(new QGraphicsScene(this));
    setBackgroundBrush(Qt::black);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setRenderHint(QPainter::SmoothPixmapTransform);
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
}

void ImageView::setImage(const QImage &image)
{
    scene()->clear();
    m_item = scene()->addPixmap(QPixmap::fromImage(image));
    m_item->setTransformationMode(Qt::SmoothTransformation);
    scene()->setSceneRect(m_item->boundingRect());
    fitToWindow();
}

void ImageView::replaceImage(const QImage &image)
{
    if (!m_item) {
        setImage(image);
        return;
    }
    const bool resized = m_item->pixmap().size() != image.size();
    m_item->setPixmap(QPixmap::fromImage(image));
    if (resized) { // side by side is three images wide: the scene follows, zoom stays
        scene()->setSceneRect(m_item->boundingRect());
        if (m_fitting) {
            fitToWindow();
        }
    }
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

void ImageView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::RightButton && m_item) {
        m_windowing = true;
        m_lastWindowPos = event->position().toPoint();
        viewport()->setCursor(Qt::SizeAllCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void ImageView::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint position = event->position().toPoint();
    if (m_windowing) {
        Q_EMIT windowDragged(position - m_lastWindowPos);
        m_lastWindowPos = position;
        event->accept();
    } else {
        QGraphicsView::mouseMoveEvent(event);
    }
    if (m_item) {
        const QPointF scenePoint = mapToScene(position);
        const QPoint pixel(int(std::floor(scenePoint.x())), int(std::floor(scenePoint.y())));
        const bool inside = m_item->boundingRect().contains(scenePoint);
        Q_EMIT cursorMoved(inside ? pixel : QPoint(-1, -1));
    }
}

void ImageView::mouseReleaseEvent(QMouseEvent *event)
{
    if (m_windowing && event->button() == Qt::RightButton) {
        m_windowing = false;
        viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void ImageView::leaveEvent(QEvent *event)
{
    Q_EMIT cursorMoved(QPoint(-1, -1));
    QGraphicsView::leaveEvent(event);
}

} // namespace cxr::ui
