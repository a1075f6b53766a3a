// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

namespace cxr {

// 64-bit FNV-1a: a fast, stable fingerprint for "same bytes" (file lists, cache keys, file
// contents). No cryptographic claim.
class Fnv1a {
public:
    void add(const void *data, std::size_t size)
    {
        const auto *bytes = static_cast<const unsigned char *>(data);
        for (std::size_t i = 0; i < size; ++i) {
            addByte(bytes[i]);
        }
    }
    void addByte(unsigned char byte) { m_hash = (m_hash ^ byte) * 1099511628211ULL; }
    template <typename T> void addValue(T value) { add(&value, sizeof value); }
    std::uint64_t value() const { return m_hash; }

private:
    std::uint64_t m_hash = 1469598103934665603ULL;
};

} // namespace cxr
