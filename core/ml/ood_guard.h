// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the out-of-distribution guard. What the model's training images look
// like to the model itself: the globally averaged last feature map (one value per channel),
// summarised by one mean per class and a shared covariance shrunk towards a multiple of the
// identity (Ledoit and Wolf 2004), so it stays invertible when images are few against
// channels. An image's score is its Mahalanobis distance to the nearest class mean (Lee et al.
// 2018), divided by sqrt(channels) so that scores of different models read alike (about 1 for
// an image like the training set). Photographs, other body parts and other modalities land
// far from every class mean.

#include "core/common/result.h"

#include <torch/types.h>

#include <filesystem>

namespace cxr::ml {

struct OodReference {
    torch::Tensor classMeans; // [K, D] float64, CPU
    torch::Tensor precision;  // [D, D] float64, CPU: the inverse of the shrunk covariance
    double shrinkage = 0;     // the weight of the identity target, in [0, 1]
};

// [N, C, H, W] feature maps (any device and type) to [N, C] float64 on the CPU.
torch::Tensor pooledFeatures(const torch::Tensor &featureMaps);

// features: [N, D] float64; labels: [N] int64 class indices in [0, classCount). Classes
// without images get no mean. An error when fewer than two images are given.
Result<OodReference> fitOodReference(const torch::Tensor &features, const torch::Tensor &labels,
                                     int classCount);

// [N] float64 scores of features [N, D] float64.
torch::Tensor oodScores(const OodReference &reference, const torch::Tensor &features);

// The reference as a LibTorch archive, written atomically; reading checks the shapes.
Status saveOodReference(const OodReference &reference, const std::filesystem::path &file);
Result<OodReference> loadOodReference(const std::filesystem::path &file);

} // namespace cxr::ml
