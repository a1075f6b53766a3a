// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/imaging: one loader per decoding library.

#include "core/imaging/image_loader.h"

#include <string>

namespace cxr::imaging {

Result<Image> loadRasterImage(const std::filesystem::path &path, FileFormat format,
                              const LoadOptions &options);
Result<Image> loadDicomImage(const std::filesystem::path &path, const LoadOptions &options);

// "<path>: <problem>", the form of every loader error.
Error fileError(ErrorCode code, const std::filesystem::path &path, const std::string &problem);

// Refuses sizes that are zero, negative or beyond kMaxImageSide / kMaxPixels.
Status checkImageSize(const std::filesystem::path &path, long long width, long long height);
// The same check, its message without a path.
Status imageSizeProblem(long long width, long long height);

} // namespace cxr::imaging
