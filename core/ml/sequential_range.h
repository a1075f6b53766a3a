// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the stages of networks built as one Sequential.

#include <torch/nn/modules/container/sequential.h>

#include <cstddef>

namespace cxr::ml {

// Runs modules [begin, end) of sequential on x.
torch::Tensor forwardRange(torch::nn::Sequential &sequential, std::size_t begin, std::size_t end,
                           torch::Tensor x);

} // namespace cxr::ml
