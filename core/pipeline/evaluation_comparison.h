// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/diagnostic_metrics.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cxr::pipeline {

// A saved evaluation of a run or a classical baseline, for side-by-side comparison: read from
// FOLDER/evaluations/SPLIT/ (predictions.csv and metrics.json) and the folder's card.
struct SavedEvaluation {
    std::filesystem::path folder;
    std::string name; // the model's name
    std::string split;
    std::vector<std::string> classNames;
    std::vector<int> labels;
    std::vector<float> probabilities;
    ml::DiagnosticReport report; // at the saved threshold; seeded bootstrap, so the saved intervals
};

// Errors name the missing or broken file. The bootstrap settings saved in metrics.json win over
// bootstrap, so the intervals are the ones the evaluation reported.
Result<SavedEvaluation> readSavedEvaluation(const std::filesystem::path &folder,
                                            const std::string &split,
                                            const ml::BootstrapSettings &bootstrap = {});

// The folders directly inside runsFolder (runs and baselines) with a saved evaluation of split,
// by name.
std::vector<std::filesystem::path> foldersWithEvaluation(const std::filesystem::path &runsFolder,
                                                         const std::string &split);

} // namespace cxr::pipeline
