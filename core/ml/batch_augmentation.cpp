// SPDX-License-Identifier: MIT
#include "core/ml/batch_augmentation.h"

#include "core/ml/device.h"
#include "core/ml/runtime_setup.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_jpeg_round_trip.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace cxr::ml {

namespace {

// Per-image scalars as an [N, 1, 1, 1] tensor on device, for broadcasting.
torch::Tensor perImage(const std::vector<AugmentationDraw> &draws, double AugmentationDraw::*field,
                       const torch::TensorOptions &options)
{
    std::vector<float> values;
    values.reserve(draws.size());
    for (const AugmentationDraw &draw : draws) {
        values.push_back(float(draw.*field));
    }
    return upload(torch::tensor(values), options.device()).view({-1, 1, 1, 1});
}

// Bilinear resampling of one C x H x W float image through map (output pixel -> input
// pixel), black outside: what grid_sample computes, written out for the CPU, where this loop
// is about ten times faster than LibTorch's general grid sampler.
void warpImage(const float *in, float *out, std::int64_t channels, std::int64_t height,
               std::int64_t width, const double map[6])
{
    const std::int64_t plane = height * width;
    for (std::int64_t y = 0; y < height; ++y) {
        double sourceX = map[1] * double(y) + map[2]; // stepped along the row, not recomputed
        double sourceY = map[4] * double(y) + map[5];
        for (std::int64_t x = 0; x < width; ++x, sourceX += map[0], sourceY += map[3]) {
            // floor() by truncation after an offset: std::floor is a library call on plain
            // x86-64 and dominated this loop. Source coordinates stay far above -kOffset.
            constexpr double kOffset = 65536.0;
            const auto x0 = std::int64_t(sourceX + kOffset) - std::int64_t(kOffset);
            const auto y0 = std::int64_t(sourceY + kOffset) - std::int64_t(kOffset);
            const float wx = float(sourceX - double(x0));
            const float wy = float(sourceY - double(y0));
            const std::int64_t at = y * width + x;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) { // all four inside
                for (std::int64_t c = 0; c < channels; ++c) {
                    const float *p = in + c * plane + y0 * width + x0;
                    out[c * plane + at] = (p[0] * (1 - wx) + p[1] * wx) * (1 - wy) +
                                          (p[width] * (1 - wx) + p[width + 1] * wx) * wy;
                }
                continue;
            }
            const bool inX0 = x0 >= 0 && x0 < width;
            const bool inX1 = x0 + 1 >= 0 && x0 + 1 < width;
            const bool inY0 = y0 >= 0 && y0 < height;
            const bool inY1 = y0 + 1 >= 0 && y0 + 1 < height;
            for (std::int64_t c = 0; c < channels; ++c) {
                const float *source = in + c * plane;
                auto value = [&](bool inside, std::int64_t row, std::int64_t column) {
                    return inside ? source[row * width + column] : 0.0f;
                };
                out[c * plane + at] = (value(inY0 && inX0, y0, x0) * (1 - wx) +
                                       value(inY0 && inX1, y0, x0 + 1) * wx) *
                                          (1 - wy) +
                                      (value(inY1 && inX0, y0 + 1, x0) * (1 - wx) +
                                       value(inY1 && inX1, y0 + 1, x0 + 1) * wx) *
                                          wy;
            }
        }
    }
}

