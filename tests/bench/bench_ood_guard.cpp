// SPDX-License-Identifier: MIT
// What trust costs per prediction, each against a plain prediction in the same run: the
// out-of-distribution guard (the same trained model with its guard and without it, a copy of
// its model folder whose card drops the guard), and test-time augmentation (three views).
// Two views: predictImage on one radiograph (decode, header checks, forward pass, score), and
// Classifier::predict on a batch of 64 model inputs (forward pass and score only).
//
//   bench_ood_guard DEMO_DATASET IMAGE [RUN]   (RUN: an existing run; else small-cnn is
//                                               trained on DEMO_DATASET for 2 epochs at 224 px)
#include "core/ml/classifier.h"
#include "core/ml/model_card.h"
#include "core/pipeline/explain_job.h"
#include "core/pipeline/training_job.h"
#include "tests/bench/median_time.h"

#include <cstdio>
#include <filesystem>

using namespace cxr;
namespace fs = std::filesystem;

namespace {

int fail(const Error &error)
{
    std::fprintf(stderr, "bench_ood_guard: %s\n", error.message.c_str());
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_ood_guard DEMO_DATASET IMAGE [RUN]\n");
        return 2;
    }
    const fs::path work = fs::temp_directory_path() / "cxr-bench-ood-guard";
    fs::remove_all(work);
    fs::path run = argc > 3 ? fs::path(argv[3]) : work / "run";
    if (argc <= 3) {
        pipeline::TrainJob job;
        job.datasetDir = argv[1];
        job.runDir = run;
        job.settings.epochs = 2;
        job.settings.batchSize = 16;
        job.settings.device = "cpu";
        if (auto trained = pipeline::runTrainJob(job); !trained) {
            return fail(trained.error());
        }
    }
    auto guarded = ml::Classifier::open(run, "cpu");
    if (!guarded) {
        return fail(guarded.error());
    }
    if (!guarded->hasOodGuard()) {
        std::fprintf(stderr, "bench_ood_guard: %s has no out-of-distribution guard\n",
                     run.string().c_str());
        return 1;
    }
    const fs::path bare = work / "bare" / "model";
    fs::create_directories(bare);
    fs::copy_file(guarded->modelDir() / "weights.pt", bare / "weights.pt",
                  fs::copy_options::overwrite_existing);
    ml::ModelCard card = guarded->card();
    card.ood = {};
    if (auto written = ml::writeModelCard(bare / "model.json", card); !written) {
        return fail(written.error());
    }
    auto plain = ml::Classifier::open(bare, "cpu");
    if (!plain) {
        return fail(plain.error());
    }

    const fs::path image = argv[2];
    const double withGuard =
        bench::medianMs(15, [&] { (void)pipeline::predictImage(*guarded, image); });
    const double without =
        bench::medianMs(15, [&] { (void)pipeline::predictImage(*plain, image); });
    std::printf("predictImage (%s): %.2f ms with the guard, %.2f ms without (%.3fx)\n",
                image.filename().string().c_str(), withGuard, without, withGuard / without);
    plain->setTestTimeAugmentation(true);
    const double augmented =
        bench::medianMs(15, [&] { (void)pipeline::predictImage(*plain, image); });
    plain->setTestTimeAugmentation(false);
    std::printf("predictImage with test-time augmentation: %.2f ms, %.2fx the plain prediction\n",
                augmented, augmented / without);

    const ml::ModelSpec &spec = card.spec;
    ImageArrays batch;
    batch.channels = spec.channels;
    batch.height = batch.width = spec.inputSize;
    std::vector<std::uint8_t> pixels(std::size_t(64) * batch.imageSize());
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        pixels[i] = std::uint8_t((i * 2654435761u) >> 24);
    }
    batch.pixels = PixelBuffer(std::move(pixels));
    batch.labels.assign(64, -1);
    const double batchWith = bench::medianMs(7, [&] { (void)guarded->predict(batch); });
    const double batchWithout = bench::medianMs(7, [&] { (void)plain->predict(batch); });
    std::printf("predict, 64 inputs of %d px: %.1f ms with the guard, %.1f ms without (%.3fx)\n",
                spec.inputSize, batchWith, batchWithout, batchWith / batchWithout);
    fs::remove_all(work);
    return 0;
}
