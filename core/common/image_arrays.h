// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace cxr {

// A batch of preprocessed model inputs in plain memory: the hand-over type between
// core/data (which decodes files) and core/ml (which turns them into tensors).
// pixels holds count() images in NCHW order, float32, already scaled as the model expects.
struct ImageArrays {
    int channels = 1;
    int height = 0;
    int width = 0;
    std::vector<float> pixels;
    std::vector<int> labels;         // class index per image; -1 when unknown
    std::vector<std::string> paths;  // source file per image, for reports

    std::size_t imageSize() const { return std::size_t(channels) * height * width; }
    std::size_t count() const { return labels.size(); }
    const float *image(std::size_t index) const { return pixels.data() + index * imageSize(); }
};

} // namespace cxr
