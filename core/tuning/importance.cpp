// SPDX-License-Identifier: MIT
#include "core/tuning/importance.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

namespace cxr::tuning {

namespace {

constexpr int kNumericBins = 4;

// Each observation's group: the category, or the quantile bin of a number.
std::vector<int> groupsOf(const ParamSpec &spec, const std::vector<std::string> &values)
{
    std::vector<int> groups(values.size());
    if (spec.kind == ParamKind::Categorical) {
        std::map<std::string, int> index;
        for (std::size_t i = 0; i < values.size(); ++i) {
            groups[i] = index.emplace(values[i], int(index.size())).first->second;
        }
        return groups;
    }
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t i = 0; i < values.size(); ++i) {
        order.emplace_back(std::strtod(values[i].c_str(), nullptr), i);
    }
    std::sort(order.begin(), order.end());
    // About three trials a bin, so that a bin's mean means something.
    const int bins = std::clamp(int(values.size()) / 3, 2, kNumericBins);
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        groups[order[rank].second] = int(rank * std::size_t(bins) / order.size());
    }
    return groups;
}

// Epsilon squared: eta squared less what k groups explain by chance among n trials
// ((k - 1) times the within-group mean square), so that a handful of trials does not make
// every parameter look decisive. NaN with fewer than three trials beyond one a group: with
// three trials, two groups always split them, and any parameter that separates the worst trial
// from the other two "explains" all of the variance.
double epsilonSquared(const std::vector<double> &y, const std::vector<int> &groups)
{
    double mean = 0;
    for (double v : y) {
        mean += v;
    }
    mean /= double(y.size());
    double total = 0;
    std::map<int, std::pair<double, int>> sums;
    for (std::size_t i = 0; i < y.size(); ++i) {
        total += (y[i] - mean) * (y[i] - mean);
        sums[groups[i]].first += y[i];
        sums[groups[i]].second += 1;
    }
    const std::size_t k = sums.size();
    if (y.size() < k + 3 || k < 2) {
        return std::nan("");
    }
    if (total <= 0) {
        return 0;
    }
    double between = 0;
    for (const auto &[group, sum] : sums) {
        const double groupMean = sum.first / sum.second;
        between += sum.second * (groupMean - mean) * (groupMean - mean);
    }
    const double withinMeanSquare = (total - between) / double(y.size() - k);
    return std::clamp((between - double(k - 1) * withinMeanSquare) / total, 0.0, 1.0);
}

} // namespace

std::vector<ParamImportance> parameterImportance(const SearchSpace &space,
                                                 const std::vector<Trial> &trials)
{
    std::vector<ParamImportance> out;
    for (const ParamSpec &spec : space.params) {
        std::vector<double> y;
        std::vector<std::string> values;
        for (const Trial &trial : trials) {
            const std::string value = valueOf(trial.params, spec.name);
            if (trial.state == TrialState::Complete && std::isfinite(trial.bestScore()) &&
                !value.empty()) {
                y.push_back(trial.bestScore());
                values.push_back(value);
            }
        }
        ParamImportance importance{spec.name, std::nan(""), int(y.size())};
        if (y.size() >= 2) {
            importance.share = epsilonSquared(y, groupsOf(spec, values));
        }
        out.push_back(importance);
    }
    std::stable_sort(
        out.begin(), out.end(), [](const ParamImportance &a, const ParamImportance &b) {
            return std::isnan(b.share) ? !std::isnan(a.share) : a.share > b.share; // NaN last
        });
    return out;
}

} // namespace cxr::tuning
