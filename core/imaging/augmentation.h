// SPDX-License-Identifier: MIT
#pragma once

// The CPU augmentation engine: the preview's renderer and `cxr augment`. The settings, limits,
// presets and draws are shared with the LibTorch batch engine in core/common.

#include "core/augment/augmentation_draw.h"

#include <opencv2/core/mat.hpp>

namespace cxr::imaging {

// Applies draw to an 8-bit grey or RGB image (a model input picture, whose colour order is
// RGB) and returns an image of the same size and type.
// Geometry resamples bilinearly, with black outside the image. Saturation and hue act on
// colour images only. Last come sharpening, a resolution drop and a JPEG round trip through
// libjpeg itself, in that order.
cv::Mat applyAugmentation(const cv::Mat &image, const AugmentationDraw &draw);

} // namespace cxr::imaging
