// SPDX-License-Identifier: MIT
#include "core/ml/batch_augmentation.h"

#include "core/ml/device.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_includes.h"

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
    return torch::tensor(values).to(options.device()).view({-1, 1, 1, 1});
}

// Resamples every image through its draw's affine map (output pixel -> input pixel) with
// grid_sample. align_corners makes -1 and +1 the centres of the first and last pixels, the
// same pixel-centre convention as the map.
torch::Tensor applyGeometry(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    const std::int64_t n = batch.size(0);
    const std::int64_t height = batch.size(2);
    const std::int64_t width = batch.size(3);
    std::vector<float> maps;
    maps.reserve(std::size_t(n) * 6);
    for (const AugmentationDraw &draw : draws) {
        double map[6];
        geometryMap(draw, int(width), int(height), map);
        maps.insert(maps.end(), map, map + 6);
    }
    const auto options = batch.options();
    const torch::Tensor affine = torch::tensor(maps).to(options.device()).view({n, 2, 3});
    const torch::Tensor xs = torch::arange(width, options).view({1, 1, width});
    const torch::Tensor ys = torch::arange(height, options).view({1, height, 1});
    auto coefficient = [&affine](int row, int column) {
        return affine.select(1, row).select(1, column).view({-1, 1, 1});
    };
    const torch::Tensor sourceX = coefficient(0, 0) * xs + coefficient(0, 1) * ys + coefficient(0, 2);
    const torch::Tensor sourceY = coefficient(1, 0) * xs + coefficient(1, 1) * ys + coefficient(1, 2);
    const torch::Tensor grid = torch::stack({sourceX * (2.0 / double(width - 1)) - 1.0,
                                             sourceY * (2.0 / double(height - 1)) - 1.0},
                                            -1);
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
    const torch::Tensor colour = torch::tensor(matrices).to(batch.device()).view({n, 3, 3});
    return torch::bmm(colour, batch.reshape({n, 3, -1})).view_as(batch).clamp(0, 1);
}

// The noise fields come from the draws' seeds on the CPU (the same numbers the CPU engine
// adds), then move to the device in one copy.
torch::Tensor noiseFor(const torch::Tensor &batch, const std::vector<AugmentationDraw> &draws)
{
    const std::int64_t perImage = batch[0].numel();
    torch::Tensor noise = torch::zeros(batch.sizes(), torch::kFloat32);
    float *data = noise.data_ptr<float>();
    for (std::size_t i = 0; i < draws.size(); ++i) {
        if (draws[i].noiseSigma > 0) {
            float *field = data + std::int64_t(i) * perImage;
            fillStandardNormal(draws[i].noiseSeed, std::size_t(perImage), field);
            const float sigma = float(draws[i].noiseSigma);
            for (std::int64_t k = 0; k < perImage; ++k) {
                field[k] *= sigma;
            }
        }
    }
    return noise.to(batch.device());
}

// Separable Gaussian blur of one [1, C, H, W] image with mirrored edges (OpenCV's
// BORDER_REFLECT_101 is torch's reflection padding).
torch::Tensor blurred(const torch::Tensor &image, double sigma)
{
    const int radius = int(std::ceil(3 * sigma));
    std::vector<float> weights;
    double sum = 0;
    for (int k = -radius; k <= radius; ++k) {
        weights.push_back(float(std::exp(-double(k * k) / (2 * sigma * sigma))));
        sum += weights.back();
    }
    for (float &weight : weights) {
        weight = float(weight / sum);
    }
    const std::int64_t channels = image.size(1);
    const std::int64_t side = std::int64_t(weights.size());
    const torch::Tensor kernel = torch::tensor(weights).to(image.device());
    const torch::Tensor across = kernel.view({1, 1, 1, side}).expand({channels, 1, 1, side});
    const torch::Tensor down = kernel.view({1, 1, side, 1}).expand({channels, 1, side, 1});
    namespace F = torch::nn::functional;
    torch::Tensor x = F::pad(image, F::PadFuncOptions({radius, radius, 0, 0}).mode(torch::kReflect));
    x = F::conv2d(x, across, F::Conv2dFuncOptions().groups(channels));
    x = F::pad(x, F::PadFuncOptions({0, 0, radius, radius}).mode(torch::kReflect));
    return F::conv2d(x, down, F::Conv2dFuncOptions().groups(channels));
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
    if (any(draws, [](const AugmentationDraw &d) {
            return d.brightness != 0 || d.contrast != 1 || d.gamma != 1;
        })) {
        const torch::Tensor contrast = perImage(draws, &AugmentationDraw::contrast, options);
        const torch::Tensor brightness = perImage(draws, &AugmentationDraw::brightness, options);
        batch = ((batch - 0.5) * contrast + 0.5 + brightness).clamp(0, 1);
        if (any(draws, [](const AugmentationDraw &d) { return d.gamma != 1; })) {
            batch = batch.pow(perImage(draws, &AugmentationDraw::gamma, options));
        }
    }
    if (batch.size(1) == 3 && any(draws, [](const AugmentationDraw &d) {
            return d.saturation != 1 || d.hueDegrees != 0;
        })) {
        batch = applyColour(batch, draws);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.noiseSigma > 0; })) {
        batch = (batch + noiseFor(batch, draws)).clamp(0, 1);
    }
    if (any(draws, [](const AugmentationDraw &d) { return d.blurSigma > 0.05; })) {
        batch = batch.clone(); // written image by image below; never the caller's tensor
        for (std::size_t i = 0; i < draws.size(); ++i) {
            if (draws[i].blurSigma > 0.05) {
                const std::int64_t at = std::int64_t(i);
                batch.slice(0, at, at + 1).copy_(blurred(batch.slice(0, at, at + 1), draws[i].blurSigma));
            }
        }
    }
    return batch;
}

Result<std::vector<float>> augmentImages(const ImageArrays &images,
                                         const std::vector<AugmentationDraw> &draws,
                                         const std::string &device)
{
    if (draws.size() != images.count()) {
        return makeError(ErrorCode::InvalidArgument,
                         "augmentation needs one draw per image (" + std::to_string(images.count()) +
                             " images, " + std::to_string(draws.size()) + " draws)");
    }
    auto target = resolveDevice(device);
    if (!target) {
        return target.error();
    }
    const torch::Tensor batch = toModelInput(imagesTensor(images).to(torch::Device(*target)));
    const torch::Tensor result = augmentBatch(batch, draws).to(torch::kCPU).contiguous();
    return std::vector<float>(result.data_ptr<float>(), result.data_ptr<float>() + result.numel());
}

} // namespace cxr::ml
