// SPDX-License-Identifier: MIT
#include "core/ml/process_group.h"

#include "core/ml/torch_c10d.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_process_group.h"

#ifdef CXR_HAVE_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef CXR_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#include <torch/cuda.h>
#endif

#include <ATen/ATen.h>

#include <cstdlib>

namespace cxr::ml {

ProcessGroup::ProcessGroup(DistributedLaunch launch, std::chrono::seconds timeout,
                           std::unique_ptr<Impl> impl, std::string transport)
    : m_launch(std::move(launch)), m_transport(std::move(transport)), m_timeout(timeout),
      m_impl(std::move(impl))
{}

ProcessGroup::~ProcessGroup() = default;

std::string ProcessGroup::who() const
{
    return "rank " + std::to_string(rank()) + " of " + std::to_string(size());
}

Status ProcessGroup::barrier() const
{
    return sumOverRanks(*this, at::zeros({1}));
}

bool processGroupsAvailable()
{
#ifdef CXR_HAVE_GLOO
    return true;
#else
    return false;
#endif
}

#ifdef CXR_HAVE_GLOO

namespace {

bool isLoopback(const std::string &address)
{
    return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// The network interface Gloo's connections use: GLOO_SOCKET_IFNAME when set (as in PyTorch),
// loopback when every rank meets on this machine, otherwise the address this host's name
// resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const DistributedLaunch &launch)
{
    if (const char *interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
        return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
    }
    if (isLoopback(launch.masterAddress)) {
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    }
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

Status collectiveFailed(const ProcessGroup &group, const char *what, const std::exception &e)
{
    return makeError(ErrorCode::Network,
                     group.who() + ": " + what + " failed, so another rank has stopped or " +
                         "cannot be reached (its own output says why): " + errorSummary(e, 200));
}

// Whether this rank could use NCCL: on CUDA with a GPU of its own (LOCAL_RANK picks it), where
// this LibTorch has NCCL.
bool ncclPossibleHere(const DistributedLaunch &launch, bool onCuda)
{
#ifdef CXR_HAVE_NCCL
    return onCuda && int(torch::cuda::device_count()) >= launch.localWorldSize;
#else
    (void)launch;
    (void)onCuda;
    return false;
#endif
}

// NCCL when every rank can use it. Each says so in the store and reads the others': a rank on a
// machine with fewer GPUs than ranks would otherwise wait in Gloo for peers waiting in NCCL.
bool everyRankCanUseNccl(c10d::Store &store, const DistributedLaunch &launch, bool here)
{
    store.set("nccl/" + std::to_string(launch.rank),
              std::vector<std::uint8_t>{std::uint8_t(here ? 1 : 0)});
    bool all = true;
    for (int rank = 0; rank < launch.worldSize; ++rank) {
        const std::vector<std::uint8_t> said = store.get("nccl/" + std::to_string(rank));
        all = all && !said.empty() && said.front() == 1;
    }
    return all;
}

c10::intrusive_ptr<Collectives> glooGroup(const c10::intrusive_ptr<c10d::Store> &store,
                                          const DistributedLaunch &launch,
                                          std::chrono::milliseconds timeout)
{
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(glooDevice(launch));
    options->threads = 2;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, launch.rank, launch.worldSize,
                                                       options);
}

#ifdef CXR_HAVE_NCCL
c10::intrusive_ptr<Collectives> ncclGroup(const c10::intrusive_ptr<c10d::Store> &store,
                                          const DistributedLaunch &launch,
                                          std::chrono::milliseconds timeout)
{
    auto options = c10d::ProcessGroupNCCL::Options::create();
    // A collective that waits longer (a rank has died or hangs) is aborted by NCCL's watchdog,
    // which ends this process with its error instead of a hang.
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, launch.rank, launch.worldSize,
                                                       options);
}
#endif

// tensor itself where the group takes it, else a copy on the group's device.
at::Tensor onGroupDevice(const ProcessGroup &group, const at::Tensor &tensor)
{
    const at::Device device = group.impl().device;
    return device.is_cpu() || tensor.device() == device ? tensor : tensor.to(device);
}

// Copies a collective's result back where it came from (nothing when it worked in place).
void copyBack(const at::Tensor &result, const at::Tensor &tensor)
{
    if (!result.is_same(tensor)) {
        tensor.copy_(result);
    }
}

Status waitFor(const ProcessGroup &group, const char *what,
               const c10::intrusive_ptr<c10d::Work> &work)
{
    try {
        work->wait(std::chrono::duration_cast<std::chrono::milliseconds>(group.timeout()));
        return Ok{};
    } catch (const std::exception &e) {
        return collectiveFailed(group, what, e);
    }
}

} // namespace

Result<std::shared_ptr<ProcessGroup>> ProcessGroup::join(const DistributedLaunch &launch,
                                                         std::chrono::seconds timeout, bool onCuda)
{
    const std::string rendezvous = launch.masterAddress + ":" + std::to_string(launch.masterPort);
    try {
        c10d::TCPStoreOptions options;
        options.port = std::uint16_t(launch.masterPort);
        options.isServer = launch.rank == 0 && !launch.agentStore;
        // Every rank counts itself in; the server waits until all have.
        options.numWorkers = std::size_t(launch.worldSize);
        options.waitWorkers = true;
        options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
        auto tcp = c10::make_intrusive<c10d::TCPStore>(launch.masterAddress, options);
        // The agent's store also holds torchrun's own keys, and a restarted attempt must not
        // read the last attempt's: one prefix per attempt.
        auto store = c10::make_intrusive<c10d::PrefixStore>(
            "cxr/attempt_" + std::to_string(launch.restartCount), tcp);
        auto impl = std::make_unique<Impl>();
        impl->store = store;
        const bool nccl = everyRankCanUseNccl(*store, launch, ncclPossibleHere(launch, onCuda));
#ifdef CXR_HAVE_NCCL
        if (nccl) {
            impl->group = ncclGroup(store, launch, options.timeout);
            impl->device = at::Device(at::kCUDA, at::DeviceIndex(launch.localRank));
        }
#endif
        if (!nccl) {
            impl->group = glooGroup(store, launch, options.timeout);
        }
        return std::shared_ptr<ProcessGroup>(
            new ProcessGroup(launch, timeout, std::move(impl), nccl ? "nccl" : "gloo"));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Network,
                         "rank " + std::to_string(launch.rank) + " of " +
                             std::to_string(launch.worldSize) +
                             " could not join the other ranks at " + rendezvous + " within " +
                             std::to_string(timeout.count()) + " s: " + errorSummary(e, 200));
    }
}

