// SPDX-License-Identifier: MIT
#include "core/imaging/display_window.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cxr::imaging {

namespace {

// The linear VOI function for one value, then polarity.
class WindowFunction {
public:
    WindowFunction(DisplayWindow window, Polarity polarity)
        : m_width(std::max(1.0, window.width)), m_low(window.center - 0.5 - (m_width - 1) / 2),
          m_high(window.center - 0.5 + (m_width - 1) / 2),
          m_scale(m_width > 1 ? 255.0 / (m_width - 1) : 0.0),
          m_offset((0.5 - (window.center - 0.5) / std::max(1.0, m_width - 1)) * 255.0),
          m_inverted(polarity == Polarity::Inverted)
    {}

    unsigned char operator()(double x) const
    {
        double y;
        if (x <= m_low) {
            y = 0;
        } else if (x > m_high) {
            y = 255;
        } else {
            y = std::clamp(x * m_scale + m_offset, 0.0, 255.0);
        }
        const auto level = static_cast<unsigned char>(std::lround(y));
        return m_inverted ? static_cast<unsigned char>(255 - level) : level;
    }

private:
    double m_width;
    double m_low;
    double m_high;
    double m_scale;
    double m_offset;
    bool m_inverted;
};

// Stored values of radiographs are integers within a 16-bit range: the window function of
// every possible value fits a table, and rendering becomes one lookup per pixel (about 6x
// faster on a 5-Mpixel image, which keeps right-drag window/level smooth). Values that are
// not table entries (fractional rescale results) take the direct path.
constexpr double kMaxTableEntries = 65536;

} // namespace

cv::Mat renderWindow(const cv::Mat &values, DisplayWindow window, Polarity polarity)
{
    const WindowFunction function(window, polarity);
    cv::Mat source;
    if (values.type() == CV_32FC1) {
        source = values;
    } else {
        values.convertTo(source, CV_32F);
    }
    double low = 0;
    double high = 0;
    cv::minMaxLoc(source, &low, &high);
    const bool useTable = high - low < kMaxTableEntries;
    std::vector<unsigned char> table;
    if (useTable) {
        table.resize(std::size_t(high - low) + 1);
        for (std::size_t k = 0; k < table.size(); ++k) {
            table[k] = function(low + double(k));
        }
    }
    cv::Mat rendered(values.size(), CV_8UC1);
    for (int y = 0; y < source.rows; ++y) {
        const float *in = source.ptr<float>(y);
        unsigned char *out = rendered.ptr<unsigned char>(y);
        for (int x = 0; x < source.cols; ++x) {
            const double v = in[x];
            if (useTable) {
                const auto k = static_cast<std::size_t>(v - low);
                if (k < table.size() && low + double(k) == v) {
                    out[x] = table[k];
                    continue;
                }
            }
            out[x] = function(v);
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
