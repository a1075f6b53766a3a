// SPDX-License-Identifier: MIT
#include "ui/dataset/class_count_chart.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace cxr::ui {

namespace {
// Colour-blind-safe palette (Okabe-Ito) for up to eight classes.
const QColor kClassColours[] = {QColor(0, 114, 178),   QColor(213, 94, 0),  QColor(0, 158, 115),
                                QColor(204, 121, 167), QColor(230, 159, 0), QColor(86, 180, 233),
                                QColor(240, 228, 66),  QColor(0, 0, 0)};
} // namespace

ClassCountChart::ClassCountChart(QWidget *parent) : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    // The legend sits in its own row above the plot, one entry per column, so it never covers
    // a bar.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->yAxis->setLabel(tr("Images"));
    setMinimumHeight(200);
}

void ClassCountChart::showCounts(const data::DatasetIndex &index)
{
    m_plot->clearPlottables();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t s = 0; s < index.splits.size(); ++s) {
        ticker->addTick(double(s + 1), QString::fromStdString(index.splits[s]));
    }
    m_plot->xAxis->setTicker(ticker);

    const std::size_t classes = index.classes.size();
    const double groupWidth = 0.8;
    const double barWidth = groupWidth / double(std::max<std::size_t>(classes, 1));
    double highest = 0;
    for (std::size_t c = 0; c < classes; ++c) {
        auto *bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(QString::fromStdString(index.classes[c]));
        bars->setWidth(barWidth * 0.95);
        const QColor colour = kClassColours[c % std::size(kClassColours)];
        bars->setBrush(colour);
        bars->setPen(colour.darker(120));
        QVector<double> keys;
        QVector<double> values;
        for (std::size_t s = 0; s < index.splits.size(); ++s) {
            const double offset = -groupWidth / 2 + barWidth * (double(c) + 0.5);
            keys.append(double(s + 1) + offset);
            const double count = double(index.count(index.splits[s], int(c)));
            values.append(count);
            highest = std::max(highest, count);
        }
        bars->setData(keys, values);
    }
    m_plot->xAxis->setRange(0.4, double(index.splits.size()) + 0.6);
    m_plot->yAxis->setRange(0, highest * 1.1 + 1);
    m_plot->replot();
}

int ClassCountChart::barCount() const
{
    return m_plot->plottableCount();
}

} // namespace cxr::ui
