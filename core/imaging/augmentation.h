// SPDX-License-Identifier: MIT
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cxr::imaging {

// Augmentation settings: each transform has its range and the probability that it is applied.
// Geometry comes first (flip, zoom/crop, rotation, translation), then intensity (brightness,
// contrast, gamma), then noise and blur. Defaults do nothing.
struct AugmentationSettings {
    double horizontalFlipProbability = 0;
    // Off by default and refused by the presets: a vertically flipped chest film puts the
    // diaphragm at the top, a picture no radiograph ever shows.
    double verticalFlipProbability = 0;
    double zoomProbability = 0;
    double zoomMin = 1.0;   // side of the kept crop as a share of the image, in (0.5, 1]
    double zoomMax = 1.0;
    double aspectMin = 1.0; // width/height ratio of the crop, around 1
    double aspectMax = 1.0;
    double rotationProbability = 0;
    double rotationMaxDegrees = 0;   // uniform in [-max, max]
    double translationProbability = 0;
    double translationMaxFraction = 0; // of the side, uniform in [-max, max] for x and y
    double brightnessProbability = 0;
    double brightnessMax = 0;          // added, in [0, 1] units of full scale
    double contrastProbability = 0;
    double contrastMax = 0;            // factor 1 +/- max around mid-grey
    double gammaProbability = 0;
    double gammaMin = 1.0;
    double gammaMax = 1.0;
    double noiseProbability = 0;
    double noiseMaxSigma = 0;          // Gaussian, in [0, 1] units of full scale
    double blurProbability = 0;
    double blurMaxSigma = 0;           // Gaussian blur, in pixels
};

// "none", "thesis" (horizontal flip, zoom to about 90%, brightness: the thesis's choice, drawn
// fresh for every image) and "conservative" (small zoom, rotation, brightness and contrast).
// Empty names list the presets. Unknown names return false.
bool augmentationPreset(const std::string &name, AugmentationSettings &settings);
std::vector<std::string> augmentationPresetNames();

// Empty when every probability is in [0, 1] and every range is valid; otherwise one line
// naming the bad setting.
std::string validateAugmentation(const AugmentationSettings &settings);

// The random draws for one image: what the CPU engine (here) and a batch engine replay, so the
// two can be compared draw for draw.
struct AugmentationDraw {
    bool horizontalFlip = false;
    bool verticalFlip = false;
    double cropSide = 1.0;   // share of the image side kept (zoom)
    double cropAspect = 1.0;
    double cropCentreX = 0.5; // of the image, where the crop is centred
    double cropCentreY = 0.5;
    double rotationDegrees = 0;
    double translateX = 0;    // share of the side
    double translateY = 0;
    double brightness = 0;
    double contrast = 1;
    double gamma = 1;
    double noiseSigma = 0;
    std::uint64_t noiseSeed = 0;
    double blurSigma = 0;
};

AugmentationDraw drawAugmentation(const AugmentationSettings &settings, std::mt19937_64 &random);

// The CPU engine: applies draw to an 8-bit grey or BGR image and returns an image of the same
// size and type. Geometry resamples bilinearly, with black outside the image.
cv::Mat applyAugmentation(const cv::Mat &image, const AugmentationDraw &draw);

} // namespace cxr::imaging
