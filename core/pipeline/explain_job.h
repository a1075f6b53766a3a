// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/imaging/heatmap_overlay.h"
#include "core/imaging/image.h"
#include "core/ml/classifier.h"

#include <filesystem>
#include <string>

namespace cxr::pipeline {

// A prediction as it must always be shown: probability, decision and the model that made it.
struct ImagePrediction {
    std::string modelName;
    std::string positiveClass;
    std::string predictedClass;
    double probability = 0; // of the positive class (class 1)
    double threshold = 0.5;
    ml::CamMap cam;         // empty unless requested
};

// Loads path through the model-input function and predicts it; with explain, also computes
// Grad-CAM for target.
Result<ImagePrediction> predictImage(ml::Classifier &classifier, const std::filesystem::path &path,
                                     bool explain, ml::CamTarget target);

struct ExplainJob {
    std::filesystem::path model; // run or model folder
    std::filesystem::path image;
    std::filesystem::path output; // PNG
    ml::CamTarget target = ml::CamTarget::Predicted;
    imaging::Colormap colormap = imaging::Colormap::Jet;
    double opacity = 0.4;
    std::string device = "auto";
};

// Writes a Grad-CAM overlay over the full-resolution image to output (PNG) and returns the
// prediction.
Result<ImagePrediction> runExplain(const ExplainJob &job);

} // namespace cxr::pipeline
