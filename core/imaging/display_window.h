// SPDX-License-Identifier: MIT
#pragma once

#include <opencv2/core/mat.hpp>

namespace cxr::imaging {

// A linear VOI window in the units of Image::values (after the modality LUT).
struct DisplayWindow {
    double center = 128;
    double width = 256; // >= 1
};

enum class Polarity { Normal, Inverted };

// The DICOM linear VOI function (PS3.3 C.11.2.1.2.1) to 8 bits, then polarity:
//   y = 0                                     if x <= c - 0.5 - (w - 1) / 2
//   y = 255                                   if x >  c - 0.5 + (w - 1) / 2
//   y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255   otherwise
// and 255 - y when inverted. values: one channel, any depth. Returns CV_8UC1.
cv::Mat renderWindow(const cv::Mat &values, DisplayWindow window, Polarity polarity);

// The window that maps the smallest value to 0 and the largest to 255.
DisplayWindow minMaxWindow(const cv::Mat &values);

} // namespace cxr::imaging
