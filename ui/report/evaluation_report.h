// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/diagnostic_metrics.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace cxr::ui {

// What an evaluation report shows: the run (or model folder), the dataset and split it was
// evaluated on, the threshold used, and every prediction.
struct EvaluationReportInput {
    QString run;
    QString dataset;
    QString split = QStringLiteral("test");
    double threshold = 0.5;
    QString thresholdSource = QStringLiteral("model card");
    std::vector<int> labels;
    std::vector<float> probabilities; // P(class 1)
    QStringList files;                // absolute, one per prediction
    int gradCamExamplesPerCell = 2;   // the most confident images of each confusion cell
    ml::BootstrapSettings bootstrap;  // as the evaluation used, for the same intervals
    int oodFlagged = -1;              // images the model's guard flagged; -1: not counted
    // Copy the run's predictions.csv beside the PDF too. Off by default: its file names may
    // carry patient ids.
    bool withPredictions = false;
};

// Writes a PDF report: model card (with its review and approval), dataset summary, training
// curves, every metric with its 95% bootstrap interval, the confusion matrix, ROC and
// precision-recall curves with the operating point, and Grad-CAM examples for each confusion
// cell. Image file names are left out (they may carry patient ids). Beside the PDF go
// BASE.metrics.json and, when asked for, BASE.predictions.csv (the run's saved evaluation). Needs a
// QGuiApplication (fonts); may run on a worker thread. Errors name the file.
Status writeEvaluationReport(const QString &pdfPath, const EvaluationReportInput &input,
                             ProgressObserver *observer = nullptr);

} // namespace cxr::ui
