// SPDX-License-Identifier: MIT
#pragma once

// The one definition of data augmentation that both engines replay: the settings (ranges and
// probabilities), their limits, the presets, and the random draws for one image. The CPU
// engine (core/imaging, OpenCV) renders the preview; the batch engine (core/ml, LibTorch)
// augments training batches on the training device. Standard library only.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
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

inline const std::vector<AugmentationTransform> &augmentationTransforms()
{
    using S = AugmentationSettings;
    static const std::vector<AugmentationTransform> transforms = {
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
    return transforms;
}

// The parameter with this key, or null.
inline const AugmentationParameter *findAugmentationParameter(const std::string &key)
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

inline std::vector<std::string> augmentationPresetNames()
{
    return {"none", "thesis", "conservative", "robust"};
}

// "none", "thesis" (horizontal flip, zoom to about 90%, brightness: the thesis's choice, drawn
// fresh for every image), "conservative" (small zoom, rotation, brightness and contrast) and
// "robust": the acquisition differences between hospitals that `cxr evaluate --stress` showed
// to break a model trained on one (exposure: contrast and gamma; detector: blur and noise;
// framing: a random crop of 75-100% of the side, rotation, translation), each at about the
// strength of that report's shifts.
// Unknown names return false and leave settings alone.
inline bool augmentationPreset(const std::string &name, AugmentationSettings &settings)
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

// True when every parameter of the table is equal (a run's settings against a preset).
inline bool sameAugmentation(const AugmentationSettings &a, const AugmentationSettings &b)
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

// True when no transform can change an image.
inline bool augmentationIsIdentity(const AugmentationSettings &settings)
{
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        if (settings.*(transform.parameters.front().member) > 0) {
            return false;
        }
    }
    return true;
}

// Empty when every parameter is within its limits and every range has min <= max; otherwise
// one line naming the bad setting and its allowed range.
inline std::string validateAugmentation(const AugmentationSettings &s)
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

// The random draws for one image: what the CPU engine and the batch engine replay, so the two
// can be compared draw for draw.
struct AugmentationDraw {
    bool horizontalFlip = false;
    bool verticalFlip = false;
    double cropSide = 1.0; // share of the image side kept (zoom)
    double cropAspect = 1.0;
    double cropCentreX = 0.5; // of the image, where the crop is centred
    double cropCentreY = 0.5;
    double rotationDegrees = 0;
    double translateX = 0; // share of the side
    double translateY = 0;
    double brightness = 0;
    double contrast = 1;
    double gamma = 1;
    double saturation = 1;
    double hueDegrees = 0;
    double noiseSigma = 0;
    std::uint64_t noiseSeed = 0;
    double blurSigma = 0;
    double sharpenAmount = 0;
    double resolutionScale = 1; // share of the side the image is shrunk to, then enlarged back
    int jpegQuality = 0;        // 1-100; 0: not re-encoded

    // Which steps a draw needs: both engines skip the others, and agree on when.
    bool movesPixels() const
    {
        return horizontalFlip || verticalFlip || cropSide != 1.0 || cropAspect != 1.0 ||
               rotationDegrees != 0 || translateX != 0 || translateY != 0;
    }
    bool changesLevels() const { return brightness != 0 || contrast != 1 || gamma != 1; }
    bool changesColour() const { return saturation != 1 || hueDegrees != 0; } // RGB only
    bool addsNoise() const { return noiseSigma > 0; }
    // A sigma this small leaves 8-bit levels as they are: no blur.
    bool blurs() const { return blurSigma > 0.05; }
    // Taps on each side of the Gaussian kernel both engines use: ceil(3 sigma).
    int blurRadius() const { return int(std::ceil(3 * blurSigma)); }
    bool sharpens() const { return sharpenAmount > 0.01; }
    bool dropsResolution() const { return resolutionScale < 0.99; }
    bool reencodes() const { return jpegQuality > 0; }
};

// The Gaussian that sharpening subtracts (unsharp masking): one pixel, ceil(3 sigma) taps a side.
constexpr double kSharpenSigma = 1.0;
constexpr int kSharpenRadius = 3;

