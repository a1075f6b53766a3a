// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cxr {

// A batch of preprocessed model inputs in plain memory: the hand-over type between
// core/data (which decodes files) and core/ml (which turns them into tensors).
// pixels holds count() images in NCHW order as 8-bit levels; the model input is pixel / 255.
// Every input derives from an 8-bit display image, so the bytes are exact and take a quarter
// of the memory of floats (the whole 5,216-image Kermany train split at 224 px: 262 MB).
struct ImageArrays {
    int channels = 1;
    int height = 0;
    int width = 0;
    std::vector<std::uint8_t> pixels;
    std::vector<int> labels;         // class index per image; -1 when unknown
    std::vector<std::string> paths;  // source file per image, for reports

    std::size_t imageSize() const { return std::size_t(channels) * height * width; }
    std::size_t count() const { return labels.size(); }
    const std::uint8_t *image(std::size_t index) const { return pixels.data() + index * imageSize(); }
};

} // namespace cxr
