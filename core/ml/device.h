// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cxr::ml {

// "auto" picks CUDA when LibTorch sees a GPU, otherwise the CPU; "cpu" and "cuda" force one;
// "cuda:N" names the N-th GPU.
bool isValidDeviceName(const std::string &name);

// The device the name resolves to on this machine ("cpu" or "cuda:N"), or an error when a GPU
// is asked for and there is none (or not that one).
Result<std::string> resolveDevice(const std::string &name);

struct ComputeDevice {
    std::string id;               // "cpu", "cuda:0", ...
    std::string name;             // "CPU (16 cores)", "NVIDIA H100 80GB HBM3"
    std::int64_t memoryBytes = 0; // a GPU's total memory; 0 for the CPU
};

// What this machine can train on: the CPU, then every CUDA GPU LibTorch sees, with its name and
// memory (the name is generic when LibTorch was built without the CUDA headers at hand).
std::vector<ComputeDevice> listComputeDevices();

// LibTorch starts with one intra-op thread on some systems; use every core for CPU work, or a
// share of them when processes (the ranks of a data-parallel run) on this machine work at once.
// Idempotent; applications call it through setUpRuntime (runtime_setup.h).
void useAllCpuCores(int processesOnMachine = 1);

} // namespace cxr::ml
