// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace cxr::ml {

// The configurable CNN ("custom-cnn"): blocks of convolution (kernel x kernel, same padding),
// optional batch norm, ReLU and 2x2 max pooling, the filters doubling from block to block; then
// global average pooling, dropout and one linear layer.
struct CustomCnnOptions {
    int blocks = 4;
    int filters = 32; // of the first block
    int kernelSize = 3;
    double dropout = 0.3;
    bool batchNorm = true;
};

// What a model takes and gives, recorded in its model card so that prediction, evaluation and
// Grad-CAM feed it exactly what training fed it.
struct ModelSpec {
    std::string architecture = "small-cnn";
    int inputSize = 224;                // square input side in pixels
    int channels = 1;                   // 1 (grey) or 3 (grey replicated or RGB)
    std::string resize = "squash";      // squash or letterbox (see imaging/model_input.h)
    std::string interpolation = "area"; // resampling used to reach inputSize
    // scale01: level / 255, nothing else. equalise: then each image's levels replaced by their
    // rank within the image (torch_input_equalisation.h), so exposure and contrast drop out.
    std::string normalisation = "scale01";
    std::vector<std::string> classNames; // index 1 is the positive class of a binary model
    double threshold = 0.5;              // probability of class 1 at or above which it is called
    CustomCnnOptions custom;             // used by "custom-cnn" only
};

// True when two models take the same input and name the same classes, so that their outputs
// can be averaged image by image (ensembles).
inline bool sameModelInput(const ModelSpec &a, const ModelSpec &b)
{
    return a.inputSize == b.inputSize && a.channels == b.channels && a.resize == b.resize &&
           a.interpolation == b.interpolation && a.normalisation == b.normalisation &&
           a.classNames == b.classNames;
}

// True when the model ranks each image's grey levels before its first layer ("equalise"), so
// everything that shows the model's input or describes the model says so.
inline bool equalisesGreyLevels(const ModelSpec &spec)
{
    return spec.normalisation == "equalise";
}

// Empty when the custom CNN options are usable for inputSize, otherwise one line naming the
// bad option.
std::string validateCustomCnn(const CustomCnnOptions &options, int inputSize);

// Architectures the model zoo builds, in the order the GUI lists them.
std::vector<std::string> knownArchitectures();
bool isKnownArchitecture(const std::string &name);
bool isKnownResize(const std::string &name);    // squash, letterbox
std::vector<std::string> knownNormalisations(); // scale01, equalise
bool isKnownNormalisation(const std::string &name);

} // namespace cxr::ml
