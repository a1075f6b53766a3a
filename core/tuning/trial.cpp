// SPDX-License-Identifier: MIT
#include "core/tuning/trial.h"

#include "core/common/enum_names.h"

#include <algorithm>
#include <cmath>

namespace cxr::tuning {

namespace {

constexpr EnumNames<TrialState, 4> kTrialStateNames{{{TrialState::Running, "running"},
                                                     {TrialState::Complete, "complete"},
                                                     {TrialState::Pruned, "pruned"},
                                                     {TrialState::Failed, "failed"}}};
constexpr EnumNames<Objective, 2> kObjectiveNames{
    {{Objective::ValAuc, "val_auc"}, {Objective::ValLoss, "val_loss"}}};

} // namespace

const char *trialStateName(TrialState state)
{
    return nameOf(kTrialStateNames, state);
}

std::optional<TrialState> parseTrialState(const std::string &name)
{
    return valueNamed(kTrialStateNames, name);
}

const char *objectiveName(Objective objective)
{
    return nameOf(kObjectiveNames, objective);
}

std::optional<Objective> parseObjective(const std::string &name)
{
    return valueNamed(kObjectiveNames, name);
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
