// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the batch normalisation every network here is built with. It is
// LibTorch's BatchNorm2d (same options, parameters, buffers, names and so checkpoints, and the
// same kernel) except while a BatchNormSync lives on the calling thread: then, in training mode,
// it normalises with the mean and variance of the whole step's images over every rank of a
// data-parallel run, as PyTorch's SyncBatchNorm does, and its backward pass sums their gradients
// over the ranks too. Two ranks at batch B then train as one process at batch 2B.

#include "core/common/result.h"
#include "core/ml/process_group.h"

#include <torch/nn/cloneable.h>
#include <torch/nn/options/batchnorm.h>

#include <iosfwd>
#include <stdexcept>

namespace cxr::ml {

// Its own module rather than a subclass of LibTorch's: some LibTorch builds (Debian's) keep
// parts of BatchNorm2d's implementation internal to the library, where a subclass cannot link.
class SyncBatchNorm2dImpl : public torch::nn::Cloneable<SyncBatchNorm2dImpl> {
public:
    explicit SyncBatchNorm2dImpl(std::int64_t features)
        : SyncBatchNorm2dImpl(torch::nn::BatchNormOptions(features))
    {}
    explicit SyncBatchNorm2dImpl(const torch::nn::BatchNormOptions &options);

    void reset() override;
    torch::Tensor forward(const torch::Tensor &input);
    void pretty_print(std::ostream &stream) const override;

    torch::nn::BatchNormOptions options;
    torch::Tensor weight;
    torch::Tensor bias;
    torch::Tensor running_mean;
    torch::Tensor running_var;
    torch::Tensor num_batches_tracked;

private:
    torch::Tensor synchronisedForward(const torch::Tensor &input, const ProcessGroup &group);
};
TORCH_MODULE(SyncBatchNorm2d);

// For its lifetime on this thread, SyncBatchNorm2d layers in training mode share their
// statistics over group (nothing changes when group is null). The trainer holds one around a
// step's forward and backward passes only: validation, and anything that runs on one rank alone,
// must never wait for the others.
class BatchNormSync {
public:
    explicit BatchNormSync(const ProcessGroup *group);
    ~BatchNormSync();
    BatchNormSync(const BatchNormSync &) = delete;
    BatchNormSync &operator=(const BatchNormSync &) = delete;

private:
    const ProcessGroup *m_previous;
};

// Thrown from a forward or backward pass when a sum over the ranks failed (a rank stopped or
// timed out); carries the message that names this rank. The trainer turns it back into an Error.
class RanksLost : public std::runtime_error {
public:
    explicit RanksLost(Error error) : std::runtime_error(error.message), error(std::move(error)) {}
    Error error;
};

} // namespace cxr::ml