// Resamples every image through its draw's affine map (output pixel -> input pixel): with
// warpImage on the CPU, and with affine_grid + grid_sample elsewhere. There align_corners makes
// -1 and +1 the centres of the first and last pixels, the same pixel-centre convention as the
// map, which is rewritten in those normalised coordinates: n = 2 p / (side - 1) - 1.
torch::Tensor applyGeometry(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    if (batch.device().is_cpu()) {
        const torch::Tensor input = batch.contiguous();
        torch::Tensor output = torch::empty_like(input);
        const std::int64_t channels = input.size(1);
        const std::int64_t height = input.size(2);
        const std::int64_t width = input.size(3);
        const std::int64_t perImage = channels * height * width;
        const float *in = input.data_ptr<float>();
        float *out = output.data_ptr<float>();
        at::parallel_for(0, input.size(0), 1, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i) {
                double map[6];
                geometryMap(draws[std::size_t(i)], int(width), int(height), map);
                warpImage(in + i * perImage, out + i * perImage, channels, height, width, map);
            }
        });
        return output;
    }
    const std::int64_t n = batch.size(0);
    const double height = double(batch.size(2) - 1);
    const double width = double(batch.size(3) - 1);
    std::vector<float> thetas;
    thetas.reserve(std::size_t(n) * 6);
    for (const AugmentationDraw &draw : draws) {
        double m[6];
        geometryMap(draw, int(batch.size(3)), int(batch.size(2)), m);
        const double xx = m[0];
        const double xy = m[1] * height / width;
        const double yx = m[3] * width / height;
        const double yy = m[4];
        const float theta[6] = {float(xx), float(xy), float(xx + xy + 2 * m[2] / width - 1),
                                float(yx), float(yy), float(yx + yy + 2 * m[5] / height - 1)};
        thetas.insert(thetas.end(), theta, theta + 6);
    }
    const torch::Tensor theta = upload(torch::tensor(thetas), batch.device()).view({n, 2, 3});
    const torch::Tensor grid =
        torch::affine_grid_generator(theta, batch.sizes(), /*align_corners=*/true);
    return torch::grid_sampler(batch, grid, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/true);
}

torch::Tensor applyColour(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    std::vector<float> matrices;
    for (const AugmentationDraw &draw : draws) {
        double matrix[9];
        colourMatrix(draw, matrix);
        matrices.insert(matrices.end(), matrix, matrix + 9);
    }
    const std::int64_t n = batch.size(0);
    const torch::Tensor colour = upload(torch::tensor(matrices), batch.device()).view({n, 3, 3});
    return torch::bmm(colour, batch.reshape({n, 3, -1})).view_as(batch).clamp(0, 1);
}

// The noise fields come from the draws' seeds on the CPU (the same numbers the CPU engine
// adds), then move to the device in one copy.
torch::Tensor noiseFor(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    const std::int64_t perImage = batch[0].numel();
    torch::Tensor noise = torch::zeros(batch.sizes(), torch::kFloat32);
    float *data = noise.data_ptr<float>();
    at::parallel_for(0, std::int64_t(draws.size()), 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            const AugmentationDraw &draw = draws[std::size_t(i)];
            if (draw.addsNoise()) {
                float *field = data + i * perImage;
                fillStandardNormal(draw.noiseSeed, std::size_t(perImage), field);
                const float sigma = float(draw.noiseSigma);
                for (std::int64_t k = 0; k < perImage; ++k) {
                    field[k] *= sigma;
                }
            }
        }
    });
    return upload(noise, batch.device());
}

// Separable Gaussian blur of the whole batch in one grouped convolution per direction: image
// i gets its own kernel of sigmas[i] (0: the centre tap alone, no blur), all padded to the
// widest radius, ceil(3 sigma). Mirrored edges: OpenCV's BORDER_REFLECT_101 is torch's
// reflection padding, and taps past an image's own radius weigh zero, so the padding width
// changes nothing.
torch::Tensor gaussianBlurred(const torch::Tensor &batch, const std::vector<double> &sigmas)
{
    auto radiusOf = [](double sigma) { return sigma > 0 ? int(std::ceil(3 * sigma)) : 0; };
    int radius = 0;
    for (double sigma : sigmas) {
        radius = std::max(radius, radiusOf(sigma));
    }
    const std::int64_t channels = batch.size(1);
    const int side = 2 * radius + 1;
    std::vector<float> kernels;
    kernels.reserve(sigmas.size() * std::size_t(channels * side));
    for (double sigma : sigmas) {
        std::vector<float> kernel(std::size_t(side), 0.0f);
        const int own = radiusOf(sigma);
        if (own > 0) {
            std::vector<double> weights;
            double sum = 0;
            for (int k = -own; k <= own; ++k) {
                weights.push_back(std::exp(-double(k * k) / (2 * sigma * sigma)));
                sum += weights.back();
            }
            for (int k = -own; k <= own; ++k) {
                const int tap = radius + k;
                const int weight = own + k;
                kernel[std::size_t(tap)] = float(weights[std::size_t(weight)] / sum);
            }
        } else {
            kernel[std::size_t(radius)] = 1.0f;
        }
        for (std::int64_t c = 0; c < channels; ++c) {
            kernels.insert(kernels.end(), kernel.begin(), kernel.end());
        }
    }
    const std::int64_t planes = batch.size(0) * channels;
    const torch::Tensor weights = upload(torch::tensor(kernels), batch.device());
    namespace F = torch::nn::functional;
    torch::Tensor x = batch.reshape({1, planes, batch.size(2), batch.size(3)});
    x = F::pad(x, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReflect));
    x = F::conv2d(x, weights.view({planes, 1, 1, side}), F::Conv2dFuncOptions().groups(planes));
    x = F::conv2d(x, weights.view({planes, 1, side, 1}), F::Conv2dFuncOptions().groups(planes));
    return x.view_as(batch);
}

