// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>

namespace cxr::imaging {

// An 8-bit thumbnail whose longer side is maxSide (aspect kept), decoded at reduced size
// where the format allows. Errors as loadImage.
Result<cv::Mat> loadThumbnail(const std::filesystem::path &path, int maxSide);

} // namespace cxr::imaging
