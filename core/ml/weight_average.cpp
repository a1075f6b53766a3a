// SPDX-License-Identifier: MIT
#include "core/ml/weight_average.h"

#include "core/ml/torch_includes.h"

#include <algorithm>
#include <string>

namespace cxr::ml {

std::vector<torch::Tensor> WeightAverage::tensorsOf(torch::nn::Module &net) const
{
    std::vector<torch::Tensor> tensors = net.parameters();
    for (const torch::Tensor &buffer : net.buffers()) {
        tensors.push_back(buffer);
    }
    return tensors;
}

void WeightAverage::update(torch::nn::Module &net)
{
    if (!enabled()) {
        return;
    }
    torch::NoGradGuard noGrad;
    const std::vector<torch::Tensor> current = tensorsOf(net);
    if (m_average.empty()) {
        for (const torch::Tensor &tensor : current) {
            m_average.push_back(tensor.detach().clone());
        }
        return;
    }
    // Warm-up (as timm does): early on the average follows the weights closely instead of
    // clinging to the random initialisation for the first few hundred steps.
    ++m_steps;
    const double decay = std::min(m_decay, (1.0 + double(m_steps)) / (10.0 + double(m_steps)));
    // On CUDA, multi-tensor kernels: two launches for the whole network rather than two per
    // tensor. On the CPU, tensor by tensor, each while it is in cache (torch_multi_tensor_adam.h).
    const bool multiTensor = !current.empty() && current.front().is_cuda();
    std::vector<torch::Tensor> averages;
    std::vector<torch::Tensor> weights;
    for (std::size_t i = 0; i < current.size(); ++i) {
        if (!torch::isFloatingType(current[i].scalar_type())) {
            m_average[i].copy_(current[i]);
        } else if (multiTensor) {
            averages.push_back(m_average[i]);
            weights.push_back(current[i].detach());
        } else {
            m_average[i].mul_(decay).add_(current[i].detach(), 1 - decay);
        }
    }
    if (!averages.empty()) {
        torch::_foreach_mul_(averages, decay);
        torch::_foreach_add_(averages, weights, 1 - decay);
    }
}

void WeightAverage::swap(torch::nn::Module &net)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> current = tensorsOf(net);
    for (std::size_t i = 0; i < current.size(); ++i) {
        const torch::Tensor trained = current[i].detach().clone();
        current[i].copy_(m_average[i]);
        m_average[i].copy_(trained);
    }
}

void WeightAverage::save(torch::serialize::OutputArchive &archive) const
{
    if (!m_average.empty()) {
        archive.write("weight_average/steps", torch::tensor(m_steps));
    }
    for (std::size_t i = 0; i < m_average.size(); ++i) {
        archive.write("weight_average/" + std::to_string(i), m_average[i]);
    }
}

Status WeightAverage::load(torch::serialize::InputArchive &archive, torch::nn::Module &net)
{
    m_average.clear();
    if (!enabled()) {
        return Ok{};
    }
    for (const torch::Tensor &tensor : tensorsOf(net)) {
        torch::Tensor saved;
        if (!archive.try_read("weight_average/" + std::to_string(m_average.size()), saved)) {
            m_average.clear(); // none saved: start again at the next step
            return Ok{};
        }
        if (saved.sizes() != tensor.sizes()) {
            return makeError(ErrorCode::Corrupt,
                             "the checkpoint's weight average does not fit the model");
        }
        m_average.push_back(saved.to(tensor.device(), tensor.scalar_type()));
    }
    torch::Tensor steps;
    m_steps = archive.try_read("weight_average/steps", steps) ? steps.item<std::int64_t>() : 0;
    return Ok{};
}

} // namespace cxr::ml
