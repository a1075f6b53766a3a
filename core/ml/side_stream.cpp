// SPDX-License-Identifier: MIT
#include "core/ml/torch_side_stream.h"

#include <c10/core/impl/VirtualGuardImpl.h>

namespace cxr::ml {

namespace {

// The device's current stream on this thread (the training stream on the training thread).
c10::Stream currentStream(const torch::Device &device)
{
    return c10::impl::VirtualGuardImpl(device.type()).getStream(device);
}

} // namespace

SideStream::SideStream(const torch::Device &device) : m_device(device)
{
    // Device-independent calls (c10's guard interface), so that this builds with a CPU-only
    // LibTorch and uses the CUDA streams of a CUDA one.
    if (device.is_cuda()) {
        m_stream = c10::impl::VirtualGuardImpl(device.type()).getStreamFromGlobalPool(device);
    }
}

std::shared_ptr<c10::Event> SideStream::mark() const
{
    if (!m_stream) {
        return nullptr;
    }
    auto event = std::make_shared<c10::Event>(m_device.type());
    event->record(currentStream(m_device));
    return event;
}

void SideStream::enter(std::optional<c10::StreamGuard> &guard, const c10::Event *after) const
{
    if (!m_stream) {
        return;
    }
    if (after != nullptr) {
        after->block(*m_stream);
    }
    guard.emplace(*m_stream);
}

std::shared_ptr<c10::Event> SideStream::finish() const
{
    if (!m_stream) {
        return nullptr;
    }
    auto event = std::make_shared<c10::Event>(m_device.type());
    event->record(*m_stream);
    return event;
}

void SideStream::handOver(const c10::Event &ready, const std::vector<torch::Tensor> &tensors) const
{
    if (!m_stream) {
        return;
    }
    const c10::Stream training = currentStream(m_device);
    ready.block(training);
    for (const torch::Tensor &tensor : tensors) {
        if (tensor.defined() && tensor.is_cuda()) {
            tensor.record_stream(training);
        }
    }
}

} // namespace cxr::ml
