// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <string>

namespace cxr::ml {

// "auto" picks CUDA when LibTorch sees a GPU, otherwise the CPU; "cpu" and "cuda" force one.
bool isValidDeviceName(const std::string &name);

// The device the name resolves to on this machine ("cpu" or "cuda:0"), or an error when
// "cuda" is asked for and there is none.
Result<std::string> resolveDevice(const std::string &name);

// LibTorch starts with one intra-op thread on some systems; use every core for CPU work.
// Idempotent; called by the trainer and the classifier before heavy work.
void useAllCpuCores();

} // namespace cxr::ml
