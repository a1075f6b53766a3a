// SPDX-License-Identifier: MIT
// CUDA checks of core/ml for a GPU node that has LibTorch and nothing else (no Qt, so not a
// Qt Test; tests/core/test_batch_augmentation and test_ml hold the CPU versions). Exit status
// 0 when every check passes, 1 when one fails, 0 with "skipped" when LibTorch sees no GPU.
//
//   gpu_checks WORK_DIR
#include "data_parallel_check.h"
#include "gpu_support.h"

#include "core/augment/augmentation_draw.h"
#include "core/ml/classifier.h"
#include "core/ml/device.h"
#include "core/ml/run_folder.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_includes.h"

#include <torch/cuda.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <functional>

#ifdef __linux__
#include <execinfo.h>
#include <unistd.h>
#endif

using namespace cxr;
namespace fs = std::filesystem;

namespace {

int failures = 0;
std::string checkDevice = "cuda"; // "cpu" for a smoke test of this program without a GPU

void check(bool ok, const std::string &what)
{
    std::printf("%s  %s\n", ok ? "PASS" : "FAIL", what.c_str());
    std::fflush(stdout);
    failures += ok ? 0 : 1;
}

class Recorder : public ml::TrainObserver {
public:
    explicit Recorder(std::function<bool(const Recorder &)> cancelWhen = {})
        : m_cancelWhen(std::move(cancelWhen))
    {}
    void batchFinished(const ml::BatchReport &report) override { reports.push_back(report); }
    bool isCancelled() const override { return m_cancelWhen && m_cancelWhen(*this); }
    std::vector<ml::BatchReport> reports;

private:
    std::function<bool(const Recorder &)> m_cancelWhen;
};

ml::TrainSettings smallRun(ml::Precision precision)
{
    ml::TrainSettings s;
    s.model.architecture = "small-cnn";
    s.model.inputSize = 64;
    s.model.classNames = {"none", "disc"};
    s.epochs = 3;
    s.batchSize = 32;
    s.device = checkDevice;
    s.precision = precision;
    s.checkpointMinutes = 0;
    augmentationPreset("thesis", s.augmentation);
    return s;
}

void augmentationMatchesCpu()
{
    const ImageArrays images = gpu::syntheticDiscs(16, 128, 3);
    const torch::Tensor batch = torch::from_blob(const_cast<std::uint8_t *>(images.pixels.data()),
                                                 {16, 1, 128, 128}, torch::kUInt8)
                                    .to(torch::kFloat32) /
                                255.0;
    AugmentationSettings every;
    augmentationPreset("thesis", every);
    every.noiseProbability = every.blurProbability = 1;
    every.noiseMaxSigma = 0.05;
    every.blurMaxSigma = 1.5;
    every.sharpenProbability = every.resolutionProbability = every.jpegProbability = 0.5;
    every.sharpenMaxAmount = 1;
    every.resolutionMinScale = 0.5;
    every.jpegMinQuality = 30;
    every.jpegMaxQuality = 90;
    std::mt19937_64 random(11);
    std::vector<AugmentationDraw> draws;
    draws.reserve(16);
    for (int i = 0; i < 16; ++i) {
        draws.push_back(drawAugmentation(every, random));
    }
    const torch::Tensor onCpu = ml::augmentBatch(batch, draws);
    const torch::Tensor onGpu = ml::augmentBatch(batch.to(torch::kCUDA), draws).to(torch::kCPU);
    const double meanLevels = (onCpu - onGpu).abs().mean().item<double>() * 255.0;
    const double maxLevels = (onCpu - onGpu).abs().max().item<double>() * 255.0;
    check(meanLevels < 0.5 && maxLevels < 8,
          "batch augmentation on CUDA matches the CPU engine (mean " + std::to_string(meanLevels) +
              ", max " + std::to_string(maxLevels) + " grey levels)");
}

void mixedPrecisionTrains(const fs::path &work, ml::Precision precision)
{
    const ImageArrays train = gpu::syntheticDiscs(512, 64, 1);
    const ImageArrays val = gpu::syntheticDiscs(128, 64, 2);
    const std::string name = ml::precisionName(precision);
    const fs::path run = work / ("mixed-" + name);
    if (!ml::prepareRunFolder(run, ml::ExistingRun::Overwrite)) {
        check(false, run.string() + ": cannot prepare the run folder");
        return;
    }
    Recorder recorder;
    auto result = ml::trainClassifier(train, val, smallRun(precision), run, &recorder);
    if (!result) {
        check(false, name + " training: " + result.error().message);
        return;
    }
    const ml::EpochMetrics &last = result->epochs.back();
    check(result->precision == name && std::isfinite(last.trainLoss) && last.valAccuracy > 0.9,
          name + " training on CUDA learns (val accuracy " + std::to_string(last.valAccuracy) +
              ", ran in " + result->precision + ")");
    check(!recorder.reports.empty() && recorder.reports.back().deviceMemoryMiB > 0,
          name + " batch reports carry device memory (" +
              std::to_string(recorder.reports.back().deviceMemoryMiB) + " MiB now, " +
              std::to_string(recorder.reports.back().peakDeviceMemoryMiB) + " MiB peak)");

    // The CUDA-trained, channels-last weights load and predict on the CPU as on the GPU.
    auto onCpu = ml::Classifier::open(run, "cpu");
    auto onGpu = ml::Classifier::open(run, "cuda");
    if (!onCpu || !onGpu) {
        check(false, name + " model reopens on CPU and CUDA");
        return;
    }
    auto cpuPredictions = onCpu->predict(val);
    auto gpuPredictions = onGpu->predict(val);
    double worst = 0;
    for (std::size_t i = 0;
         cpuPredictions && gpuPredictions && i < cpuPredictions->probabilities.size(); ++i) {
        worst = std::max(worst, double(std::abs(cpuPredictions->probabilities[i] -
                                                gpuPredictions->probabilities[i])));
    }
    check(cpuPredictions && gpuPredictions && worst < 1e-3,
          name + " model predicts the same on CPU and CUDA (largest difference " +
              std::to_string(worst) + ")");
}

void deterministicResumeOnCuda(const fs::path &work)
{
    std::printf("      deterministic resume: whole run, cut run, resumed run\n");
    std::fflush(stdout);
    const ImageArrays train = gpu::syntheticDiscs(512, 64, 1);
    const ImageArrays val = gpu::syntheticDiscs(128, 64, 2);
    ml::TrainSettings s = smallRun(ml::Precision::Float32);
    s.deterministic = true;
    s.model.architecture = "custom-cnn"; // with dropout: the CUDA generator must be restored
    s.model.custom.dropout = 0.5;
    auto runIn = [&](const std::string &name, ml::TrainObserver *observer, ml::TrainStart start) {
        const fs::path run = work / name;
        if (start == ml::TrainStart::Fresh) {
            ml::prepareRunFolder(run, ml::ExistingRun::Overwrite);
        }
        return ml::trainClassifier(train, val, s, run, observer, start);
    };
    auto whole = runIn("resume-whole", nullptr, ml::TrainStart::Fresh);
    const std::int64_t stopAt = 16 + 5; // 16 batches an epoch: the sixth batch of epoch 2
    Recorder cancel([stopAt](const Recorder &r) {
        return !r.reports.empty() && r.reports.back().step >= stopAt;
    });
    auto cancelled = runIn("resume-cut", &cancel, ml::TrainStart::Fresh);
    auto resumed = runIn("resume-cut", nullptr, ml::TrainStart::Resume);
    if (!whole || cancelled || !resumed) {
        check(false,
              "deterministic CUDA run resumes within an epoch: " +
                  (resumed ? std::string("the run was not interrupted") : resumed.error().message));
        return;
    }
    bool same = resumed->epochs.size() == whole->epochs.size();
    for (std::size_t e = 0; same && e < whole->epochs.size(); ++e) {
        same = resumed->epochs[e].trainLoss == whole->epochs[e].trainLoss &&
               resumed->epochs[e].valLoss == whole->epochs[e].valLoss;
        std::printf("      epoch %zu train loss %.9f / %.9f\n", e + 1, whole->epochs[e].trainLoss,
                    resumed->epochs[e].trainLoss);
    }
    check(same,
          "deterministic CUDA run cut in epoch 2 resumes to the same losses (dropout included)");
}

// 100 steps (7 epochs of 15 full batches and one of 20 images, which steps eagerly) replaying a
// captured CUDA graph with PyTorch's fused Adam, against the same run stepped eagerly with the
// multi-tensor Adam: the same losses within what bf16 arithmetic allows.
void capturedStepsMatchEager(const fs::path &work)
{
    const ImageArrays train = gpu::syntheticDiscs(500, 64, 1);
    const ImageArrays val = gpu::syntheticDiscs(128, 64, 2);
    ml::TrainSettings s = smallRun(ml::Precision::BFloat16);
    s.model.architecture = "custom-cnn"; // with batch norm, without dropout's random masks
    s.model.custom.dropout = 0;
    s.model.custom.batchNorm = true;
    s.epochs = 7;
    s.optimizer.kind = ml::OptimizerKind::AdamW;
    s.optimizer.weightDecay = 0.01;
    s.schedule.kind = ml::ScheduleKind::CosineWarmup; // the rate changes between replays
    auto runWith = [&](bool capture, Recorder &recorder) {
        s.captureSteps = capture;
        const fs::path run = work / (capture ? "captured" : "eager");
        ml::prepareRunFolder(run, ml::ExistingRun::Overwrite);
        return ml::trainClassifier(train, val, s, run, &recorder);
    };
    Recorder eagerSteps;
    Recorder capturedSteps;
    auto eager = runWith(false, eagerSteps);
    auto captured = runWith(true, capturedSteps);
    if (!eager || !captured) {
        check(false, "captured and eager runs: " +
                         (eager ? captured.error().message : eager.error().message));
        return;
    }
    const std::size_t steps = std::min(eagerSteps.reports.size(), capturedSteps.reports.size());
    double largest = 0;
    double sum = 0;
    for (std::size_t i = 0; i < steps; ++i) {
        const double gap = std::abs(eagerSteps.reports[i].loss - capturedSteps.reports[i].loss);
        largest = std::max(largest, gap);
        sum += gap;
    }
    const double mean = steps > 0 ? sum / double(steps) : INFINITY;
    std::printf("      steps: %s / %s; %zu steps, loss gap mean %.5f, largest %.5f\n",
                eager->stepMode.c_str(), captured->stepMode.c_str(), steps, mean, largest);
    check(captured->stepMode == "CUDA graph" && eager->stepMode.rfind("eager", 0) == 0 &&
              steps >= 100 && mean < 0.02 && largest < 0.1 &&
              captured->epochs.back().valAccuracy > 0.9,
          "captured CUDA-graph steps give the eager steps' losses over " + std::to_string(steps) +
              " steps (mean gap " + std::to_string(mean) + ", val accuracy " +
              std::to_string(captured->epochs.back().valAccuracy) + ")");
}

// Mixup with the dataset kept on the GPU: the partner labels are gathered there (a host index
// on device labels was refused once), and the steps run eagerly, saying why.
void mixupTrainsOnTheDevice(const fs::path &work)
{
    ml::TrainSettings s = smallRun(ml::Precision::BFloat16);
    s.mixupAlpha = 0.4;
    s.epochs = 1;
    const fs::path run = work / "mixup";
    ml::prepareRunFolder(run, ml::ExistingRun::Overwrite);
    auto result = ml::trainClassifier(gpu::syntheticDiscs(256, 64, 1),
                                      gpu::syntheticDiscs(64, 64, 2), s, run);
    check(result && result->stepMode.find("mixup") != std::string::npos,
          "mixup trains on the device (" + (result ? result->stepMode : result.error().message) +
              ")");
}

void dataParallelOnTheDevice(const fs::path &work)
{
#ifdef __linux__
    const std::string device = checkDevice == "cpu" ? "cpu" : "cuda:0";
    for (const std::string scenario : {"lenet5", "sync-batch-norm"}) {
        gpu::dataParallelMatchesOneProcess(work, scenario, device, check);
    }
#else
    (void)work;
#endif
}

} // namespace

