// SPDX-License-Identifier: MIT
#include "core/ml/diagnostic_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace cxr::ml {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

double ratio(double numerator, double denominator)
{
    return denominator > 0 ? numerator / denominator : kNan;
}

// Indices sorted by score, highest first.
std::vector<std::size_t> byScoreDescending(const std::vector<float> &scores)
{
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&scores](std::size_t a, std::size_t b) {
        // NaN last, so the order stays a strict weak ordering.
        if (std::isnan(scores[a]) || std::isnan(scores[b])) {
            return !std::isnan(scores[a]) && std::isnan(scores[b]);
        }
        return scores[a] > scores[b];
    });
    return order;
}

// Calls visit(threshold, truePositives, falsePositives) after each group of equal scores,
// from the highest score down.
template <typename Visit>
void sweepThresholds(const std::vector<int> &labels, const std::vector<float> &scores, Visit visit)
{
    const std::vector<std::size_t> order = byScoreDescending(scores);
    std::int64_t tp = 0;
    std::int64_t fp = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        (labels[order[k]] == 1 ? tp : fp) += 1;
        if (k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]]) {
            visit(double(scores[order[k]]), tp, fp);
        }
    }
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) {
        return kNan;
    }
    std::sort(values.begin(), values.end());
    const double position = p * double(values.size() - 1);
    const auto below = std::size_t(std::floor(position));
    const std::size_t above = std::min(values.size() - 1, below + 1);
    return values[below] + (values[above] - values[below]) * (position - double(below));
}

} // namespace

const std::vector<MetricDefinition> &diagnosticMetricDefinitions()
{
    using M = DiagnosticMetrics;
    static const std::vector<MetricDefinition> definitions = {
        {"accuracy", "Accuracy", &M::accuracy},
        {"balanced_accuracy", "Balanced accuracy", &M::balancedAccuracy},
        {"sensitivity", "Sensitivity (recall)", &M::sensitivity},
        {"specificity", "Specificity", &M::specificity},
        {"ppv", "Precision (PPV)", &M::ppv},
        {"npv", "NPV", &M::npv},
        {"f1", "F1", &M::f1},
        {"mcc", "MCC", &M::mcc},
        {"kappa", "Cohen's kappa", &M::kappa},
        {"roc_auc", "ROC AUC", &M::rocAuc},
        {"pr_auc", "PR AUC (average precision)", &M::prAuc},
        {"brier", "Brier score", &M::brier},
    };
    return definitions;
}

DiagnosticMetrics computeDiagnosticMetrics(const std::vector<int> &labels,
                                           const std::vector<float> &probabilities,
                                           double threshold)
{
    DiagnosticMetrics m;
    m.counts = countConfusion(labels, probabilities, threshold);
    const ConfusionCounts &c = m.counts;
    double squaredError = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double error = double(probabilities[i]) - double(labels[i] == 1);
        squaredError += error * error;
    }
    const double tp = double(c.truePositive);
    const double fp = double(c.falsePositive);
    const double tn = double(c.trueNegative);
    const double fn = double(c.falseNegative);
    const double n = tp + fp + tn + fn;
    m.accuracy = ratio(tp + tn, n);
    m.sensitivity = ratio(tp, tp + fn);
    m.specificity = ratio(tn, tn + fp);
    m.balancedAccuracy = (m.sensitivity + m.specificity) / 2;
    m.ppv = ratio(tp, tp + fp);
    m.npv = ratio(tn, tn + fn);
    m.f1 = ratio(2 * tp, 2 * tp + fp + fn);
    m.mcc = ratio(tp * tn - fp * fn, std::sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)));
    // Agreement beyond chance between the labels and the calls.
    const double chance = n > 0 ? ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / (n * n) : kNan;
    m.kappa = ratio(m.accuracy - chance, 1 - chance);
    m.rocAuc = rocAuc(labels, probabilities);
    m.prAuc = averagePrecision(labels, probabilities);
    m.brier = ratio(squaredError, n);
    return m;
}

const ConfidenceInterval &intervalOf(const DiagnosticReport &report,
                                     double DiagnosticMetrics::*member)
{
    const auto &definitions = diagnosticMetricDefinitions();
    std::size_t d = 0;
    while (d + 1 < definitions.size() && definitions[d].member != member) {
        ++d;
    }
    return report.intervals.at(d);
}

DiagnosticReport diagnosticReport(const std::vector<int> &labels,
                                  const std::vector<float> &probabilities, double threshold,
                                  const BootstrapSettings &bootstrap)
{
    DiagnosticReport report;
    report.threshold = threshold;
    report.bootstrap = bootstrap;
    report.metrics = computeDiagnosticMetrics(labels, probabilities, threshold);
    const std::size_t n = labels.size();
    const auto positives = std::count(labels.begin(), labels.end(), 1);
    report.prevalence = ratio(double(positives), double(n));
    report.majorityBaseline = n > 0 ? std::max(report.prevalence, 1 - report.prevalence) : kNan;

    const auto &definitions = diagnosticMetricDefinitions();
    std::vector<std::vector<double>> samples(definitions.size());
    std::mt19937_64 random(bootstrap.seed);
    std::uniform_int_distribution<std::size_t> pick(0, n > 0 ? n - 1 : 0);
    std::vector<int> sampleLabels(n);
    std::vector<float> sampleProbabilities(n);
    for (int s = 0; n > 0 && s < bootstrap.samples; ++s) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t j = pick(random);
            sampleLabels[i] = labels[j];
            sampleProbabilities[i] = probabilities[j];
        }
        const DiagnosticMetrics m =
            computeDiagnosticMetrics(sampleLabels, sampleProbabilities, threshold);
        for (std::size_t d = 0; d < definitions.size(); ++d) {
            const double value = m.*(definitions[d].member);
            if (std::isfinite(value)) {
                samples[d].push_back(value);
            }
        }
    }
    const double tail = (1 - bootstrap.confidence) / 2;
    for (const std::vector<double> &values : samples) {
        report.intervals.push_back({percentile(values, tail), percentile(values, 1 - tail)});
    }
    return report;
}

