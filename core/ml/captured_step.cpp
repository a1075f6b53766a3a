// SPDX-License-Identifier: MIT
#include "core/ml/torch_captured_step.h"

#include "core/ml/torch_errors.h"
#include "core/ml/torch_multi_tensor_adam.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// CUDA graphs of a whole training step need PyTorch 2's fused Adam with its learning rate and
// step counts on the device; Debian's CPU LibTorch (1.13) has neither.
#if defined(CXR_TORCH_CUDA) && !defined(CXR_NO_CUDA_GRAPHS) && TORCH_VERSION_MAJOR >= 2 &&         \
    __has_include(<ATen/cuda/CUDAGraph.h>)
#define CXR_CUDA_GRAPHS 1
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace cxr::ml {

namespace {
// Eager steps before the capture: cuDNN's algorithm search and the optimiser's first state
// allocations happen outside the graph (PyTorch's documentation warms up with 3).
constexpr int kWarmUpSteps = 3;
} // namespace

std::string whyStepsAreNotCaptured(const TrainSettings &settings, const torch::Device &device,
                                   Precision precision, bool dataParallel)
{
    if (!settings.captureSteps) {
        return "capture turned off";
    }
    if (!device.is_cuda()) {
        return "not on CUDA";
    }
#ifndef CXR_CUDA_GRAPHS
    (void)precision;
    (void)dataParallel;
    return "this build has no CUDA graphs (they need PyTorch's LibTorch 2 or later, and "
           "CXR_CUDA_GRAPHS on)";
#else
    if (dataParallel) {
        return "a data-parallel step exchanges gradients with the other ranks";
    }
    if (precision == Precision::Float16) {
        return "fp16's loss scaling decides on the host whether to step";
    }
    if (settings.gradientClipNorm > 0) {
        return "gradient clipping reads the gradients' norm on the host";
    }
    if (settings.optimizer.kind == OptimizerKind::Sgd) {
        return "only Adam and AdamW steps are captured";
    }
    if (settings.mixupAlpha > 0) {
        return "mixup draws a new blend weight on the host every step";
    }
    return {};
#endif
}

struct CapturedStep::Impl {
    Impl(torch::nn::Module &trained, torch::optim::Optimizer &stepper, ForwardLoss lossOf)
        : net(trained), optimizer(stepper), forwardLoss(std::move(lossOf))
    {}

    torch::nn::Module &net;
    torch::optim::Optimizer &optimizer;
    ForwardLoss forwardLoss;
    int warmUpLeft = kWarmUpSteps;
    bool countsStale = true;
    std::string failure; // why the capture failed; the run then steps eagerly
#ifdef CXR_CUDA_GRAPHS
    std::unique_ptr<at::cuda::CUDAGraph> graph;
    // The graph's fixed inputs and outputs: every replay reads and writes these tensors.
    torch::Tensor images;
    torch::Tensor labels;
    torch::Tensor rate; // on the device, so that a schedule's change needs no new capture
    torch::Tensor loss;
    torch::Tensor correct;
    // The fused step's lists: parameters with a gradient in the graph, and their state.
    std::vector<torch::Tensor> parameters;
    std::vector<torch::Tensor> gradients;
    std::vector<torch::Tensor> averages;
    std::vector<torch::Tensor> squareAverages;
    std::vector<torch::Tensor> steps;   // float step counts on the device, as the fused step wants
    std::vector<std::int64_t *> counts; // the optimiser's own counts, for its checkpoints

    bool capture(const torch::Tensor &batchImages, const torch::Tensor &batchLabels,
                 double rateNow);
    void captureBody(const std::vector<AdamSlot> &slots,
                     const std::vector<torch::Tensor> &stepsOfSlots, const AdamHyper &hyper);
    void record(const std::vector<AdamSlot> &slots, const std::vector<torch::Tensor> &stepsOfSlots);
    void fusedStep(const AdamHyper &hyper);
    BatchOutcome replay(const torch::Tensor &batchImages, const torch::Tensor &batchLabels,
                        double rateNow);
#endif
};

CapturedStep::CapturedStep(torch::nn::Module &net, torch::optim::Optimizer &optimizer,
                           ForwardLoss forwardLoss)
    : m_impl(std::make_unique<Impl>(net, optimizer, std::move(forwardLoss)))
{}

CapturedStep::~CapturedStep() = default;

bool CapturedStep::capturesNext() const
{
#ifdef CXR_CUDA_GRAPHS
    return m_impl->warmUpLeft == 0 && !m_impl->graph && m_impl->failure.empty();
#else
    return false;
#endif
}

void CapturedStep::eagerStepTaken()
{
    m_impl->countsStale = true;
}

const std::string &CapturedStep::failure() const
{
    return m_impl->failure;
}

std::optional<BatchOutcome> CapturedStep::train(const torch::Tensor &images,
                                                const torch::Tensor &labels, double rate)
{
    if (m_impl->warmUpLeft > 0) {
        --m_impl->warmUpLeft;
        return std::nullopt;
    }
#ifdef CXR_CUDA_GRAPHS
    if (!m_impl->failure.empty() || (!m_impl->graph && !m_impl->capture(images, labels, rate))) {
        return std::nullopt;
    }
    return m_impl->replay(images, labels, rate);
#else
    (void)images;
    (void)labels;
    (void)rate;
    return std::nullopt;
#endif
}

#ifdef CXR_CUDA_GRAPHS

namespace {

// Autocast's cache of bf16 weight copies off while it lives: it would hold tensors of the
// capture's pool. Restored however the capture ends.
class AutocastCacheOff {
public:
    AutocastCacheOff() : m_was(at::autocast::is_autocast_cache_enabled())
    {
        at::autocast::set_autocast_cache_enabled(false);
    }
    ~AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(m_was); }
    AutocastCacheOff(const AutocastCacheOff &) = delete;
    AutocastCacheOff &operator=(const AutocastCacheOff &) = delete;

private:
    bool m_was;
};

} // namespace

