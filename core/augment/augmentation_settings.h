// SPDX-License-Identifier: MIT
#pragma once

// The one definition of data augmentation that both engines replay: the settings (ranges and
// probabilities), their limits and the presets; augmentation_draw.h has the random draws for
// one image. The CPU engine (core/imaging, OpenCV) renders the preview; the batch engine
// (core/ml, LibTorch) augments training batches on the training device.

#include <string>
#include <vector>

namespace cxr {

// Each transform has its range and the probability that it is applied. Geometry comes first
// (flip, zoom/crop, rotation, translation), then intensity (brightness, contrast, gamma),
// colour (saturation, hue; colour inputs only), then noise and blur, and last what a
// hospital's processing and archive do to a film: sharpening, a lower resolution and lossy
// JPEG re-encoding. Defaults do nothing.
struct AugmentationSettings {
    double horizontalFlipProbability = 0;
    // Off by default and in every preset: a vertically flipped chest film puts the diaphragm
    // at the top, a picture no radiograph ever shows.
    double verticalFlipProbability = 0;
    double zoomProbability = 0;
    double zoomMin = 1.0; // side of the kept crop as a share of the image, in (0.5, 1]
    double zoomMax = 1.0;
    double aspectMin = 1.0; // width/height ratio of the crop, around 1
    double aspectMax = 1.0;
    double rotationProbability = 0;
    double rotationMaxDegrees = 0; // uniform in [-max, max]
    double translationProbability = 0;
    double translationMaxFraction = 0; // of the side, uniform in [-max, max] for x and y
    double brightnessProbability = 0;
    double brightnessMax = 0; // added, in [0, 1] units of full scale
    double contrastProbability = 0;
    double contrastMax = 0; // factor 1 +/- max around mid-grey
    double gammaProbability = 0;
    double gammaMin = 1.0;
    double gammaMax = 1.0;
    double saturationProbability = 0; // colour inputs only: a grey image has no saturation
    double saturationMax = 0;         // factor 1 +/- max, blending with the image's grey
    double hueProbability = 0;        // colour inputs only
    double hueMaxDegrees = 0;         // rotation of the colour plane, uniform in [-max, max]
    double noiseProbability = 0;
    double noiseMaxSigma = 0; // Gaussian, in [0, 1] units of full scale
    double blurProbability = 0;
    double blurMaxSigma = 0; // Gaussian blur, in pixels
    double sharpenProbability = 0;
    double sharpenMaxAmount = 0; // unsharp mask (sigma 1 px): in + amount (in - blur)
    double resolutionProbability = 0;
    double resolutionMinScale = 1.0; // shrunk to a share in [min, 1] of the side, enlarged back
    double jpegProbability = 0;
    double jpegMinQuality = 100; // re-encoded at a quality in [min, max] (IJG scale)
    double jpegMaxQuality = 100;
};

// One number of the settings with its limits: the GUI's spin boxes, the CLI's --set and the
// run config all come from this table.
struct AugmentationParameter {
    const char *key;   // "rotation.max_degrees"
    const char *label; // "max angle"
    double AugmentationSettings::*member;
    double minimum;
    double maximum;
    double step;
    const char *unit; // "", "°", "px", "× side"
};

// A transform: its probability and its range parameters, shown as one row.
struct AugmentationTransform {
    const char *key;
    const char *label;
    const char *note; // why it is off by default, or when it does nothing; may be empty
    bool colourOnly;
    std::vector<AugmentationParameter> parameters; // the probability first
};

const std::vector<AugmentationTransform> &augmentationTransforms();

// The parameter with this key, or null.
const AugmentationParameter *findAugmentationParameter(const std::string &key);

std::vector<std::string> augmentationPresetNames();

// "none", "thesis" (horizontal flip, zoom to about 90%, brightness: the thesis's choice, drawn
// fresh for every image), "conservative" (small zoom, rotation, brightness and contrast) and
// "robust": the acquisition differences between hospitals that `cxr evaluate --stress` showed
// to break a model trained on one (exposure: contrast and gamma; detector: blur and noise;
// framing: a random crop of 75-100% of the side, rotation, translation), each at about the
// strength of that report's shifts.
// Unknown names return false and leave settings alone.
bool augmentationPreset(const std::string &name, AugmentationSettings &settings);

// True when every parameter of the table is equal (a run's settings against a preset).
bool sameAugmentation(const AugmentationSettings &a, const AugmentationSettings &b);

// True when no transform can change an image.
bool augmentationIsIdentity(const AugmentationSettings &settings);

// Empty when every parameter is within its limits and every range has min <= max; otherwise
// one line naming the bad setting and its allowed range.
std::string validateAugmentation(const AugmentationSettings &s);

} // namespace cxr
