// SPDX-License-Identifier: MIT
#pragma once

#include "core/data/dataset_index.h"

#include <QWidget>

class QCustomPlot;

namespace cxr::ui {

// Grouped bar chart of image counts: one group per split, one bar per class.
class ClassCountChart : public QWidget {
    Q_OBJECT
public:
    explicit ClassCountChart(QWidget *parent = nullptr);
    void showCounts(const data::DatasetIndex &index);
    int barCount() const;
    QCustomPlot *plot() const { return m_plot; }

private:
    QCustomPlot *m_plot;
};

} // namespace cxr::ui
