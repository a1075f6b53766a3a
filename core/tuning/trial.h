// SPDX-License-Identifier: MIT
#pragma once

// One trial of a hyper-parameter study: its values, how far it trained, and how it ended.

#include "core/tuning/search_space.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace cxr::tuning {

enum class TrialState { Running, Complete, Pruned, Failed };
const char *trialStateName(TrialState state); // "running", "complete", "pruned", "failed"
std::optional<TrialState> parseTrialState(const std::string &name);

// What a study optimises, from each epoch's validation metrics.
enum class Objective { ValAuc, ValLoss };
const char *objectiveName(Objective objective); // "val_auc", "val_loss"
std::optional<Objective> parseObjective(const std::string &name);

struct Trial {
    int number = 0; // 1-based
    Assignment params;
    TrialState state = TrialState::Running;
    // Per finished epoch, higher is better: the validation AUC, or minus the validation loss.
    std::vector<double> scores;
    double seconds = 0;
    std::string error; // Failed: why

    // The best score over the first epochs epochs (all when epochs < 0); -infinity when none
    // is finite.
    double bestScore(int epochs = -1) const;
};

// A score as the objective reports it (the loss is the score's negative).
double objectiveValue(Objective objective, double score);

} // namespace cxr::tuning
