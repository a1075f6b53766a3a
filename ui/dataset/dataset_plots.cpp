// SPDX-License-Identifier: MIT
#include "ui/dataset/dataset_plots.h"

#include "core/data/dataset_statistics.h"
#include "ui/dataset/class_count_chart.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace cxr::ui {

namespace {

// The same Okabe-Ito colours as the class count chart, translucent for density.
QColor classColour(std::size_t label, int alpha)
{
    static const QColor colours[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115),
                                     QColor(204, 121, 167), QColor(230, 159, 0)};
    QColor colour = colours[label % std::size(colours)];
    colour.setAlpha(alpha);
    return colour;
}

void placeLegendAbove(QCustomPlot *plot)
{
    plot->legend->setVisible(true);
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(0, 0.001);
}

} // namespace

DatasetPlots::DatasetPlots(QWidget *parent)
    : QWidget(parent), m_tabs(new QTabWidget), m_classes(new ClassCountChart),
      m_sizes(new QCustomPlot), m_fileSizes(new QCustomPlot), m_mix(new QLabel)
{
    m_tabs->addTab(m_classes, tr("Classes"));
    m_tabs->addTab(m_sizes, tr("Image sizes"));
    m_tabs->addTab(m_fileSizes, tr("File sizes"));
    m_sizes->xAxis->setLabel(tr("Width (px)"));
    m_sizes->yAxis->setLabel(tr("Height (px)"));
    m_sizes->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    placeLegendAbove(m_sizes);
    m_fileSizes->xAxis->setLabel(tr("File size (KB)"));
    m_fileSizes->yAxis->setLabel(tr("Images"));
    m_mix->setWordWrap(true);

    auto *exportButton = new QPushButton(tr("Export plot…"));
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_mix, 1);
    bottom->addWidget(exportButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(bottom);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export plot"), m_tabs->tabText(m_tabs->currentIndex()) + ".png",
            tr("PNG image (*.png);;PDF document (*.pdf)"));
        if (!path.isEmpty()) {
            if (const QString error = exportCurrentPlot(path); !error.isEmpty()) {
                QMessageBox::warning(this, tr("Export plot"), error);
            }
        }
    });
}

void DatasetPlots::showDataset(const data::DatasetIndex &index)
{
    m_classes->showCounts(index);
    showImageSizes(index);
    showFileSizes(index);

    // Format and bit-depth mix, e.g. "JPEG 5232 · 8-bit grey 5232".
    std::map<QString, int> pixelKinds;
    for (const data::DatasetFile &file : index.files) {
        const auto &h = file.header;
        const QString kind = h.bitsStored == 0 ? tr("unknown depth")
                             : h.channels == 1
                                 ? tr("%1-bit grey").arg(h.bitsStored)
                                 : tr("%1-bit, %2 channels").arg(h.bitsStored).arg(h.channels);
        ++pixelKinds[kind];
    }
    QStringList parts;
    for (const auto &[format, count] : data::computeStatistics(index).formats) {
        parts << QStringLiteral("%1 %2").arg(QString::fromStdString(format)).arg(count);
    }
    for (const auto &[kind, count] : pixelKinds) {
        parts << QStringLiteral("%1 %2").arg(kind).arg(count);
    }
    m_mix->setText(parts.join(QStringLiteral(" · ")));
}

void DatasetPlots::showImageSizes(const data::DatasetIndex &index)
{
    m_sizes->clearGraphs();
    m_plottedSizes = 0;
    double largest = 1;
    for (std::size_t label = 0; label < index.classes.size(); ++label) {
        QVector<double> widths;
        QVector<double> heights;
        for (const data::DatasetFile &file : index.files) {
            if (std::size_t(file.label) == label && file.header.width > 0) {
                widths.append(file.header.width);
                heights.append(file.header.height);
                largest =
                    std::max({largest, double(file.header.width), double(file.header.height)});
            }
        }
        QCPGraph *graph = m_sizes->addGraph();
        graph->setName(QString::fromStdString(index.classes[label]));
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, classColour(label, 60),
                                               classColour(label, 60), 5));
        graph->setData(widths, heights);
        m_plottedSizes += int(widths.size());
    }
    m_sizes->xAxis->setRange(0, largest * 1.05);
    m_sizes->yAxis->setRange(0, largest * 1.05);
    m_sizes->replot();
}

void DatasetPlots::showFileSizes(const data::DatasetIndex &index)
{
    m_fileSizes->clearPlottables();
    if (index.files.empty()) {
        m_fileSizes->replot();
        return;
    }
    const auto [smallest, largest] = std::minmax_element(
        index.files.begin(), index.files.end(),
        [](const data::DatasetFile &a, const data::DatasetFile &b) { return a.bytes < b.bytes; });
    const double low = double(smallest->bytes) / 1024.0;
    const double high = double(largest->bytes) / 1024.0;
    constexpr int kBins = 30;
    const double width = std::max(1e-3, (high - low) / kBins);
    QVector<double> centres(kBins);
    QVector<double> counts(kBins, 0);
    for (int b = 0; b < kBins; ++b) {
        centres[b] = low + (b + 0.5) * width;
    }
    for (const data::DatasetFile &file : index.files) {
        const int bin = std::min(kBins - 1, int((double(file.bytes) / 1024.0 - low) / width));
        counts[bin] += 1;
    }
    auto *bars = new QCPBars(m_fileSizes->xAxis, m_fileSizes->yAxis);
    bars->setWidth(width * 0.9);
    bars->setBrush(QColor(0, 114, 178, 180));
    bars->setPen(Qt::NoPen);
    bars->setData(centres, counts);
    m_fileSizes->xAxis->setRange(low - width, high + width);
    m_fileSizes->yAxis->setRange(0, *std::max_element(counts.begin(), counts.end()) * 1.1 + 1);
    m_fileSizes->replot();
}

QStringList DatasetPlots::tabNames() const
{
    QStringList names;
    for (int i = 0; i < m_tabs->count(); ++i) {
        names << m_tabs->tabText(i);
    }
    return names;
}

void DatasetPlots::showTab(int index)
{
    m_tabs->setCurrentIndex(index);
}

QString DatasetPlots::mixText() const
{
    return m_mix->text();
}

QCustomPlot *DatasetPlots::currentPlot() const
{
    QWidget *page = m_tabs->currentWidget();
    if (page == m_classes) {
        return m_classes->plot();
    }
    return qobject_cast<QCustomPlot *>(page);
}

QString DatasetPlots::exportCurrentPlot(const QString &path)
{
    QCustomPlot *plot = currentPlot();
    const bool pdf = path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive);
    const bool png = path.endsWith(QStringLiteral(".png"), Qt::CaseInsensitive);
    if (!pdf && !png) {
        return tr("%1: choose a .png or .pdf file name").arg(path);
    }
    // Exported at a fixed, print-friendly size whatever the window size.
    const bool saved = pdf ? plot->savePdf(path, 800, 600) : plot->savePng(path, 800, 600, 2.0);
    return saved ? QString() : tr("%1: could not be written").arg(path);
}

} // namespace cxr::ui
