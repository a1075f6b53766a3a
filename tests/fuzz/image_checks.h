// SPDX-License-Identifier: MIT
#pragma once

// What every image a loader accepts must satisfy; a loader that returns anything else gives a
// silent wrong answer, which the fuzz targets treat as a crash.

#include "core/imaging/image_loader.h"

#include <opencv2/core.hpp>

#include <cstdio>
#include <cstdlib>

namespace cxr::fuzz {

inline void require(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz: accepted image breaks an invariant: %s\n", what);
        std::abort();
    }
}

inline void checkLoadedImage(const imaging::Image &image)
{
    const cv::Mat &display = image.display;
    require(!display.empty(), "display image is empty");
    require(display.type() == CV_8UC1 || display.type() == CV_8UC3,
            "display is not 8-bit grey or BGR");
    require(display.cols <= imaging::kMaxImageSide && display.rows <= imaging::kMaxImageSide,
            "display larger than the size limit");
    require(image.meta.width == display.cols && image.meta.height == display.rows,
            "metadata size differs from the display size");
    require(image.meta.channels == display.channels(), "metadata channels differ from the display");
    if (!image.values.empty()) {
        require(image.values.type() == CV_32FC1, "values are not one float channel");
        require(image.values.size() == display.size(), "values differ in size from the display");
    }
    // Touch every pixel, so that AddressSanitizer sees a display that points past its buffer.
    volatile double sum = cv::sum(display)[0];
    (void)sum;
}

} // namespace cxr::fuzz
