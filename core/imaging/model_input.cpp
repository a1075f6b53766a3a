// SPDX-License-Identifier: MIT
#include "core/imaging/model_input.h"

#include "core/imaging/image_loader.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace cxr::imaging {

cv::Mat modelInputPicture(const Image &image, const ModelInputSpec &spec)
{
    cv::Mat converted;
    const cv::Mat &source = image.display;
    if (spec.channels == 1) {
        if (source.channels() == 3) {
            cv::cvtColor(source, converted, cv::COLOR_BGR2GRAY);
        } else {
            converted = source;
        }
    } else if (source.channels() == 1) {
        cv::cvtColor(source, converted, cv::COLOR_GRAY2RGB);
    } else {
        cv::cvtColor(source, converted, cv::COLOR_BGR2RGB);
    }
    if (spec.resize == ResizeMode::Letterbox && converted.cols != converted.rows) {
        const int side = std::max(converted.cols, converted.rows);
        cv::Mat square(side, side, converted.type(), cv::Scalar::all(0));
        converted.copyTo(square(cv::Rect((side - converted.cols) / 2, (side - converted.rows) / 2,
                                         converted.cols, converted.rows)));
        converted = square;
    }
    cv::Mat resized;
    cv::resize(converted, resized, cv::Size(spec.size, spec.size), 0, 0, cv::INTER_AREA);
    return resized;
}

std::vector<std::uint8_t> equalisedLevels(const std::vector<std::uint8_t> &chw, int planes)
{
    if (planes <= 0 || chw.empty() || chw.size() % std::size_t(planes) != 0) {
        return chw;
    }
    const std::size_t pixels = chw.size() / std::size_t(planes);
    std::vector<std::uint8_t> out(chw.size());
    for (std::size_t p = 0; p < std::size_t(planes); ++p) {
        const auto first = chw.begin() + std::ptrdiff_t(p * pixels);
        std::array<std::size_t, 256> counts{};
        std::for_each(first, first + std::ptrdiff_t(pixels), [&](std::uint8_t v) { ++counts[v]; });
        std::array<std::uint8_t, 256> map{};
        std::size_t below = 0;
        for (std::size_t level = 0; level < 256; ++level) {
            const double midRank = (double(below) + 0.5 * double(counts[level])) / double(pixels);
            map[level] = std::uint8_t(std::lround(midRank * 255));
            below += counts[level];
        }
        std::transform(first, first + std::ptrdiff_t(pixels),
                       out.begin() + std::ptrdiff_t(p * pixels),
                       [&](std::uint8_t v) { return map[v]; });
    }
    return out;
}

cv::Rect contentRect(int imageWidth, int imageHeight, const ModelInputSpec &spec)
{
    if (spec.resize == ResizeMode::Squash || imageWidth == imageHeight) {
        return {0, 0, spec.size, spec.size};
    }
    const double scale = double(spec.size) / double(std::max(imageWidth, imageHeight));
    const int width = std::max(1, int(std::lround(imageWidth * scale)));
    const int height = std::max(1, int(std::lround(imageHeight * scale)));
    return {(spec.size - width) / 2, (spec.size - height) / 2, width, height};
}

std::vector<std::uint8_t> toModelInputBytes(const Image &image, const ModelInputSpec &spec)
{
    const cv::Mat picture = modelInputPicture(image, spec);
    const int plane = spec.size * spec.size;
    std::vector<std::uint8_t> chw(std::size_t(plane) * spec.channels);
    for (int y = 0; y < spec.size; ++y) {
        const unsigned char *row = picture.ptr<unsigned char>(y);
        for (int x = 0; x < spec.size; ++x) {
            for (int c = 0; c < spec.channels; ++c) {
                chw[std::size_t(c) * plane + std::size_t(y) * spec.size + x] =
                    row[x * spec.channels + c];
            }
        }
    }
    return chw;
}

std::vector<float> scaleModelInput(const std::vector<std::uint8_t> &bytes)
{
    std::vector<float> scaled(bytes.size());
    std::transform(bytes.begin(), bytes.end(), scaled.begin(),
                   [](std::uint8_t level) { return float(level) / 255.0f; });
    return scaled;
}

std::vector<float> toModelInput(const Image &image, const ModelInputSpec &spec)
{
    return scaleModelInput(toModelInputBytes(image, spec));
}

Result<std::vector<std::uint8_t>> loadModelInputBytes(const std::filesystem::path &path,
                                                      const ModelInputSpec &spec)
{
    LoadOptions options;
    options.reduceTo = spec.size;
    options.keepValues = false;
    auto image = loadImage(path, options);
    if (!image) {
        return image.error();
    }
    return toModelInputBytes(*image, spec);
}

Result<std::vector<float>> loadModelInput(const std::filesystem::path &path,
                                          const ModelInputSpec &spec)
{
    auto bytes = loadModelInputBytes(path, spec);
    if (!bytes) {
        return bytes.error();
    }
    return scaleModelInput(*bytes);
}

} // namespace cxr::imaging
