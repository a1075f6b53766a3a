// SPDX-License-Identifier: MIT
#pragma once

// The batch augmentation engine's plain-type entry point (no LibTorch header), for tests,
// benchmarks and tools. Training calls the tensor version in torch_batch_augmentation.h.

#include "core/augment/augmentation_draw.h"
#include "core/common/image_arrays.h"
#include "core/common/result.h"

#include <string>
#include <vector>

namespace cxr::ml {

// Augments images (8-bit NCHW) on device ("cpu", "cuda", "auto") with one draw per image and
// returns the model inputs as floats in [0, 1], NCHW. Errors: draws.size() != images.count(),
// an unavailable device.
Result<std::vector<float>> augmentImages(const ImageArrays &images,
                                         const std::vector<AugmentationDraw> &draws,
                                         const std::string &device = "cpu");

} // namespace cxr::ml
