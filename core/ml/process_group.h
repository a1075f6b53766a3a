// SPDX-License-Identifier: MIT
#pragma once

// Membership of a data-parallel training: this process's rank in a c10d process group. NCCL when
// the ranks train on CUDA with a GPU each and LibTorch has NCCL (PyTorch's); Gloo over TCP
// otherwise (CUDA tensors included, so ranks may share a GPU). No LibTorch here: the group is
// opaque outside core/ml, and torch_process_group.h gives core/ml its collectives.

#include "core/common/result.h"
#include "core/ml/distributed_launch.h"

#include <chrono>
#include <memory>
#include <string>

namespace cxr::ml {

class ProcessGroup {
public:
    // Meets the other ranks at launch's rendezvous (rank 0 serves it unless torchrun's agent
    // does) and connects to each of them. Waits at most timeout for them to arrive; the same
    // timeout then bounds every collective, so a rank that hangs stops the others with an
    // error instead of a hang (a rank that dies closes its connections and stops them at once).
    // onCuda: the ranks train on CUDA (cuda:localRank), which lets NCCL carry the collectives.
    static Result<std::shared_ptr<ProcessGroup>>
    join(const DistributedLaunch &launch, std::chrono::seconds timeout, bool onCuda = false);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup &) = delete;
    ProcessGroup &operator=(const ProcessGroup &) = delete;

    int rank() const { return m_launch.rank; }
    int size() const { return m_launch.worldSize; }
    // Rank 0 alone writes the run folder: configuration, checkpoints, logs and the model.
    bool writes() const { return m_launch.rank == 0; }
    const DistributedLaunch &launch() const { return m_launch; }
    std::chrono::seconds timeout() const { return m_timeout; }
    // "rank 1 of 2": the start of every message about the group.
    std::string who() const;
    // "gloo" or "nccl".
    const std::string &transport() const { return m_transport; }
    // Returns when every rank has called it (or with an error naming this rank when one stops).
    Status barrier() const;

    struct Impl; // LibTorch's objects (torch_process_group.h)
    Impl &impl() const { return *m_impl; }

private:
    ProcessGroup(DistributedLaunch launch, std::chrono::seconds timeout, std::unique_ptr<Impl> impl,
                 std::string transport);

    DistributedLaunch m_launch;
    std::string m_transport;
    std::chrono::seconds m_timeout;
    std::unique_ptr<Impl> m_impl;
};

// False for a LibTorch built without Gloo: then join() refuses, naming the reason.
bool processGroupsAvailable();

} // namespace cxr::ml
