// SPDX-License-Identifier: MIT
// Training throughput on CUDA, in one process: the trainer (tensor cache, augmentation on the
// device, prefetch, checkpoints, validation) against a plain LibTorch loop of the same model
// on one batch already on the device (pure compute: the best the data pipeline can reach).
// Builds with LibTorch alone for GPU nodes (CXR_ML_ONLY); see tests/bench/gpu/README.md.
//
//   bench_gpu_training --train TRAIN.cache --val VAL.cache [--model vgg16] [--batch 64]
//       [--precision bf16] [--epochs 3] [--lr 1e-3] [--schedule constant] [--augment thesis]
//       [--plain-steps 100] [--no-channels-last] [--no-cuda-graphs] [--out RUN_DIR]
//       [--recipe recommended-gpu]
//
// The trainer replays a captured CUDA graph of each full batch's step where it can
// (core/ml/torch_captured_step.h); --no-cuda-graphs launches every step eagerly, for the
// comparison in one session.
// --recipe trains with a named recipe's settings (core/ml/training_recipe.h, as `cxr train
// --recipe` does; --epochs still overrides its length) on caches of its input size. The run
// folder's model/ is then calibrated, with its threshold and out-of-distribution guard, like
// any run's: copied to a machine with the whole application, `cxr evaluate RUN DATASET --split
// val --stress` gives its validation and robustness figures.
#include "gpu_support.h"

#include "core/ml/models.h"
#include "core/ml/run_folder.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_precision.h"
#include "core/ml/training_recipe.h"

#include <torch/cuda.h>

#include <filesystem>
#include <functional>
#include <map>

using namespace cxr;
namespace fs = std::filesystem;

