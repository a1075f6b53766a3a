// SPDX-License-Identifier: MIT
#pragma once

#include <opencv2/core/mat.hpp>

#include <vector>

namespace cxr::imaging {

enum class Colormap { Jet, Inferno, Viridis };

// Colours a map of values in [0, 1] (row-major, mapHeight x mapWidth) and alpha-blends it over
// base (8-bit grey or BGR), resized to base's size with bilinear interpolation:
//   out = (1 - opacity) * base + opacity * colour(map).
// Returns an 8-bit BGR image the size of base.
cv::Mat renderHeatmapOverlay(const cv::Mat &base, const std::vector<float> &map, int mapWidth,
                             int mapHeight, double opacity, Colormap colormap);

} // namespace cxr::imaging
