// SPDX-License-Identifier: MIT
#include "ui/report/page_flow.h"

namespace cxr::ui {

double PageFlow::take(double height)
{
    if (m_y + height > m_area.bottom() && m_y > m_area.top()) {
        m_writer.newPage();
        m_y = m_area.top();
    }
    const double top = m_y;
    m_y += height;
    return top;
}

void PageFlow::heading(const QString &text, double points)
{
    QFont font = m_painter.font();
    font.setPointSizeF(points);
    font.setBold(true);
    m_painter.setFont(font);
    const double height = QFontMetricsF(font, &m_writer).height() * 1.6;
    const double top = take(height);
    m_painter.drawText(QRectF(0, top, width(), height), Qt::AlignLeft | Qt::AlignBottom, text);
    bodyFont();
}

void PageFlow::paragraph(const QString &text)
{
    bodyFont();
    const QRectF bounds =
        m_painter.boundingRect(QRectF(0, 0, width(), 1e6), Qt::TextWordWrap, text);
    const double top = take(bounds.height() + 6);
    m_painter.drawText(QRectF(0, top, width(), bounds.height()), Qt::TextWordWrap, text);
}

void PageFlow::table(const std::vector<QStringList> &rows, const std::vector<double> &widths)
{
    bodyFont();
    const double rowHeight = QFontMetricsF(m_painter.font(), &m_writer).height() * 1.35;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const double top = take(rowHeight);
        double x = 0;
        QFont font = m_painter.font();
        font.setBold(r == 0);
        m_painter.setFont(font);
        for (int c = 0; c < rows[r].size() && c < int(widths.size()); ++c) {
            const double w = widths[std::size_t(c)] * width();
            m_painter.drawText(QRectF(x + 4, top, w - 8, rowHeight),
                               Qt::AlignVCenter | Qt::AlignLeft, rows[r][c]);
            x += w;
        }
        m_painter.setPen(QPen(QColor(200, 200, 200), 1));
        m_painter.drawLine(QPointF(0, top + rowHeight), QPointF(width(), top + rowHeight));
        m_painter.setPen(Qt::black);
    }
    bodyFont();
    skip(rowHeight * 0.5);
}

void PageFlow::bodyFont()
{
    QFont font = m_painter.font();
    font.setPointSizeF(9);
    font.setBold(false);
    m_painter.setFont(font);
}

} // namespace cxr::ui
