// SPDX-License-Identifier: MIT
#include "core/ml/device.h"

#include "core/ml/torch_includes.h"

#include <torch/cuda.h>

#include <algorithm>
#include <thread>

namespace cxr::ml {

bool isValidDeviceName(const std::string &name)
{
    return name == "auto" || name == "cpu" || name == "cuda";
}

Result<std::string> resolveDevice(const std::string &name)
{
    if (!isValidDeviceName(name)) {
        return makeError(ErrorCode::InvalidArgument,
                         "unknown device '" + name + "': use auto, cpu or cuda");
    }
    const bool haveCuda = torch::cuda::is_available();
    if (name == "cuda" && !haveCuda) {
        return makeError(ErrorCode::Unsupported,
                         "device cuda requested but this LibTorch sees no CUDA GPU");
    }
    if (name == "cpu" || !haveCuda) {
        return std::string("cpu");
    }
    return std::string("cuda:0");
}

void useAllCpuCores()
{
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    if (torch::get_num_threads() != cores) {
        torch::set_num_threads(cores);
    }
}

} // namespace cxr::ml