// The side, in pixels, an image of side pixels is shrunk to for a resolution drop: at least 8.
inline int reducedSide(int side, double scale)
{
    return std::max(std::min(side, 8), int(std::lround(side * scale)));
}

inline AugmentationDraw drawAugmentation(const AugmentationSettings &s, std::mt19937_64 &random)
{
    // Every draw is made whether or not it is used, so one image's draws never shift the next
    // image's: the same seed gives the same sequence whatever the settings. (Formulas rather
    // than std:: distributions, whose output differs between standard libraries.)
    auto unit = [&random] { return double(random() >> 11) * 0x1.0p-53; };
    auto happens = [&](double probability) { return unit() < probability; };
    auto between = [&](double low, double high) { return low + (high - low) * unit(); };
    AugmentationDraw d;
    d.horizontalFlip = happens(s.horizontalFlipProbability);
    d.verticalFlip = happens(s.verticalFlipProbability);
    const bool zoom = happens(s.zoomProbability);
    const double side = between(s.zoomMin, s.zoomMax);
    const double aspect = between(s.aspectMin, s.aspectMax);
    const double centreX = unit();
    const double centreY = unit();
    if (zoom) {
        d.cropSide = side;
        d.cropAspect = aspect;
        // Keep the crop inside the image.
        const double halfWidth = std::min(0.5, side * std::sqrt(aspect) / 2);
        const double halfHeight = std::min(0.5, side / std::sqrt(aspect) / 2);
        d.cropCentreX = halfWidth + centreX * (1 - 2 * halfWidth);
        d.cropCentreY = halfHeight + centreY * (1 - 2 * halfHeight);
    }
    const bool rotate = happens(s.rotationProbability);
    const double angle = between(-s.rotationMaxDegrees, s.rotationMaxDegrees);
    d.rotationDegrees = rotate ? angle : 0;
    const bool translate = happens(s.translationProbability);
    const double tx = between(-s.translationMaxFraction, s.translationMaxFraction);
    const double ty = between(-s.translationMaxFraction, s.translationMaxFraction);
    d.translateX = translate ? tx : 0;
    d.translateY = translate ? ty : 0;
    const bool bright = happens(s.brightnessProbability);
    const double brightness = between(-s.brightnessMax, s.brightnessMax);
    d.brightness = bright ? brightness : 0;
    const bool contrast = happens(s.contrastProbability);
    const double factor = between(1 - s.contrastMax, 1 + s.contrastMax);
    d.contrast = contrast ? factor : 1;
    const bool gamma = happens(s.gammaProbability);
    const double g = between(s.gammaMin, s.gammaMax);
    d.gamma = gamma ? g : 1;
    const bool saturate = happens(s.saturationProbability);
    const double saturation = between(1 - s.saturationMax, 1 + s.saturationMax);
    d.saturation = saturate ? saturation : 1;
    const bool hue = happens(s.hueProbability);
    const double hueDegrees = between(-s.hueMaxDegrees, s.hueMaxDegrees);
    d.hueDegrees = hue ? hueDegrees : 0;
    const bool noise = happens(s.noiseProbability);
    const double sigma = between(0, s.noiseMaxSigma);
    d.noiseSigma = noise ? sigma : 0;
    d.noiseSeed = random();
    const bool blur = happens(s.blurProbability);
    const double blurSigma = between(0, s.blurMaxSigma);
    d.blurSigma = blur ? blurSigma : 0;
    const bool sharpen = happens(s.sharpenProbability);
    const double amount = between(0, s.sharpenMaxAmount);
    d.sharpenAmount = sharpen ? amount : 0;
    const bool shrink = happens(s.resolutionProbability);
    const double scale = between(s.resolutionMinScale, 1);
    d.resolutionScale = shrink ? scale : 1;
    const bool jpeg = happens(s.jpegProbability);
    const double quality = between(s.jpegMinQuality, s.jpegMaxQuality);
    d.jpegQuality = jpeg ? std::clamp(int(std::lround(quality)), 1, 100) : 0;
    return d;
}

