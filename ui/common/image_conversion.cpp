// SPDX-License-Identifier: MIT
#include "ui/common/image_conversion.h"

#include <opencv2/imgproc.hpp>

namespace cxr::ui {

QImage toQImage(const cv::Mat &mat, ColourOrder order)
{
    if (mat.empty() || mat.depth() != CV_8U) {
        return {};
    }
    if (mat.channels() == 1) {
        return QImage(mat.data, mat.cols, mat.rows, int(mat.step), QImage::Format_Grayscale8)
            .copy();
    }
    if (mat.channels() != 3) {
        return {};
    }
    cv::Mat rgb = mat;
    if (order == ColourOrder::Bgr) {
        cv::cvtColor(mat, rgb, cv::COLOR_BGR2RGB);
    }
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

} // namespace cxr::ui
