// SPDX-License-Identifier: MIT
#pragma once

// gpu_checks' data-parallel check: two ranks of a process group (Gloo with CUDA tensors; both on
// cuda:0 where the node has one GPU, as a node with one GPU cannot run NCCL's two processes)
// train as one process at twice the batch, with LeNet-5 (no batch norm, no dropout) and with a
// batch-norm network whose statistics the ranks synchronise. The ranks are this program
// started again with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT), as `torchrun --no-python` would start `cxr train`.
#include "gpu_support.h"

#include "core/ml/distributed_launch.h"
#include "core/ml/process_group.h"
#include "core/ml/run_folder.h"
#include "core/ml/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#ifdef __linux__
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace cxr::gpu {

namespace fs = std::filesystem;

constexpr const char *kRankFlag = "--data-parallel-rank";

// Each rank's batch; one process trains at twice this.
constexpr int kRankBatch = 16;

inline ml::TrainSettings dataParallelSettings(const std::string &scenario,
                                              const std::string &device, int batch)
{
    ml::TrainSettings s;
    s.model.architecture = scenario == "lenet5" ? "lenet5" : "custom-cnn";
    s.model.custom.dropout = 0;
    s.model.inputSize = 64;
    s.model.classNames = {"none", "disc"};
    s.epochs = 2;
    s.batchSize = batch;
    s.seed = 5;
    s.device = device;
    s.precision = ml::Precision::Float32;
    s.deterministic = true;
    s.checkpointMinutes = 0;
    s.syncBatchNorm = scenario != "lenet5";
    return s; // nothing augmented: every step sees the same images however it is split
}

inline std::vector<double> trainLosses(const ml::TrainSummary &summary)
{
    std::vector<double> losses;
    for (const ml::EpochMetrics &epoch : summary.epochs) {
        losses.push_back(epoch.trainLoss);
    }
    return losses;
}

// One rank (this program started by dataParallelMatchesOneProcess): rank 0 writes its losses
// to WORK/SCENARIO-losses.txt. Returns the exit status.
inline int runDataParallelRank(const fs::path &work, const std::string &scenario,
                               const std::string &device)
{
    auto launch =
        ml::distributedLaunchFromEnvironment([](const char *name) { return std::getenv(name); });
    if (!launch || !*launch) {
        std::fprintf(stderr, "no process group in the environment\n");
        return 2;
    }
    auto group = ml::ProcessGroup::join(**launch, std::chrono::seconds(120));
    if (!group) {
        std::fprintf(stderr, "%s\n", group.error().message.c_str());
        return 1;
    }
    const fs::path run = work / ("dp-" + scenario + "-two");
    if ((*group)->writes()) {
        ml::prepareRunFolder(run, ml::ExistingRun::Overwrite);
    }
    if (auto ready = (*group)->barrier(); !ready) {
        std::fprintf(stderr, "%s\n", ready.error().message.c_str());
        return 1;
    }
    ml::TrainSettings s = dataParallelSettings(scenario, device, kRankBatch);
    s.worldSize = 2;
    auto summary = ml::trainClassifier(syntheticDiscs(200, 64, 1), syntheticDiscs(64, 64, 2), s,
                                       run, nullptr, ml::TrainStart::Fresh, group->get());
    if (!summary) {
        std::fprintf(stderr, "%s\n", summary.error().message.c_str());
        return 1;
    }
    if ((*group)->writes()) {
        std::ofstream losses(work / (scenario + "-losses.txt"));
        for (double loss : trainLosses(*summary)) {
            losses << std::to_string(loss) << "\n";
        }
    }
    return 0;
}

#ifdef __linux__

// A port free on loopback now (the ranks meet on it a moment later).
inline int freePort()
{
    const int socketId = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(socketId, reinterpret_cast<sockaddr *>(&address), sizeof address);
    ::getsockname(socketId, reinterpret_cast<sockaddr *>(&address), &length);
    ::close(socketId);
    return ntohs(address.sin_port);
}

// Starts the two ranks and waits for them; true when both exit 0.
inline bool runTwoRanks(const fs::path &work, const std::string &scenario,
                        const std::string &device)
{
    const std::string port = std::to_string(freePort());
    std::vector<pid_t> ranks;
    for (int rank = 0; rank < 2; ++rank) {
        const pid_t child = ::fork();
        if (child == 0) {
            ::setenv("RANK", std::to_string(rank).c_str(), 1);
            ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
            ::setenv("WORLD_SIZE", "2", 1);
            ::setenv("LOCAL_WORLD_SIZE", "2", 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", port.c_str(), 1);
            const std::string workText = work.string();
            ::execl("/proc/self/exe", "gpu_checks", kRankFlag, workText.c_str(), scenario.c_str(),
                    device.c_str(), static_cast<char *>(nullptr));
            std::_Exit(127);
        }
        ranks.push_back(child);
    }
    bool ok = true;
    for (const pid_t rank : ranks) {
        int status = 0;
        ::waitpid(rank, &status, 0);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return ok;
}

// Two ranks at kRankBatch against one process at twice it: the same epoch losses within
// tolerance (summing over two ranks changes only the order of floating-point additions).
inline void dataParallelMatchesOneProcess(const fs::path &work, const std::string &scenario,
                                          const std::string &device,
                                          const std::function<void(bool, std::string)> &check)
{
    const fs::path oneRun = work / ("dp-" + scenario + "-one");
    ml::prepareRunFolder(oneRun, ml::ExistingRun::Overwrite);
    auto one = ml::trainClassifier(syntheticDiscs(200, 64, 1), syntheticDiscs(64, 64, 2),
                                   dataParallelSettings(scenario, device, 2 * kRankBatch), oneRun);
    fs::remove(work / (scenario + "-losses.txt"));
    const bool ranksOk = runTwoRanks(work, scenario, device);
    std::ifstream file(work / (scenario + "-losses.txt"));
    std::vector<double> two;
    for (double loss = 0; file >> loss;) {
        two.push_back(loss);
    }
    const std::vector<double> expected = one ? trainLosses(*one) : std::vector<double>{};
    double largest = expected.empty() || two.size() != expected.size() ? INFINITY : 0;
    for (std::size_t e = 0; e < two.size() && e < expected.size(); ++e) {
        largest = std::max(largest, std::abs(two[e] - expected[e]) / std::abs(expected[e]));
        std::printf("      %s epoch %zu train loss: one process %.6f, two ranks %.6f\n",
                    scenario.c_str(), e + 1, expected[e], two[e]);
    }
    check(ranksOk && largest < 1e-3,
          "two ranks on " + device + " (Gloo) train " + scenario +
              " as one process at twice the batch (largest relative difference " +
              std::to_string(largest) + ")");
}

#endif

} // namespace cxr::gpu
