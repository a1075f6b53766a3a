// SPDX-License-Identifier: MIT
#pragma once

// What a diagnostic accuracy study reports for a binary classifier, with seeded bootstrap
// confidence intervals, the threshold presets, and the points of its ROC, precision-recall and
// calibration curves. Standard library only: the GUI, the CLI and reports share it.
// Labels are 0/1 (1 the positive class, e.g. PNEUMONIA); probabilities are P(class 1).

#include "core/ml/metrics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cxr::ml {

// Every metric; a ratio whose denominator is zero, or a threshold-free metric on one class,
// is NaN (reports show a dash, JSON null).
struct DiagnosticMetrics {
    ConfusionCounts counts;
    double accuracy = 0;
    double balancedAccuracy = 0;
    double sensitivity = 0; // recall, true-positive rate
    double specificity = 0; // true-negative rate
    double ppv = 0;         // precision
    double npv = 0;
    double f1 = 0;
    double mcc = 0;   // Matthews correlation coefficient
    double kappa = 0; // Cohen's kappa
    double rocAuc = 0;
    double prAuc = 0; // average precision
    double brier = 0; // mean squared error of the probabilities
};

struct MetricDefinition {
    const char *key;   // "sensitivity": JSON key
    const char *label; // "Sensitivity (recall)"
    double DiagnosticMetrics::*member;
};
// In report order.
const std::vector<MetricDefinition> &diagnosticMetricDefinitions();

DiagnosticMetrics computeDiagnosticMetrics(const std::vector<int> &labels,
                                           const std::vector<float> &probabilities,
                                           double threshold);

struct ConfidenceInterval {
    double low = 0;
    double high = 0; // NaN both when no bootstrap sample defined the metric
};

struct BootstrapSettings {
    int samples = 1000;
    std::uint64_t seed = 42;
    double confidence = 0.95;
};

struct DiagnosticReport {
    double threshold = 0.5;
    DiagnosticMetrics metrics;
    std::vector<ConfidenceInterval> intervals; // per diagnosticMetricDefinitions() entry
    BootstrapSettings bootstrap;
    double prevalence = 0;       // share of positives
    double majorityBaseline = 0; // accuracy of always answering the larger class
};

// The interval of one metric of report, by its member (&DiagnosticMetrics::rocAuc).
const ConfidenceInterval &intervalOf(const DiagnosticReport &report,
                                     double DiagnosticMetrics::*member);

// Metrics at threshold with percentile bootstrap intervals: images are resampled with
// replacement, the same draws for every metric.
DiagnosticReport diagnosticReport(const std::vector<int> &labels,
                                  const std::vector<float> &probabilities, double threshold,
                                  const BootstrapSettings &bootstrap = {});

// Average precision: the precision-recall curve's area as the sum over positives of precision
// at each distinct score, step-wise (scikit-learn's average_precision_score). NaN without
// positives.
double averagePrecision(const std::vector<int> &labels, const std::vector<float> &scores);

struct CurvePoint {
    double x = 0;         // ROC: 1 - specificity; PR: recall
    double y = 0;         // ROC: sensitivity; PR: precision
    double threshold = 0; // called positive at or above it
};
// From the highest threshold down; ROC starts at (0, 0) and ends at (1, 1).
std::vector<CurvePoint> rocCurve(const std::vector<int> &labels, const std::vector<float> &scores);
std::vector<CurvePoint> precisionRecallCurve(const std::vector<int> &labels,
                                             const std::vector<float> &scores);

// Threshold presets. Each is one of the scores (called positive at or above it).
double youdenThreshold(const std::vector<int> &labels, const std::vector<float> &scores);
// The highest threshold whose sensitivity (or specificity, the lowest) reaches target.
double thresholdForSensitivity(const std::vector<int> &labels, const std::vector<float> &scores,
                               double target);
double thresholdForSpecificity(const std::vector<int> &labels, const std::vector<float> &scores,
                               double target);

struct CalibrationBin {
    double low = 0;
    double high = 0;
    std::int64_t count = 0;
    double meanPredicted = 0; // NaN for an empty bin
    double observedRate = 0;  // share of positives; NaN for an empty bin
};
std::vector<CalibrationBin> calibrationCurve(const std::vector<int> &labels,
                                             const std::vector<float> &probabilities,
                                             int bins = 10);

// The images of one confusion-matrix cell (trueClass: the row, calledClass: the column, called
// positive at or above the threshold), most confident first: the highest probabilities among
// those called positive, the lowest among those called negative. Indices into the labels.
std::vector<std::size_t> confusionCellMembers(const std::vector<int> &labels,
                                              const std::vector<float> &probabilities,
                                              double threshold, int trueClass, int calledClass);

} // namespace cxr::ml
