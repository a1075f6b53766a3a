// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: mixed precision, memory layout and device memory for the trainer.

#include "core/ml/trainer.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <vector>

namespace cxr::ml {

// The precision a run uses: Auto is bf16 on CUDA (no loss scaling needed, the range of fp32)
// and fp32 on the CPU. Callers refuse bf16/fp16 on the CPU before this point.
Precision effectivePrecision(Precision requested, const torch::Device &device);

// Runs the LibTorch operations of its lifetime under CUDA autocast: convolutions and matrix
// products in bf16/fp16, reductions and losses in fp32, weights kept in fp32. Leaving the scope
// drops autocast's cache of low-precision weight copies, which the next optimiser step makes
// stale. Does nothing for fp32 or off CUDA. Autocast state is per thread: open the scope on
// the thread that runs the forward pass.
class AutocastScope {
public:
    AutocastScope(Precision precision, const torch::Device &device);
    ~AutocastScope();
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    bool m_active = false;
};

// Dynamic loss scaling for fp16, whose small range lets gradients underflow: the loss is
// multiplied by a factor (2^16 to start) before backward; a step whose gradients overflow is
// skipped and the factor halved; after 2000 clean steps it doubles (PyTorch's GradScaler
// policy). Disabled, every call passes through.
class LossScaler {
public:
    explicit LossScaler(bool enabled);
    bool enabled() const { return m_enabled; }
    torch::Tensor scaled(const torch::Tensor &loss) const;
    // Divides the gradients by the factor in place; false when any of them is inf or NaN,
    // and the optimiser step must then be skipped.
    bool unscale(const std::vector<torch::Tensor> &parameters) const;
    void update(bool stepTaken);
    // {factor, clean steps}, for checkpoints.
    std::vector<double> state() const;
    void restore(const std::vector<double> &state);

private:
    bool m_enabled = false;
    double m_factor = 65536.0;
    int m_cleanSteps = 0;
};

// Puts every 4-D parameter (convolution kernels) in channels-last layout, in place, keeping the
// tensors themselves (an optimiser holding them stays valid). cuDNN's tensor-core convolutions
// want NHWC; inputs follow with .contiguous(torch::MemoryFormat::ChannelsLast).
void convertToChannelsLast(torch::nn::Module &module);

struct DeviceMemory {
    double allocatedMiB = 0; // held by LibTorch's allocator now
    double peakMiB = 0;      // the most it held since the process started
};

// LibTorch's CUDA memory on device; zeros on the CPU and in builds without CUDA.
DeviceMemory deviceMemory(const torch::Device &device);

} // namespace cxr::ml
