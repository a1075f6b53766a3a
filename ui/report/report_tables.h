// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/diagnostic_metrics.h"
#include "core/ml/model_card.h"
#include "ui/report/evaluation_report.h"
#include "ui/report/page_flow.h"

// The report's sections made of tables.

namespace cxr::ui {

// The model card: architecture, input, classes, provenance, heatmap review and approval.
void addModelSection(PageFlow &flow, const ml::ModelCard &card, const QStringList &classes);

// The dataset's images per split and class, and what was evaluated.
void addDatasetSection(PageFlow &flow, const EvaluationReportInput &input,
                       const ml::DiagnosticReport &report, const QStringList &classes);

// Every diagnostic metric with its 95% bootstrap interval, then the confusion matrix.
void addMetricsSection(PageFlow &flow, const EvaluationReportInput &input,
                       const ml::DiagnosticReport &report, const QStringList &classes);

// How far the figures can be trusted: the operating point, calibration (with a reliability
// diagram before and after), the out-of-distribution guard, and validation beside this split.
void addTrustSection(PageFlow &flow, const ml::ModelCard &card, const EvaluationReportInput &input,
                     const ml::DiagnosticReport &report);

} // namespace cxr::ui
