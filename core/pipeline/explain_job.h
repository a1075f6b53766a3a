// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/imaging/image.h"
#include "core/ml/classifier.h"
#include "core/pipeline/cam_rendering.h"
#include "core/pipeline/ood_verdict.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

// A prediction as it must always be shown: probability, decision and the model that made it.
struct ImagePrediction {
    std::string modelName;
    std::vector<std::string> classNames;
    std::string positiveClass; // class 1
    std::string predictedClass;
    int predictedIndex = 0;
    double probability = 0; // of the positive class (class 1)
    double threshold = 0.5; // the model card's decision threshold (binary models)
    std::vector<double> classProbabilities;
    // CHW 8-bit levels: exactly what the model was given (before its normalisation, which the
    // network applies; imaging::equalisedLevels shows what an equalising model's layers see)
    std::vector<std::uint8_t> modelInput;
    OodVerdict ood;                // shown as prominently as the prediction
    std::optional<ml::CamMap> cam; // when an explanation was asked for
};

// "Pneumonia detected (probability 0.938, threshold 0.50)" or "No pneumonia detected
// (probability of pneumonia 0.062, threshold 0.50)"; a multi-class model names its class.
std::string describePrediction(const ImagePrediction &prediction);

// Loads path through the model-input function and predicts it; with explain, the same forward
// pass also gives the class-activation map. The verdict on whether the image is outside what
// the model was trained on comes with it. Errors name the file.
Result<ImagePrediction> predictImage(ml::Classifier &classifier, const std::filesystem::path &path,
                                     const ml::CamRequest *explain = nullptr);

// The overlay of one prediction over its image as decoded for display, at most maxSide pixels
// on the long side (0: full size).
Result<cv::Mat> overlayForFile(const std::filesystem::path &image,
                               const ImagePrediction &prediction, const ml::ModelSpec &spec,
                               const CamDisplay &display, int maxSide = 0);

} // namespace cxr::pipeline
