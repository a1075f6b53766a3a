// SPDX-License-Identifier: MIT
#include "core/ml/torch_input_equalisation.h"

#include "core/ml/models.h"
#include "core/ml/torch_includes.h"

namespace cxr::ml {

torch::Tensor equaliseHistograms(const torch::Tensor &input)
{
    torch::NoGradGuard noGradient;
    const auto planes = input.size(0) * input.size(1);
    if (planes == 0) {
        return input;
    }
    const auto pixels = input.numel() / planes;
    const torch::Tensor levels = (input.to(torch::kFloat32).reshape({planes, pixels}) * 255)
                                     .round_()
                                     .clamp_(0, 255)
                                     .to(torch::kInt64);
    // Counting by adding ones is exact in float32 (counts stay below 2^24), so the histogram
    // does not depend on the order in which CUDA's atomic adds land, although LibTorch's
    // deterministic mode warns about scatter_add_ on CUDA once.
    const auto counts = torch::zeros({planes, 256}, input.options().dtype(torch::kFloat32))
                            .scatter_add_(1, levels, torch::ones_like(levels, torch::kFloat32));
    const torch::Tensor midRanks = (counts.cumsum(1) - counts * 0.5) / double(pixels);
    return midRanks.gather(1, levels)
        .view(input.sizes())
        .to(input.scalar_type())
        .contiguous(input.suggest_memory_format());
}

torch::Tensor ClassifierNetImpl::normalisedInput(const torch::Tensor &input) const
{
    return m_equaliseInput ? equaliseHistograms(input) : input;
}

} // namespace cxr::ml
