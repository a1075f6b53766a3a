// SPDX-License-Identifier: MIT
#include "core/augment/class_balance.h"

#include <algorithm>
#include <numeric>

namespace cxr {

const EnumNames<BalanceMethod, 4> &balanceMethodNames()
{
    return kBalanceMethodNames;
}

const char *balanceMethodName(BalanceMethod method)
{
    return nameOf(kBalanceMethodNames, method);
}

std::optional<BalanceMethod> parseBalanceMethod(const std::string &name)
{
    return valueNamed(kBalanceMethodNames, name);
}

std::vector<std::int64_t> classCounts(const std::vector<int> &labels, int classCount)
{
    std::vector<std::int64_t> counts(std::size_t(std::max(classCount, 0)), 0);
    for (int label : labels) {
        if (label >= 0 && label < classCount) {
            ++counts[std::size_t(label)];
        }
    }
    return counts;
}

std::vector<double> epochClassMix(const std::vector<std::int64_t> &counts, BalanceMethod method)
{
    std::vector<double> mix(counts.begin(), counts.end());
    const std::int64_t total = std::accumulate(counts.begin(), counts.end(), std::int64_t(0));
    std::size_t present = 0;
    for (std::int64_t count : counts) {
        present += count > 0 ? 1 : 0;
    }
    if (method == BalanceMethod::Oversample) {
        const std::int64_t largest =
            counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
        for (std::size_t c = 0; c < counts.size(); ++c) {
            mix[c] = counts[c] > 0 ? double(largest) : 0.0;
        }
    } else if (method == BalanceMethod::WeightedSampling && present > 0) {
        for (std::size_t c = 0; c < counts.size(); ++c) {
            mix[c] = counts[c] > 0 ? double(total) / double(present) : 0.0;
        }
    }
    return mix;
}

std::int64_t epochSampleCount(const std::vector<std::int64_t> &counts, BalanceMethod method)
{
    const std::int64_t total = std::accumulate(counts.begin(), counts.end(), std::int64_t(0));
    if (method != BalanceMethod::Oversample) {
        return total;
    }
    std::int64_t largest = 0;
    std::int64_t present = 0;
    for (std::int64_t count : counts) {
        largest = std::max(largest, count);
        present += count > 0 ? 1 : 0;
    }
    return largest * present;
}

std::vector<double> lossClassWeights(const std::vector<std::int64_t> &counts, BalanceMethod method)
{
    std::vector<double> weights(counts.size(), 1.0);
    if (method != BalanceMethod::ClassWeightedLoss) {
        return weights;
    }
    const std::int64_t total = std::accumulate(counts.begin(), counts.end(), std::int64_t(0));
    for (std::size_t c = 0; c < counts.size(); ++c) {
        if (counts[c] > 0) {
            weights[c] = double(total) / (double(counts.size()) * double(counts[c]));
        }
    }
    return weights;
}

std::vector<std::int64_t> epochSampleOrder(const std::vector<int> &labels, int classCount,
                                           BalanceMethod method, std::mt19937_64 &random)
{
    std::vector<std::vector<std::int64_t>> byClass(std::size_t(std::max(classCount, 0)));
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] >= 0 && labels[i] < classCount) {
            byClass[std::size_t(labels[i])].push_back(std::int64_t(i));
        }
    }
    // Index draws by formula, not std::uniform_int_distribution, whose output differs between
    // standard libraries: a seed then names the same epoch everywhere.
    auto pick = [&random](std::size_t n) { return std::size_t(random() % n); };
    std::vector<std::int64_t> order;
    if (method == BalanceMethod::WeightedSampling) {
        std::vector<std::size_t> present;
        for (std::size_t c = 0; c < byClass.size(); ++c) {
            if (!byClass[c].empty()) {
                present.push_back(c);
            }
        }
        for (std::size_t i = 0; i < labels.size() && !present.empty(); ++i) {
            const auto &members = byClass[present[pick(present.size())]];
            order.push_back(members[pick(members.size())]);
        }
        return order;
    }
    order.resize(labels.size());
    std::iota(order.begin(), order.end(), std::int64_t(0));
    if (method == BalanceMethod::Oversample) {
        std::size_t largest = 0;
        for (const auto &members : byClass) {
            largest = std::max(largest, members.size());
        }
        for (const auto &members : byClass) {
            for (std::size_t extra = members.size(); extra < largest && !members.empty(); ++extra) {
                order.push_back(members[pick(members.size())]);
            }
        }
    }
    for (std::size_t i = order.size(); i > 1; --i) { // Fisher-Yates, portable
        std::swap(order[i - 1], order[pick(i)]);
    }
    return order;
}

} // namespace cxr
