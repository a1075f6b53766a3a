// SPDX-License-Identifier: MIT
#include "core/imaging/display_window.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace cxr::imaging {

cv::Mat renderWindow(const cv::Mat &values, DisplayWindow window, Polarity polarity)
{
    const double width = std::max(1.0, window.width);
    cv::Mat source;
    values.convertTo(source, CV_64F);
    // Inside the window y is linear in x: y = x * scale + offset, clipped to [0, 255] below.
    const double scale = width > 1 ? 255.0 / (width - 1) : 0.0;
    const double offset = (0.5 - (window.center - 0.5) / std::max(1.0, width - 1)) * 255.0;
    cv::Mat rendered(values.size(), CV_8UC1);
    const double low = window.center - 0.5 - (width - 1) / 2;
    const double high = window.center - 0.5 + (width - 1) / 2;
    for (int y = 0; y < source.rows; ++y) {
        const double *in = source.ptr<double>(y);
        unsigned char *out = rendered.ptr<unsigned char>(y);
        for (int x = 0; x < source.cols; ++x) {
            double v;
            if (in[x] <= low) {
                v = 0;
            } else if (in[x] > high) {
                v = 255;
            } else {
                v = std::clamp(in[x] * scale + offset, 0.0, 255.0);
            }
            const auto level = static_cast<unsigned char>(std::lround(v));
            out[x] = polarity == Polarity::Inverted ? static_cast<unsigned char>(255 - level) : level;
        }
    }
    return rendered;
}

DisplayWindow minMaxWindow(const cv::Mat &values)
{
    double low = 0;
    double high = 0;
    cv::minMaxLoc(values.reshape(1), &low, &high);
    // Solve the linear VOI function for y(low) = 0 and y(high) = 255.
    const double width = high - low + 1;
    return {(low + high) / 2 + 0.5, width};
}

} // namespace cxr::imaging
