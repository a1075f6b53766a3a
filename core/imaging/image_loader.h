// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/imaging/file_sniffer.h"
#include "core/imaging/image.h"

#include <filesystem>
#include <string>

namespace cxr::imaging {

// Images larger than this on either side, or with more pixels than kMaxPixels, are refused
// from the header, before any pixel memory is allocated.
inline constexpr int kMaxImageSide = 32768;
inline constexpr long long kMaxPixels = 400LL * 1000 * 1000;

struct LoadOptions {
    int frame = 0; // multi-frame DICOM: which frame, 0-based
    // When > 0, a JPEG may be decoded at 1/2, 1/4 or 1/8 size (libjpeg DCT scaling) as long as
    // its shorter side stays >= reduceTo. Much faster for large radiographs going to 224 px.
    int reduceTo = 0;
    // Keep Image::values (original grey values as float) for window/level and pixel readout.
    // Model input and thumbnails need only the display image and turn this off.
    bool keepValues = true;
};

// Why loadImage would refuse path, judging by its header alone: no image size in the header, a
// size beyond kMaxImageSide / kMaxPixels, or (DICOM) a header the DICOM loader refuses (pixel
// data shorter than the header describes, BitsAllocated, SamplesPerPixel, NumberOfFrames,
// transfer syntax, no pixel data). Empty when the header gives no reason; TIFF headers are not
// read. Fills info with what the header says. Reads the header only, never the pixels, so that
// a dataset scan can list such files as problems instead of training failing on them later.
// The problem does not name the file.
std::string imageHeaderProblem(const std::filesystem::path &path, FileFormat format,
                               ImageHeaderInfo &info);

// Decodes JPEG (libjpeg), PNG (libpng), BMP, TIFF (OpenCV) or DICOM (DCMTK), chosen by the
// file's leading bytes. libjpeg's, libpng's and DCMTK's own messages never reach stderr.
// Errors name the file and the problem (missing, empty, truncated, unsupported, too large).
Result<Image> loadImage(const std::filesystem::path &path, const LoadOptions &options = {});

} // namespace cxr::imaging
