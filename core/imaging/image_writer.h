// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>

namespace cxr::imaging {

// Writes an 8-bit grey or BGR image as PNG, JPEG, BMP or TIFF (by the extension of path)
// through a temporary file and a rename. Errors name the path.
Status writeImage(const std::filesystem::path &path, const cv::Mat &image);

} // namespace cxr::imaging