torch::Tensor blurred(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    std::vector<double> sigmas;
    sigmas.reserve(draws.size());
    for (const AugmentationDraw &draw : draws) {
        sigmas.push_back(draw.blurs() ? draw.blurSigma : 0);
    }
    return gaussianBlurred(batch, sigmas);
}

// Unsharp masking: each image plus its amount times what a one-pixel Gaussian takes away.
torch::Tensor sharpened(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    std::vector<double> sigmas;
    sigmas.reserve(draws.size());
    for (const AugmentationDraw &draw : draws) {
        sigmas.push_back(draw.sharpens() ? kSharpenSigma : 0);
    }
    const torch::Tensor amount = perImage(draws, &AugmentationDraw::sharpenAmount, batch.options());
    return (batch + (batch - gaussianBlurred(batch, sigmas)) * amount).clamp(0, 1);
}

// Shrinks dimension dim of x from its size to `to` samples by area averaging: output sample i
// averages input [i, i + 1) * from / to, partial samples weighted by their overlap. This is
// OpenCV's INTER_AREA for any ratio; torch's area mode (adaptive pooling) rounds the bins to
// whole pixels, a visibly different picture at ratios like 0.63. Each output is a weighted sum
// of the few inputs its interval covers (at most ceil(from / to) + 1), gathered and summed
// rather than multiplied by the [to, from] matrix: with Debian's reference BLAS that matrix
// product cost 7 ms an image, ten times everything else in the batch engine together.
torch::Tensor areaShrunk(const torch::Tensor &x, std::int64_t dim, std::int64_t to)
{
    const std::int64_t from = x.size(dim);
    const double step = double(from) / double(to);
    const auto taps = std::int64_t(std::ceil(step)) + 1;
    std::vector<std::int64_t> indices(std::size_t(to * taps), 0);
    std::vector<float> weights(std::size_t(to * taps), 0.0f);
    for (std::int64_t i = 0; i < to; ++i) {
        const double start = double(i) * step;
        const double end = start + step;
        std::int64_t tap = 0;
        for (auto j = std::int64_t(start); j < from && double(j) < end && tap < taps; ++j, ++tap) {
            const double overlap = std::min(end, double(j + 1)) - std::max(start, double(j));
            indices[std::size_t(i * taps + tap)] = j;
            weights[std::size_t(i * taps + tap)] = float(overlap / step);
        }
    }
    std::vector<std::int64_t> shape = x.sizes().vec();
    shape[std::size_t(dim)] = to;
    shape.insert(shape.begin() + dim + 1, taps);
    std::vector<std::int64_t> weightShape(shape.size(), 1);
    weightShape[std::size_t(dim)] = to;
    weightShape[std::size_t(dim) + 1] = taps;
    const torch::Tensor gathered =
        x.index_select(dim, upload(torch::tensor(indices), x.device())).view(shape);
    return (gathered * upload(torch::tensor(weights), x.device()).view(weightShape)).sum(dim + 1);
}

