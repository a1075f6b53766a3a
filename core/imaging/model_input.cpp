// SPDX-License-Identifier: MIT
#include "core/imaging/model_input.h"

#include "core/imaging/image_loader.h"

#include <opencv2/imgproc.hpp>

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
    cv::Mat resized;
    cv::resize(converted, resized, cv::Size(spec.size, spec.size), 0, 0, cv::INTER_AREA);
    return resized;
}

std::vector<float> toModelInput(const Image &image, const ModelInputSpec &spec)
{
    const cv::Mat picture = modelInputPicture(image, spec);
    const int plane = spec.size * spec.size;
    std::vector<float> chw(std::size_t(plane) * spec.channels);
    for (int y = 0; y < spec.size; ++y) {
        const unsigned char *row = picture.ptr<unsigned char>(y);
        for (int x = 0; x < spec.size; ++x) {
            for (int c = 0; c < spec.channels; ++c) {
                chw[std::size_t(c) * plane + std::size_t(y) * spec.size + x] =
                    float(row[x * spec.channels + c]) / 255.0f;
            }
        }
    }
    return chw;
}

Result<std::vector<float>> loadModelInput(const std::filesystem::path &path,
                                          const ModelInputSpec &spec)
{
    LoadOptions options;
    options.reduceTo = spec.size;
    options.keepValues = false;
    auto image = loadImage(path, options);
    if (!image) {
        return image.error();
    }
    return toModelInput(*image, spec);
}

} // namespace cxr::imaging
