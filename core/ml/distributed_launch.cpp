// SPDX-License-Identifier: MIT
#include "core/ml/distributed_launch.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace cxr::ml {

namespace {

// A whole number in [low, high], or an error naming the variable.
Result<int> intVariable(const char *name, const char *text, int low, int high)
{
    const std::string value = text;
    char *end = nullptr;
    errno = 0;
    const long number = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || end != value.c_str() + value.size() || errno != 0 || number < low ||
        number > high) {
        return makeError(ErrorCode::InvalidArgument,
                         std::string(name) + "=" + value + ": not a whole number from " +
                             std::to_string(low) + " to " + std::to_string(high));
    }
    return int(number);
}

// SLURM_NTASKS_PER_NODE reads "2" or, on uneven allocations, "2(x3),1": this node's count is
// not knowable from it, so the first figure is used (only the CPU thread count depends on it).
int firstCount(const char *text)
{
    return std::max(1, std::atoi(text));
}

} // namespace

Result<std::optional<DistributedLaunch>>
distributedLaunchFromEnvironment(const EnvironmentReader &environment)
{
    constexpr int kMaxRanks = 1 << 16;
    const bool torchrun = environment("WORLD_SIZE") != nullptr;
    const bool slurm = !torchrun && environment("SLURM_PROCID") != nullptr &&
                       environment("SLURM_NTASKS") != nullptr;
    if (!torchrun && !slurm) {
        return std::optional<DistributedLaunch>();
    }
    DistributedLaunch launch;
    launch.launcher = torchrun ? "torchrun" : "SLURM";
    const char *worldName = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
    const char *rankName = torchrun ? "RANK" : "SLURM_PROCID";
    const char *localName = torchrun ? "LOCAL_RANK" : "SLURM_LOCALID";
    auto world = intVariable(worldName, environment(worldName), 1, kMaxRanks);
    if (!world) {
        return world.error();
    }
    if (*world == 1) {
        return std::optional<DistributedLaunch>();
    }
    launch.worldSize = *world;
    const char *rankText = environment(rankName);
    if (!rankText) {
        return makeError(ErrorCode::InvalidArgument, std::string(worldName) + " is set but " +
                                                         rankName +
                                                         " is not: each process needs its rank");
    }
    auto rank = intVariable(rankName, rankText, 0, launch.worldSize - 1);
    if (!rank) {
        return rank.error();
    }
    launch.rank = *rank;
    if (const char *local = environment(localName)) {
        auto localRank = intVariable(localName, local, 0, launch.worldSize - 1);
        if (!localRank) {
            return localRank.error();
        }
        launch.localRank = *localRank;
    }
    if (const char *localWorld = environment("LOCAL_WORLD_SIZE")) {
        auto count = intVariable("LOCAL_WORLD_SIZE", localWorld, 1, launch.worldSize);
        if (!count) {
            return count.error();
        }
        launch.localWorldSize = *count;
    } else if (const char *perNode = environment("SLURM_NTASKS_PER_NODE")) {
        launch.localWorldSize = std::min(firstCount(perNode), launch.worldSize);
    } else {
        launch.localWorldSize = launch.worldSize; // all on this machine unless told otherwise
    }
    if (const char *address = environment("MASTER_ADDR"); address && *address) {
        launch.masterAddress = address;
    } else if (slurm) {
        return makeError(ErrorCode::InvalidArgument,
                         "SLURM_PROCID is set but MASTER_ADDR is not: export the first node's "
                         "name as MASTER_ADDR in the job script (see docs/cli.md)");
    }
    if (const char *port = environment("MASTER_PORT")) {
        auto number = intVariable("MASTER_PORT", port, 1, 65535);
        if (!number) {
            return number.error();
        }
        launch.masterPort = *number;
    }
    if (const char *agent = environment("TORCHELASTIC_USE_AGENT_STORE")) {
        launch.agentStore = std::string(agent) == "True" || std::string(agent) == "1";
    }
    if (const char *restarts = environment("TORCHELASTIC_RESTART_COUNT")) {
        launch.restartCount = std::max(0, std::atoi(restarts));
    }
    return std::optional<DistributedLaunch>(launch);
}

Result<std::optional<DistributedLaunch>> distributedLaunchFromEnvironment()
{
    return distributedLaunchFromEnvironment([](const char *name) { return std::getenv(name); });
}

std::string describeLaunch(const DistributedLaunch &launch)
{
    return "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.worldSize) +
           " (" + launch.launcher + ", local rank " + std::to_string(launch.localRank) + " of " +
           std::to_string(launch.localWorldSize) + ", rendezvous " + launch.masterAddress + ":" +
           std::to_string(launch.masterPort) + ")";
}

} // namespace cxr::ml
