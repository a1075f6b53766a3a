// SPDX-License-Identifier: MIT
#pragma once

// The random draws of augmentation for one image, and the arithmetic both engines share to
// apply them: the noise field, the colour matrix and the geometry's affine map.

#include "core/augment/augmentation_settings.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>

namespace cxr {

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
int reducedSide(int side, double scale);

// One image's draws: every transform's happens-or-not and amount, from the generator.
AugmentationDraw drawAugmentation(const AugmentationSettings &s, std::mt19937_64 &random);

// The noise field of a draw: count standard-normal values from seed, the same on every
// platform and in both engines (a splitmix64 stream through Box-Muller).
void fillStandardNormal(std::uint64_t seed, std::size_t count, float *out);

// The colour step of a draw as one 3x3 matrix on RGB (row-major, out = M * in): saturation
// blends with the luma grey, hue rotates the chroma plane in YIQ. Both linear, so the engines
// share the arithmetic exactly.
void colourMatrix(const AugmentationDraw &d, double matrix[9]);

// The affine map from output pixel (x, y) to input pixel, [a b c; d e f], of a draw's
// geometry on a width x height image: flip, crop (zoom), rotation and translation at once,
// so an image is resampled once. Pixel centres follow the (w - 1) / 2 convention, so a flip
// maps x to w - 1 - x exactly.
void geometryMap(const AugmentationDraw &d, int width, int height, double map[6]);

} // namespace cxr
