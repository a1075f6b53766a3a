// SPDX-License-Identifier: MIT
#pragma once

// Whether a running trial should stop now, judged after each of its epochs against the other
// trials at the same epoch (scores: higher is better, Trial::scores).
//   - none: every trial runs all its epochs;
//   - median: stop when the trial's best score so far is below the median of the other
//     trials' best scores at the same epoch (after kMedianStartupTrials trials reached it and
//     past the first epoch), the rule of Google Vizier and Optuna's MedianPruner;
//   - asha: asynchronous successive halving (Li et al., 2020): at rungs of 1, 3, 9, ... epochs a
//     trial goes on only when it is in the top third of the trials that reached that rung.

#include "core/tuning/trial.h"

#include <memory>
#include <string>
#include <vector>

namespace cxr::tuning {

class Pruner {
public:
    virtual ~Pruner() = default;
    // running: its scores so far; others: every other trial of the study, finished or not.
    virtual bool shouldPrune(const Trial &running, const std::vector<Trial> &others) const = 0;
};

// name: none, median or asha. Errors name the pruner.
Result<std::unique_ptr<Pruner>> makePruner(const std::string &name);

} // namespace cxr::tuning
