// SPDX-License-Identifier: MIT
#include "core/augment/augmentation_settings.h"

#include <cmath>

namespace cxr {

namespace {

using S = AugmentationSettings;

// Geometry: flips, zoom/crop, rotation and translation.
std::vector<AugmentationTransform> geometryTransforms()
{
    return {
        {"hflip",
         "Horizontal flip",
         "",
         false,
         {{"hflip.p", "probability", &S::horizontalFlipProbability, 0, 1, 0.05, ""}}},
        {"vflip",
         "Vertical flip",
         "Off on purpose: a vertically flipped chest film puts the diaphragm at the top, a "
         "picture no radiograph shows.",
         false,
         {{"vflip.p", "probability", &S::verticalFlipProbability, 0, 1, 0.05, ""}}},
        {"zoom",
         "Zoom / crop",
         "",
         false,
         {{"zoom.p", "probability", &S::zoomProbability, 0, 1, 0.05, ""},
          {"zoom.min", "min side", &S::zoomMin, 0.55, 1, 0.01, "× side"},
          {"zoom.max", "max side", &S::zoomMax, 0.55, 1, 0.01, "× side"},
          {"zoom.aspect_min", "min aspect", &S::aspectMin, 0.75, 1.33, 0.01, ""},
          {"zoom.aspect_max", "max aspect", &S::aspectMax, 0.75, 1.33, 0.01, ""}}},
        {"rotation",
         "Rotation",
         "",
         false,
         {{"rotation.p", "probability", &S::rotationProbability, 0, 1, 0.05, ""},
          {"rotation.max_degrees", "max angle", &S::rotationMaxDegrees, 0, 30, 0.5, "°"}}},
        {"translation",
         "Translation",
         "",
         false,
         {{"translation.p", "probability", &S::translationProbability, 0, 1, 0.05, ""},
          {"translation.max", "max shift", &S::translationMaxFraction, 0, 0.25, 0.01, "× side"}}},
    };
}

// Intensity and colour: brightness, contrast, gamma, saturation and hue.
std::vector<AugmentationTransform> intensityTransforms()
{
    return {
        {"brightness",
         "Brightness",
         "",
         false,
         {{"brightness.p", "probability", &S::brightnessProbability, 0, 1, 0.05, ""},
          {"brightness.max", "max change", &S::brightnessMax, 0, 0.5, 0.01, "× full scale"}}},
        {"contrast",
         "Contrast",
         "",
         false,
         {{"contrast.p", "probability", &S::contrastProbability, 0, 1, 0.05, ""},
          {"contrast.max", "max change", &S::contrastMax, 0, 0.5, 0.01, "× 1"}}},
        {"gamma",
         "Gamma",
         "",
         false,
         {{"gamma.p", "probability", &S::gammaProbability, 0, 1, 0.05, ""},
          {"gamma.min", "min", &S::gammaMin, 0.5, 2, 0.05, ""},
          {"gamma.max", "max", &S::gammaMax, 0.5, 2, 0.05, ""}}},
        {"saturation",
         "Saturation",
         "Colour inputs only: a grey radiograph has no saturation, so this does nothing to it.",
         true,
         {{"saturation.p", "probability", &S::saturationProbability, 0, 1, 0.05, ""},
          {"saturation.max", "max change", &S::saturationMax, 0, 1, 0.05, "× 1"}}},
        {"hue",
         "Hue",
         "Colour inputs only: a grey radiograph has no hue.",
         true,
         {{"hue.p", "probability", &S::hueProbability, 0, 1, 0.05, ""},
          {"hue.max_degrees", "max shift", &S::hueMaxDegrees, 0, 180, 1, "°"}}},
    };
}

// Detector and archive: noise, blur, sharpening, a lower resolution and JPEG re-encoding.
std::vector<AugmentationTransform> acquisitionTransforms()
{
    return {
        {"noise",
         "Gaussian noise",
         "",
         false,
         {{"noise.p", "probability", &S::noiseProbability, 0, 1, 0.05, ""},
          {"noise.max_sigma", "max sigma", &S::noiseMaxSigma, 0, 0.2, 0.005, "× full scale"}}},
        {"blur",
         "Gaussian blur",
         "",
         false,
         {{"blur.p", "probability", &S::blurProbability, 0, 1, 0.05, ""},
          {"blur.max_sigma", "max sigma", &S::blurMaxSigma, 0, 5, 0.1, "px"}}},
        {"sharpen",
         "Sharpen",
         "",
         false,
         {{"sharpen.p", "probability", &S::sharpenProbability, 0, 1, 0.05, ""},
          {"sharpen.max_amount", "max amount", &S::sharpenMaxAmount, 0, 2, 0.05, "× 1"}}},
        {"resolution",
         "Resolution drop",
         "",
         false,
         {{"resolution.p", "probability", &S::resolutionProbability, 0, 1, 0.05, ""},
          {"resolution.min_scale", "smallest side", &S::resolutionMinScale, 0.25, 1, 0.05,
           "× side"}}},
        {"jpeg",
         "JPEG re-encoding",
         "",
         false,
         {{"jpeg.p", "probability", &S::jpegProbability, 0, 1, 0.05, ""},
          {"jpeg.min_quality", "min quality", &S::jpegMinQuality, 10, 100, 1, ""},
          {"jpeg.max_quality", "max quality", &S::jpegMaxQuality, 10, 100, 1, ""}}},
    };
}

} // namespace

const std::vector<AugmentationTransform> &augmentationTransforms()
{
    static const std::vector<AugmentationTransform> transforms = [] {
        std::vector<AugmentationTransform> all = geometryTransforms();
        for (auto part : {intensityTransforms(), acquisitionTransforms()}) {
            all.insert(all.end(), part.begin(), part.end());
        }
        return all;
    }();
    return transforms;
}

const AugmentationParameter *findAugmentationParameter(const std::string &key)
{
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const AugmentationParameter &parameter : transform.parameters) {
            if (key == parameter.key) {
                return &parameter;
            }
        }
    }
    return nullptr;
}

