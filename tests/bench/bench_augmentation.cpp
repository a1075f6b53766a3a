// SPDX-License-Identifier: MIT
// Batch augmentation throughput at 224 px on the CPU, and its share of a training step of
// small-cnn (batch 32) measured through the real trainer: the same run trained without
// augmentation is the baseline.
#include "core/common/allocator_tuning.h"
#include "core/ml/batch_augmentation.h"
#include "tests/bench/bench_training_runs.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

using Clock = std::chrono::steady_clock;

namespace {

// Images per second of the batch engine alone, batches of 32, from 8-bit pixels to augmented
// float model inputs.
double augmentationImagesPerSecond(const cxr::ImageArrays &train,
                                   const cxr::AugmentationSettings &settings)
{
    cxr::ImageArrays batch = train;
    const std::size_t batchSize = std::min<std::size_t>(32, train.count());
    batch.labels.resize(batchSize);
    batch.pixels = cxr::PixelBuffer(std::vector<std::uint8_t>(
        train.pixels.begin(), train.pixels.begin() + batchSize * train.imageSize()));
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
    const auto data = cxr::bench::loadTrainAndVal(argv[1]);
    if (!data) {
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
    // What a hospital's processing and archive do: the costliest steps, JPEG above all.
    cxr::AugmentationSettings acquisition;
    acquisition.sharpenProbability = acquisition.resolutionProbability =
        acquisition.jpegProbability = 1;
    acquisition.sharpenMaxAmount = 1;
    acquisition.resolutionMinScale = 0.5;
    acquisition.jpegMinQuality = 40;
    acquisition.jpegMaxQuality = 95;

    std::printf("batch engine alone, batches of 32, 224 px grey, CPU:\n");
    std::printf("  thesis preset          : %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, thesis));
    std::printf("  every transform, p = 1 : %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, everything));
    std::printf("  sharpen, resolution, JPEG, p = 1: %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, acquisition));
    // Each acquisition step alone, to show which one a slow figure above comes from.
    cxr::AugmentationSettings one;
    one.sharpenProbability = 1;
    one.sharpenMaxAmount = 1;
    std::printf("    sharpen alone        : %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, one));
    one = acquisition;
    one.sharpenProbability = one.jpegProbability = 0;
    std::printf("    resolution alone     : %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, one));
    one = acquisition;
    one.sharpenProbability = one.resolutionProbability = 0;
    std::printf("    JPEG alone           : %7.0f images/s\n",
                augmentationImagesPerSecond(data->train, one));

    cxr::ml::TrainSettings settings = cxr::bench::benchSettings(*data);
    // A discarded first run: the first training in a process pays for page faults and
    // LibTorch's lazy set-up, which would flatter every run after it against the baseline.
    cxr::bench::timeTraining(*data, settings);
    const auto plain = cxr::bench::timeTraining(*data, settings);
    settings.augmentation = thesis;
    const auto withThesis = cxr::bench::timeTraining(*data, settings);
    settings.augmentation = everything;
    const auto withEverything = cxr::bench::timeTraining(*data, settings);
    if (plain.imagesPerSecond <= 0 || withThesis.imagesPerSecond <= 0 ||
        withEverything.imagesPerSecond <= 0) {
        return 1;
    }
    // The share is timed inside the trainer around drawing and applying the augmentations;
    // the throughput against the unaugmented run is the check on it.
    std::printf("small-cnn training, batch 32, epochs 2-3 (train + validation pass):\n");
    std::printf("  no augmentation (baseline): %6.1f images/s\n", plain.imagesPerSecond);
    std::printf(
        "  thesis preset             : %6.1f images/s (%.2fx), augmentation %.1f%% of the epoch\n",
        withThesis.imagesPerSecond, withThesis.imagesPerSecond / plain.imagesPerSecond,
        100 * withThesis.augmentationShare);
    std::printf(
        "  every transform, p = 1    : %6.1f images/s (%.2fx), augmentation %.1f%% of the epoch\n",
        withEverything.imagesPerSecond, withEverything.imagesPerSecond / plain.imagesPerSecond,
        100 * withEverything.augmentationShare);
    return 0;
}
