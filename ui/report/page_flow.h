// SPDX-License-Identifier: MIT
#pragma once

#include <QPainter>
#include <QPdfWriter>
#include <QString>
#include <QStringList>

#include <vector>

namespace cxr::ui {

// A top-to-bottom page layout on a QPdfWriter: headings, text, tables and pictures, with page
// breaks where the next block does not fit.
class PageFlow {
public:
    PageFlow(QPdfWriter &writer, QPainter &painter)
        : m_writer(writer), m_painter(painter),
          m_area(
              QRectF(QPointF(0, 0), QSizeF(writer.width(), writer.height())).adjusted(0, 0, 0, -40))
    {}
    double width() const { return m_area.width(); }
    QPainter &painter() { return m_painter; }

    // Space for height more pixels, starting a page when needed; returns the top.
    double take(double height);
    void skip(double height) { m_y += height; }

    void heading(const QString &text, double points = 13);

    void paragraph(const QString &text);

    // Rows of cells; the first row is the header. widths are shares of the page width.
    void table(const std::vector<QStringList> &rows, const std::vector<double> &widths);

private:
    void bodyFont();

    QPdfWriter &m_writer;
    QPainter &m_painter;
    QRectF m_area;
    double m_y = 0;
};

} // namespace cxr::ui
