// SPDX-License-Identifier: MIT
#include "core/imaging/augmentation.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace cxr::imaging {

namespace {

// Adds the draw's noise field, laid out channel by channel (CHW) as the batch engine's
// tensors are, to interleaved float pixels.
void addNoise(cv::Mat &unitValues, const AugmentationDraw &d)
{
    const int channels = unitValues.channels();
    const std::size_t plane = unitValues.total();
    std::vector<float> noise(plane * std::size_t(channels));
    fillStandardNormal(d.noiseSeed, noise.size(), noise.data());
    const float sigma = float(d.noiseSigma);
    for (int y = 0; y < unitValues.rows; ++y) {
        auto *row = unitValues.ptr<float>(y);
        for (int x = 0; x < unitValues.cols; ++x) {
            for (int c = 0; c < channels; ++c) {
                row[x * channels + c] +=
                    sigma * noise[std::size_t(c) * plane + std::size_t(y) * unitValues.cols + x];
            }
        }
    }
}

// Unsharp masking: the image plus amount times what a one-pixel Gaussian takes away.
cv::Mat sharpened(const cv::Mat &image, double amount)
{
    cv::Mat values;
    image.convertTo(values, CV_32F);
    cv::Mat smooth;
    const int side = 2 * kSharpenRadius + 1;
    cv::GaussianBlur(values, smooth, cv::Size(side, side), kSharpenSigma, kSharpenSigma,
                     cv::BORDER_REFLECT_101);
    cv::Mat result;
    cv::Mat(values + (values - smooth) * amount).convertTo(result, image.type());
    return result;
}

// Shrunk by area averaging (what a coarser detector or a downsampled archive copy records),
// then enlarged back bilinearly to the model's input size.
cv::Mat reducedResolution(const cv::Mat &image, double scale)
{
    cv::Mat small;
    cv::resize(image, small,
               cv::Size(reducedSide(image.cols, scale), reducedSide(image.rows, scale)), 0, 0,
               cv::INTER_AREA);
    cv::Mat result;
    cv::resize(small, result, image.size(), 0, 0, cv::INTER_LINEAR);
    return result;
}

// A real JPEG round trip through libjpeg. Colour images go as RGB, so libjpeg converts them
// to YCbCr (and subsamples the chroma) as any encoder would.
cv::Mat reencoded(const cv::Mat &image, int quality)
{
    std::vector<uchar> bytes;
    if (image.channels() == 3) {
        cv::Mat bgr;
        cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR);
        cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
        cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
        cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
        return decoded;
    }
    cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
    return cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
}

} // namespace

cv::Mat applyAugmentation(const cv::Mat &image, const AugmentationDraw &d)
{
    cv::Mat result; // never image's buffer: the steps below write in place
    if (!d.movesPixels()) {
        result = image.clone();
    } else {
        double map[6];
        geometryMap(d, image.cols, image.rows, map);
        const cv::Matx23d affine(map[0], map[1], map[2], map[3], map[4], map[5]);
        cv::warpAffine(image, result, affine, image.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                       cv::BORDER_CONSTANT, cv::Scalar::all(0));
    }

    const bool colour = image.channels() == 3 && d.changesColour();
    if (d.changesLevels() || colour || d.addsNoise()) {
        // Intensity, in [0, 1] units: contrast around mid-grey, brightness, gamma; then colour
        // and noise.
        cv::Mat unitValues;
        result.convertTo(unitValues, CV_32F, 1.0 / 255.0);
        unitValues =
            (unitValues - cv::Scalar::all(0.5)) * d.contrast + cv::Scalar::all(0.5 + d.brightness);
        cv::max(unitValues, 0.0, unitValues);
        cv::min(unitValues, 1.0, unitValues);
        if (d.gamma != 1) {
            cv::pow(unitValues, d.gamma, unitValues);
        }
        if (colour) {
            double rgb[9];
            colourMatrix(d, rgb);
            const cv::Mat matrix(3, 3, CV_64F, rgb);
            cv::transform(unitValues, unitValues, matrix);
            cv::max(unitValues, 0.0, unitValues);
            cv::min(unitValues, 1.0, unitValues);
        }
        if (d.addsNoise()) {
            addNoise(unitValues, d);
        }
        unitValues.convertTo(result, image.type(), 255.0); // rounds and saturates to [0, 255]
    }
    if (d.blurs()) {
        // The kernel the batch engine builds, with mirrored edges.
        const int radius = d.blurRadius();
        cv::GaussianBlur(result, result, cv::Size(2 * radius + 1, 2 * radius + 1), d.blurSigma,
                         d.blurSigma, cv::BORDER_REFLECT_101);
    }
    if (d.sharpens()) {
        result = sharpened(result, d.sharpenAmount);
    }
    if (d.dropsResolution()) {
        result = reducedResolution(result, d.resolutionScale);
    }
    if (d.reencodes()) {
        result = reencoded(result, d.jpegQuality);
    }
    return result;
}

} // namespace cxr::imaging
