// SPDX-License-Identifier: MIT
#include "core/ml/torch_data_parallel.h"

#include "core/ml/torch_includes.h"

#include <algorithm>

namespace cxr::ml {

DataParallel::DataParallel(const ProcessGroup &group, bool syncBatchNorm)
    : m_group(group), m_syncBatchNorm(syncBatchNorm)
{}

Status DataParallel::start(torch::nn::Module &net)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> state = net.parameters();
    for (const torch::Tensor &buffer : net.buffers()) {
        state.push_back(buffer);
    }
    if (auto shared = broadcastFromFirstRank(m_group, state); !shared) {
        return shared;
    }
    std::vector<torch::Tensor> trained;
    for (const torch::Tensor &parameter : net.parameters()) {
        if (parameter.requires_grad()) {
            trained.push_back(parameter);
        }
    }
    m_gradients = std::make_unique<GradientBuckets>(trained, m_group);
    return Ok{};
}

std::pair<std::int64_t, std::int64_t> DataParallel::share(std::int64_t start, std::int64_t visits,
                                                          std::int64_t batch) const
{
    const std::int64_t stepEnd = std::min(visits, start + batch * size());
    const std::int64_t first = std::min(stepEnd, start + batch * rank());
    return {first, std::min(stepEnd, first + batch)};
}

double DataParallel::lossWeight(std::int64_t mine, std::int64_t start, std::int64_t visits,
                                std::int64_t batch) const
{
    const std::int64_t all = std::min(visits, start + batch * size()) - start;
    return all > 0 ? double(mine) * double(size()) / double(all) : 0.0;
}

Status DataParallel::syncBuffers(torch::nn::Module &net)
{
    // Without synchronised batch norm each rank's running statistics saw only its own images;
    // rank 0's stand for all, as in PyTorch's DistributedDataParallel. With it they are equal
    // already, and the broadcast keeps them so bit for bit.
    torch::NoGradGuard noGrad;
    return broadcastFromFirstRank(m_group, net.buffers());
}

Status DataParallel::sum(std::vector<double> &values)
{
    const torch::Tensor tensor = torch::tensor(values, torch::kFloat64);
    if (auto summed = sumOverRanks(m_group, tensor); !summed) {
        return summed;
    }
    std::copy(tensor.data_ptr<double>(), tensor.data_ptr<double>() + tensor.numel(),
              values.begin());
    return Ok{};
}

Status DataParallel::fromFirstRank(std::vector<double> &values)
{
    const torch::Tensor tensor = torch::tensor(values, torch::kFloat64);
    if (auto shared = broadcastFromFirstRank(m_group, {tensor}); !shared) {
        return shared;
    }
    std::copy(tensor.data_ptr<double>(), tensor.data_ptr<double>() + tensor.numel(),
              values.begin());
    return Ok{};
}

Result<std::vector<double>> DataParallel::gather(double value)
{
    std::vector<double> values(std::size_t(size()), 0.0);
    values[std::size_t(rank())] = value;
    if (auto summed = sum(values); !summed) {
        return summed.error();
    }
    return values;
}

std::uint64_t DataParallel::epochSeed(std::uint64_t seed, int epoch) const
{
    // splitmix64's finaliser over (seed, rank, epoch): unrelated streams for nearby inputs.
    std::uint64_t z = seed ^ (std::uint64_t(rank()) << 40) ^ std::uint64_t(epoch);
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

} // namespace cxr::ml
