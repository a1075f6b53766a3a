// SPDX-License-Identifier: MIT
#pragma once

// A CUDA stream beside the training stream, on which the next batch is gathered, copied to the
// device and augmented while the current one trains. On one stream the two wait for each other:
// a batch's copies and augmentation kernels queue behind the training step's. Off CUDA it does
// nothing and every call is free.
#include "core/ml/torch_includes.h"

#include <c10/core/Event.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>

#include <memory>
#include <optional>
#include <vector>

namespace cxr::ml {

class SideStream {
public:
    explicit SideStream(const torch::Device &device);
    explicit operator bool() const { return m_stream.has_value(); }

    // An event on the training stream now, called on the training thread before work on the
    // side stream is started: that work then sees whatever the training stream had queued (the
    // epoch's order, for one). Null off CUDA.
    std::shared_ptr<c10::Event> mark() const;
    // On the preparing thread: its work goes to the side stream, after `after`, while guard lives.
    void enter(std::optional<c10::StreamGuard> &guard, const c10::Event *after) const;
    // On the preparing thread, at the end of its work: the event that says it is done.
    std::shared_ptr<c10::Event> finish() const;
    // On the training thread: the training stream waits for ready, and the tensors are marked
    // as in use there, so that the allocator does not hand their memory back to the side stream
    // while the training stream still reads them.
    void handOver(const c10::Event &ready, const std::vector<torch::Tensor> &tensors) const;

private:
    torch::Device m_device;
    std::optional<c10::Stream> m_stream;
};

} // namespace cxr::ml
