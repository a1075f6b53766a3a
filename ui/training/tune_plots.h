// SPDX-License-Identifier: MIT
#pragma once

#include "core/tuning/study_record.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QTabWidget;

namespace cxr::ui {

// What a study has tried, drawn from its record: the objective of each trial with the best so
// far, parallel coordinates (one line per trial across the searched parameters, coloured by its
// objective, the best drawn thick), and the objective against one chosen parameter.
class TunePlots : public QWidget {
    Q_OBJECT
public:
    explicit TunePlots(QWidget *parent = nullptr);

    void showStudy(const tuning::StudyRecord &study);
    void clear();

    QCustomPlot *bestSoFarPlot() const { return m_bestSoFar; }
    QCustomPlot *parallelPlot() const { return m_parallel; }
    QCustomPlot *scatterPlot() const { return m_scatter; }
    QComboBox *scatterParameter() const { return m_parameter; }
    QTabWidget *tabs() const { return m_tabs; }

private:
    void labelParallelAxes(QCustomPlot *plot, double low, double high, bool higherIsBetter) const;
    void drawBestSoFar();
    void drawParallel();
    void drawScatter();

    tuning::StudyRecord m_study;
    QTabWidget *m_tabs;
    QCustomPlot *m_bestSoFar;
    QCustomPlot *m_parallel;
    QCustomPlot *m_scatter;
    QComboBox *m_parameter;
};

} // namespace cxr::ui
