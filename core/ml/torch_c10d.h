// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: LibTorch's distributed objects behind ProcessGroup. Only the two files
// that call c10d include this (process_group.cpp, gradient_buckets.cpp); its headers need Gloo's.

#include "core/ml/process_group.h"

#ifdef CXR_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/version.h>

#include <ATen/core/Tensor.h>

namespace cxr::ml {

// What runs the collectives: LibTorch 1.x's Gloo and NCCL groups are ProcessGroups; PyTorch 2
// made them Backends of a ProcessGroup wrapper. Both have the calls used here.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

struct ProcessGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<Collectives> group;
    // NCCL takes CUDA tensors only: a host tensor (a barrier's, a count's) goes through a copy
    // on this device. CPU for Gloo, which takes both.
    at::Device device = at::kCPU;
};

} // namespace cxr::ml
#else
namespace cxr::ml {
struct ProcessGroup::Impl {};
} // namespace cxr::ml
#endif
