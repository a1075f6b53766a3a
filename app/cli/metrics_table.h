// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/evaluation_job.h"

namespace cxr::cli {

// The metrics of an evaluation as `cxr evaluate` and `cxr baseline` print them: every metric
// with its bootstrap interval, the threshold, prevalence and majority baseline, and the
// confusion matrix.
void printMetrics(const pipeline::EvaluationResult &result);

// The robustness report: per shift, ROC AUC, sensitivity, specificity and accuracy with their
// intervals, and the change in AUC from the unshifted images.
void printStressTable(const std::vector<pipeline::StressRow> &rows);

} // namespace cxr::cli
