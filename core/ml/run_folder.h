// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/model_card.h"
#include "core/ml/trainer.h"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <vector>

namespace cxr::ml {

// One row of steps.csv: a training step's loss as it finished, for loss curves finer than an
// epoch.
struct StepRecord {
    std::int64_t step = 0; // optimiser steps done in the run
    int epoch = 0;
    double loss = 0;
    double learningRate = 0;
    double imagesPerSecond = 0;
};

// The layout of a run folder; every run is one, and nothing outside it is needed to use it.
struct RunPaths {
    std::filesystem::path root;

    std::filesystem::path config() const { return root / "config.json"; }
    std::filesystem::path metrics() const { return root / "metrics.csv"; }
    std::filesystem::path steps() const { return root / "steps.csv"; }
    std::filesystem::path status() const { return root / "status.json"; }
    std::filesystem::path checkpoints() const { return root / "checkpoints"; }
    std::filesystem::path lastCheckpoint() const { return checkpoints() / "last.pt"; }
    std::filesystem::path modelDir() const { return root / "model"; }
    std::filesystem::path weights() const { return modelDir() / "weights.pt"; }
    std::filesystem::path modelCard() const { return modelCardPath(modelDir()); }
};

enum class ExistingRun { Refuse, Overwrite };

// Creates root and its subfolders. An existing non-empty root is refused unless Overwrite,
// which clears it; errors name the folder (exists, not writable).
Status prepareRunFolder(const std::filesystem::path &root, ExistingRun existing);

Status writeRunConfig(const RunPaths &paths, const TrainSettings &settings,
                      const std::string &device);
// The settings a run was started with, from its config.json: what --resume continues with.
Result<TrainSettings> readRunConfig(const RunPaths &paths);
// The same settings as JSON text on their own (a study keeps the settings its trials share);
// parseTrainSettings reads them back, naming source in its errors.
std::string trainSettingsText(const TrainSettings &settings);
Result<TrainSettings> parseTrainSettings(const std::string &text, const std::string &source);
Status writeMetricsCsv(const RunPaths &paths, const TrainSummary &summary);
// The epochs of metrics.csv; an error names the file when it is missing or malformed.
Result<std::vector<EpochMetrics>> readMetricsCsv(const RunPaths &paths);
Status writeStepsCsv(const RunPaths &paths, const std::vector<StepRecord> &steps);
// The rows of steps.csv up to and including lastStep (a resumed run drops the rows written
// after its checkpoint). A missing file gives no rows; malformed rows are skipped.
std::vector<StepRecord>
readStepsCsv(const RunPaths &paths,
             std::int64_t lastStep = std::numeric_limits<std::int64_t>::max());

// What became of a run, in its status.json: written "running" when training starts and
// replaced when it ends. A run still "running" that no process trains was interrupted (a
// crash, a power loss) and resumes from its checkpoint.
enum class RunState { Running, Finished, Stopped, Failed };
const char *runStateName(RunState state); // running, finished, stopped, failed
Status writeRunStatus(const RunPaths &paths, RunState state, const std::string &message);

// A run folder as the run history shows it.
struct RunInfo {
    std::filesystem::path folder;
    std::string created; // UTC, ISO 8601, from config.json
    TrainSettings settings;
    std::vector<EpochMetrics> epochs; // from metrics.csv; empty before the first epoch ends
    RunState state = RunState::Running;
    std::string message; // from status.json: why it stopped or failed
    bool hasCheckpoint = false;
    double seconds() const; // training time over all epochs
    int bestEpoch() const;  // by validation loss (or AUC, as the run chose); 0 without epochs
    bool resumable() const { return hasCheckpoint && state != RunState::Finished; }
};

// Reads a run folder's config, metrics and status; an error when it is not a run folder.
Result<RunInfo> describeRun(const std::filesystem::path &folder);
// Every run folder directly inside runsFolder, newest first; folders that are not runs are
// left out.
std::vector<RunInfo> listRuns(const std::filesystem::path &runsFolder);

// Accepts a run folder or its model/ folder and returns the model folder, or an error naming
// what is missing.
Result<std::filesystem::path> findModelDir(const std::filesystem::path &runOrModel);

// The model card of a run folder or a model folder (findModelDir, then readModelCard): the one
// way to read the card of what the user chose. Errors name the folder or the file.
Result<ModelCard> readRunModelCard(const std::filesystem::path &runOrModel);

// Stores the threshold at which the model calls an image positive in the card of a run or model
// folder (atomically); returns the card's path.
Result<std::filesystem::path> saveRunModelThreshold(const std::filesystem::path &runOrModel,
                                                    double threshold);

} // namespace cxr::ml
