// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the collectives a data-parallel training run needs, over the group of
// process_group.h. Each returns an error naming this rank and what failed instead of throwing,
// so a lost rank ends the run with one line (which rank said what comes from Gloo).

#include "core/common/result.h"
#include "core/ml/process_group.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace cxr::ml {

// Every rank's tensors replaced by rank 0's, in place.
Status broadcastFromFirstRank(const ProcessGroup &group, const std::vector<at::Tensor> &tensors);

// The element-wise sum over ranks, in place.
Status sumOverRanks(const ProcessGroup &group, const at::Tensor &tensor);

// Gradients averaged over the ranks while the backward pass still runs, as PyTorch's
// DistributedDataParallel does: parameters are grouped into buckets in the reverse of their
// order (roughly the order backward produces their gradients); a hook on each parameter copies
// its gradient into its bucket, and a full bucket is summed over the ranks at once (in bucket
// order, which every rank follows, as Gloo requires) while backward works on earlier layers.
class GradientBuckets {
public:
    GradientBuckets(std::vector<at::Tensor> parameters, const ProcessGroup &group,
                    std::int64_t bucketBytes = std::int64_t(25) << 20);
    ~GradientBuckets();
    GradientBuckets(const GradientBuckets &) = delete;
    GradientBuckets &operator=(const GradientBuckets &) = delete;

    // After backward, or in its place on a rank that had no images this step: sums what is
    // still missing (a gradient that never came counts as zero), waits for every bucket and
    // writes the ranks' mean gradient into each parameter's grad. Ready for the next step.
    Status finish();
    std::size_t bucketCount() const { return m_buckets.size(); }

private:
    struct Bucket;
    void gradientReady(std::size_t parameter, const at::Tensor &gradient);
    void launchFullBuckets(); // under m_mutex
    void launch(Bucket &bucket);

    const ProcessGroup &m_group;
    std::vector<at::Tensor> m_parameters;
    std::vector<std::size_t> m_bucketOf;  // parameter -> bucket
    std::vector<std::int64_t> m_offsetOf; // parameter -> offset in its bucket
    std::vector<char> m_arrived;          // parameter -> gradient copied this step
    std::vector<std::unique_ptr<Bucket>> m_buckets;
    std::vector<unsigned> m_hooks;
    std::size_t m_nextToLaunch = 0;
    std::mutex m_mutex; // hooks may run on autograd's device threads
};

} // namespace cxr::ml