namespace {

struct Options {
    std::string train;
    std::string val;
    std::string model = "vgg16";
    int batch = 64;
    std::string precision = "bf16";
    int epochs = 0; // 0: the recipe's, or 3 without one
    double lr = 1e-3;
    std::string schedule = "constant";
    std::string augment = "thesis";
    int plainSteps = 100;
    bool channelsLast = true;
    bool cudaGraphs = true;
    std::string out = "gpu-bench-run";
    std::string recipe; // empty: the options above
};

// Times each epoch's training phase, from its start to its last step (validation and the
// checkpoint excluded), and prints the epochs as they end.
class EpochTimer : public ml::TrainObserver {
public:
    void stage(const std::string &) override { m_started = std::chrono::steady_clock::now(); }
    void batchFinished(const ml::BatchReport &report) override
    {
        m_trainSeconds = gpu::secondsSince(m_started);
        last = report;
    }
    void epochFinished(const ml::EpochMetrics &m) override
    {
        trainSeconds.push_back(m_trainSeconds);
        std::printf("epoch %2d  train loss %.4f acc %.3f | val loss %.4f acc %.3f auc %.4f | "
                    "train phase %.2f s (augmentation %.2f s), epoch %.2f s, %.0f MiB peak\n",
                    m.epoch, m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy, m.valAuc,
                    m_trainSeconds, m.augmentationSeconds, m.seconds, last.peakDeviceMemoryMiB);
        std::fflush(stdout);
    }
    std::vector<double> trainSeconds;
    ml::BatchReport last;

private:
    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    double m_trainSeconds = 0;
};

void synchronize(const torch::Device &device)
{
    if (device.is_cuda()) {
        torch::cuda::synchronize();
    }
}

// Images per second of forward, backward and Adam step on one batch resident on the GPU.
double plainLoopRate(const Options &o, const ml::ModelSpec &spec, ml::Precision precision,
                     const torch::Device &device)
{
    torch::manual_seed(1);
    ml::ClassifierNet net = ml::makeClassifierNet(spec);
    net->to(device);
    if (o.channelsLast) {
        ml::convertToChannelsLast(*net);
    }
    net->train();
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(o.lr));
    torch::Tensor x = torch::rand({o.batch, spec.channels, spec.inputSize, spec.inputSize}, device);
    if (o.channelsLast) {
        x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    const torch::Tensor y = torch::randint(0, 2, {o.batch}, device).to(torch::kFloat32);
    auto step = [&] {
        optimizer.zero_grad();
        torch::Tensor loss;
        {
            ml::AutocastScope autocast(precision, device);
            loss = torch::binary_cross_entropy_with_logits(
                net->forward(x).to(torch::kFloat32).squeeze(1), y);
        }
        loss.backward();
        optimizer.step();
        return loss;
    };
    for (int i = 0; i < 15; ++i) {
        step();
    }
    synchronize(device);
    const auto started = std::chrono::steady_clock::now();
    torch::Tensor loss;
    for (int i = 0; i < o.plainSteps; ++i) {
        loss = step();
    }
    loss.item<float>();
    synchronize(device);
    return double(o.batch) * o.plainSteps / gpu::secondsSince(started);
}

// Images per second of batch preparation alone (gather, copy to the device, scale, augment),
// the way the trainer does it, with the images in host memory or already on the device; and
// of its host-side parts. Shows whether data can keep up with the plain loop's rate.
void preparationRates(const ImageArrays &train, const AugmentationSettings &augmentation, int batch,
                      const torch::Device &device)
{
    const torch::Tensor hostImages = ml::imagesView(train);
    const torch::Tensor deviceImages = hostImages.to(device);
    const torch::Tensor order = torch::randperm(hostImages.size(0), torch::kInt64);
    std::mt19937_64 random(5);
    const int batches = std::min<std::int64_t>(40, hostImages.size(0) / batch);
    auto measure = [&](const char *what,
                       const std::function<torch::Tensor(const torch::Tensor &)> &prepare) {
        torch::Tensor last;
        synchronize(device);
        const auto started = std::chrono::steady_clock::now();
        for (int b = 0; b < batches; ++b) {
            last = prepare(order.slice(0, b * batch, (b + 1) * batch));
        }
        synchronize(device);
        std::printf("  %-44s %8.0f images/s\n", what,
                    double(batches) * batch / gpu::secondsSince(started));
    };
    auto augment = [&](const torch::Tensor &x) {
        std::vector<AugmentationDraw> draws;
        for (std::int64_t i = 0; i < x.size(0); ++i) {
            draws.push_back(drawAugmentation(augmentation, random));
        }
        return ml::augmentBatch(x, draws);
    };
    const torch::Tensor orderOnDevice = order.to(device);
    std::printf("batch preparation alone:\n");
    measure("host: gather", [&](const torch::Tensor &i) { return hostImages.index_select(0, i); });
    if (device.is_cuda()) {
        measure("host: gather, pin",
                [&](const torch::Tensor &i) { return hostImages.index_select(0, i).pin_memory(); });
    }
    measure("host: gather, copy to device, scale", [&](const torch::Tensor &i) {
        return ml::toModelInput(ml::upload(hostImages.index_select(0, i), device));
    });
    measure("host: ... and augment", [&](const torch::Tensor &i) {
        return augment(ml::toModelInput(ml::upload(hostImages.index_select(0, i), device)));
    });
    measure("device-resident: gather, scale, augment", [&](const torch::Tensor &) {
        return augment(
            ml::toModelInput(deviceImages.index_select(0, orderOnDevice.slice(0, 0, batch))));
    });
}

Options parse(int argc, char **argv)
{
    Options o;
    std::map<std::string, std::string> values;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--no-channels-last") {
            o.channelsLast = false;
        } else if (flag == "--no-cuda-graphs") {
            o.cudaGraphs = false;
        } else if (i + 1 < argc) {
            values[flag] = argv[++i];
        }
    }
    auto text = [&](const char *flag, std::string &into) {
        if (values.count(flag)) {
            into = values[flag];
        }
    };
    text("--train", o.train);
    text("--val", o.val);
    text("--model", o.model);
    text("--precision", o.precision);
    text("--schedule", o.schedule);
    text("--augment", o.augment);
    text("--out", o.out);
    text("--recipe", o.recipe);
    if (values.count("--batch")) {
        o.batch = std::stoi(values["--batch"]);
    }
    if (values.count("--epochs")) {
        o.epochs = std::stoi(values["--epochs"]);
    }
    if (values.count("--lr")) {
        o.lr = std::stod(values["--lr"]);
    }
    if (values.count("--plain-steps")) {
        o.plainSteps = std::stoi(values["--plain-steps"]);
    }
    return o;
}

// The run's settings from the options, or from --recipe on top of them.
Result<ml::TrainSettings> trainSettings(const Options &o, const ImageArrays &train, bool onCpu)
{
    ml::TrainSettings s;
    s.model.architecture = o.model;
    s.model.inputSize = train.height;
    s.model.channels = train.channels;
    s.model.classNames = {"NORMAL", "PNEUMONIA"};
    s.epochs = o.epochs > 0 ? o.epochs : 3;
    s.batchSize = o.batch;
    s.learningRate = o.lr;
    s.device = onCpu ? "cpu" : "cuda";
    s.precision = onCpu ? ml::Precision::Float32
                        : ml::parsePrecision(o.precision).value_or(ml::Precision::BFloat16);
    s.channelsLast = o.channelsLast;
    s.captureSteps = o.cudaGraphs;
    s.checkpointMinutes = 0;
    s.schedule.kind = ml::parseSchedule(o.schedule).value_or(ml::ScheduleKind::Constant);
    s.schedule.warmupEpochs = 1;
    augmentationPreset(o.augment, s.augmentation);
    if (o.recipe.empty()) {
        return s;
    }
    auto recipe = ml::trainingRecipe(o.recipe, s);
    if (!recipe) {
        return makeError(ErrorCode::InvalidArgument, "unknown recipe " + o.recipe);
    }
    if (recipe->model.inputSize != train.height) {
        return makeError(ErrorCode::InvalidArgument,
                         o.recipe + " trains at " + std::to_string(recipe->model.inputSize) +
                             " px; the caches hold " + std::to_string(train.height) + " px");
    }
    if (o.epochs > 0) {
        recipe->epochs = o.epochs;
    }
    return *recipe; // captureSteps and the device come from s
}

