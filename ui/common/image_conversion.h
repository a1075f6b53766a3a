// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>

#include <opencv2/core/mat.hpp>

namespace cxr::ui {

// A deep copy of an 8-bit grey or BGR cv::Mat as a QImage (Grayscale8 or RGB888).
QImage toQImage(const cv::Mat &mat);

} // namespace cxr::ui
