// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/augmentation_settings.h"
#include "core/common/class_balance.h"
#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/model_spec.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cxr::ml {

struct TrainSettings {
    ModelSpec model;
    int epochs = 10;
    int batchSize = 32;
    double learningRate = 1e-3; // Adam, betas 0.9/0.999 as in the thesis
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
    double learningRate = 0;
    double seconds = 0;
    // Of seconds, the time spent drawing and applying augmentations (exact on the CPU; on a
    // GPU, kernels run asynchronously and this counts only their launch).
    double augmentationSeconds = 0;
};

// Progress is reported in batches over the whole run; epochFinished after each epoch.
class TrainObserver : public ProgressObserver {
public:
    virtual void epochFinished(const EpochMetrics &metrics) {}
};

struct TrainSummary {
    std::vector<EpochMetrics> epochs;
    int bestEpoch = 0; // by validation loss
    std::string device;
};

// Trains spec.architecture with Adam on train, validates on val after every epoch, and writes
// the run folder runDir (which must exist and be empty): config.json, metrics.csv,
// checkpoints/last.pt after every epoch, and model/ (weights of the best epoch + model card).
// The test split never reaches this function; the run records that it saw none.
Result<TrainSummary> trainClassifier(const ImageArrays &train, const ImageArrays &val,
                                     const TrainSettings &settings,
                                     const std::filesystem::path &runDir,
                                     TrainObserver *observer = nullptr);

} // namespace cxr::ml
