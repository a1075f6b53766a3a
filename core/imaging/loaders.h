// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/imaging: one loader per decoding library.

#include "core/imaging/file_sniffer.h"
#include "core/imaging/image_loader.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace cxr::imaging {

Result<Image> loadRasterImage(const std::filesystem::path &path, FileFormat format,
                              const LoadOptions &options);
Result<Image> loadDicomImage(const std::filesystem::path &path, const LoadOptions &options);

// Decodes a JPEG held in memory at 1/factor size (1, 2, 4 or 8: libjpeg's DCT scaling) to
// CV_8UC1 (grey JPEGs) or BGR CV_8UC3. Damaged data that libjpeg would only warn about is an
// error, and nothing reaches stderr. Error messages name the problem, not the file.
Result<cv::Mat> decodeJpeg(const std::vector<unsigned char> &bytes, int factor);

// Decodes a PNG held in memory to CV_8UC1/CV_16UC1 (grey) or BGR CV_8UC3/CV_16UC3, alpha
// dropped, through libpng with our own error and warning handlers: nothing reaches stderr.
// Error messages name the problem, not the file.
Result<cv::Mat> decodePng(const std::vector<unsigned char> &bytes);

// The DICOM part of imageHeaderProblem: the header checks of the DICOM loader, on the header
// alone. Fills info.
std::string dicomHeaderProblem(const std::filesystem::path &path, ImageHeaderInfo &info);

// A BMP whose file is shorter than its header says its uncompressed rows need. OpenCV decodes
// those to an error too, but first prints "imdecode_(''): can't read data: ..." on stderr.
// The message does not name the file.
Status bmpDataProblem(const std::filesystem::path &path);

// "<path>: <problem>", the form of every loader error.
Error fileError(ErrorCode code, const std::filesystem::path &path, const std::string &problem);

// Refuses sizes that are zero, negative or beyond kMaxImageSide / kMaxPixels.
Status checkImageSize(const std::filesystem::path &path, long long width, long long height);
// The same check, its message without a path.
Status imageSizeProblem(long long width, long long height);
// imageSizeProblem for a size read from a file's header, where 0x0 means the header reader
// found none. The message does not name the file.
Status headerSizeProblem(FileFormat format, long long width, long long height);

} // namespace cxr::imaging
