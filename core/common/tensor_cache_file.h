// SPDX-License-Identifier: MIT
#pragma once

// The preprocessed tensor cache on disk: one file per split and input spec, holding every
// image exactly as the model input function produced it, as 8-bit CHW planes. Reading needs
// only the standard library and a memory map, so core/ml (or a GPU node without OpenCV) can
// read it; core/data builds it.
//
// Layout, little-endian:
//   0   char[8]   magic "CXRTC01\0"
//   8   uint32    format version (1)
//   12  uint32    channels
//   16  uint32    side (height = width)
//   20  uint32    image count N
//   24  uint64    key: fingerprint of the files (paths, sizes, modification times) and the
//                 preprocessing settings; a cache whose key differs is stale
//   32  uint8[32] reserved (zero)
//   64  int32[N]  labels
//   ..  uint8[N * channels * side * side] pixels; the model input is pixel / 255

#include "core/common/image_arrays.h"
#include "core/common/mapped_file.h"
#include "core/common/result.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cxr {

inline constexpr char kTensorCacheMagic[8] = {'C', 'X', 'R', 'T', 'C', '0', '1', '\0'};
inline constexpr std::size_t kTensorCacheHeaderBytes = 64;

struct TensorCacheHeader {
    std::uint32_t version = 1;
    std::uint32_t channels = 0;
    std::uint32_t side = 0;
    std::uint32_t count = 0;
    std::uint64_t key = 0;
};

// The first kTensorCacheHeaderBytes of the layout above (core/data/tensor_cache.cpp writes the
// labels and pixels after it).
inline std::string tensorCacheHeaderBytes(const TensorCacheHeader &header)
{
    std::string bytes(kTensorCacheHeaderBytes, '\0');
    std::memcpy(&bytes[0], kTensorCacheMagic, 8);
    std::memcpy(&bytes[8], &header.version, 4);
    std::memcpy(&bytes[12], &header.channels, 4);
    std::memcpy(&bytes[16], &header.side, 4);
    std::memcpy(&bytes[20], &header.count, 4);
    std::memcpy(&bytes[24], &header.key, 8);
    return bytes;
}

inline std::string_view labelBytes(const std::vector<std::int32_t> &labels)
{
    return {reinterpret_cast<const char *>(labels.data()), labels.size() * 4};
}

// The largest image side a cache may hold (a model card's largest input size).
inline constexpr std::uint32_t kTensorCacheMaxSide = 4096;

// Maps path and returns its images as a view of the mapping, which they keep open. Errors: missing
// file, wrong magic or version, a key other than expectedKey (stale), channels other than 1 or 3, a
// side of 0 or over kTensorCacheMaxSide, no images, or a size that does not match the header.
inline Result<ImageArrays> readTensorCache(const std::filesystem::path &path,
                                           std::uint64_t expectedKey)
{
    const auto mapping = std::make_shared<const MappedFile>(path);
    const MappedFile &file = *mapping;
    if (!file.isOpen()) {
        return makeError(ErrorCode::NotFound, path.string() + ": no tensor cache");
    }
    const unsigned char *data = file.data();
    TensorCacheHeader header;
    if (file.size() < kTensorCacheHeaderBytes || std::memcmp(data, kTensorCacheMagic, 8) != 0) {
        return makeError(ErrorCode::Corrupt, path.string() + ": not a CXR Studio tensor cache");
    }
    std::memcpy(&header.version, data + 8, 4);
    std::memcpy(&header.channels, data + 12, 4);
    std::memcpy(&header.side, data + 16, 4);
    std::memcpy(&header.count, data + 20, 4);
    std::memcpy(&header.key, data + 24, 8);
    if (header.version != 1) {
        return makeError(ErrorCode::Unsupported, path.string() + ": unknown tensor cache version");
    }
    if (header.key != expectedKey) {
        return makeError(ErrorCode::Incompatible, path.string() + ": tensor cache is stale");
    }
    // Checked before any size is computed from them: within these limits no product overflows.
    if (header.channels != 1 && header.channels != 3) {
        return makeError(ErrorCode::Corrupt, path.string() + ": tensor cache header gives " +
                                                 std::to_string(header.channels) +
                                                 " channels (1 or 3 expected)");
    }
    if (header.side == 0 || header.side > kTensorCacheMaxSide) {
        return makeError(ErrorCode::Corrupt,
                         path.string() + ": tensor cache header gives an image side of " +
                             std::to_string(header.side) + " pixels (1-" +
                             std::to_string(kTensorCacheMaxSide) + " expected)");
    }
    if (header.count == 0) {
        return makeError(ErrorCode::Corrupt, path.string() + ": tensor cache holds no images");
    }
    const std::size_t imageBytes = std::size_t(header.channels) * header.side * header.side;
    const std::size_t expected =
        kTensorCacheHeaderBytes + std::size_t(header.count) * (4 + imageBytes);
    if (file.size() != expected) {
        return makeError(ErrorCode::Corrupt, path.string() + ": tensor cache is truncated");
    }
    ImageArrays arrays;
    arrays.channels = int(header.channels);
    arrays.height = arrays.width = int(header.side);
    arrays.labels.resize(header.count);
    std::memcpy(arrays.labels.data(), data + kTensorCacheHeaderBytes,
                std::size_t(header.count) * 4);
    const unsigned char *pixels = data + kTensorCacheHeaderBytes + std::size_t(header.count) * 4;
    arrays.pixels = PixelBuffer(mapping, pixels, std::size_t(header.count) * imageBytes);
    return arrays;
}

} // namespace cxr
