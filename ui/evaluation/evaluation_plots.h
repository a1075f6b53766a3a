// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/calibration.h"
#include "core/ml/diagnostic_metrics.h"

#include <QObject>
#include <QStringList>

#include <vector>

class QCPItemStraightLine;
class QCustomPlot;
class QTabWidget;

namespace cxr::ui {

// The Evaluate page's four plots of one evaluation: ROC and precision-recall curves with the
// operating point, the calibration curve (after and before the model card's calibration) and
// the histogram of probabilities per true class with the threshold.
class EvaluationPlots : public QObject {
    Q_OBJECT
public:
    explicit EvaluationPlots(QObject *parent = nullptr);

    // Adds the four plots as tabs (the tab widget owns them from then on).
    void addTabsTo(QTabWidget *tabs);
    // Redraws everything that does not depend on the threshold.
    void showEvaluation(const std::vector<int> &labels, const std::vector<float> &probabilities,
                        const ml::LogitCalibration &modelCalibration,
                        const QStringList &classNames);
    // The operating point on the curves and the threshold on the histogram.
    void markOperatingPoint(const ml::DiagnosticMetrics &metrics, double threshold);

private:
    void drawCurves(const std::vector<int> &labels, const std::vector<float> &probabilities);
    void drawCalibration(const std::vector<int> &labels, const std::vector<float> &probabilities,
                         const ml::LogitCalibration &modelCalibration);
    void drawHistogram(const std::vector<int> &labels, const std::vector<float> &probabilities,
                       const QStringList &classNames);
    QCustomPlot *m_roc;
    QCustomPlot *m_pr;
    QCustomPlot *m_calibration;
    QCustomPlot *m_histogram;
    QCPItemStraightLine *m_histogramThreshold;
};

} // namespace cxr::ui
