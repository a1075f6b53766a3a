// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the batch augmentation engine on tensors.

#include "core/augment/augmentation_draw.h"

#include <torch/types.h>

#include <vector>

namespace cxr::ml {

// Applies draws[i] to batch[i] on the batch's device and returns a new batch. batch is the
// float model input [N, C, H, W] in [0, 1]. The same steps, in the same order, as the CPU
// engine (imaging::applyAugmentation): one bilinear resampling for the geometry with black
// outside, contrast and brightness, gamma, colour (C == 3), noise from the draw's seed,
// Gaussian blur with mirrored edges, unsharp masking, a resolution drop (area shrink, bilinear
// enlargement), and JPEG's lossy step (8x8 DCT quantised with the IJG tables at the draw's
// quality, in YCbCr without chroma subsampling for colour). The CPU engine rounds to 8 bits between
// steps; this one stays in floating point, so the two agree within a few grey levels.
torch::Tensor augmentBatch(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws);

} // namespace cxr::ml
