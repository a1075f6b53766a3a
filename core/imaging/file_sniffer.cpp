// SPDX-License-Identifier: MIT
#include "core/imaging/file_sniffer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace cxr::imaging {

namespace {
// Encoders may append a little padding or metadata after the end-of-image marker.
constexpr std::size_t kJpegTailBytes = 4096;
} // namespace

const char *formatName(FileFormat format)
{
    switch (format) {
    case FileFormat::Jpeg:
        return "JPEG";
    case FileFormat::Png:
        return "PNG";
    case FileFormat::Bmp:
        return "BMP";
    case FileFormat::Tiff:
        return "TIFF";
    case FileFormat::Dicom:
        return "DICOM";
    case FileFormat::Unknown:
        break;
    }
    return "unknown";
}

FileFormat sniffFormat(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 132> head{};
    in.read(reinterpret_cast<char *>(head.data()), head.size());
    const auto got = std::size_t(in.gcount());
    // First: a DICOM preamble is free-form and is sometimes itself a TIFF header.
    if (got >= 132 && std::memcmp(head.data() + 128, "DICM", 4) == 0) {
        return FileFormat::Dicom;
    }
    if (got >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) {
        return FileFormat::Jpeg;
    }
    if (got >= 8 && std::memcmp(head.data(), "\x89PNG\r\n\x1a\n", 8) == 0) {
        return FileFormat::Png;
    }
    if (got >= 2 && head[0] == 'B' && head[1] == 'M') {
        return FileFormat::Bmp;
    }
    if (got >= 4 &&
        (std::memcmp(head.data(), "II*\0", 4) == 0 || std::memcmp(head.data(), "MM\0*", 4) == 0)) {
        return FileFormat::Tiff;
    }
    return FileFormat::Unknown;
}

namespace {
std::string lowercaseExtension(const std::filesystem::path &path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}
} // namespace

bool hasDicomExtension(const std::filesystem::path &path)
{
    const std::string ext = lowercaseExtension(path);
    return ext == ".dcm" || ext == ".dicom";
}

bool hasImageExtension(const std::filesystem::path &path)
{
    const std::string ext = lowercaseExtension(path);
    static const std::array<const char *, 8> known = {".jpg", ".jpeg", ".png", ".bmp",
                                                      ".tif", ".tiff", ".dcm", ".dicom"};
    return std::any_of(known.begin(), known.end(), [&](const char *k) { return ext == k; });
}

namespace {
bool containsJpegEndMarker(const unsigned char *tail, std::size_t size)
{
    for (std::size_t i = 0; i + 1 < size; ++i) {
        if (tail[i] == 0xFF && tail[i + 1] == 0xD9) {
            return true;
        }
    }
    return false;
}
} // namespace

bool jpegFileLooksComplete(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in.tellg();
    const std::streamoff tail = std::min<std::streamoff>(size, kJpegTailBytes);
    std::array<unsigned char, kJpegTailBytes> bytes{};
    in.seekg(size - tail);
    in.read(reinterpret_cast<char *>(bytes.data()), tail);
    return in && containsJpegEndMarker(bytes.data(), std::size_t(tail));
}

JpegHeader readJpegHeader(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    auto byte = [&in]() { return in.get(); };
    // A big-endian 16-bit field; -1 when the file ends inside it (shifting the -1 that get()
    // returns at the end was undefined behaviour, found by fuzz_file_sniffer).
    auto big16 = [&byte]() {
        const int high = byte();
        const int low = byte();
        return high < 0 || low < 0 ? -1 : high << 8 | low;
    };
    if (byte() != 0xFF || byte() != 0xD8) {
        return {};
    }
    // Walk the marker segments up to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC).
    while (in) {
        int marker = byte();
        if (marker != 0xFF) {
            return {};
        }
        while (marker == 0xFF) {
            marker = byte();
        }
        if (marker < 0 || marker == 0xD9 || marker == 0xDA) {
            return {};
        }
        if (marker >= 0xD0 && marker <= 0xD7) {
            continue; // restart markers carry no length
        }
        const int length = big16();
        if (length < 2) {
            return {};
        }
        const bool startOfFrame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (startOfFrame) {
            const int precision = byte();
            const int height = big16();
            const int width = big16();
            const int components = byte();
            return in ? JpegHeader{width, height, components, precision} : JpegHeader{};
        }
        in.seekg(length - 2, std::ios::cur);
    }
    return {};
}

} // namespace cxr::imaging

namespace cxr::imaging {

HeaderSize readPngOrBmpSize(const std::filesystem::path &path, FileFormat format)
{
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 26> head{};
    in.read(reinterpret_cast<char *>(head.data()), head.size());
    if (std::size_t(in.gcount()) < head.size()) {
        return {};
    }
    auto bigEndian32 = [&head](std::size_t at) {
        return (long long)head[at] << 24 | head[at + 1] << 16 | head[at + 2] << 8 | head[at + 3];
    };
    auto littleEndian32 = [&head](std::size_t at) {
        const std::uint32_t v = std::uint32_t(head[at]) | std::uint32_t(head[at + 1]) << 8 |
                                std::uint32_t(head[at + 2]) << 16 |
                                std::uint32_t(head[at + 3]) << 24;
        return (long long)std::int32_t(v);
    };
    if (format == FileFormat::Png) {
        return {bigEndian32(16), bigEndian32(20)};
    }
    if (format == FileFormat::Bmp) {
        // Negative height means a top-down bitmap.
        const long long height = littleEndian32(22);
        return {littleEndian32(18), height < 0 ? -height : height};
    }
    return {};
}

} // namespace cxr::imaging

namespace cxr::imaging {

ImageHeaderInfo readImageHeader(const std::filesystem::path &path, FileFormat format)
{
    ImageHeaderInfo info;
    switch (format) {
    case FileFormat::Jpeg: {
        const JpegHeader jpeg = readJpegHeader(path);
        info = {jpeg.width, jpeg.height, jpeg.precision, jpeg.components};
        break;
    }
    case FileFormat::Png:
    case FileFormat::Bmp: {
        const HeaderSize size = readPngOrBmpSize(path, format);
        info.width = int(size.width);
        info.height = int(size.height);
        std::ifstream in(path, std::ios::binary);
        std::array<unsigned char, 30> head{};
        in.read(reinterpret_cast<char *>(head.data()), head.size());
        if (format == FileFormat::Png) {
            // IHDR bit depth and colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA).
            static const int channelsOfColourType[] = {1, 0, 3, 3, 2, 0, 4};
            info.bitsStored = head[24];
            info.channels = head[25] <= 6 ? channelsOfColourType[head[25]] : 0;
        } else {
            const int bitsPerPixel = head[28] | head[29] << 8;
            info.bitsStored = bitsPerPixel >= 24 ? 8 : bitsPerPixel;
            info.channels = bitsPerPixel >= 24 ? bitsPerPixel / 8 : 1;
        }
        break;
    }
    case FileFormat::Dicom:
        info = readDicomHeader(path);
        break;
    case FileFormat::Tiff:
    case FileFormat::Unknown:
        break;
    }
    return info;
}

} // namespace cxr::imaging