// The noise field of a draw: count standard-normal values from seed, the same on every
// platform and in both engines (a splitmix64 stream through Box-Muller).
inline void fillStandardNormal(std::uint64_t seed, std::size_t count, float *out)
{
    auto next = [&seed] {
        std::uint64_t z = (seed += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    // Single precision: the noise is added to 8-bit levels, and float log/sincos are several
    // times faster, which matters for a field per image per epoch.
    constexpr float kTwoPi = 6.2831853f;
    for (std::size_t i = 0; i < count; i += 2) {
        const float u1 = float((next() >> 40) + 1) * 0x1.0p-24f; // (0, 1]: log(u1) is finite
        const float u2 = float(next() >> 40) * 0x1.0p-24f;
        const float radius = std::sqrt(-2.0f * std::log(u1));
        out[i] = radius * std::cos(kTwoPi * u2);
        if (i + 1 < count) {
            out[i + 1] = radius * std::sin(kTwoPi * u2);
        }
    }
}

// The colour step of a draw as one 3x3 matrix on RGB (row-major, out = M * in): saturation
// blends with the luma grey, hue rotates the chroma plane in YIQ. Both linear, so the engines
// share the arithmetic exactly.
inline void colourMatrix(const AugmentationDraw &d, double matrix[9])
{
    // Saturation: out = grey + s * (in - grey), grey = luma . in.
    const double luma[3] = {0.299, 0.587, 0.114};
    double saturation[9];
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) {
            saturation[r * 3 + c] = (1 - d.saturation) * luma[c] + (r == c ? d.saturation : 0);
        }
    }
    // Hue: RGB -> YIQ, rotate I/Q by the angle, back to RGB.
    const double toYiq[9] = {0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312};
    const double fromYiq[9] = {1.0, 0.956, 0.621, 1.0, -0.272, -0.647, 1.0, -1.106, 1.703};
    const double angle = d.hueDegrees * 3.141592653589793 / 180.0;
    const double rotate[9] = {
        1, 0, 0, 0, std::cos(angle), -std::sin(angle), 0, std::sin(angle), std::cos(angle)};
    auto multiply = [](const double *a, const double *b, double *out) {
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 3; ++c) {
                out[r * 3 + c] =
                    a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
            }
        }
    };
    double hue[9];
    double step[9];
    multiply(rotate, toYiq, step);
    multiply(fromYiq, step, hue);
    if (d.hueDegrees == 0) { // exactly the identity, not YIQ's rounding of it
        for (int i = 0; i < 9; ++i) {
            hue[i] = i % 4 == 0 ? 1 : 0;
        }
    }
    multiply(hue, saturation, matrix);
}

// The affine map from output pixel (x, y) to input pixel, [a b c; d e f], of a draw's
// geometry on a width x height image: flip, crop (zoom), rotation and translation at once,
// so an image is resampled once. Pixel centres follow the (w - 1) / 2 convention, so a flip
// maps x to w - 1 - x exactly.
inline void geometryMap(const AugmentationDraw &d, int width, int height, double map[6])
{
    const double w = width;
    const double h = height;
    const double cropW = d.cropSide * std::sqrt(d.cropAspect) * w;
    const double cropH = d.cropSide / std::sqrt(d.cropAspect) * h;
    const double angle = d.rotationDegrees * 3.141592653589793 / 180.0;
    const double cosA = std::cos(angle);
    const double sinA = std::sin(angle);
    const double sx = cropW / w * (d.horizontalFlip ? -1 : 1);
    const double sy = cropH / h * (d.verticalFlip ? -1 : 1);
    map[0] = cosA * sx;
    map[1] = -sinA * sy;
    map[3] = sinA * sx;
    map[4] = cosA * sy;
    const double centreX = d.cropCentreX * (w - 1) - d.translateX * w;
    const double centreY = d.cropCentreY * (h - 1) - d.translateY * h;
    map[2] = centreX - (map[0] * (w - 1) / 2 + map[1] * (h - 1) / 2);
    map[5] = centreY - (map[3] * (w - 1) / 2 + map[4] * (h - 1) / 2);
}

} // namespace cxr
