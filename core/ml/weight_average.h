// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: an exponential moving average of a network's weights (Polyak averaging
// as in timm's ModelEmaV2). Validation and the saved model use the average, which moves less
// from step to step than the weights themselves, so the kept epoch and its threshold are less
// a matter of where the last batches happened to leave the weights.

#include "core/common/result.h"

#include <torch/nn/module.h>
#include <torch/serialize.h>

#include <cstdint>
#include <vector>

namespace cxr::ml {

class WeightAverage {
public:
    WeightAverage() = default;
    explicit WeightAverage(double decay) : m_decay(decay) {}

    bool enabled() const { return m_decay > 0; }

    // After an optimiser step: average <- decay * average + (1 - decay) * weights; the first
    // call copies the weights. Integer buffers (batch counts) are copied.
    void update(torch::nn::Module &net);

    // Runs work with the averaged weights in net and puts the trained weights back afterwards;
    // without an average (off, or before the first step) simply runs work.
    template <typename Work> auto applied(torch::nn::Module &net, Work &&work)
    {
        if (m_average.empty()) {
            return work();
        }
        swap(net);
        auto result = work();
        swap(net);
        return result;
    }

    // The average in a checkpoint ("weight_average/N"), and back; a checkpoint without one
    // leaves the average to start at the next step.
    void save(torch::serialize::OutputArchive &archive) const;
    Status load(torch::serialize::InputArchive &archive, torch::nn::Module &net);

private:
    std::vector<torch::Tensor> tensorsOf(torch::nn::Module &net) const;
    void swap(torch::nn::Module &net);

    double m_decay = 0;
    std::int64_t m_steps = 0; // updates so far, for the warm-up of the decay
    std::vector<torch::Tensor> m_average;
};

} // namespace cxr::ml
