// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/heatmap_overlay.h"
#include "core/ml/classifier.h"
#include "core/ml/model_spec.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace cxr::pipeline {

// What the top of the colour scale means.
enum class CamScale {
    PerImage, // each map min-max scaled: its strongest evidence is always the top colour
    Absolute, // raw map values over a fixed full scale, so that maps of different images compare
};

struct CamDisplay {
    imaging::HeatmapStyle style;
    CamScale scale = CamScale::PerImage;
    double absoluteMax = 1; // the raw value drawn at the top of the scale (Absolute)
};

// A map's values as the colour scale shows them, in [0, 1].
std::vector<float> displayedCamValues(const ml::CamMap &cam, const CamDisplay &display);

// The part of a map that covers an image of imageWidth x imageHeight (all of the model input
// unless it was letterboxed), scaled as display says.
struct CamOnImage {
    std::vector<float> values;
    int width = 0;
    int height = 0;
};
CamOnImage camOnImage(const ml::CamMap &cam, const ml::ModelSpec &spec, int imageWidth,
                      int imageHeight, const CamDisplay &display);

// The map drawn over base (the image as displayed, any size) as display says.
cv::Mat renderCamOverlay(const cv::Mat &base, const ml::CamMap &cam, const ml::ModelSpec &spec,
                         const CamDisplay &display);
// The expensive half of renderCamOverlay for an image of size (see imaging::HeatmapLayer).
imaging::HeatmapLayer prepareCamLayer(const ml::CamMap &cam, const ml::ModelSpec &spec,
                                      cv::Size size, const CamDisplay &display);

// The coloured map alone, the size of base: the middle panel of a side-by-side view.
cv::Mat renderCamHeatmap(const cv::Mat &base, const ml::CamMap &cam, const ml::ModelSpec &spec,
                         const CamDisplay &display);

// The colour bar's caption: "per image: 0 = weakest, 1 = strongest evidence in this image" or
// "absolute: 0 to 0.0123 (raw Grad-CAM)".
std::string colourScaleCaption(const ml::CamMap &cam, const CamDisplay &display);

std::string camMethodName(ml::CamMethod method); // "Grad-CAM", "Grad-CAM++", "Eigen-CAM"

} // namespace cxr::pipeline
