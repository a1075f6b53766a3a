// SPDX-License-Identifier: MIT
#include "core/ml/file_digest.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

namespace cxr::ml {

namespace {

// A small streaming SHA-256: the standard library has none, and core/ml must build with
// LibTorch alone (no OpenSSL on a bare GPU node).
class Sha256 {
public:
    void update(const unsigned char *data, std::size_t size)
    {
        m_length += size;
        while (size > 0) {
            const std::size_t take = std::min(size, m_block.size() - m_used);
            std::copy(data, data + take, m_block.begin() + std::ptrdiff_t(m_used));
            m_used += take;
            data += take;
            size -= take;
            if (m_used == m_block.size()) {
                compress();
                m_used = 0;
            }
        }
    }

    std::string hex()
    {
        const std::uint64_t bits = m_length * 8;
        const unsigned char pad = 0x80;
        update(&pad, 1);
        const unsigned char zero = 0;
        while (m_used != 56) {
            update(&zero, 1);
        }
        std::array<unsigned char, 8> length{};
        for (int i = 0; i < 8; ++i) {
            length[std::size_t(i)] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        }
        update(length.data(), length.size());
        std::string text;
        char digits[9];
        for (std::uint32_t word : m_state) {
            std::snprintf(digits, sizeof digits, "%08x", unsigned(word));
            text += digits;
        }
        return text;
    }

private:
    static std::uint32_t rotate(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

    void compress()
    {
        static constexpr std::array<std::uint32_t, 64> k = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2};
        std::array<std::uint32_t, 64> w{};
        for (std::size_t i = 0; i < 16; ++i) {
            w[i] = std::uint32_t(m_block[4 * i]) << 24 | std::uint32_t(m_block[4 * i + 1]) << 16 |
                   std::uint32_t(m_block[4 * i + 2]) << 8 | std::uint32_t(m_block[4 * i + 3]);
        }
        for (std::size_t i = 16; i < 64; ++i) {
            const std::uint32_t s0 =
                rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::array<std::uint32_t, 8> v = m_state;
        for (std::size_t i = 0; i < 64; ++i) {
            const std::uint32_t s1 = rotate(v[4], 6) ^ rotate(v[4], 11) ^ rotate(v[4], 25);
            const std::uint32_t choose = (v[4] & v[5]) ^ (~v[4] & v[6]);
            const std::uint32_t t1 = v[7] + s1 + choose + k[i] + w[i];
            const std::uint32_t s0 = rotate(v[0], 2) ^ rotate(v[0], 13) ^ rotate(v[0], 22);
            const std::uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            const std::uint32_t t2 = s0 + majority;
            v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
        }
        for (std::size_t i = 0; i < 8; ++i) {
            m_state[i] += v[i];
        }
    }

    std::array<std::uint32_t, 8> m_state = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<unsigned char, 64> m_block{};
    std::size_t m_used = 0;
    std::uint64_t m_length = 0;
};

} // namespace

std::string sha256Hex(std::string_view bytes)
{
    Sha256 hash;
    hash.update(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
    return hash.hex();
}

Result<std::string> sha256OfFile(const std::filesystem::path &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotReadable, file.string() + ": cannot be read");
    }
    Sha256 hash;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        hash.update(reinterpret_cast<const unsigned char *>(buffer.data()),
                    std::size_t(in.gcount()));
    }
    if (in.bad()) {
        return makeError(ErrorCode::NotReadable, file.string() + ": read error");
    }
    return hash.hex();
}

} // namespace cxr::ml
