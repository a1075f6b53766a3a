// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: checkpoints/last.pt, one archive written atomically. It holds the
// network, the optimiser, the weight average, LibTorch's random generators (the CPU's and the
// training GPU's: dropout) and TrainingCheckpoint's fields under fixed names; the numbers are
// stored as small double tensors ("best", "schedule", "progress", ...), laid out as format 3
// has always laid them out, so checkpoints of earlier versions (format 2 and 3) still resume.

#include "core/common/result.h"
#include "core/ml/training_checkpoint.h"
#include "core/ml/weight_average.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>

namespace cxr::ml {

struct CheckpointModules {
    torch::nn::Module &net;
    torch::optim::Optimizer &optimizer;
    WeightAverage &average;
};

// Writes file atomically (the previous checkpoint stays whole until the new one is complete).
Status writeCheckpoint(const std::filesystem::path &file, const TrainingCheckpoint &checkpoint,
                       CheckpointModules modules, const torch::Device &device);

// Loads file onto device: the modules' state and the random generators are restored, the rest
// returned. Errors name the file; a checkpoint of an unknown format is Incompatible.
Result<TrainingCheckpoint> readCheckpoint(const std::filesystem::path &file,
                                          CheckpointModules modules, const torch::Device &device);

} // namespace cxr::ml
