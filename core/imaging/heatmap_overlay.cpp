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
    case Colormap::Jet:
        return cv::COLORMAP_JET;
    case Colormap::Inferno:
        return cv::COLORMAP_INFERNO;
    case Colormap::Viridis:
        return cv::COLORMAP_VIRIDIS;
    }
    return cv::COLORMAP_JET;
}

cv::Mat resizedMap(const std::vector<float> &map, int mapWidth, int mapHeight, cv::Size size)
{
    assert(map.size() == std::size_t(mapWidth) * std::size_t(mapHeight));
    const cv::Mat values(mapHeight, mapWidth, CV_32F, const_cast<float *>(map.data()));
    cv::Mat resized;
    cv::resize(values, resized, size, 0, 0, cv::INTER_LINEAR);
    return resized;
}

cv::Mat colourise(const cv::Mat &values, Colormap colormap)
{
    cv::Mat levels;
    values.convertTo(levels, CV_8U, 255.0); // saturates outside [0, 1]
    cv::Mat colour;
    cv::applyColorMap(levels, colour, opencvColormap(colormap));
    return colour;
}

cv::Mat toBgr(const cv::Mat &base)
{
    cv::Mat bgr;
    if (base.channels() == 1) {
        cv::cvtColor(base, bgr, cv::COLOR_GRAY2BGR);
    } else {
        bgr = base.clone();
    }
    return bgr;
}

} // namespace

HeatmapLayer prepareHeatmapLayer(const std::vector<float> &map, int mapWidth, int mapHeight,
                                 cv::Size size, Colormap colormap)
{
    HeatmapLayer layer;
    layer.values = resizedMap(map, mapWidth, mapHeight, size);
    layer.colour = colourise(layer.values, colormap);
    return layer;
}

cv::Mat drawHeatmapLayer(const cv::Mat &base, const HeatmapLayer &layer, const HeatmapStyle &style)
{
    cv::Mat out = toBgr(base);
    assert(out.size() == layer.values.size());
    const cv::Mat &values = layer.values;
    const double alpha = std::clamp(style.opacity, 0.0, 1.0);
    if (style.mode == HeatmapMode::Contours) {
        // Lines a few pixels wide whatever the image size, so they stay visible when fitted.
        const int thickness = std::max(1, std::max(out.cols, out.rows) / 300);
        for (double level : {0.25, 0.5, 0.75}) {
            if (level < style.threshold) {
                continue;
            }
            cv::Mat above = values >= level;
            std::vector<std::vector<cv::Point>> contours;
            cv::findContours(above, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
            cv::Mat levelColour;
            cv::applyColorMap(cv::Mat(1, 1, CV_8U, cv::Scalar(level * 255)), levelColour,
                              opencvColormap(style.colormap));
            const cv::Vec3b c = levelColour.at<cv::Vec3b>(0, 0);
            cv::Mat lines = out.clone();
            cv::drawContours(lines, contours, -1, cv::Scalar(c[0], c[1], c[2]), thickness,
                             cv::LINE_AA);
            cv::addWeighted(out, 1.0 - std::max(alpha, 0.5), lines, std::max(alpha, 0.5), 0.0, out);
        }
        return out;
    }
    cv::Mat blended;
    cv::addWeighted(out, 1.0 - alpha, layer.colour, alpha, 0.0, blended);
    if (style.threshold > 0) {
        const cv::Mat shown = values >= style.threshold;
        blended.copyTo(out, shown);
        return out;
    }
    return blended;
}

cv::Mat renderHeatmapOverlay(const cv::Mat &base, const std::vector<float> &map, int mapWidth,
                             int mapHeight, const HeatmapStyle &style)
{
    return drawHeatmapLayer(
        base, prepareHeatmapLayer(map, mapWidth, mapHeight, base.size(), style.colormap), style);
}

cv::Mat renderColourBar(Colormap colormap, int width, int height)
{
    cv::Mat ramp(1, width, CV_32F);
    for (int x = 0; x < width; ++x) {
        ramp.at<float>(0, x) = width > 1 ? float(x) / float(width - 1) : 0.f;
    }
    cv::Mat bar;
    cv::repeat(ramp, height, 1, bar);
    return colourise(bar, colormap);
}

} // namespace cxr::imaging
