// SPDX-License-Identifier: MIT
// The optimiser step alone, LibTorch's Adam (one parameter at a time) against the multi-tensor
// Adam the trainer uses (core/ml/torch_multi_tensor_adam.h), for the zoo's networks, in one
// process: milliseconds per step (median of the runs) and their ratio. On CUDA the step's
// kernel launches are what it costs; on the CPU the multi-tensor kernels pass over all the
// weights once per operation, out of cache, which is why the trainer keeps LibTorch's loop there.
// Builds with LibTorch alone (CXR_ML_ONLY).
//
//   bench_optimizer_step [--device cpu|cuda] [--models vgg16,resnet18,resnet50,densenet121]
//       [--steps 20]
#include "gpu_support.h"

#include "core/ml/models.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_multi_tensor_adam.h"

#include <torch/cuda.h>

#include <algorithm>
#include <sstream>

using namespace cxr;

namespace {

void synchronize(const torch::Device &device)
{
    if (device.is_cuda()) {
        torch::cuda::synchronize();
    }
}

// Median milliseconds of one step of optimizer over net's parameters, whose gradients are set
// once (the step does not read the loss).
double medianStepMs(torch::optim::Optimizer &optimizer, const torch::Device &device, int steps)
{
    std::vector<double> times;
    for (int i = 0; i < steps + 3; ++i) {
        synchronize(device);
        const auto started = std::chrono::steady_clock::now();
        optimizer.step();
        synchronize(device);
        if (i >= 3) { // the first steps allocate the moments
            times.push_back(gpu::secondsSince(started) * 1000.0);
        }
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void benchModel(const std::string &architecture, const torch::Device &device, int steps)
{
    torch::manual_seed(1);
    ml::ClassifierNet net = ml::makeClassifierNet(gpu::kermanySpec(architecture, 3));
    net->to(device);
    std::int64_t values = 0;
    for (torch::Tensor &parameter : net->parameters()) {
        parameter.mutable_grad() = torch::randn_like(parameter) * 1e-3;
        values += parameter.numel();
    }
    const auto options = torch::optim::AdamOptions(1e-4);
    torch::optim::Adam libtorch(net->parameters(), options);
    ml::MultiTensorAdam multi(net->parameters(), options);
    multi.useOnCpu(true); // measured on the CPU too, where the trainer does not use it
    const double libtorchMs = medianStepMs(libtorch, device, steps);
    const double multiMs = medianStepMs(multi, device, steps);
    std::printf("%-12s %4zu tensors %6.1f M values  LibTorch Adam %8.2f ms  multi-tensor %8.2f ms"
                "  ratio %.2fx\n",
                architecture.c_str(), net->parameters().size(), double(values) / 1e6, libtorchMs,
                multiMs, libtorchMs / multiMs);
    std::fflush(stdout);
}

int run(int argc, char **argv)
{
    std::string deviceName = "cpu";
    std::string models = "vgg16,resnet18,resnet50,densenet121";
    int steps = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--device") {
            deviceName = argv[i + 1];
        } else if (flag == "--models") {
            models = argv[i + 1];
        } else if (flag == "--steps") {
            steps = std::max(1, std::atoi(argv[i + 1]));
        }
    }
    if (deviceName == "cuda" && !torch::cuda::is_available()) {
        std::printf("skipped: LibTorch sees no CUDA GPU\n");
        return 0;
    }
    const torch::Device device(deviceName);
    std::printf("optimiser step on %s, median of %d steps\n", deviceName.c_str(), steps);
    std::stringstream list(models);
    for (std::string model; std::getline(list, model, ',');) {
        benchModel(model, device, steps);
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &error) { // an unknown device or model, from LibTorch
        std::fprintf(stderr, "bench_optimizer_step: %s\n", ml::errorSummary(error).c_str());
        return 1;
    }
}
