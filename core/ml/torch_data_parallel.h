// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: what the trainer does differently as one rank of a data-parallel run.
// Every rank trains the same network on its own share of each step's images; this class says
// which share, averages the gradients (GradientBuckets), keeps the ranks' weights and buffers
// equal, and sums what the ranks measured. Rank 0 validates and writes; the others follow its
// figures, so every rank takes the same decisions (schedule, selection, early stopping).

#include "core/common/result.h"
#include "core/ml/process_group.h"
#include "core/ml/torch_process_group.h"

#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace cxr::ml {

class DataParallel {
public:
    // syncBatchNorm: batch norm normalises with the statistics of the whole step's images over
    // the ranks (BatchNormSync) instead of each rank's own.
    DataParallel(const ProcessGroup &group, bool syncBatchNorm);

    int rank() const { return m_group.rank(); }
    int size() const { return m_group.size(); }
    bool writes() const { return m_group.writes(); }

    // Rank 0's parameters and buffers to every rank, then gradient averaging for the parameters
    // that train. Called once the network is final (imported, frozen or resumed).
    Status start(torch::nn::Module &net);
    // After backward, or instead of it on a rank with no images this step.
    Status averageGradients() { return m_gradients->finish(); }

    // The images [first, last) of the epoch's order this rank trains in the step that starts at
    // start, each rank taking batch of them in rank order; empty for a rank past the end.
    std::pair<std::int64_t, std::int64_t> share(std::int64_t start, std::int64_t visits,
                                                std::int64_t batch) const;
    // The factor on this rank's mean loss that makes the averaged gradient the mean over the
    // whole step's images when the ranks' shares differ (the last step of an epoch).
    double lossWeight(std::int64_t mine, std::int64_t start, std::int64_t visits,
                      std::int64_t batch) const;

    // The group a step's batch norm layers share their statistics over; null when they do not.
    const ProcessGroup *batchNormGroup() const { return m_syncBatchNorm ? &m_group : nullptr; }
    // Batch norm's running statistics made rank 0's on every rank (already equal when synced).
    Status syncBuffers(torch::nn::Module &net);
    // Sums over the ranks, in place.
    Status sum(std::vector<double> &values);
    // Rank 0's values to every rank, in place (the same count on every rank).
    Status fromFirstRank(std::vector<double> &values);
    // Each rank's value, rank 0 first.
    Result<std::vector<double>> gather(double value);

    // Seeds for an epoch's augmentation draws and dropout masks: different on each rank, the
    // same again when the run resumes at that epoch.
    std::uint64_t epochSeed(std::uint64_t seed, int epoch) const;

private:
    const ProcessGroup &m_group;
    const bool m_syncBatchNorm;
    std::unique_ptr<GradientBuckets> m_gradients;
};

} // namespace cxr::ml
