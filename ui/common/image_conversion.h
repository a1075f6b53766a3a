// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>

#include <opencv2/core/mat.hpp>

namespace cxr::ui {

// A deep copy of an 8-bit grey or BGR cv::Mat as a QImage (Grayscale8 or RGB888).
// Colour order of a 3-channel Mat: display images are BGR (OpenCV's order), model input
// pictures are RGB.
enum class ColourOrder { Bgr, Rgb };

// A deep copy of an 8-bit grey or 3-channel mat; null for anything else.
QImage toQImage(const cv::Mat &mat, ColourOrder order = ColourOrder::Bgr);

} // namespace cxr::ui
