// SPDX-License-Identifier: MIT
#include "core/imaging/augmentation.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace cxr::imaging {

namespace {

bool inUnitRange(double p)
{
    return p >= 0 && p <= 1;
}

} // namespace

std::vector<std::string> augmentationPresetNames()
{
    return {"none", "thesis", "conservative"};
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
    } else if (name != "none") {
        return false;
    }
    settings = s;
    return true;
}

std::string validateAugmentation(const AugmentationSettings &s)
{
    const std::pair<const char *, double> probabilities[] = {
        {"horizontal flip", s.horizontalFlipProbability}, {"vertical flip", s.verticalFlipProbability},
        {"zoom", s.zoomProbability}, {"rotation", s.rotationProbability},
        {"translation", s.translationProbability}, {"brightness", s.brightnessProbability},
        {"contrast", s.contrastProbability}, {"gamma", s.gammaProbability},
        {"noise", s.noiseProbability}, {"blur", s.blurProbability}};
    for (const auto &[name, p] : probabilities) {
        if (!inUnitRange(p)) {
            return std::string(name) + " probability must be between 0 and 1";
        }
    }
    if (!(s.zoomMin > 0.5 && s.zoomMin <= s.zoomMax && s.zoomMax <= 1.0)) {
        return "zoom range must satisfy 0.5 < min <= max <= 1 (share of the side kept)";
    }
    if (!(s.aspectMin >= 0.75 && s.aspectMin <= s.aspectMax && s.aspectMax <= 1.33)) {
        return "aspect range must satisfy 0.75 <= min <= max <= 1.33";
    }
    if (!(s.rotationMaxDegrees >= 0 && s.rotationMaxDegrees <= 30)) {
        return "rotation must be between 0 and 30 degrees";
    }
    if (!(s.translationMaxFraction >= 0 && s.translationMaxFraction <= 0.25)) {
        return "translation must be between 0 and 0.25 of the side";
    }
    if (!(s.brightnessMax >= 0 && s.brightnessMax <= 0.5)) {
        return "brightness must be between 0 and 0.5";
    }
    if (!(s.contrastMax >= 0 && s.contrastMax <= 0.5)) {
        return "contrast must be between 0 and 0.5";
    }
    if (!(s.gammaMin >= 0.5 && s.gammaMin <= s.gammaMax && s.gammaMax <= 2.0)) {
        return "gamma range must satisfy 0.5 <= min <= max <= 2";
    }
    if (!(s.noiseMaxSigma >= 0 && s.noiseMaxSigma <= 0.2)) {
        return "noise sigma must be between 0 and 0.2";
    }
    if (!(s.blurMaxSigma >= 0 && s.blurMaxSigma <= 5)) {
        return "blur sigma must be between 0 and 5 pixels";
    }
    return {};
}

AugmentationDraw drawAugmentation(const AugmentationSettings &s, std::mt19937_64 &random)
{
    // Every draw is made whether or not it is used, so one image's draws never shift the next
    // image's: the same seed gives the same sequence whatever the settings.
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto happens = [&](double probability) { return unit(random) < probability; };
    auto between = [&](double low, double high) { return low + (high - low) * unit(random); };
    AugmentationDraw d;
    d.horizontalFlip = happens(s.horizontalFlipProbability);
    d.verticalFlip = happens(s.verticalFlipProbability);
    const bool zoom = happens(s.zoomProbability);
    const double side = between(s.zoomMin, s.zoomMax);
    const double aspect = between(s.aspectMin, s.aspectMax);
    const double centreX = unit(random);
    const double centreY = unit(random);
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
    const bool noise = happens(s.noiseProbability);
    const double sigma = between(0, s.noiseMaxSigma);
    d.noiseSigma = noise ? sigma : 0;
    d.noiseSeed = random();
    const bool blur = happens(s.blurProbability);
    const double blurSigma = between(0, s.blurMaxSigma);
    d.blurSigma = blur ? blurSigma : 0;
    return d;
}

cv::Mat applyAugmentation(const cv::Mat &image, const AugmentationDraw &d)
{
    const double w = image.cols;
    const double h = image.rows;
    // One affine map from output to input: flip, crop (zoom), rotate and translate together,
    // so the image is resampled once.
    const double cropW = d.cropSide * std::sqrt(d.cropAspect) * w;
    const double cropH = d.cropSide / std::sqrt(d.cropAspect) * h;
    const double angle = d.rotationDegrees * CV_PI / 180.0;
    const double cosA = std::cos(angle);
    const double sinA = std::sin(angle);
    // Output pixel (u, v), relative to the output centre, is flipped and scaled to the crop,
    // rotated, and moved to the crop centre. Centres use the pixel-centre convention
    // ((w - 1) / 2), so a flip maps u to w - 1 - u exactly.
    const double sx = cropW / w * (d.horizontalFlip ? -1 : 1);
    const double sy = cropH / h * (d.verticalFlip ? -1 : 1);
    cv::Matx23d map;
    map(0, 0) = cosA * sx;
    map(0, 1) = -sinA * sy;
    map(1, 0) = sinA * sx;
    map(1, 1) = cosA * sy;
    const double centreX = d.cropCentreX * (w - 1) - d.translateX * w;
    const double centreY = d.cropCentreY * (h - 1) - d.translateY * h;
    map(0, 2) = centreX - (map(0, 0) * (w - 1) / 2 + map(0, 1) * (h - 1) / 2);
    map(1, 2) = centreY - (map(1, 0) * (w - 1) / 2 + map(1, 1) * (h - 1) / 2);
    cv::Mat result;
    cv::warpAffine(image, result, map, image.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar::all(0));

    // Intensity, in [0, 1] units: contrast around mid-grey, brightness, gamma.
    if (d.brightness != 0 || d.contrast != 1 || d.gamma != 1 || d.noiseSigma > 0) {
        cv::Mat unitValues;
        result.convertTo(unitValues, CV_32F, 1.0 / 255.0);
        unitValues = (unitValues - 0.5) * d.contrast + 0.5 + d.brightness;
        cv::max(unitValues, 0.0, unitValues);
        cv::min(unitValues, 1.0, unitValues);
        if (d.gamma != 1) {
            cv::pow(unitValues, d.gamma, unitValues);
        }
        if (d.noiseSigma > 0) {
            cv::Mat noise(unitValues.size(), unitValues.type());
            cv::RNG rng(d.noiseSeed);
            rng.fill(noise, cv::RNG::NORMAL, 0.0, d.noiseSigma);
            unitValues += noise;
        }
        unitValues.convertTo(result, image.type(), 255.0); // saturates to [0, 255]
    }
    if (d.blurSigma > 0.05) {
        cv::GaussianBlur(result, result, cv::Size(), d.blurSigma);
    }
    return result;
}

} // namespace cxr::imaging
