// SPDX-License-Identifier: MIT
#pragma once

// Adam and AdamW whose step runs on ATen's multi-tensor (_foreach_) kernels on CUDA: a handful of
// kernel launches for all of a network's parameters instead of about eight for each parameter.
// On a GPU the per-parameter launches, not the arithmetic, are what LibTorch's step costs (VGG16
// has 32 parameter tensors, ResNet-50 161). On the CPU they step with LibTorch's own loop, which
// finishes each tensor while it is in cache: the multi-tensor kernels there pass over all the
// weights once per operation and took 1.2-1.6x as long for ResNet-18, ResNet-50 and DenseNet-121
// (bench_optimizer_step). The formulas, the per-parameter state and the saved state are
// LibTorch's own, so a checkpoint written by either optimiser resumes with the other.
#include "core/ml/torch_includes.h"

#include <cstdint>
#include <vector>

namespace cxr::ml {

// One parameter's Adam state, for a step that runs elsewhere (a captured CUDA graph's fused
// step): the tensors themselves, so that steps taken there are the optimiser's.
struct AdamSlot {
    torch::Tensor parameter;
    torch::Tensor average;       // first moment
    torch::Tensor squareAverage; // second moment
    std::int64_t *step;          // the step count in the optimiser's state, saved in checkpoints
};

// Adam's settings for one step (the first parameter group's).
struct AdamHyper {
    double rate;
    double beta1;
    double beta2;
    double eps;
    double weightDecay;
    bool decoupled; // AdamW
};

// The state of every parameter of an Adam or AdamW optimiser (multi-tensor or LibTorch's) that
// requires a gradient, created as a first step would create it. Empty for any other optimiser,
// for AMSGrad, and for more than one parameter group.
std::vector<AdamSlot> adamSlots(torch::optim::Optimizer &optimizer);
AdamHyper adamHyper(const torch::optim::Optimizer &optimizer);

class MultiTensorAdam : public torch::optim::Adam {
public:
    using torch::optim::Adam::Adam;
    torch::Tensor step(LossClosure closure = nullptr) override;
    // The multi-tensor kernels for parameters on the CPU too (tests, benchmarks).
    void useOnCpu(bool on) { m_onCpu = on; }

private:
    bool m_onCpu = false;
};

// AdamW: the decay is applied to the weights, decoupled from the gradient's moments.
class MultiTensorAdamW : public torch::optim::AdamW {
public:
    using torch::optim::AdamW::AdamW;
    torch::Tensor step(LossClosure closure = nullptr) override;
    void useOnCpu(bool on) { m_onCpu = on; }

private:
    bool m_onCpu = false;
};

} // namespace cxr::ml
