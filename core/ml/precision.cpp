// SPDX-License-Identifier: MIT
#include "core/ml/torch_precision.h"

#include "core/common/enum_names.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#ifdef CXR_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <cmath>

// LibTorch 2.4 made autocast's switches per device type; Debian's 1.13 has the CUDA-only ones.
#define CXR_TORCH_AT_LEAST(major, minor)                                                           \
    (TORCH_VERSION_MAJOR > (major) ||                                                              \
     (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace cxr::ml {

namespace {

constexpr EnumNames<Precision, 4> kPrecisionNames{{{Precision::Auto, "auto"},
                                                   {Precision::Float32, "fp32"},
                                                   {Precision::BFloat16, "bf16"},
                                                   {Precision::Float16, "fp16"}}};

} // namespace

const char *precisionName(Precision precision)
{
    return nameOf(kPrecisionNames, precision);
}

std::optional<Precision> parsePrecision(const std::string &name)
{
    return valueNamed(kPrecisionNames, name);
}

Precision effectivePrecision(Precision requested, const torch::Device &device)
{
    if (!device.is_cuda()) {
        return Precision::Float32;
    }
    return requested == Precision::Auto ? Precision::BFloat16 : requested;
}

AutocastScope::AutocastScope(Precision precision, const torch::Device &device)
{
    if (!device.is_cuda() || !isMixedPrecision(precision)) {
        return;
    }
    const at::ScalarType dtype = precision == Precision::BFloat16 ? at::kBFloat16 : at::kHalf;
#if CXR_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
#endif
    at::autocast::increment_nesting();
    m_active = true;
}

AutocastScope::~AutocastScope()
{
    if (!m_active) {
        return;
    }
    if (at::autocast::decrement_nesting() == 0) {
        at::autocast::clear_cache();
    }
#if CXR_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
    at::autocast::set_enabled(false);
#endif
}

LossScaler::LossScaler(bool enabled) : m_enabled(enabled) {}

torch::Tensor LossScaler::scaled(const torch::Tensor &loss) const
{
    return m_enabled ? loss * m_factor : loss;
}

bool LossScaler::unscale(const std::vector<torch::Tensor> &parameters) const
{
    if (!m_enabled) {
        return true;
    }
    torch::Tensor finite;
    for (const torch::Tensor &parameter : parameters) {
        torch::Tensor grad = parameter.grad();
        if (!grad.defined()) {
            continue;
        }
        grad.mul_(1.0 / m_factor);
        const torch::Tensor allFinite = torch::isfinite(grad).all();
        finite = finite.defined() ? finite.logical_and(allFinite) : allFinite;
    }
    // One device-to-host read per step, not one per parameter.
    return !finite.defined() || finite.item<bool>();
}

void LossScaler::update(bool stepTaken)
{
    if (!m_enabled) {
        return;
    }
    if (!stepTaken) {
        m_factor = std::max(1.0, m_factor * 0.5);
        m_cleanSteps = 0;
    } else if (++m_cleanSteps >= 2000) {
        m_factor = std::min(m_factor * 2.0, 16777216.0);
        m_cleanSteps = 0;
    }
}

std::vector<double> LossScaler::state() const
{
    return {m_factor, double(m_cleanSteps)};
}

void LossScaler::restore(const std::vector<double> &state)
{
    if (state.size() == 2 && std::isfinite(state[0]) && state[0] >= 1) {
        m_factor = state[0];
        m_cleanSteps = int(state[1]);
    }
}

void convertToChannelsLast(torch::nn::Module &module)
{
    torch::NoGradGuard noGrad;
    for (torch::Tensor &parameter : module.parameters()) {
        if (parameter.dim() == 4) {
            parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
        }
    }
}

DeviceMemory deviceMemory(const torch::Device &device)
{
#ifdef CXR_TORCH_CUDA
    if (device.is_cuda()) {
        constexpr double mib = 1024.0 * 1024.0;
        // Index 0 of each statistic is the aggregate over pool types in every LibTorch version.
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(
            device.has_index() ? device.index() : 0);
        return {double(stats.allocated_bytes[0].current) / mib,
                double(stats.allocated_bytes[0].peak) / mib};
    }
#else
    (void)device;
#endif
    return {};
}

} // namespace cxr::ml
