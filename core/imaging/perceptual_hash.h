// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <array>
#include <cstdint>
#include <filesystem>

namespace cxr::imaging {

// A small picture of an image for finding near-duplicates (resized, re-encoded or slightly
// re-windowed copies) across splits. Chest radiographs all look alike at 9x8 pixels, so a
// difference hash alone calls unrelated films duplicates; it only picks candidates, which
// the 32x32 contrast-normalised thumbnail then confirms or rejects.
struct ImageFingerprint {
    std::uint64_t differenceHash = 0; // 9x8 grey, one bit per horizontal neighbour pair
    std::array<std::uint8_t, 32 * 32> thumbnail{}; // mean 128, standard deviation 48
};

Result<ImageFingerprint> fingerprintImage(const std::filesystem::path &path);

// Number of differing hash bits.
int hammingDistance(std::uint64_t a, std::uint64_t b);

// Mean absolute difference of the two thumbnails, in grey levels.
double thumbnailDifference(const ImageFingerprint &a, const ImageFingerprint &b);

// Hash within 10 bits and thumbnails within 6 grey levels: measured on Kermany's 5,232
// training and validation images, this flags no pair of different films.
bool nearDuplicates(const ImageFingerprint &a, const ImageFingerprint &b);

} // namespace cxr::imaging
