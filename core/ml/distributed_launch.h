// SPDX-License-Identifier: MIT
#pragma once

// Which rank of a data-parallel training this process is, as its launcher says in the
// environment: torchrun (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT) or SLURM's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID,
// SLURM_NTASKS_PER_NODE, with MASTER_ADDR set by the job script). No LibTorch here: the CLI
// parses it before it joins a process group (process_group.h).

#include "core/common/result.h"

#include <functional>
#include <optional>
#include <string>

namespace cxr::ml {

struct DistributedLaunch {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;      // on this machine; picks the GPU cuda:localRank
    int localWorldSize = 1; // ranks on this machine; they share its CPU cores
    std::string masterAddress = "127.0.0.1";
    int masterPort = 29500;
    std::string launcher; // "torchrun" (or any launcher setting its variables) or "SLURM"
    // torchrun's agent already serves the rendezvous store on MASTER_PORT
    // (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects to it as a client.
    bool agentStore = false;
    int restartCount = 0; // TORCHELASTIC_RESTART_COUNT: keys of an earlier attempt are not reused
};

using EnvironmentReader = std::function<const char *(const char *)>;

// Empty when the environment names no process group, or a group of one process (WORLD_SIZE=1:
// an ordinary run). An error naming the variable when one is malformed or contradicts another
// (a rank outside the world, SLURM without MASTER_ADDR).
Result<std::optional<DistributedLaunch>>
distributedLaunchFromEnvironment(const EnvironmentReader &environment);
Result<std::optional<DistributedLaunch>> distributedLaunchFromEnvironment();

// "rank 1 of 4 (torchrun, local rank 1 of 2, rendezvous 10.0.0.1:29500)"
std::string describeLaunch(const DistributedLaunch &launch);

} // namespace cxr::ml
