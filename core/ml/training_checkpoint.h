// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: what a training run keeps in checkpoints/last.pt besides its modules, by
// name (torch_checkpoint.h writes and reads it). No LibTorch here.

#include "core/ml/lr_schedule.h"
#include "core/ml/trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cxr::ml {

// Sums over the images of an epoch so far (training), or of a validation pass.
struct RunningTotals {
    double lossSum = 0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    double augmentationSeconds = 0;
    double lastRate = 0;
    std::vector<int> labels;   // validation only: for the AUC
    std::vector<float> scores; // validation only: P(class 1) of a binary model
    double meanLoss() const { return seen ? lossSum / double(seen) : 0; }
    double accuracy() const { return seen ? double(correct) / double(seen) : 0; }
};

// How far an unfinished epoch got: saved in mid-epoch checkpoints, restored on resume.
struct EpochProgress {
    std::int64_t batches = 0; // finished batches of the epoch; 0 at an epoch boundary
    RunningTotals totals;
    double seconds = 0; // spent on the epoch before the checkpoint
};

struct TrainingCheckpoint {
    std::int64_t step = 0;                // optimiser steps done in the whole run
    std::vector<EpochMetrics> history;    // every finished epoch
    int bestEpoch = 0;                    // the kept epoch (0: none yet)
    double bestValLoss = 1e300;           // its validation loss
    double bestSelection = -1e300;        // its -loss or AUC, as the run selects
    double earlyStoppingBest = -1e300;    // early stopping's best score (higher is better)
    int epochsWithoutGain = 0;            // since that best
    LearningRateSchedule::State schedule; // the plateau schedule's memory
    EpochProgress progress;               // of the unfinished epoch; batches 0 at its end
    std::vector<double> lossScale;        // fp16's dynamic loss scale (LossScaler::state)
    std::string augmentationRandom;       // the augmentation generator, as std::mt19937_64 prints
};

} // namespace cxr::ml
