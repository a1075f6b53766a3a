// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/augmentation_settings.h"
#include "core/common/class_balance.h"
#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/model_spec.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

enum class OptimizerKind { Adam, AdamW, Sgd };

struct OptimizerSettings {
    OptimizerKind kind = OptimizerKind::Adam; // betas 0.9/0.999 as in the thesis
    double weightDecay = 0;                   // AdamW's decoupled decay, or L2 for Adam/SGD
    double momentum = 0.9;                    // SGD
    bool nesterov = false;                    // SGD
};

const char *optimizerName(OptimizerKind kind); // "adam", "adamw", "sgd"
std::optional<OptimizerKind> parseOptimizer(const std::string &name);

// Stop when the validation metric has not improved for patience epochs (0: never stop early).
struct EarlyStopping {
    int patience = 0;
    bool onAuc = false; // validation AUC (higher is better) instead of validation loss
};

struct TrainSettings {
    ModelSpec model;
    int epochs = 10;
    int batchSize = 32;
    double learningRate = 1e-3; // the peak rate; schedules scale it
    OptimizerSettings optimizer;
    ScheduleSettings schedule;
    EarlyStopping earlyStopping;
    double gradientClipNorm = 0; // clip the global gradient norm to this; 0 leaves it alone
    // Deterministic algorithms where LibTorch has them (cuDNN included): resumed and repeated
    // runs give the same losses, at some cost in speed on CUDA.
    bool deterministic = false;
    // Transfer learning: a state_dict (torchvision names) loaded before training, and whether
    // to train the head only, keeping the imported feature extractor fixed.
    std::string pretrainedWeights;
    bool freezeFeatures = false;
    std::uint64_t seed = 42;
    std::string device = "auto"; // auto, cpu, cuda
    // Applied to every training image drawn, fresh each time, on the training device; never
    // to validation images.
    AugmentationSettings augmentation;
    BalanceMethod balance = BalanceMethod::None;
    std::string datasetPath;     // recorded in config.json
    std::string datasetHash;     // fingerprint of the file list, recorded in config.json
};

// Empty when settings are usable; otherwise one line naming the bad setting. Class names come
// from the dataset and are checked by trainClassifier.
std::string validateSettings(const TrainSettings &settings);

struct EpochMetrics {
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double trainAccuracy = 0;
    double valLoss = 0;
    double valAccuracy = 0;
    double valAuc = 0; // NaN for multi-class models and for a validation split with one class
    double learningRate = 0; // at the epoch's last step
    double seconds = 0;
    // Of seconds, the time spent drawing and applying augmentations (exact on the CPU; on a
    // GPU, kernels run asynchronously and this counts only their launch).
    double augmentationSeconds = 0;
};

// One training step, as it finished: for live loss curves and the ETA.
struct BatchReport {
    int epoch = 0;               // 1-based
    std::int64_t step = 0;       // optimiser steps done in the whole run
    std::int64_t totalSteps = 0; // of the whole run
    double loss = 0;             // of this batch
    double learningRate = 0;
    double imagesPerSecond = 0;  // since this process started (or resumed) the run
    double etaSeconds = 0;       // for the remaining steps at that rate, validation excluded
};

// Progress is reported in batches over the whole run; batchFinished after every step (an
// observer that draws should throttle); epochFinished after each epoch.
class TrainObserver : public ProgressObserver {
public:
    virtual void batchFinished(const BatchReport &report) {}
    virtual void epochFinished(const EpochMetrics &metrics) {}
};

struct TrainSummary {
    std::vector<EpochMetrics> epochs; // all of them, including those before a resume
    int bestEpoch = 0; // by validation loss
    std::string device;
    bool stoppedEarly = false;
    int resumedAfterEpoch = 0; // 0 for a run that started from scratch
    std::vector<std::string> notes; // what the run did that its caller should say (imports)
};

enum class TrainStart {
    Fresh,  // runDir must exist and be empty (prepareRunFolder)
    Resume, // continue runDir from checkpoints/last.pt, after its last finished epoch
};

// Trains settings.model on train, validates on val after every epoch, and writes the run
// folder runDir: config.json, metrics.csv, checkpoints/last.pt after every epoch (model,
// optimiser, schedule, random generators, epoch and step, written atomically), and model/
// (weights of the best epoch + model card). With TrainStart::Resume it continues a run from
// its checkpoint: the same settings (read them with readRunConfig) give the same next epochs
// as an uninterrupted run. The test split never reaches this function; the run records that.
Result<TrainSummary> trainClassifier(const ImageArrays &train, const ImageArrays &val,
                                     const TrainSettings &settings,
                                     const std::filesystem::path &runDir,
                                     TrainObserver *observer = nullptr,
                                     TrainStart start = TrainStart::Fresh);

} // namespace cxr::ml
