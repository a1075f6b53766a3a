// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace cxr::ml {

// What a model takes and gives, recorded in its model card so that prediction, evaluation and
// Grad-CAM feed it exactly what training fed it.
struct ModelSpec {
    std::string architecture = "small-cnn";
    int inputSize = 224;   // square input side in pixels
    int channels = 1;      // 1 (grey) or 3 (grey replicated or RGB)
    std::string resize = "squash";         // squash or letterbox (see imaging/model_input.h)
    std::string interpolation = "area";    // resampling used to reach inputSize
    std::string normalisation = "scale01"; // pixel / 255, nothing else
    std::vector<std::string> classNames;   // index 1 is the positive class of a binary model
    double threshold = 0.5;                // probability of class 1 at or above which it is called
};

// Architectures the model zoo builds, in the order the GUI lists them.
std::vector<std::string> knownArchitectures();
bool isKnownArchitecture(const std::string &name);
bool isKnownResize(const std::string &name); // squash, letterbox

} // namespace cxr::ml