// Each image with a resolution drop shrunk by area averaging and enlarged back bilinearly
// (half-pixel centres, as OpenCV's INTER_LINEAR); the others as they are.
torch::Tensor reducedResolution(const torch::Tensor &batch,
                                const std::vector<AugmentationDraw> &draws)
{
    namespace F = torch::nn::functional;
    torch::Tensor result = batch.clone();
    const std::int64_t height = batch.size(2);
    const std::int64_t width = batch.size(3);
    for (std::size_t i = 0; i < draws.size(); ++i) {
        if (!draws[i].dropsResolution()) {
            continue;
        }
        const double scale = draws[i].resolutionScale;
        const torch::Tensor image = batch[std::int64_t(i)]; // [C, H, W]
        const torch::Tensor shrunk =
            areaShrunk(areaShrunk(image, 1, reducedSide(int(height), scale)), 2,
                       reducedSide(int(width), scale));
        result[std::int64_t(i)] =
            F::interpolate(shrunk.unsqueeze(0), F::InterpolateFuncOptions()
                                                    .size(std::vector<std::int64_t>{height, width})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false))[0];
    }
    return result.clamp(0, 1);
}

// The images whose draw re-encodes them go through JPEG's lossy step at their own quality.
torch::Tensor reencoded(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    std::vector<std::int64_t> chosen;
    std::vector<int> qualities;
    for (std::size_t i = 0; i < draws.size(); ++i) {
        if (draws[i].reencodes()) {
            chosen.push_back(std::int64_t(i));
            qualities.push_back(draws[i].jpegQuality);
        }
    }
    const torch::Tensor index = upload(torch::tensor(chosen, torch::kInt64), batch.device());
    // An encoder is given 8-bit levels.
    const torch::Tensor levels = (batch.index_select(0, index) * 255).round();
    return batch.index_copy(0, index, jpegRoundTrip(levels, qualities) / 255);
}

template <typename Predicate>
bool any(const std::vector<AugmentationDraw> &draws, Predicate predicate)
{
    return std::any_of(draws.begin(), draws.end(), predicate);
}

} // namespace

torch::Tensor augmentBatch(const torch::Tensor &input, const std::vector<AugmentationDraw> &draws)
{
    torch::NoGradGuard noGrad;
    const auto options = input.options();
    torch::Tensor batch = input;
    if (any(draws, [](const AugmentationDraw &d) { return d.movesPixels(); })) {
        batch = applyGeometry(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.changesLevels(); })) {
        const torch::Tensor contrast = perImage(draws, &AugmentationDraw::contrast, options);
        const torch::Tensor brightness = perImage(draws, &AugmentationDraw::brightness, options);
        batch = ((batch - 0.5) * contrast + 0.5 + brightness).clamp(0, 1);
        if (any(draws, [](const AugmentationDraw &d) { return d.gamma != 1; })) {
            batch = batch.pow(perImage(draws, &AugmentationDraw::gamma, options));
        }
    }
    if (batch.size(1) == 3 &&
        any(draws, [](const AugmentationDraw &d) { return d.changesColour(); })) {
        batch = applyColour(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.addsNoise(); })) {
        batch = (batch + noiseFor(batch, draws)).clamp(0, 1);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.blurs(); })) {
        batch = blurred(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.sharpens(); })) {
        batch = sharpened(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.dropsResolution(); })) {
        batch = reducedResolution(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.reencodes(); })) {
        batch = reencoded(batch, draws);
    }
    return batch;
}

Result<std::vector<float>> augmentImages(const ImageArrays &images,
                                         const std::vector<AugmentationDraw> &draws,
                                         const std::string &device)
{
    if (draws.size() != images.count()) {
        return makeError(ErrorCode::InvalidArgument, "augmentation needs one draw per image (" +
                                                         std::to_string(images.count()) +
                                                         " images, " +
                                                         std::to_string(draws.size()) + " draws)");
    }
    auto target = resolveDevice(device);
    if (!target) {
        return target.error();
    }
    prepareRuntimeForInference();
    const torch::Tensor batch = toModelInput(imagesTensor(images).to(torch::Device(*target)));
    const torch::Tensor result = augmentBatch(batch, draws).to(torch::kCPU).contiguous();
    return std::vector<float>(result.data_ptr<float>(), result.data_ptr<float>() + result.numel());
}

} // namespace cxr::ml