double averagePrecision(const std::vector<int> &labels, const std::vector<float> &scores)
{
    const auto positives = std::count(labels.begin(), labels.end(), 1);
    if (positives == 0) {
        return kNan;
    }
    double area = 0;
    std::int64_t previousTp = 0;
    sweepThresholds(labels, scores, [&](double, std::int64_t tp, std::int64_t fp) {
        area += double(tp - previousTp) / double(positives) * double(tp) / double(tp + fp);
        previousTp = tp;
    });
    return area;
}

std::vector<CurvePoint> rocCurve(const std::vector<int> &labels, const std::vector<float> &scores)
{
    const auto positives = double(std::count(labels.begin(), labels.end(), 1));
    const auto negatives = double(labels.size()) - positives;
    std::vector<CurvePoint> points{{0, 0, std::numeric_limits<double>::infinity()}};
    sweepThresholds(labels, scores, [&](double threshold, std::int64_t tp, std::int64_t fp) {
        points.push_back({ratio(double(fp), negatives), ratio(double(tp), positives), threshold});
    });
    return points;
}

std::vector<CurvePoint> precisionRecallCurve(const std::vector<int> &labels,
                                             const std::vector<float> &scores)
{
    const auto positives = double(std::count(labels.begin(), labels.end(), 1));
    std::vector<CurvePoint> points;
    sweepThresholds(labels, scores, [&](double threshold, std::int64_t tp, std::int64_t fp) {
        points.push_back({ratio(double(tp), positives), double(tp) / double(tp + fp), threshold});
    });
    return points;
}

double youdenThreshold(const std::vector<int> &labels, const std::vector<float> &scores)
{
    double best = 0.5;
    double bestJ = -2;
    for (const CurvePoint &p : rocCurve(labels, scores)) {
        const double j = p.y - p.x; // sensitivity + specificity - 1
        if (std::isfinite(p.threshold) && std::isfinite(j) && j > bestJ) {
            bestJ = j;
            best = p.threshold;
        }
    }
    return best;
}

double thresholdForSensitivity(const std::vector<int> &labels, const std::vector<float> &scores,
                               double target)
{
    for (const CurvePoint &p : rocCurve(labels, scores)) {
        if (std::isfinite(p.threshold) && p.y >= target) {
            return p.threshold; // the first, so the highest, threshold that reaches it
        }
    }
    return 0;
}

double thresholdForSpecificity(const std::vector<int> &labels, const std::vector<float> &scores,
                               double target)
{
    double chosen = std::numeric_limits<double>::infinity();
    for (const CurvePoint &p : rocCurve(labels, scores)) {
        if (std::isfinite(p.threshold) && 1 - p.x >= target) {
            chosen = p.threshold; // keeps going down while specificity holds
        }
    }
    return std::isfinite(chosen) ? chosen : 1.0;
}

std::vector<CalibrationBin> calibrationCurve(const std::vector<int> &labels,
                                             const std::vector<float> &probabilities, int bins)
{
    std::vector<CalibrationBin> result(std::size_t(std::max(1, bins)));
    std::vector<double> predicted(result.size(), 0);
    std::vector<double> observed(result.size(), 0);
    for (std::size_t b = 0; b < result.size(); ++b) {
        result[b].low = double(b) / double(result.size());
        result[b].high = double(b + 1) / double(result.size());
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double p = std::clamp(double(probabilities[i]), 0.0, 1.0);
        const auto b = std::min(result.size() - 1, std::size_t(p * double(result.size())));
        ++result[b].count;
        predicted[b] += p;
        observed[b] += labels[i] == 1 ? 1 : 0;
    }
    for (std::size_t b = 0; b < result.size(); ++b) {
        result[b].meanPredicted = ratio(predicted[b], double(result[b].count));
        result[b].observedRate = ratio(observed[b], double(result[b].count));
    }
    return result;
}

std::vector<std::size_t> confusionCellMembers(const std::vector<int> &labels,
                                              const std::vector<float> &probabilities,
                                              double threshold, int trueClass, int calledClass)
{
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < labels.size() && i < probabilities.size(); ++i) {
        if (labels[i] == trueClass && (probabilities[i] >= threshold ? 1 : 0) == calledClass) {
            members.push_back(i);
        }
    }
    std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
        return calledClass == 1 ? probabilities[a] > probabilities[b]
                                : probabilities[a] < probabilities[b];
    });
    return members;
}

} // namespace cxr::ml