Status broadcastFromFirstRank(const ProcessGroup &group, const std::vector<at::Tensor> &tensors)
{
    for (const at::Tensor &tensor : tensors) {
        std::vector<at::Tensor> one{onGroupDevice(group, tensor)};
        try {
            if (auto waited = waitFor(group, "broadcast", group.impl().group->broadcast(one));
                !waited) {
                return waited;
            }
            copyBack(one.front(), tensor);
        } catch (const std::exception &e) {
            return collectiveFailed(group, "broadcast", e);
        }
    }
    return Ok{};
}

Status sumOverRanks(const ProcessGroup &group, const at::Tensor &tensor)
{
    std::vector<at::Tensor> one{onGroupDevice(group, tensor)};
    try {
        auto waited = waitFor(group, "sum over ranks", group.impl().group->allreduce(one));
        if (waited) {
            copyBack(one.front(), tensor);
        }
        return waited;
    } catch (const std::exception &e) {
        return collectiveFailed(group, "sum over ranks", e);
    }
}

#else // a LibTorch without Gloo

Result<std::shared_ptr<ProcessGroup>> ProcessGroup::join(const DistributedLaunch &launch,
                                                         std::chrono::seconds, bool)
{
    return makeError(ErrorCode::Unsupported,
                     describeLaunch(launch) +
                         ": this build of CXR Studio has no process groups (its LibTorch was "
                         "found without Gloo's headers); train with one process");
}

Status broadcastFromFirstRank(const ProcessGroup &, const std::vector<at::Tensor> &)
{
    return makeError(ErrorCode::Unsupported, "no process groups in this build");
}

Status sumOverRanks(const ProcessGroup &, const at::Tensor &)
{
    return makeError(ErrorCode::Unsupported, "no process groups in this build");
}

#endif

} // namespace cxr::ml
