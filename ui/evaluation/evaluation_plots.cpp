// SPDX-License-Identifier: MIT
#include "ui/evaluation/evaluation_plots.h"

#include <qcustomplot.h>

#include <QTabWidget>

#include <algorithm>
#include <cmath>

namespace cxr::ui {

namespace {

QCustomPlot *curvePlot(const QString &x, const QString &y)
{
    auto *plot = new QCustomPlot;
    plot->xAxis->setLabel(x);
    plot->yAxis->setLabel(y);
    plot->xAxis->setRange(0, 1);
    plot->yAxis->setRange(0, 1.02);
    plot->setMinimumSize(260, 220);
    plot->addGraph(); // the curve
    plot->graph(0)->setPen(QPen(QColor(31, 119, 180), 1));
    plot->addGraph(); // the operating point
    plot->graph(1)->setLineStyle(QCPGraph::lsNone);
    plot->graph(1)->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(214, 39, 40), 9));
    return plot;
}

// Calibration: the bins' points against the diagonal of perfect calibration, and the same bins
// of the model's probabilities before calibration, in grey.
void styleCalibrationPlot(QCustomPlot *plot)
{
    plot->graph(0)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    plot->graph(1)->setScatterStyle(QCPScatterStyle());
    plot->graph(1)->setLineStyle(QCPGraph::lsLine);
    plot->graph(1)->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    plot->graph(1)->setData({0, 1}, {0, 1});
    plot->addGraph();
    plot->graph(2)->setLineStyle(QCPGraph::lsNone);
    plot->graph(2)->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(127, 127, 127), 6));
    plot->graph(0)->setName(QObject::tr("calibrated"));
    plot->graph(1)->setName(QObject::tr("perfect"));
    plot->graph(2)->setName(QObject::tr("before calibration"));
    plot->legend->setVisible(true);
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
}

void setCurve(QCPGraph *graph, const std::vector<ml::CurvePoint> &points)
{
    QVector<double> x;
    QVector<double> y;
    for (const ml::CurvePoint &p : points) {
        x << p.x;
        y << p.y;
    }
    graph->setData(x, y, true);
}

} // namespace

EvaluationPlots::EvaluationPlots(QObject *parent)
    : QObject(parent), m_roc(curvePlot(tr("1 − specificity"), tr("sensitivity"))),
      m_pr(curvePlot(tr("recall"), tr("precision"))),
      m_calibration(curvePlot(tr("mean predicted probability"), tr("observed share of positives"))),
      m_histogram(new QCustomPlot)
{
    styleCalibrationPlot(m_calibration);
    m_histogram->xAxis->setLabel(tr("predicted probability of the positive class"));
    m_histogram->yAxis->setLabel(tr("images"));
    m_histogram->xAxis->setRange(0, 1);
    m_histogram->legend->setVisible(true);
    m_histogram->setMinimumSize(260, 220);
    m_histogramThreshold = new QCPItemStraightLine(m_histogram);
    m_histogramThreshold->setPen(QPen(QColor(214, 39, 40), 1.5));
}

void EvaluationPlots::addTabsTo(QTabWidget *tabs)
{
    tabs->addTab(m_roc, tr("ROC"));
    tabs->addTab(m_pr, tr("Precision-recall"));
    tabs->addTab(m_calibration, tr("Calibration"));
    tabs->addTab(m_histogram, tr("Probabilities"));
}

void EvaluationPlots::showEvaluation(const std::vector<int> &labels,
                                     const std::vector<float> &probabilities,
                                     const ml::LogitCalibration &modelCalibration,
                                     const QStringList &classNames)
{
    drawCurves(labels, probabilities);
    drawCalibration(labels, probabilities, modelCalibration);
    drawHistogram(labels, probabilities, classNames);
}

void EvaluationPlots::markOperatingPoint(const ml::DiagnosticMetrics &m, double threshold)
{
    m_roc->graph(1)->data()->clear();
    m_roc->graph(1)->addData(1 - m.specificity, m.sensitivity);
    m_pr->graph(1)->data()->clear();
    if (std::isfinite(m.ppv)) {
        m_pr->graph(1)->addData(m.sensitivity, m.ppv);
    }
    m_histogramThreshold->point1->setCoords(threshold, 0);
    m_histogramThreshold->point2->setCoords(threshold, 1);
    m_roc->replot(QCustomPlot::rpQueuedReplot);
    m_pr->replot(QCustomPlot::rpQueuedReplot);
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
}

void EvaluationPlots::drawCurves(const std::vector<int> &labels,
                                 const std::vector<float> &probabilities)
{
    setCurve(m_roc->graph(0), ml::rocCurve(labels, probabilities));
    m_roc->graph(0)->setName(tr("ROC"));
    setCurve(m_pr->graph(0), ml::precisionRecallCurve(labels, probabilities));
    m_roc->replot();
    m_pr->replot();
}

void EvaluationPlots::drawCalibration(const std::vector<int> &labels,
                                      const std::vector<float> &probabilities,
                                      const ml::LogitCalibration &modelCalibration)
{
    const auto binsOf = [&](const std::vector<float> &values, int graph) {
        QVector<double> predicted;
        QVector<double> observed;
        for (const ml::CalibrationBin &bin : ml::calibrationCurve(labels, values, 10)) {
            if (bin.count > 0) {
                predicted << bin.meanPredicted;
                observed << bin.observedRate;
            }
        }
        m_calibration->graph(graph)->setData(predicted, observed, true);
    };
    binsOf(probabilities, 0);
    binsOf(modelCalibration.identity()
               ? std::vector<float>{}
               : ml::uncalibratedProbabilities(probabilities, modelCalibration),
           2);
    m_calibration->replot();
}

// One bar set per true class, 20 bins of probability, side by side.
void EvaluationPlots::drawHistogram(const std::vector<int> &labels,
                                    const std::vector<float> &probabilities,
                                    const QStringList &classNames)
{
    m_histogram->clearPlottables();
    constexpr int kBins = 20;
    const QColor colours[] = {QColor(31, 119, 180), QColor(230, 120, 20)};
    double highest = 1;
    for (int cls = 0; cls < 2; ++cls) {
        QVector<double> centres;
        QVector<double> counts(kBins, 0);
        for (int b = 0; b < kBins; ++b) {
            centres << (b + 0.25 + 0.5 * cls) / kBins;
        }
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == cls) {
                counts[std::min(kBins - 1, int(probabilities[i] * kBins))] += 1;
            }
        }
        auto *bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
        bars->setName(tr("true %1").arg(classNames.value(cls)));
        bars->setWidth(0.5 / kBins);
        bars->setPen(Qt::NoPen);
        bars->setBrush(colours[cls]);
        bars->setData(centres, counts, true);
        highest = std::max(highest, *std::max_element(counts.begin(), counts.end()));
    }
    m_histogram->yAxis->setRange(0, highest * 1.1);
    m_histogram->replot();
}

} // namespace cxr::ui