int run(int argc, char **argv)
{
    const Options o = parse(argc, argv);
    // CXR_GPU_BENCH_ON_CPU=1 runs the same steps on the CPU in fp32: a smoke test of this
    // program on a machine without a GPU, not a benchmark.
    const bool onCpu = std::getenv("CXR_GPU_BENCH_ON_CPU") != nullptr;
    if (!torch::cuda::is_available() && !onCpu) {
        std::printf("skipped: LibTorch sees no CUDA GPU\n");
        return 0;
    }
    const torch::Device device =
        onCpu ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, 0);
    auto train = gpu::readCacheFile(o.train);
    auto val = gpu::readCacheFile(o.val);
    if (!train || !val) {
        std::fprintf(stderr, "%s\n", (!train ? train.error() : val.error()).message.c_str());
        return 2;
    }
    auto settings = trainSettings(o, *train, onCpu);
    if (!settings) {
        std::fprintf(stderr, "%s\n", settings.error().message.c_str());
        return 2;
    }
    const ml::TrainSettings &s = *settings;
    std::printf("%s%s, batch %d, %d epochs, %dx%dx%d, %s, channels-last %s; %zu train / %zu val "
                "images\n",
                s.model.architecture.c_str(),
                o.recipe.empty() ? "" : (" (" + o.recipe + ")").c_str(), s.batchSize, s.epochs,
                s.model.channels, s.model.inputSize, s.model.inputSize, o.precision.c_str(),
                o.channelsLast ? "on" : "off", train->count(), val->count());

    preparationRates(*train, s.augmentation, s.batchSize, device);
    const double plainRate = o.plainSteps > 0 ? plainLoopRate(o, s.model, s.precision, device) : 0;
    if (plainRate > 0) {
        std::printf("plain LibTorch loop (batch on the GPU): %.0f images/s\n", plainRate);
    }
    if (auto prepared = ml::prepareRunFolder(o.out, ml::ExistingRun::Overwrite); !prepared) {
        std::fprintf(stderr, "%s\n", prepared.error().message.c_str());
        return 2;
    }
    EpochTimer timer;
    const auto started = std::chrono::steady_clock::now();
    auto summary = ml::trainClassifier(*train, *val, s, o.out, &timer);
    if (!summary) {
        std::fprintf(stderr, "training failed: %s\n", summary.error().message.c_str());
        return 1;
    }
    std::printf("whole run: %.1f s for %d epochs; steps: %s\n", gpu::secondsSince(started),
                s.epochs, summary->stepMode.c_str());
    // The first epoch includes cuDNN's algorithm search; the fastest later one is steady state.
    double best = timer.trainSeconds.front();
    for (std::size_t e = 1; e < timer.trainSeconds.size(); ++e) {
        best = std::min(best, timer.trainSeconds[e]);
    }
    const double images = double(train->count());
    std::printf("trainer: %.0f images/s (epoch training phase %.2f s over %.0f images)\n",
                images / best, best, images);
    if (plainRate > 0) {
        const double compute = images / plainRate;
        std::printf(
            "ratio trainer/plain loop: %.3f; epoch wall / pure compute: %.3f (%.2f s / %.2f s)\n",
            images / best / plainRate, best / compute, best, compute);
    }
    const ml::EpochMetrics &bestEpoch = summary->epochs.at(std::size_t(summary->bestEpoch - 1));
    std::printf("best epoch %d: val loss %.4f, accuracy %.4f, AUC %.4f\n", bestEpoch.epoch,
                bestEpoch.valLoss, bestEpoch.valAccuracy, bestEpoch.valAuc);
    for (const std::string &note : summary->notes) { // calibration, threshold, guard
        std::printf("%s\n", note.c_str());
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &error) { // a bad number in an option, or LibTorch
        std::fprintf(stderr, "bench_gpu_training: %s\n", error.what());
        return 1;
    }
}
