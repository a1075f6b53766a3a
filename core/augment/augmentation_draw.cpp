// SPDX-License-Identifier: MIT
#include "core/augment/augmentation_draw.h"

#include <algorithm>
#include <cmath>

namespace cxr {

int reducedSide(int side, double scale)
{
    return std::max(std::min(side, 8), int(std::lround(side * scale)));
}

AugmentationDraw drawAugmentation(const AugmentationSettings &s, std::mt19937_64 &random)
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

void fillStandardNormal(std::uint64_t seed, std::size_t count, float *out)
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

void colourMatrix(const AugmentationDraw &d, double matrix[9])
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
        for (std::size_t r = 0; r < 3; ++r) {
            for (std::size_t c = 0; c < 3; ++c) {
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

void geometryMap(const AugmentationDraw &d, int width, int height, double map[6])
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
