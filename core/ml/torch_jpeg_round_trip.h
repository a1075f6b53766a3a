// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: JPEG's lossy step on tensors, for the batch augmentation engine on any
// device. Baseline JPEG loses information only where it quantises the 8x8 DCT coefficients
// (and, for colour, where it rounds YCbCr); the entropy coding around that is lossless, so
// this step alone gives a re-encoded image's pixels without writing a file. The CPU engine
// uses libjpeg itself; the tests hold the two together.

#include <torch/types.h>

#include <vector>

namespace cxr::ml {

// levels: [N, C, H, W] float, whole numbers 0-255; qualities: one IJG quality (1-100) per
// image. Grey planes use the luminance table; colour (C == 3, RGB) goes through JFIF YCbCr
// with the chrominance table for Cb and Cr, without chroma subsampling. Returns the decoded
// levels, rounded and clamped to 0-255.
torch::Tensor jpegRoundTrip(const torch::Tensor &levels, const std::vector<int> &qualities);

} // namespace cxr::ml
