// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: LibTorch's distributed objects behind ProcessGroup. Only the two files
// that call c10d include this (process_group.cpp, gradient_buckets.cpp); its headers need Gloo's.

#include "core/ml/process_group.h"

#ifdef CXR_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace cxr::ml {

struct ProcessGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
};

} // namespace cxr::ml
#else
namespace cxr::ml {
struct ProcessGroup::Impl {};
} // namespace cxr::ml
#endif
