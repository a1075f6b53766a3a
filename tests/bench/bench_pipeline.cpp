// SPDX-License-Identifier: MIT
// The training pipeline against a plain LibTorch loop, on the CPU, 224 px, batch 32: for
// small-cnn, LeNet-5 and ResNet-18, images/s of the trainer's training pass (batches gathered
// from the decoded split, shuffling, progress, checkpoints every epoch) against forward,
// backward and an Adam step on one batch that is already in memory.
#include "core/common/allocator_tuning.h"
#include "core/ml/device.h"
#include "core/ml/models.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_includes.h"
#include "tests/bench/bench_training_runs.h"

#include <chrono>
#include <cstdio>

using Clock = std::chrono::steady_clock;

namespace {

double plainLoopImagesPerSecond(const cxr::ml::ModelSpec &spec, int batch, int steps)
{
    cxr::ml::ClassifierNet net = cxr::ml::makeClassifierNet(spec);
    net->train();
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
    const torch::Tensor x = torch::rand({batch, spec.channels, spec.inputSize, spec.inputSize});
    const torch::Tensor y = torch::randint(0, 2, {batch}, torch::kInt64);
    auto step = [&] {
        optimizer.zero_grad();
        auto outcome = cxr::ml::lossAndCorrect(net->forward(x), y);
        outcome.loss.backward();
        optimizer.step();
        return outcome.loss.item<double>();
    };
    step(); // warm-up
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i) {
        step();
    }
    return double(batch) * steps / std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_pipeline DATASET\n");
        return 2;
    }
    cxr::tuneAllocatorForLargeBuffers();
    cxr::ml::useAllCpuCores();
    auto data = cxr::bench::loadTrainAndVal(argv[1]);
    if (!data) {
        return 1;
    }
    // One validation image: the epoch time is then the training pass.
    data->val.labels.resize(1);
    data->val.paths.resize(1);
    data->val.pixels = cxr::PixelBuffer(std::vector<std::uint8_t>(
        data->val.pixels.begin(), data->val.pixels.begin() + data->val.imageSize()));
    std::printf("%-10s %14s %14s %8s\n", "model", "pipeline img/s", "plain img/s", "ratio");
    for (const char *architecture : {"small-cnn", "lenet5", "resnet18"}) {
        cxr::ml::TrainSettings settings = cxr::bench::benchSettings(*data);
        settings.model.architecture = architecture;
        const auto pipeline = cxr::bench::timeTraining(*data, settings);
        const int steps = std::string(architecture) == "resnet18" ? 4 : 12;
        const double plain = plainLoopImagesPerSecond(settings.model, 32, steps);
        if (pipeline.imagesPerSecond < 0) {
            return 1;
        }
        std::printf("%-10s %14.1f %14.1f %7.2fx\n", architecture, pipeline.imagesPerSecond, plain,
                    plain / pipeline.imagesPerSecond);
    }
    std::printf("(ratio: plain loop / pipeline; 1.00x means the pipeline adds nothing)\n");
    return 0;
}
