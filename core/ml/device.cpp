// SPDX-License-Identifier: MIT
#include "core/ml/device.h"

#include "core/ml/torch_includes.h"

#include <torch/cuda.h>

// Device names and memory need the CUDA runtime's device properties: present in a CUDA
// LibTorch (PyTorch's), absent from Debian's CPU-only one.
#if defined(CXR_TORCH_CUDA) && __has_include(<ATen/cuda/CUDAContext.h>)
#include <ATen/cuda/CUDAContext.h>
#define CXR_CUDA_DEVICE_PROPERTIES 1
#endif

#include <algorithm>
#include <cctype>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

namespace cxr::ml {

namespace {

// N of "cuda:N", or -1.
int cudaIndex(const std::string &name)
{
    if (name.rfind("cuda:", 0) != 0 || name.size() == 5 || name.size() > 8) {
        return -1;
    }
    for (std::size_t i = 5; i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) {
            return -1;
        }
    }
    return std::stoi(name.substr(5));
}

} // namespace

bool isValidDeviceName(const std::string &name)
{
    return name == "auto" || name == "cpu" || name == "cuda" || cudaIndex(name) >= 0;
}

Result<std::string> resolveDevice(const std::string &name)
{
    if (!isValidDeviceName(name)) {
        return makeError(ErrorCode::InvalidArgument,
                         "unknown device '" + name + "': use auto, cpu, cuda or cuda:N");
    }
    const bool haveCuda = torch::cuda::is_available();
    if ((name == "cuda" || cudaIndex(name) >= 0) && !haveCuda) {
        return makeError(ErrorCode::Unsupported,
                         "device " + name + " requested but this LibTorch sees no CUDA GPU");
    }
    if (name == "cpu" || !haveCuda) {
        return std::string("cpu");
    }
    const int index = std::max(0, cudaIndex(name));
    const auto count = int(torch::cuda::device_count());
    if (index >= count) {
        return makeError(ErrorCode::Unsupported, "device " + name +
                                                     " requested but this machine has " +
                                                     std::to_string(count) + " CUDA GPU(s)");
    }
    return "cuda:" + std::to_string(index);
}

std::vector<ComputeDevice> listComputeDevices()
{
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<ComputeDevice> devices{{"cpu", "CPU (" + std::to_string(cores) + " cores)", 0}};
    if (!torch::cuda::is_available()) {
        return devices;
    }
    for (int index = 0; index < int(torch::cuda::device_count()); ++index) {
        ComputeDevice device{"cuda:" + std::to_string(index), "CUDA GPU " + std::to_string(index),
                             0};
#if defined(CXR_CUDA_DEVICE_PROPERTIES)
        const cudaDeviceProp *properties = at::cuda::getDeviceProperties(index);
        device.name = properties->name;
        device.memoryBytes = std::int64_t(properties->totalGlobalMem);
#endif
        devices.push_back(device);
    }
    return devices;
}

namespace {

// The cores this process may run on: fewer than the machine's when taskset, a container or a
// batch scheduler (SLURM binds each task to its cores) says so.
int coresAllowed()
{
    const int online = int(std::max(1u, std::thread::hardware_concurrency()));
#ifdef __linux__
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        return std::clamp(CPU_COUNT(&allowed), 1, online);
    }
#endif
    return online;
}

} // namespace

void useAllCpuCores(int processesOnMachine)
{
    const int online = int(std::max(1u, std::thread::hardware_concurrency()));
    const int allowed = coresAllowed();
    // Processes bound to their own cores use them all; unbound ones split the machine.
    const int cores =
        allowed < online ? allowed : std::max(1, online / std::max(1, processesOnMachine));
    if (torch::get_num_threads() != cores) {
        torch::set_num_threads(cores);
    }
}

} // namespace cxr::ml
