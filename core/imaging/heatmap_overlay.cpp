// SPDX-License-Identifier: MIT
#include "core/imaging/heatmap_overlay.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cassert>

namespace cxr::imaging {

namespace {

int opencvColormap(Colormap colormap)
{
    switch (colormap) {
    case Colormap::Jet: return cv::COLORMAP_JET;
    case Colormap::Inferno: return cv::COLORMAP_INFERNO;
    case Colormap::Viridis: return cv::COLORMAP_VIRIDIS;
    }
    return cv::COLORMAP_JET;
}

} // namespace

cv::Mat renderHeatmapOverlay(const cv::Mat &base, const std::vector<float> &map, int mapWidth,
                             int mapHeight, double opacity, Colormap colormap)
{
    assert(map.size() == std::size_t(mapWidth) * std::size_t(mapHeight));
    cv::Mat baseBgr;
    if (base.channels() == 1) {
        cv::cvtColor(base, baseBgr, cv::COLOR_GRAY2BGR);
    } else {
        baseBgr = base;
    }
    const cv::Mat values(mapHeight, mapWidth, CV_32F, const_cast<float *>(map.data()));
    cv::Mat resized;
    cv::resize(values, resized, baseBgr.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat levels;
    resized.convertTo(levels, CV_8U, 255.0);
    cv::Mat colour;
    cv::applyColorMap(levels, colour, opencvColormap(colormap));
    const double alpha = std::clamp(opacity, 0.0, 1.0);
    cv::Mat blended;
    cv::addWeighted(baseBgr, 1.0 - alpha, colour, alpha, 0.0, blended);
    return blended;
}

} // namespace cxr::imaging
