// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

namespace cxr::ml {

// Confusion counts of a binary classifier; class 1 is the positive class (e.g. PNEUMONIA).
struct ConfusionCounts {
    std::int64_t truePositive = 0;
    std::int64_t falsePositive = 0;
    std::int64_t trueNegative = 0;
    std::int64_t falseNegative = 0;
    std::int64_t total() const
    {
        return truePositive + falsePositive + trueNegative + falseNegative;
    }
};

// Metrics at one threshold. A ratio whose denominator is zero is reported as 0 and flagged in
// `undefined` rather than as NaN, so reports and JSON stay valid.
struct BinaryMetrics {
    ConfusionCounts counts;
    double threshold = 0.5;
    double accuracy = 0;
    double precision = 0; // positive predictive value
    double recall = 0;    // sensitivity
    double specificity = 0;
    double f1 = 0;
    bool undefined = false; // some denominator was zero
};

// labels: 0/1 per image; probabilities: P(class 1) per image; sizes must match.
// Called positive when probability >= threshold.
ConfusionCounts countConfusion(const std::vector<int> &labels,
                               const std::vector<float> &probabilities, double threshold);

BinaryMetrics computeBinaryMetrics(const std::vector<int> &labels,
                                   const std::vector<float> &probabilities, double threshold = 0.5);

// Area under the ROC curve of scores for labels (1 positive, 0 negative), ties counted half
// (the Mann-Whitney statistic). NaN when either class is missing or a score is NaN.
double rocAuc(const std::vector<int> &labels, const std::vector<float> &scores);

} // namespace cxr::ml
