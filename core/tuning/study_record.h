// SPDX-License-Identifier: MIT
#pragma once

// A study's record in its folder: study.json (how it was set up, the space, and every trial,
// rewritten atomically after each epoch so that a study killed at any moment resumes) and
// study.csv (one row per trial: number, state, objective, epochs, seconds, then the values).
// Each trial trains in STUDY/trial-NNN, an ordinary run folder.

#include "core/tuning/search_space.h"
#include "core/tuning/trial.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::tuning {

struct StudySettings {
    std::string dataset;
    SearchSpace space;
    std::string sampler = "tpe";
    std::string pruner = "median";
    Objective objective = Objective::ValAuc;
    int trials = 20;
    std::uint64_t seed = 42;
    // The train options every trial gets before its own values, as `cxr train` takes them
    // ("--epochs", "6", "--model", "custom-cnn").
    std::vector<std::string> trainArguments;
    // The settings every trial starts from, before trainArguments, as JSON text (the Train
    // page's form when the GUI starts a study); empty: `cxr train`'s defaults.
    std::string baseSettings;
};

struct StudyRecord {
    StudySettings settings;
    std::vector<Trial> trials;
};

// Errors name the file.
Status writeStudy(const std::filesystem::path &studyDir, const StudyRecord &study);
Result<StudyRecord> readStudy(const std::filesystem::path &studyDir);

std::filesystem::path trialRunDir(const std::filesystem::path &studyDir, int number);

std::string studyCsv(const StudyRecord &study);

// The complete trial with the best score; none before one completes.
std::optional<std::size_t> bestTrial(const StudyRecord &study);

} // namespace cxr::tuning
