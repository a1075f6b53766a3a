// SPDX-License-Identifier: MIT
#include "core/imaging/image_loader.h"

#include "core/imaging/file_sniffer.h"
#include "core/imaging/loaders.h"

#include <array>
#include <cstdint>
#include <fstream>

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
        return makeError(ErrorCode::Unsupported, "image is " + std::to_string(width) + "x" +
                                                     std::to_string(height) +
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

Status bmpDataProblem(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff fileSize = in.tellg();
    std::array<unsigned char, 34> head{};
    in.seekg(0);
    in.read(reinterpret_cast<char *>(head.data()), head.size());
    if (std::size_t(in.gcount()) < head.size()) {
        return Ok{}; // too short for an info header: the decoder says what is wrong
    }
    auto little = [&head](std::size_t at, int bytes) {
        std::uint32_t value = 0;
        for (int i = bytes - 1; i >= 0; --i) {
            value = value << 8 | head[at + std::size_t(i)];
        }
        return value;
    };
    const std::uint32_t dataOffset = little(10, 4);
    const std::uint32_t infoSize = little(14, 4);
    const auto width = std::int64_t(std::int32_t(little(18, 4)));
    const auto height = std::int64_t(std::int32_t(little(22, 4)));
    const std::uint32_t bitsPerPixel = little(28, 2);
    const std::uint32_t compression = little(30, 4);
    // Uncompressed rows only (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS); OS/2 headers and RLE
    // are left to the decoder. Rows are padded to four bytes.
    const bool uncompressed = compression == 0 || compression == 3 || compression == 6;
    // Sizes beyond the limits are refused by the size check; leaving them out here also keeps
    // stride * height within 64 bits (a 2^31 px BMP overflowed it; found by fuzz_file_sniffer).
    if (infoSize < 40 || !uncompressed || width <= 0 || height == 0 || width > kMaxImageSide ||
        height > kMaxImageSide || height < -kMaxImageSide ||
        (bitsPerPixel != 1 && bitsPerPixel != 4 && bitsPerPixel != 8 && bitsPerPixel != 16 &&
         bitsPerPixel != 24 && bitsPerPixel != 32)) {
        return Ok{};
    }
    const std::int64_t stride = (width * bitsPerPixel + 31) / 32 * 4;
    const std::int64_t needed = std::int64_t(dataOffset) + stride * (height < 0 ? -height : height);
    if (fileSize < needed) {
        return makeError(ErrorCode::Corrupt,
                         "truncated BMP: the file holds " + std::to_string(fileSize) +
                             " bytes, its header needs " + std::to_string(needed));
    }
    return Ok{};
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
    if (format == FileFormat::Bmp) {
        if (auto checked = bmpDataProblem(path); !checked) {
            return checked.error().message;
        }
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