std::vector<std::string> augmentationPresetNames()
{
    return {"none", "thesis", "conservative", "robust"};
}

bool augmentationPreset(const std::string &name, AugmentationSettings &settings)
{
    AugmentationSettings s;
    if (name == "thesis") {
        s.horizontalFlipProbability = 0.5;
        s.zoomProbability = 1.0;
        s.zoomMin = 0.9;
        s.zoomMax = 1.0;
        s.brightnessProbability = 0.5;
        s.brightnessMax = 0.1;
    } else if (name == "conservative") {
        s.zoomProbability = 0.5;
        s.zoomMin = 0.9;
        s.zoomMax = 1.0;
        s.rotationProbability = 0.5;
        s.rotationMaxDegrees = 5;
        s.brightnessProbability = 0.5;
        s.brightnessMax = 0.05;
        s.contrastProbability = 0.5;
        s.contrastMax = 0.1;
    } else if (name == "robust") {
        s.horizontalFlipProbability = 0.5;
        s.zoomProbability = 1.0;
        s.zoomMin = 0.75;
        s.zoomMax = 1.0;
        s.aspectMin = 0.9;
        s.aspectMax = 1.1;
        s.rotationProbability = 0.5;
        s.rotationMaxDegrees = 7;
        s.translationProbability = 0.3;
        s.translationMaxFraction = 0.05;
        s.brightnessProbability = 0.5;
        s.brightnessMax = 0.1;
        s.contrastProbability = 0.7;
        s.contrastMax = 0.3;
        s.gammaProbability = 0.5;
        s.gammaMin = 0.7;
        s.gammaMax = 1.5;
        s.noiseProbability = 0.4;
        s.noiseMaxSigma = 0.03;
        s.blurProbability = 0.4;
        s.blurMaxSigma = 1.5;
    } else if (name != "none") {
        return false;
    }
    settings = s;
    return true;
}

bool sameAugmentation(const AugmentationSettings &a, const AugmentationSettings &b)
{
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const auto &parameter : transform.parameters) {
            if (a.*(parameter.member) != b.*(parameter.member)) {
                return false;
            }
        }
    }
    return true;
}

bool augmentationIsIdentity(const AugmentationSettings &settings)
{
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        if (settings.*(transform.parameters.front().member) > 0) {
            return false;
        }
    }
    return true;
}

std::string validateAugmentation(const AugmentationSettings &s)
{
    auto number = [](double value) {
        std::string text = std::to_string(value);
        text.erase(text.find_last_not_of('0') + 1);
        if (!text.empty() && text.back() == '.') {
            text.pop_back();
        }
        return text;
    };
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const AugmentationParameter &p : transform.parameters) {
            const double value = s.*(p.member);
            if (!(value >= p.minimum && value <= p.maximum)) { // also refuses NaN
                return std::string(transform.label) + " " + p.label + " (" + p.key +
                       ") must be between " + number(p.minimum) + " and " + number(p.maximum) +
                       " (got " + number(value) + ")";
            }
        }
    }
    const struct {
        double low;
        double high;
        const char *name;
    } ranges[] = {{s.zoomMin, s.zoomMax, "zoom"},
                  {s.aspectMin, s.aspectMax, "zoom aspect"},
                  {s.gammaMin, s.gammaMax, "gamma"},
                  {s.jpegMinQuality, s.jpegMaxQuality, "JPEG quality"}};
    for (const auto &range : ranges) {
        if (range.low > range.high) {
            return std::string(range.name) + " range must have min <= max (got " +
                   number(range.low) + " > " + number(range.high) + ")";
        }
    }
    return {};
}

} // namespace cxr
