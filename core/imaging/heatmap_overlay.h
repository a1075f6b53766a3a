// SPDX-License-Identifier: MIT
#pragma once

#include <opencv2/core/mat.hpp>

#include <vector>

namespace cxr::imaging {

// Jet as the thesis showed its maps; Inferno and Viridis are perceptually uniform (equal steps
// in value look like equal steps in colour), which Jet is not.
enum class Colormap { Jet, Inferno, Viridis };

enum class HeatmapMode {
    Filled,   // the coloured map blended over the image
    Contours, // iso-lines at quarter steps in the map's colours; the image stays untouched
};

struct HeatmapStyle {
    Colormap colormap = Colormap::Jet;
    double opacity = 0.4; // 0..1
    double threshold = 0; // values below it are not drawn (0 draws everything)
    HeatmapMode mode = HeatmapMode::Filled;
};

// A map resized to an image and coloured: the expensive half of an overlay, kept while only
// the image under it changes (window/level) or the opacity, threshold or contours do.
struct HeatmapLayer {
    cv::Mat values; // CV_32F, the image's size
    cv::Mat colour; // 8-bit BGR, the image's size
};
HeatmapLayer prepareHeatmapLayer(const std::vector<float> &map, int mapWidth, int mapHeight,
                                 cv::Size size, Colormap colormap);
// Draws a prepared layer over base (8-bit grey or BGR, the layer's size) as style says
// (style.colormap is the layer's).
cv::Mat drawHeatmapLayer(const cv::Mat &base, const HeatmapLayer &layer, const HeatmapStyle &style);

// Colours a map of values in [0, 1] (row-major, mapHeight x mapWidth, resized to base's size
// with bilinear interpolation) and draws it over base (8-bit grey or BGR):
//   out = (1 - opacity) * base + opacity * colour(map)   where map >= threshold, base elsewhere.
// Returns an 8-bit BGR image the size of base.
cv::Mat renderHeatmapOverlay(const cv::Mat &base, const std::vector<float> &map, int mapWidth,
                             int mapHeight, const HeatmapStyle &style);

// A colour bar from 0 (left) to 1 (right): 8-bit BGR, width x height.
cv::Mat renderColourBar(Colormap colormap, int width, int height);

} // namespace cxr::imaging
