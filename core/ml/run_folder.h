// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <filesystem>

namespace cxr::ml {

struct TrainSettings;
struct TrainSummary;

// The layout of a run folder; every run is one, and nothing outside it is needed to use it.
struct RunPaths {
    std::filesystem::path root;

    std::filesystem::path config() const { return root / "config.json"; }
    std::filesystem::path metrics() const { return root / "metrics.csv"; }
    std::filesystem::path checkpoints() const { return root / "checkpoints"; }
    std::filesystem::path lastCheckpoint() const { return checkpoints() / "last.pt"; }
    std::filesystem::path modelDir() const { return root / "model"; }
    std::filesystem::path weights() const { return modelDir() / "weights.pt"; }
    std::filesystem::path modelCard() const { return modelDir() / "model.json"; }
};

enum class ExistingRun { Refuse, Overwrite };

// Creates root and its subfolders. An existing non-empty root is refused unless Overwrite,
// which clears it; errors name the folder (exists, not writable).
Status prepareRunFolder(const std::filesystem::path &root, ExistingRun existing);

Status writeRunConfig(const RunPaths &paths, const TrainSettings &settings,
                      const std::string &device);
// The settings a run was started with, from its config.json: what --resume continues with.
Result<TrainSettings> readRunConfig(const RunPaths &paths);
Status writeMetricsCsv(const RunPaths &paths, const TrainSummary &summary);

// Accepts a run folder or its model/ folder and returns the model folder, or an error naming
// what is missing.
Result<std::filesystem::path> findModelDir(const std::filesystem::path &runOrModel);

} // namespace cxr::ml
