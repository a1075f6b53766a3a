// SPDX-License-Identifier: MIT
#include "core/ml/torch_process_group.h"

#include "core/ml/torch_c10d.h"
#include "core/ml/torch_errors.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace cxr::ml {

#ifdef CXR_HAVE_GLOO
using PendingWork = c10::intrusive_ptr<c10d::Work>;
#else
using PendingWork = bool;
#endif

struct GradientBuckets::Bucket {
    at::Tensor flat; // the bucket's gradients end to end, summed over the ranks in place
    std::vector<std::size_t> parameters;
    std::size_t waiting = 0; // gradients still to arrive this step
    bool launched = false;
    PendingWork work{};
};

GradientBuckets::GradientBuckets(std::vector<at::Tensor> parameters, const ProcessGroup &group,
                                 std::int64_t bucketBytes)
    : m_group(group), m_parameters(std::move(parameters))
{
    const std::size_t count = m_parameters.size();
    m_bucketOf.resize(count);
    m_offsetOf.resize(count);
    m_arrived.assign(count, 0);
    std::int64_t bytes = 0;
    for (std::size_t k = count; k-- > 0;) { // the last layers' gradients come first
        const at::Tensor &parameter = m_parameters[k];
        const std::int64_t size = parameter.numel() * std::int64_t(parameter.element_size());
        if (m_buckets.empty() || bytes + size > bucketBytes ||
            m_buckets.back()->flat.scalar_type() != parameter.scalar_type()) {
            m_buckets.push_back(std::make_unique<Bucket>());
            m_buckets.back()->flat = at::empty({0}, parameter.options());
            bytes = 0;
        }
        Bucket &bucket = *m_buckets.back();
        m_bucketOf[k] = m_buckets.size() - 1;
        m_offsetOf[k] = bucket.flat.numel();
        bucket.parameters.push_back(k);
        bucket.flat = at::zeros({bucket.flat.numel() + parameter.numel()}, parameter.options());
        bytes += size;
    }
    for (auto &bucket : m_buckets) {
        bucket->waiting = bucket->parameters.size();
    }
    for (std::size_t k = 0; k < count; ++k) {
        m_hooks.push_back(m_parameters[k].register_hook(
            [this, k](const at::Tensor &gradient) { gradientReady(k, gradient); }));
    }
}

GradientBuckets::~GradientBuckets()
{
    for (std::size_t k = 0; k < m_hooks.size(); ++k) {
        m_parameters[k].remove_hook(m_hooks[k]);
    }
}

void GradientBuckets::gradientReady(std::size_t parameter, const at::Tensor &gradient)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    // Autograd sums a leaf's gradients before its hook runs: one call per parameter and step.
    Bucket &bucket = *m_buckets[m_bucketOf[parameter]];
    bucket.flat.narrow(0, m_offsetOf[parameter], gradient.numel())
        .copy_(gradient.reshape(-1), /*non_blocking=*/true);
    if (!m_arrived[parameter]) {
        m_arrived[parameter] = 1;
        --bucket.waiting;
    }
    launchFullBuckets();
}

void GradientBuckets::launchFullBuckets()
{
    while (m_nextToLaunch < m_buckets.size() && m_buckets[m_nextToLaunch]->waiting == 0) {
        launch(*m_buckets[m_nextToLaunch]);
        ++m_nextToLaunch;
    }
}

void GradientBuckets::launch(Bucket &bucket)
{
    bucket.launched = true;
#ifdef CXR_HAVE_GLOO
    std::vector<at::Tensor> tensors{bucket.flat};
    bucket.work = m_group.impl().group->allreduce(tensors);
#endif
}

Status GradientBuckets::finish()
{
#ifdef CXR_HAVE_GLOO
    Status status = Ok{};
    try {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            // Parameters backward did not reach (or this rank had no images): zeros, so that
            // every rank still sums every bucket, in the same order.
            for (std::size_t k = 0; k < m_parameters.size(); ++k) {
                if (!m_arrived[k]) {
                    m_buckets[m_bucketOf[k]]
                        ->flat.narrow(0, m_offsetOf[k], m_parameters[k].numel())
                        .zero_();
                    m_arrived[k] = 1;
                    --m_buckets[m_bucketOf[k]]->waiting;
                }
            }
            launchFullBuckets();
        }
        const double ranks = double(m_group.size());
        for (auto &bucket : m_buckets) {
            if (status) {
                bucket->work->wait(
                    std::chrono::duration_cast<std::chrono::milliseconds>(m_group.timeout()));
                bucket->flat.div_(ranks);
                for (std::size_t k : bucket->parameters) {
                    at::Tensor &parameter = m_parameters[k];
                    const at::Tensor mean = bucket->flat.narrow(0, m_offsetOf[k], parameter.numel())
                                                .view(parameter.sizes());
                    if (parameter.grad().defined()) {
                        parameter.mutable_grad().copy_(mean);
                    } else {
                        parameter.mutable_grad() = mean.clone(at::MemoryFormat::Preserve);
                    }
                }
            }
        }
    } catch (const std::exception &e) {
        status = makeError(ErrorCode::Network,
                           m_group.who() +
                               ": summing gradients over the ranks failed, so another rank has "
                               "stopped or cannot be reached (its own output says why): " +
                               errorSummary(e, 200));
    }
    std::fill(m_arrived.begin(), m_arrived.end(), 0);
    for (auto &bucket : m_buckets) {
        bucket->waiting = bucket->parameters.size();
        bucket->launched = false;
        bucket->work = PendingWork{};
    }
    m_nextToLaunch = 0;
    return status;
#else
    return makeError(ErrorCode::Unsupported, "no process groups in this build");
#endif
}

} // namespace cxr::ml
