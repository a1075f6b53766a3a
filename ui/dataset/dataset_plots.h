// SPDX-License-Identifier: MIT
#pragma once

#include "core/data/dataset_index.h"

#include <QWidget>

class QCustomPlot;
class QLabel;
class QTabWidget;

namespace cxr::ui {

class ClassCountChart;

// The Statistics plots of a dataset, one tab each: images per split and class, image
// width/height (one translucent dot per image, so dense regions show darker; the thesis's
// figure 3.6), and the file size distribution; with the format and bit-depth mix below.
// "Export plot…" saves the visible plot as PNG or PDF.
class DatasetPlots : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPlots(QWidget *parent = nullptr);
    void showDataset(const data::DatasetIndex &index);

    QStringList tabNames() const;
    void showTab(int index);
    // Saves the visible plot; the extension (.png or .pdf) picks the format. Empty on success,
    // otherwise the reason.
    QString exportCurrentPlot(const QString &path);
    int plottedImageSizes() const { return m_plottedSizes; }
    QString mixText() const;

private:
    void showImageSizes(const data::DatasetIndex &index);
    void showFileSizes(const data::DatasetIndex &index);
    QCustomPlot *currentPlot() const;

    QTabWidget *m_tabs;
    ClassCountChart *m_classes;
    QCustomPlot *m_sizes;
    QCustomPlot *m_fileSizes;
    QLabel *m_mix;
    int m_plottedSizes = 0;
};

} // namespace cxr::ui
