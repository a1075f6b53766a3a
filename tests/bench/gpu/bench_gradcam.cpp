// SPDX-License-Identifier: MIT
// Prediction plus a class-activation map for one 224x224 image, per architecture, against one
// forward pass plus a full backward pass (every parameter's gradient) of the same model on the
// same image, measured in the same run. Grad-CAM stops the backward pass at the explained
// layer, so it should cost well under the full pass (target: under 0.6x; ResNet-18 under
// 100 ms on 2 CPU cores, under 20 ms on a GPU).
//
//   bench_gradcam [cpu|cuda] [architectures...]     (default: cpu small-cnn resnet18 vgg16)
//
// Builds with LibTorch alone, so it also runs on a GPU node (CXR_ML_ONLY).
#include "gpu_support.h"

#include "core/common/allocator_tuning.h"
#include "core/ml/device.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
#include "core/ml/torch_includes.h"
#include "tests/bench/median_time.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace cxr;

namespace {

// The median time of work; on a GPU each run waits for its kernels.
double medianMs(int repeats, const std::function<void()> &work, const torch::Device &device)
{
    return bench::medianMs(repeats, [&] {
        work();
        if (device.is_cuda()) {
            torch::cuda::synchronize();
        }
    });
}

} // namespace

int main(int argc, char **argv)
{
    tuneAllocatorForLargeBuffers();
    ml::useAllCpuCores();
    std::string deviceName = argc > 1 ? argv[1] : "cpu";
    std::vector<std::string> architectures;
    for (int i = 2; i < argc; ++i) {
        architectures.push_back(argv[i]);
    }
    if (architectures.empty()) {
        architectures = {"small-cnn", "resnet18", "vgg16"};
    }
    if (deviceName == "cuda" && !torch::cuda::is_available()) {
        std::printf("skipped: no CUDA device\n");
        return 0;
    }
    const torch::Device device(deviceName == "cuda" ? torch::kCUDA : torch::kCPU);
    std::printf("device %s, %d CPU threads; median of repeated runs, one 1x224x224 image\n",
                deviceName.c_str(), torch::get_num_threads());
    std::printf("%-10s %12s %12s %8s %12s %12s %12s %12s\n", "model", "fwd+bwd ms", "Grad-CAM ms",
                "ratio", "forward ms", "early layer", "Grad-CAM++", "Eigen-CAM");
    for (const std::string &architecture : architectures) {
        torch::manual_seed(1);
        ml::ClassifierNet net = ml::makeClassifierNet(gpu::kermanySpec(architecture, 1));
        net->to(device);
        net->eval();
        const torch::Tensor image = torch::rand({1, 1, 224, 224}).to(device);
        const int repeats = architecture == "vgg16" ? 5 : 11;

        const double fullPass = medianMs(
            repeats,
            [&] {
                net->zero_grad();
                net->forward(image).sum().backward();
            },
            device);
        const double forward = medianMs(
            repeats,
            [&] {
                torch::NoGradGuard noGrad;
                net->forward(image);
            },
            device);
        const auto camMs = [&](ml::CamMethod method, int layer) {
            ml::CamRequest request;
            request.method = method;
            request.layer = layer;
            return medianMs(
                repeats,
                [&] {
                    auto cam = ml::computeCam(*net, image, request);
                    if (!cam) {
                        std::printf("failed: %s\n", cam.error().message.c_str());
                    }
                },
                device);
        };
        const double gradCam = camMs(ml::CamMethod::GradCam, -1);
        const int earlyLayer = std::max(0, int(net->stageNames().size()) - 3);
        const double early = camMs(ml::CamMethod::GradCam, earlyLayer);
        const double plusPlus = camMs(ml::CamMethod::GradCamPlusPlus, -1);
        const double eigen = camMs(ml::CamMethod::EigenCam, -1);
        std::printf("%-10s %12.1f %12.1f %7.2fx %12.1f %12.1f %12.1f %12.1f\n",
                    architecture.c_str(), fullPass, gradCam, gradCam / fullPass, forward, early,
                    plusPlus, eigen);
        std::printf("%-10s   (early layer: %s)\n", "",
                    net->stageNames()[std::size_t(earlyLayer)].c_str());
    }
    return 0;
}
