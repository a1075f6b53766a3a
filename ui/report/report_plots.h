// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/diagnostic_metrics.h"
#include "ui/report/evaluation_report.h"
#include "ui/report/page_flow.h"

#include <QColor>
#include <QPointF>
#include <QRectF>

#include <filesystem>
#include <vector>

// The report's plots, drawn with QPainter (vector graphics in the PDF).

namespace cxr::ui {

struct Series {
    QString name;
    QColor colour;
    std::vector<QPointF> points;
    bool markers = false;
};

// A line plot with axes from the ranges, ticks at fifths, a legend and an optional point.
void drawPlot(QPainter &p, const QRectF &frame, const QString &title, const QString &xLabel,
              const QString &yLabel, QPointF xRange, QPointF yRange,
              const std::vector<Series> &series);

// ROC and precision-recall curves with the operating point, side by side.
void addCurvePlots(PageFlow &flow, const EvaluationReportInput &input,
                   const ml::DiagnosticReport &report);

// The run's losses, validation AUC and accuracy per epoch, when the run folder has them.
void addTrainingPlots(PageFlow &flow, const std::filesystem::path &runFolder);

// Calibration bins before (uncalibrated) and after (calibrated) against the diagonal.
void addReliabilityDiagram(PageFlow &flow, const std::vector<int> &labels,
                           const std::vector<float> &uncalibrated,
                           const std::vector<float> &calibrated);

} // namespace cxr::ui
