// SPDX-License-Identifier: MIT
#include "core/pipeline/cam_rendering.h"

#include "core/imaging/model_input.h"
#include "core/pipeline/input_spec.h"

#include <algorithm>
#include <cstdio>

namespace cxr::pipeline {

std::vector<float> displayedCamValues(const ml::CamMap &cam, const CamDisplay &display)
{
    if (display.scale == CamScale::PerImage || cam.flat) {
        return cam.values;
    }
    const double span = cam.rawHigh - cam.rawLow;
    const double fullScale = display.absoluteMax > 0 ? display.absoluteMax : 1;
    std::vector<float> values(cam.values.size());
    std::transform(cam.values.begin(), cam.values.end(), values.begin(), [&](float v) {
        return float(std::clamp((cam.rawLow + v * span) / fullScale, 0.0, 1.0));
    });
    return values;
}

CamOnImage camOnImage(const ml::CamMap &cam, const ml::ModelSpec &spec, int imageWidth,
                      int imageHeight, const CamDisplay &display)
{
    std::vector<float> values = displayedCamValues(cam, display);
    const cv::Rect content = imaging::contentRect(imageWidth, imageHeight, inputSpecFor(spec)) &
                             cv::Rect(0, 0, cam.width, cam.height);
    const cv::Mat full(cam.height, cam.width, CV_32F, values.data());
    const cv::Mat part = full(content).clone();
    return {std::vector<float>(part.begin<float>(), part.end<float>()), content.width,
            content.height};
}

imaging::HeatmapLayer prepareCamLayer(const ml::CamMap &cam, const ml::ModelSpec &spec,
                                      cv::Size size, const CamDisplay &display)
{
    const CamOnImage map = camOnImage(cam, spec, size.width, size.height, display);
    return imaging::prepareHeatmapLayer(map.values, map.width, map.height, size,
                                        display.style.colormap);
}

cv::Mat renderCamOverlay(const cv::Mat &base, const ml::CamMap &cam, const ml::ModelSpec &spec,
                         const CamDisplay &display)
{
    return imaging::drawHeatmapLayer(base, prepareCamLayer(cam, spec, base.size(), display),
                                     display.style);
}

cv::Mat renderCamHeatmap(const cv::Mat &base, const ml::CamMap &cam, const ml::ModelSpec &spec,
                         const CamDisplay &display)
{
    return prepareCamLayer(cam, spec, base.size(), display).colour;
}

std::string camMethodName(ml::CamMethod method)
{
    switch (method) {
    case ml::CamMethod::GradCam:
        return "Grad-CAM";
    case ml::CamMethod::GradCamPlusPlus:
        return "Grad-CAM++";
    case ml::CamMethod::EigenCam:
        return "Eigen-CAM";
    }
    return "?";
}

std::string colourScaleCaption(const ml::CamMap &cam, const CamDisplay &display)
{
    if (cam.flat) {
        return "flat map: the model found no evidence for this class at this layer";
    }
    char text[160];
    if (display.scale == CamScale::PerImage) {
        std::snprintf(text, sizeof text, "per image (min-max): raw %s %.3g to %.3g",
                      camMethodName(cam.method).c_str(), cam.rawLow, cam.rawHigh);
    } else {
        std::snprintf(text, sizeof text, "absolute: raw %s 0 to %.3g (this image peaks at %.3g)",
                      camMethodName(cam.method).c_str(), display.absoluteMax, cam.rawHigh);
    }
    return text;
}

} // namespace cxr::pipeline
