// SPDX-License-Identifier: MIT
#include "core/tuning/trial.h"

#include <algorithm>
#include <cmath>

namespace cxr::tuning {

const char *trialStateName(TrialState state)
{
    switch (state) {
    case TrialState::Complete:
        return "complete";
    case TrialState::Pruned:
        return "pruned";
    case TrialState::Failed:
        return "failed";
    case TrialState::Running:
        break;
    }
    return "running";
}

const char *objectiveName(Objective objective)
{
    return objective == Objective::ValAuc ? "val_auc" : "val_loss";
}

double Trial::bestScore(int epochs) const
{
    const std::size_t count =
        epochs < 0 ? scores.size() : std::min(scores.size(), std::size_t(epochs));
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < count; ++i) {
        if (std::isfinite(scores[i])) {
            best = std::max(best, scores[i]);
        }
    }
    return best;
}

double objectiveValue(Objective objective, double score)
{
    return objective == Objective::ValAuc ? score : -score;
}

} // namespace cxr::tuning