#ifdef __linux__
// A crash on a remote GPU node leaves no debugger: print where it happened.
void printBacktrace(int signal)
{
    void *frames[64];
    const int count = backtrace(frames, 64);
    const char message[] = "\nfatal signal; backtrace:\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    backtrace_symbols_fd(frames, count, STDERR_FILENO);
    std::_Exit(128 + signal);
}
#endif

int main(int argc, char **argv)
{
#ifdef __linux__
    std::signal(SIGSEGV, printBacktrace);
    std::signal(SIGABRT, printBacktrace);
#endif
    if (argc == 5 && std::string(argv[1]) == gpu::kRankFlag) {
        return gpu::runDataParallelRank(argv[2], argv[3], argv[4]);
    }
    const fs::path work =
        argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "cxr-gpu-checks";
    fs::create_directories(work);
    if (!torch::cuda::is_available()) {
        if (std::getenv("CXR_GPU_CHECKS_ON_CPU") == nullptr) {
            std::printf("skipped: LibTorch sees no CUDA GPU\n");
            return 0;
        }
        // A smoke test of the checks' own logic: the resume check is meaningful on the CPU too.
        checkDevice = "cpu";
        deterministicResumeOnCuda(work);
        dataParallelOnTheDevice(work);
        return failures == 0 ? 0 : 1;
    }
    // The Train page lists each GPU by name with its memory.
    const std::vector<ml::ComputeDevice> devices = ml::listComputeDevices();
    check(devices.size() >= 2 && devices[1].id == "cuda:0" &&
              devices[1].memoryBytes > (1LL << 30) && devices[1].name.rfind("CUDA GPU", 0) != 0,
          "the GPU is listed with its name and memory (" +
              (devices.size() >= 2 ? devices[1].name : std::string("none")) + ")");
    check(ml::resolveDevice("cuda:0").ok() && !ml::resolveDevice("cuda:99").ok(),
          "cuda:N is checked");
    augmentationMatchesCpu();
    mixedPrecisionTrains(work, ml::Precision::BFloat16);
    mixedPrecisionTrains(work, ml::Precision::Float16);
    capturedStepsMatchEager(work);
    mixupTrainsOnTheDevice(work);
    deterministicResumeOnCuda(work);
    dataParallelOnTheDevice(work);
    std::printf("%d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
