// SPDX-License-Identifier: MIT
#include "core/imaging/thumbnail.h"

#include "core/imaging/image_loader.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace cxr::imaging {

Result<cv::Mat> loadThumbnail(const std::filesystem::path &path, int maxSide)
{
    LoadOptions options;
    options.reduceTo = maxSide;
    options.keepValues = false;
    auto image = loadImage(path, options);
    if (!image) {
        return image.error();
    }
    const cv::Mat &display = image->display;
    const double scale = double(maxSide) / double(std::max(display.cols, display.rows));
    if (scale >= 1.0) {
        return display;
    }
    cv::Mat thumbnail;
    cv::resize(display, thumbnail, cv::Size(), scale, scale, cv::INTER_AREA);
    return thumbnail;
}

} // namespace cxr::imaging
