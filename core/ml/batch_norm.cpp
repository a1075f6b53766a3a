// SPDX-License-Identifier: MIT
#include "core/ml/torch_batch_norm.h"

#include "core/ml/torch_process_group.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/types.h>

#include <cstdint>
#include <ostream>

namespace cxr::ml {
namespace {

thread_local const ProcessGroup *syncGroupOfThisThread = nullptr;

void sumOrThrow(const ProcessGroup &group, const torch::Tensor &tensor)
{
    if (auto summed = sumOverRanks(group, tensor); !summed) {
        throw RanksLost(summed.error());
    }
}

// The element-wise sum of a tensor over the ranks, differentiable: every rank's output is the
// same sum, so the gradient of a rank's input is the sum of the ranks' output gradients.
struct SumOverRanks : torch::autograd::Function<SumOverRanks> {
    static torch::Tensor forward(torch::autograd::AutogradContext *context,
                                 const torch::Tensor &local, std::int64_t groupAddress)
    {
        context->saved_data["group"] = groupAddress;
        torch::Tensor total = local.contiguous().clone();
        sumOrThrow(groupAt(groupAddress), total);
        return total;
    }
    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext *context,
                                                 torch::autograd::tensor_list outputGradients)
    {
        torch::Tensor total = outputGradients[0].contiguous().clone();
        sumOrThrow(groupAt(context->saved_data["group"].toInt()), total);
        return {total, torch::Tensor()};
    }
    // The context keeps only IValues, so the group travels as its address; it outlives the
    // step whose graph holds it.
    static const ProcessGroup &groupAt(std::int64_t address)
    {
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        return *reinterpret_cast<const ProcessGroup *>(static_cast<std::intptr_t>(address));
    }
};

torch::Tensor sumOverRanksDifferentiable(const torch::Tensor &local, const ProcessGroup &group)
{
    return SumOverRanks::apply(local,
                               static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(&group)));
}

torch::Tensor perChannel(const torch::Tensor &values)
{
    return values.view({1, -1, 1, 1});
}

} // namespace

BatchNormSync::BatchNormSync(const ProcessGroup *group) : m_previous(syncGroupOfThisThread)
{
    syncGroupOfThisThread = group;
}

BatchNormSync::~BatchNormSync()
{
    syncGroupOfThisThread = m_previous;
}

SyncBatchNorm2dImpl::SyncBatchNorm2dImpl(const torch::nn::BatchNormOptions &options)
    : options(options)
{
    reset();
}

void SyncBatchNorm2dImpl::reset()
{
    const std::int64_t features = options.num_features();
    if (options.affine()) {
        weight = register_parameter("weight", torch::ones({features}));
        bias = register_parameter("bias", torch::zeros({features}));
    }
    if (options.track_running_stats()) {
        running_mean = register_buffer("running_mean", torch::zeros({features}));
        running_var = register_buffer("running_var", torch::ones({features}));
        num_batches_tracked =
            register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
    }
}

torch::Tensor SyncBatchNorm2dImpl::forward(const torch::Tensor &input)
{
    TORCH_CHECK(input.dim() == 4, "batch norm expects images (N, C, H, W), got ", input.sizes());
    if (syncGroupOfThisThread != nullptr && is_training()) {
        return synchronisedForward(input, *syncGroupOfThisThread);
    }
    // What LibTorch's BatchNorm2d does: a momentum of None means a cumulative average.
    double averagingFactor = options.momentum().value_or(0.0);
    if (is_training() && options.track_running_stats()) {
        num_batches_tracked += 1;
        if (!options.momentum()) {
            averagingFactor = 1.0 / double(num_batches_tracked.item<std::int64_t>());
        }
    }
    return torch::batch_norm(input, weight, bias, running_mean, running_var,
                             is_training() || !options.track_running_stats(), averagingFactor,
                             options.eps(), /*cudnn_enabled=*/true);
}

void SyncBatchNorm2dImpl::pretty_print(std::ostream &stream) const
{
    stream << std::boolalpha << "BatchNorm2d(" << options.num_features()
           << ", eps=" << options.eps() << ", momentum=";
    if (options.momentum()) {
        stream << *options.momentum();
    } else {
        stream << "None";
    }
    stream << ", affine=" << options.affine()
           << ", track_running_stats=" << options.track_running_stats() << ")";
}

// Two passes, each one sum over the ranks: the mean, then the variance around it. One pass
// (sums of x and x squared) would save a collective but loses precision when the mean is large
// against the spread; the ranks' images must give the one-process figures.
torch::Tensor SyncBatchNorm2dImpl::synchronisedForward(const torch::Tensor &input,
                                                       const ProcessGroup &group)
{
    const torch::Tensor x =
        input.to(torch::kFloat32); // autocast's half inputs: statistics in float
    const std::vector<std::int64_t> dims{0, 2, 3};
    const std::int64_t channels = x.size(1);
    const double localCount = double(x.size(0) * x.size(2) * x.size(3));
    const torch::Tensor sums = sumOverRanksDifferentiable(
        torch::cat({x.sum(dims), torch::full({1}, localCount, x.options())}), group);
    const torch::Tensor count = sums.narrow(0, channels, 1).detach();
    const torch::Tensor mean = sums.narrow(0, 0, channels) / count;
    const torch::Tensor centred = x - perChannel(mean);
    const torch::Tensor variance =
        sumOverRanksDifferentiable((centred * centred).sum(dims), group) / count;
    torch::Tensor output = centred * perChannel(torch::rsqrt(variance + options.eps()));
    if (options.affine()) {
        output = output * perChannel(weight) + perChannel(bias);
    }
    if (options.track_running_stats()) {
        torch::NoGradGuard noGrad;
        num_batches_tracked += 1;
        const double momentum = options.momentum()
                                    ? *options.momentum()
                                    : 1.0 / double(num_batches_tracked.item<std::int64_t>());
        // The running variance is the unbiased one, as LibTorch's own batch norm keeps it.
        const torch::Tensor unbiased = variance * count / (count - 1).clamp_min(1);
        running_mean.mul_(1 - momentum).add_(mean.detach(), momentum);
        running_var.mul_(1 - momentum).add_(unbiased.detach(), momentum);
    }
    return output.to(input.scalar_type());
}

} // namespace cxr::ml
