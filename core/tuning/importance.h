// SPDX-License-Identifier: MIT
#pragma once

// Which parameters mattered in a study: for each, the share of the variance of the finished
// trials' objective that its values alone explain (a one-way analysis of variance, epsilon
// squared: eta squared corrected for what chance explains; a numeric parameter in up to four
// quantile bins of about three trials). A main effect only, like the first-order
// terms of fANOVA, read straight off the trials instead of a surrogate model: with few trials
// it is a rough guide, and the report says how many trials it rests on.

#include "core/tuning/trial.h"

#include <string>
#include <vector>

namespace cxr::tuning {

struct ParamImportance {
    std::string name;
    double share = 0; // in [0, 1]; NaN with too few finished trials to tell
    int trials = 0;   // finished trials where the parameter was active
};

// Sorted, most important first. Only complete trials with a finite score count.
std::vector<ParamImportance> parameterImportance(const SearchSpace &space,
                                                 const std::vector<Trial> &trials);

} // namespace cxr::tuning
