// SPDX-License-Identifier: MIT
#include "core/ml/torch_jpeg_round_trip.h"

#include "core/ml/tensor_batches.h"
#include "core/ml/torch_includes.h"

#include <algorithm>
#include <cmath>

namespace cxr::ml {

namespace {

// The IJG quantisation table (ITU-T T.81 Annex K, scaled for quality as libjpeg's
// jpeg_set_quality does, baseline-limited to 1-255), as an 8x8 float tensor.
torch::Tensor quantisationTable(int quality, bool chroma)
{
    static const int luma[64] = {16,  11,  10,  16,  24, 40, 51,  61,  12,  12,  14,  19,  26,
                                 58,  60,  55,  14,  13, 16, 24,  40,  57,  69,  56,  14,  17,
                                 22,  29,  51,  87,  80, 62, 18,  22,  37,  56,  68,  109, 103,
                                 77,  24,  35,  55,  64, 81, 104, 113, 92,  49,  64,  78,  87,
                                 103, 121, 120, 101, 72, 92, 95,  98,  112, 100, 103, 99};
    static const int chromaBase[64] = {
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
        99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};
    const int q = std::clamp(quality, 1, 100);
    const int scale = q < 50 ? 5000 / q : 200 - 2 * q;
    std::vector<float> table;
    for (int k = 0; k < 64; ++k) {
        table.push_back(
            float(std::clamp(((chroma ? chromaBase : luma)[k] * scale + 50) / 100, 1, 255)));
    }
    return torch::tensor(table).view({8, 8});
}

// The orthonormal 8-point DCT-II matrix: JPEG's forward transform of a block B is D B D^T.
torch::Tensor dctMatrix()
{
    std::vector<float> values;
    for (int u = 0; u < 8; ++u) {
        for (int x = 0; x < 8; ++x) {
            const double c = u == 0 ? std::sqrt(1.0 / 8) : std::sqrt(2.0 / 8);
            values.push_back(float(c * std::cos((2 * x + 1) * u * 3.141592653589793 / 16)));
        }
    }
    return torch::tensor(values).view({8, 8});
}

// JPEG's lossy step on 8-bit planes [N, C, H, W] (levels 0-255), table [N, C, 8, 8]: level
// shift, 8x8 DCT, quantisation, and back to rounded levels. Edge blocks are padded by
// repeating the last row and column, as libjpeg pads.
torch::Tensor quantisedBlocks(const torch::Tensor &levels, const torch::Tensor &tables)
{
    namespace F = torch::nn::functional;
    const std::int64_t n = levels.size(0);
    const std::int64_t channels = levels.size(1);
    const std::int64_t height = levels.size(2);
    const std::int64_t width = levels.size(3);
    const std::int64_t padBottom = (8 - height % 8) % 8;
    const std::int64_t padRight = (8 - width % 8) % 8;
    torch::Tensor x = F::pad(
        levels - 128, F::PadFuncOptions({0, padRight, 0, padBottom}).mode(torch::kReplicate));
    const std::int64_t rows = x.size(2) / 8;
    const std::int64_t columns = x.size(3) / 8;
    x = x.view({n, channels, rows, 8, columns, 8})
            .permute({0, 1, 2, 4, 3, 5}); // [.., rows, columns, 8, 8]
    const torch::Tensor d = upload(dctMatrix(), levels.device());
    const torch::Tensor table = tables.view({n, channels, 1, 1, 8, 8});
    const torch::Tensor coefficients = d.matmul(x).matmul(d.t());
    const torch::Tensor quantised = (coefficients / table).round() * table;
    x = d.t()
            .matmul(quantised)
            .matmul(d)
            .permute({0, 1, 2, 4, 3, 5})
            .reshape({n, channels, rows * 8, columns * 8});
    return (x + 128).slice(2, 0, height).slice(3, 0, width).round().clamp(0, 255);
}

// JFIF's full-range RGB <-> YCbCr, on [N, 3, H, W] levels.
torch::Tensor ycbcrFromRgb(const torch::Tensor &rgb)
{
    static const std::vector<float> m = {0.299f, 0.587f, 0.114f,     -0.168736f, -0.331264f,
                                         0.5f,   0.5f,   -0.418688f, -0.081312f};
    const torch::Tensor matrix = upload(torch::tensor(m), rgb.device()).view({3, 3});
    const torch::Tensor offset =
        upload(torch::tensor(std::vector<float>{0, 128, 128}), rgb.device()).view({1, 3, 1});
    const auto n = rgb.size(0);
    return (matrix.matmul(rgb.reshape({n, 3, -1})) + offset).view_as(rgb).round().clamp(0, 255);
}

torch::Tensor rgbFromYcbcr(const torch::Tensor &ycc)
{
    static const std::vector<float> m = {1, 0, 1.402f, 1, -0.344136f, -0.714136f, 1, 1.772f, 0};
    const torch::Tensor matrix = upload(torch::tensor(m), ycc.device()).view({3, 3});
    const torch::Tensor offset =
        upload(torch::tensor(std::vector<float>{0, 128, 128}), ycc.device()).view({1, 3, 1});
    const auto n = ycc.size(0);
    return matrix.matmul(ycc.reshape({n, 3, -1}) - offset).view_as(ycc).round().clamp(0, 255);
}

} // namespace

torch::Tensor jpegRoundTrip(const torch::Tensor &levels, const std::vector<int> &qualities)
{
    const std::int64_t channels = levels.size(1);
    const bool colour = channels == 3;
    std::vector<torch::Tensor> tables;
    for (int quality : qualities) {
        std::vector<torch::Tensor> own;
        for (std::int64_t c = 0; c < channels; ++c) {
            own.push_back(quantisationTable(quality, colour && c > 0));
        }
        tables.push_back(torch::stack(own));
    }
    torch::Tensor x = colour ? ycbcrFromRgb(levels) : levels;
    x = quantisedBlocks(x, upload(torch::stack(tables), levels.device()));
    return colour ? rgbFromYcbcr(x) : x;
}

} // namespace cxr::ml