// Captures the step on a side stream, as CUDA requires (the legacy default stream cannot be
// captured). Capturing runs nothing: the first replay trains the batch. False, with failure
// said, when the step cannot be captured (out of memory for the graph's pool, an operation that
// waits for the host); the run then steps eagerly, and nothing of the capture is left.
bool CapturedStep::Impl::capture(const torch::Tensor &batchImages, const torch::Tensor &batchLabels,
                                 double rateNow)
{
    const std::vector<AdamSlot> slots = adamSlots(optimizer); // creates missing state, eagerly
    const AdamHyper hyper = adamHyper(optimizer);
    const auto device = batchImages.device();
    images = batchImages.clone(); // clone keeps channels-last
    labels = batchLabels.clone();
    rate = torch::full({}, rateNow, torch::dtype(torch::kFloat32).device(device));
    std::vector<torch::Tensor> stepsOfSlots;
    stepsOfSlots.reserve(slots.size());
    for (const AdamSlot &slot : slots) {
        stepsOfSlots.push_back(
            torch::full({}, double(*slot.step), torch::dtype(torch::kFloat32).device(device)));
    }
    // Gradients made inside the capture are the graph's own buffers, written (not added to) by
    // every replay; gradients left from an eager step would be accumulated into instead.
    for (torch::Tensor &parameter : net.parameters()) {
        parameter.mutable_grad() = torch::Tensor();
    }
    // Blocks cached for eager steps go back to the device, leaving room for the graph's own
    // pool (as torch.cuda.graph does).
    c10::cuda::CUDACachingAllocator::emptyCache();
    const c10::cuda::CUDAStream training = c10::cuda::getCurrentCUDAStream(device.index());
    const c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool(false, device.index());
    at::cuda::CUDAEvent before;
    before.record(training);
    before.block(side);
    try {
        c10::cuda::CUDAStreamGuard onSide(side);
        AutocastCacheOff noCache;
        graph = std::make_unique<at::cuda::CUDAGraph>();
        // Thread-local: another thread of the application using the GPU meanwhile (the GUI
        // predicting while it trains) neither breaks the capture nor fails itself.
        graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
        try {
            captureBody(slots, stepsOfSlots, hyper);
        } catch (...) {
            try {
                graph->capture_end(); // ends the stream's capture, whatever it reports
            } catch (...) {
            }
            throw;
        }
        graph->capture_end();
    } catch (const std::exception &e) {
        failure = errorSummary(e, 200);
    }
    if (failure.empty() && parameters.empty()) {
        failure = "no parameter gets a gradient";
    }
    at::cuda::CUDAEvent after;
    after.record(side);
    after.block(training);
    if (!failure.empty()) {
        graph.reset();
        parameters.clear();
        gradients.clear();
        averages.clear();
        squareAverages.clear();
        steps.clear();
        counts.clear();
        return false;
    }
    return true;
}

// What the graph holds: forward and loss, backward, the fused optimiser step.
void CapturedStep::Impl::captureBody(const std::vector<AdamSlot> &slots,
                                     const std::vector<torch::Tensor> &stepsOfSlots,
                                     const AdamHyper &hyper)
{
    const BatchOutcome outcome = forwardLoss(images, labels);
    outcome.loss.backward();
    record(slots, stepsOfSlots);
    if (!parameters.empty()) {
        fusedStep(hyper);
    }
    loss = outcome.loss.detach();
    correct = outcome.correct;
}

// The slots whose parameters got a gradient in the captured backward pass.
void CapturedStep::Impl::record(const std::vector<AdamSlot> &slots,
                                const std::vector<torch::Tensor> &stepsOfSlots)
{
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const torch::Tensor gradient = slots[i].parameter.grad();
        if (!gradient.defined()) {
            continue;
        }
        parameters.push_back(slots[i].parameter);
        gradients.push_back(gradient);
        averages.push_back(slots[i].average);
        squareAverages.push_back(slots[i].squareAverage);
        steps.push_back(stepsOfSlots[i]);
        counts.push_back(slots[i].step);
    }
}

// PyTorch's fused Adam/AdamW: one kernel for all parameters, reading the rate and the step
// counts from the device (the counts are advanced first, as torch.optim does).
void CapturedStep::Impl::fusedStep(const AdamHyper &hyper)
{
    torch::NoGradGuard noGrad;
    torch::_foreach_add_(steps, 1);
    const c10::optional<torch::Tensor> none;
    if (hyper.decoupled) {
        at::_fused_adamw_(parameters, gradients, averages, squareAverages, {}, steps, rate,
                          hyper.beta1, hyper.beta2, hyper.weightDecay, hyper.eps, false, false,
                          none, none);
    } else {
        at::_fused_adam_(parameters, gradients, averages, squareAverages, {}, steps, rate,
                         hyper.beta1, hyper.beta2, hyper.weightDecay, hyper.eps, false, false, none,
                         none);
    }
}

BatchOutcome CapturedStep::Impl::replay(const torch::Tensor &batchImages,
                                        const torch::Tensor &batchLabels, double rateNow)
{
    torch::NoGradGuard noGrad;
    images.copy_(batchImages);
    labels.copy_(batchLabels);
    rate.fill_(rateNow);
    if (countsStale) {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            steps[i].fill_(double(*counts[i]));
        }
        countsStale = false;
    }
    graph->replay();
    for (std::int64_t *count : counts) {
        ++*count;
    }
    // Copies: the next replay overwrites the graph's own, and the loss is read a step late.
    return {loss.clone(), correct.clone()};
}

#endif

} // namespace cxr::ml
