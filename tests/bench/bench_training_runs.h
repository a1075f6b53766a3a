// SPDX-License-Identifier: MIT
#pragma once

// Shared by the training benchmarks: the demo splits as model inputs, and the timing of a real
// training run.

#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"
#include "core/ml/run_folder.h"
#include "core/ml/trainer.h"

#include <cstdio>
#include <filesystem>
#include <optional>

namespace cxr::bench {

struct TrainAndVal {
    std::vector<std::string> classes;
    ImageArrays train;
    ImageArrays val;
};

// dataset's train and val splits at 224 px, grey; prints the reason and returns nothing when
// they cannot be read.
inline std::optional<TrainAndVal> loadTrainAndVal(const char *dataset)
{
    auto index = data::scanDataset(dataset);
    if (!index) {
        std::fprintf(stderr, "%s\n", index.error().message.c_str());
        return std::nullopt;
    }
    imaging::ModelInputSpec spec;
    data::LoadReport report;
    auto train = data::loadSplit(*index, "train", spec, report);
    auto val = data::loadSplit(*index, "val", spec, report);
    if (!train || !val) {
        std::fprintf(stderr, "%s: cannot decode the train and val splits\n", dataset);
        return std::nullopt;
    }
    return TrainAndVal{index->classes, std::move(*train), std::move(*val)};
}

struct TrainingTimes {
    double imagesPerSecond = -1;  // train + validation pass, epochs 2 and later
    double augmentationShare = 0; // of those epochs' time
};

// Trains with settings in a temporary run folder and times epochs 2 and later (the first
// warms up allocator and kernels). imagesPerSecond stays -1 on failure.
inline TrainingTimes timeTraining(const TrainAndVal &data, const ml::TrainSettings &settings)
{
    namespace fs = std::filesystem;
    const fs::path runDir = fs::temp_directory_path() / "cxr-bench-training";
    if (!ml::prepareRunFolder(runDir, ml::ExistingRun::Overwrite)) {
        return {};
    }
    auto summary = ml::trainClassifier(data.train, data.val, settings, runDir);
    fs::remove_all(runDir);
    if (!summary) {
        std::fprintf(stderr, "%s\n", summary.error().message.c_str());
        return {};
    }
    double seconds = 0;
    double augmenting = 0;
    for (std::size_t e = 1; e < summary->epochs.size(); ++e) {
        seconds += summary->epochs[e].seconds;
        augmenting += summary->epochs[e].augmentationSeconds;
    }
    const double images =
        double(data.train.count() + data.val.count()) * double(summary->epochs.size() - 1);
    return {images / seconds, augmenting / seconds};
}

// small-cnn, 224 px, batch 32, 3 epochs on the CPU.
inline ml::TrainSettings benchSettings(const TrainAndVal &data)
{
    ml::TrainSettings settings;
    settings.model.classNames = data.classes;
    settings.model.inputSize = 224;
    settings.epochs = 3;
    settings.batchSize = 32;
    settings.device = "cpu";
    return settings;
}

} // namespace cxr::bench
