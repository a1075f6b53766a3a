// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cxr {

// Read-only image bytes that either own their memory or view a memory-mapped tensor cache that
// they keep alive. A cached split is then used where it lies, paged in by the OS as training
// reads it, instead of being copied (262 MB for Kermany's train split) into the process.
class PixelBuffer {
public:
    PixelBuffer() = default;
    explicit PixelBuffer(std::vector<std::uint8_t> bytes)
    {
        auto owned = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
        m_data = owned->data();
        m_size = owned->size();
        m_owner = std::move(owned);
    }
    // A view of size bytes at data, valid while owner lives.
    PixelBuffer(std::shared_ptr<const void> owner, const std::uint8_t *data, std::size_t size)
        : m_owner(std::move(owner)), m_data(data), m_size(size)
    {}

    const std::uint8_t *data() const { return m_data; }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const std::uint8_t *begin() const { return m_data; }
    const std::uint8_t *end() const { return m_data + m_size; }
    std::vector<std::uint8_t> toVector() const { return {begin(), end()}; }

private:
    std::shared_ptr<const void> m_owner;
    const std::uint8_t *m_data = nullptr;
    std::size_t m_size = 0;
};

// A batch of preprocessed model inputs in plain memory: the hand-over type between
// core/data (which decodes files) and core/ml (which turns them into tensors).
// pixels holds count() images in NCHW order as 8-bit levels; the model input is pixel / 255.
// Every input derives from an 8-bit display image, so the bytes are exact and take a quarter
// of the memory of floats (the whole 5,216-image Kermany train split at 224 px: 262 MB).
struct ImageArrays {
    int channels = 1;
    int height = 0;
    int width = 0;
    PixelBuffer pixels;
    std::vector<int> labels;        // class index per image; -1 when unknown
    std::vector<std::string> paths; // source file per image, for reports

    std::size_t imageSize() const { return std::size_t(channels) * height * width; }
    std::size_t count() const { return labels.size(); }
    const std::uint8_t *image(std::size_t index) const
    {
        return pixels.data() + index * imageSize();
    }
};

} // namespace cxr
