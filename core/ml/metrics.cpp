// SPDX-License-Identifier: MIT
#include "core/ml/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace cxr::ml {

namespace {

double ratio(std::int64_t numerator, std::int64_t denominator, bool &undefined)
{
    if (denominator == 0) {
        undefined = true;
        return 0;
    }
    return double(numerator) / double(denominator);
}

} // namespace

ConfusionCounts countConfusion(const std::vector<int> &labels,
                               const std::vector<float> &probabilities, double threshold)
{
    assert(labels.size() == probabilities.size());
    ConfusionCounts c;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const bool predictedPositive = probabilities[i] >= threshold;
        const bool positive = labels[i] == 1;
        if (predictedPositive) {
            ++(positive ? c.truePositive : c.falsePositive);
        } else {
            ++(positive ? c.falseNegative : c.trueNegative);
        }
    }
    return c;
}

BinaryMetrics computeBinaryMetrics(const std::vector<int> &labels,
                                   const std::vector<float> &probabilities, double threshold)
{
    BinaryMetrics m;
    m.threshold = threshold;
    m.counts = countConfusion(labels, probabilities, threshold);
    const ConfusionCounts &c = m.counts;
    m.accuracy = ratio(c.truePositive + c.trueNegative, c.total(), m.undefined);
    m.precision = ratio(c.truePositive, c.truePositive + c.falsePositive, m.undefined);
    m.recall = ratio(c.truePositive, c.truePositive + c.falseNegative, m.undefined);
    m.specificity = ratio(c.trueNegative, c.trueNegative + c.falsePositive, m.undefined);
    m.f1 = ratio(2 * c.truePositive, 2 * c.truePositive + c.falsePositive + c.falseNegative,
                 m.undefined);
    return m;
}

double rocAuc(const std::vector<int> &labels, const std::vector<float> &scores)
{
    // A NaN equals nothing, not even itself: the tie loop below would never advance past it,
    // and sorting with it is undefined. No ranking exists, so there is no area.
    if (std::any_of(scores.begin(), scores.end(), [](float s) { return std::isnan(s); })) {
        return std::nan("");
    }
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(),
              [&scores](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
    double positiveRankSum = 0;
    double positives = 0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i; // [i, j) share one score: each gets their average rank
        while (j < order.size() && scores[order[j]] == scores[order[i]]) {
            ++j;
        }
        const double averageRank = (double(i + 1) + double(j)) / 2;
        for (std::size_t k = i; k < j; ++k) {
            if (labels[order[k]] == 1) {
                positiveRankSum += averageRank;
                positives += 1;
            }
        }
        i = j;
    }
    const double negatives = double(scores.size()) - positives;
    if (positives == 0 || negatives == 0) {
        return std::nan("");
    }
    return (positiveRankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

} // namespace cxr::ml
