// SPDX-License-Identifier: MIT
#include "core/ml/metrics.h"

#include <cassert>

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

BinaryMetrics computeBinaryMetrics(const std::vector<int> &labels,
                                   const std::vector<float> &probabilities, double threshold)
{
    assert(labels.size() == probabilities.size());
    BinaryMetrics m;
    m.threshold = threshold;
    ConfusionCounts &c = m.counts;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const bool predictedPositive = probabilities[i] >= threshold;
        const bool positive = labels[i] == 1;
        if (predictedPositive) {
            ++(positive ? c.truePositive : c.falsePositive);
        } else {
            ++(positive ? c.falseNegative : c.trueNegative);
        }
    }
    m.accuracy = ratio(c.truePositive + c.trueNegative, c.total(), m.undefined);
    m.precision = ratio(c.truePositive, c.truePositive + c.falsePositive, m.undefined);
    m.recall = ratio(c.truePositive, c.truePositive + c.falseNegative, m.undefined);
    m.specificity = ratio(c.trueNegative, c.trueNegative + c.falsePositive, m.undefined);
    m.f1 = ratio(2 * c.truePositive, 2 * c.truePositive + c.falsePositive + c.falseNegative,
                 m.undefined);
    return m;
}

} // namespace cxr::ml
