// SPDX-License-Identifier: MIT
#include "core/imaging/image_writer.h"

#include <opencv2/imgcodecs.hpp>

namespace cxr::imaging {

namespace fs = std::filesystem;

Status writeImage(const fs::path &path, const cv::Mat &image)
{
    // The temporary keeps the extension: OpenCV picks the encoder from it.
    fs::path temporary = path;
    temporary.replace_filename(path.stem().string() + ".partial" + path.extension().string());
    bool written = false;
    try {
        written = cv::imwrite(temporary.string(), image);
    } catch (const cv::Exception &) {
        written = false;
    }
    std::error_code error;
    if (!written) {
        fs::remove(temporary, error);
        return makeError(ErrorCode::WriteFailed,
                         path.string() + ": cannot write image (folder missing or not writable, "
                                         "or not a .png, .jpg, .bmp or .tif name)");
    }
    fs::rename(temporary, path, error);
    if (error) {
        fs::remove(temporary, error);
        return makeError(ErrorCode::WriteFailed, path.string() + ": cannot replace file");
    }
    return Ok{};
}

} // namespace cxr::imaging
