// SPDX-License-Identifier: MIT
#include "core/imaging/image_loader.h"

#include "core/imaging/file_sniffer.h"
#include "core/imaging/loaders.h"

namespace cxr::imaging {

namespace fs = std::filesystem;

Error fileError(ErrorCode code, const fs::path &path, const std::string &problem)
{
    return makeError(code, path.string() + ": " + problem);
}

Status imageSizeProblem(long long width, long long height)
{
    if (width <= 0 || height <= 0) {
        return makeError(ErrorCode::Corrupt, "image has zero size");
    }
    if (width > kMaxImageSide || height > kMaxImageSide || width * height > kMaxPixels) {
        return makeError(ErrorCode::Unsupported,
                         "image is " + std::to_string(width) + "x" + std::to_string(height) +
                             " pixels, larger than CXR Studio accepts (" +
                             std::to_string(kMaxImageSide) + " a side)");
    }
    return Ok{};
}

Status headerSizeProblem(FileFormat format, long long width, long long height)
{
    // All zero is what the header readers return when they found no size at all.
    if (width == 0 && height == 0) {
        return makeError(ErrorCode::Corrupt,
                         format == FileFormat::Jpeg
                             ? "no frame header (SOF) with the image size before the image data"
                             : "no image size in its header (damaged or cut short)");
    }
    return imageSizeProblem(width, height);
}

Status checkImageSize(const fs::path &path, long long width, long long height)
{
    if (auto checked = imageSizeProblem(width, height); !checked) {
        return fileError(checked.error().code, path, checked.error().message);
    }
    return Ok{};
}

std::string imageHeaderProblem(const fs::path &path, FileFormat format, ImageHeaderInfo &info)
{
    if (format == FileFormat::Dicom) {
        return dicomHeaderProblem(path, info);
    }
    info = readImageHeader(path, format);
    long long width = info.width;
    long long height = info.height;
    switch (format) {
    case FileFormat::Png:
    case FileFormat::Bmp: {
        const HeaderSize size = readPngOrBmpSize(path, format); // beyond int: not in info
        width = size.width;
        height = size.height;
        break;
    }
    case FileFormat::Jpeg:
        break;
    case FileFormat::Tiff:
    case FileFormat::Unknown:
    case FileFormat::Dicom:
        return {};
    }
    if (auto checked = headerSizeProblem(format, width, height); !checked) {
        return checked.error().message;
    }
    return {};
}

Result<Image> loadImage(const fs::path &path, const LoadOptions &options)
{
    std::error_code error;
    if (!fs::exists(path, error)) {
        return fileError(ErrorCode::NotFound, path, "file not found");
    }
    if (!fs::is_regular_file(path, error)) {
        return fileError(ErrorCode::NotReadable, path, "not a regular file");
    }
    if (fs::file_size(path, error) == 0) {
        return fileError(ErrorCode::Corrupt, path, "file is empty");
    }
    const FileFormat format = sniffFormat(path);
    switch (format) {
    case FileFormat::Dicom:
        return loadDicomImage(path, options);
    case FileFormat::Jpeg:
    case FileFormat::Png:
    case FileFormat::Bmp:
    case FileFormat::Tiff:
        return loadRasterImage(path, format, options);
    case FileFormat::Unknown:
        // Old DICOM files may lack the preamble and "DICM" marker; let DCMTK try those.
        if (hasDicomExtension(path)) {
            return loadDicomImage(path, options);
        }
        break;
    }
    return fileError(ErrorCode::Unsupported, path,
                     "not an image CXR Studio can read (expected JPEG, PNG, BMP, TIFF or DICOM)");
}

} // namespace cxr::imaging
