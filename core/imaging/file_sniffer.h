// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/image.h"

#include <filesystem>

namespace cxr::imaging {

// Identifies a file by its leading bytes, not its extension (a .jpg may be a PNG).
// Unknown for anything that is not one of our formats, empty or unreadable.
FileFormat sniffFormat(const std::filesystem::path &path);

// True for extensions a dataset scan considers (.jpg .jpeg .png .bmp .tif .tiff .dcm .dicom),
// case-insensitive.
bool hasImageExtension(const std::filesystem::path &path);

// libjpeg fills a truncated JPEG with grey and carries on; a missing end-of-image marker in the
// last bytes of the file is how we notice instead of training on half an image.
bool jpegFileLooksComplete(const std::filesystem::path &path);

// True for .dcm and .dicom, case-insensitive.
bool hasDicomExtension(const std::filesystem::path &path);

struct JpegHeader {
    int width = 0;
    int height = 0;
    int components = 0; // 1 grey, 3 colour
    int precision = 0;  // bits per sample: 8 or 12 (16 for lossless)
};

// Reads the frame header (SOF marker) of a JPEG without decoding; all zero when none is found.
JpegHeader readJpegHeader(const std::filesystem::path &path);

// Width and height from a PNG (IHDR) or BMP (info header) without decoding; 0 when unknown.
// Lets the loader refuse absurd sizes before any pixel memory is allocated.
struct HeaderSize {
    long long width = 0;
    long long height = 0;
};
HeaderSize readPngOrBmpSize(const std::filesystem::path &path, FileFormat format);

// What a file's header says about its pixels, read without decoding them. Fields stay 0 where
// the format's header was not parsed (TIFF) or is damaged.
struct ImageHeaderInfo {
    int width = 0;
    int height = 0;
    int bitsStored = 0; // per sample
    int channels = 0;
};
ImageHeaderInfo readImageHeader(const std::filesystem::path &path, FileFormat format);
// The DICOM part of readImageHeader (Rows, Columns, BitsStored, SamplesPerPixel).
ImageHeaderInfo readDicomHeader(const std::filesystem::path &path);

} // namespace cxr::imaging
