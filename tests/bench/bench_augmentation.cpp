// SPDX-License-Identifier: MIT
// Batch augmentation throughput at 224 px on the CPU, and its share of a training step of
// small-cnn (batch 32) measured through the real trainer: the same run trained without
// augmentation is the baseline.
#include "core/common/allocator_tuning.h"
#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"
#include "core/ml/batch_augmentation.h"
#include "core/ml/run_folder.h"
#include "core/ml/trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct TrainingTimes {
    double imagesPerSecond = -1; // train + validation pass, epochs 2 and later
    double augmentationShare = 0; // of the epochs' time
};

// Epochs 2 and later: the first warms up allocator and kernels.
TrainingTimes timeTraining(const cxr::ImageArrays &train, const cxr::ImageArrays &val,
                           const cxr::ml::TrainSettings &settings)
{
    const fs::path runDir = fs::temp_directory_path() / "cxr-bench-augmentation";
    if (!cxr::ml::prepareRunFolder(runDir, cxr::ml::ExistingRun::Overwrite)) {
        return {};
    }
    auto summary = cxr::ml::trainClassifier(train, val, settings, runDir);
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
    const double images = double(train.count() + val.count()) * double(summary->epochs.size() - 1);
    return {images / seconds, augmenting / seconds};
}

// Images per second of the batch engine alone, batches of 32, from 8-bit pixels to augmented
// float model inputs.
double augmentationImagesPerSecond(const cxr::ImageArrays &train, const cxr::AugmentationSettings &settings)
{
    cxr::ImageArrays batch = train;
    const std::size_t batchSize = std::min<std::size_t>(32, train.count());
    batch.labels.resize(batchSize);
    batch.pixels = cxr::PixelBuffer(
        std::vector<std::uint8_t>(train.pixels.begin(), train.pixels.begin() + batchSize * train.imageSize()));
    std::mt19937_64 random(1);
    int images = 0;
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < 3.0) {
        std::vector<cxr::AugmentationDraw> draws;
        for (std::size_t i = 0; i < batchSize; ++i) {
            draws.push_back(cxr::drawAugmentation(settings, random));
        }
        if (!cxr::ml::augmentImages(batch, draws, "cpu")) {
            return -1;
        }
        images += int(batchSize);
    }
    return images / std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_augmentation DATASET\n");
        return 2;
    }
    cxr::tuneAllocatorForLargeBuffers(); // as cxr and cxr-studio run
    auto index = cxr::data::scanDataset(argv[1]);
    if (!index) {
        std::fprintf(stderr, "%s\n", index.error().message.c_str());
        return 1;
    }
    cxr::imaging::ModelInputSpec spec;
    cxr::data::LoadReport report;
    auto train = cxr::data::loadSplit(*index, "train", spec, report);
    auto val = cxr::data::loadSplit(*index, "val", spec, report);
    if (!train || !val) {
        return 1;
    }
    cxr::AugmentationSettings thesis;
    cxr::augmentationPreset("thesis", thesis);
    // Every transform on every image: the most a grey model can ask of the engine.
    cxr::AugmentationSettings everything;
    everything.horizontalFlipProbability = 0.5;
    everything.zoomProbability = everything.rotationProbability = 1;
    everything.translationProbability = everything.brightnessProbability = 1;
    everything.contrastProbability = everything.gammaProbability = 1;
    everything.noiseProbability = everything.blurProbability = 1;
    everything.zoomMin = 0.85;
    everything.rotationMaxDegrees = 10;
    everything.translationMaxFraction = 0.05;
    everything.brightnessMax = everything.contrastMax = 0.1;
    everything.gammaMin = 0.8;
    everything.gammaMax = 1.2;
    everything.noiseMaxSigma = 0.03;
    everything.blurMaxSigma = 1.0;

    std::printf("batch engine alone, batches of 32, 224 px grey, CPU:\n");
    std::printf("  thesis preset          : %7.0f images/s\n", augmentationImagesPerSecond(*train, thesis));
    std::printf("  every transform, p = 1 : %7.0f images/s\n", augmentationImagesPerSecond(*train, everything));

    cxr::ml::TrainSettings settings;
    settings.model.classNames = index->classes;
    settings.model.inputSize = spec.size;
    settings.epochs = 3;
    settings.batchSize = 32;
    settings.device = "cpu";
    const TrainingTimes plain = timeTraining(*train, *val, settings);
    settings.augmentation = thesis;
    const TrainingTimes withThesis = timeTraining(*train, *val, settings);
    settings.augmentation = everything;
    const TrainingTimes withEverything = timeTraining(*train, *val, settings);
    if (plain.imagesPerSecond <= 0 || withThesis.imagesPerSecond <= 0 ||
        withEverything.imagesPerSecond <= 0) {
        return 1;
    }
    // The share is timed inside the trainer around drawing and applying the augmentations;
    // the throughput against the unaugmented run is the check on it.
    std::printf("small-cnn training, batch 32, epochs 2-3 (train + validation pass):\n");
    std::printf("  no augmentation (baseline): %6.1f images/s\n", plain.imagesPerSecond);
    std::printf("  thesis preset             : %6.1f images/s (%.2fx), augmentation %.1f%% of the epoch\n",
                withThesis.imagesPerSecond, withThesis.imagesPerSecond / plain.imagesPerSecond,
                100 * withThesis.augmentationShare);
    std::printf("  every transform, p = 1    : %6.1f images/s (%.2fx), augmentation %.1f%% of the epoch\n",
                withEverything.imagesPerSecond,
                withEverything.imagesPerSecond / plain.imagesPerSecond,
                100 * withEverything.augmentationShare);
    return 0;
}
