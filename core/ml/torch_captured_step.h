// SPDX-License-Identifier: MIT
#pragma once

// A training step (forward, loss, backward and a fused Adam/AdamW step) captured once as a CUDA
// graph and replayed for every full batch after: one launch for the whole step, where eager
// LibTorch launches every kernel from the host and the GPU waits between small ones. Needs a
// CUDA build of LibTorch 2 or later; elsewhere, and for whatever a graph cannot hold (see
// whyStepsAreNotCaptured), the trainer steps eagerly, with the same state and checkpoints.
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_includes.h"
#include "core/ml/trainer.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cxr::ml {

// Empty when a run with these settings can capture its steps; otherwise why not, for the log.
std::string whyStepsAreNotCaptured(const TrainSettings &settings, const torch::Device &device,
                                   Precision precision, bool dataParallel);

class CapturedStep {
public:
    // The forward pass and loss of one batch under the run's precision (no backward).
    using ForwardLoss =
        std::function<BatchOutcome(const torch::Tensor &images, const torch::Tensor &labels)>;

    // optimizer: Adam or AdamW (multi-tensor or LibTorch's), one parameter group, no AMSGrad.
    CapturedStep(torch::nn::Module &net, torch::optim::Optimizer &optimizer,
                 ForwardLoss forwardLoss);
    ~CapturedStep();
    CapturedStep(const CapturedStep &) = delete;
    CapturedStep &operator=(const CapturedStep &) = delete;

    // Trains one batch of the captured size at this learning rate and returns its loss and
    // correct count (copies, valid after the next step). Nothing for the first few calls: the
    // caller steps those eagerly, which settles cuDNN's choices and the optimiser's state
    // before the capture. Every later batch must have the first captured batch's shape.
    std::optional<BatchOutcome> train(const torch::Tensor &images, const torch::Tensor &labels,
                                      double rate);
    // Whether the next call to train captures: nothing else may use the GPU meanwhile (the
    // batch-preparing thread included), as capture forbids allocations that synchronise.
    bool capturesNext() const;
    // The caller stepped the optimiser eagerly (a last, smaller batch): the graph's copy of the
    // step counts is read again from the optimiser before the next replay.
    void eagerStepTaken();
    // Why the capture failed (then train returns nothing from here on); empty otherwise.
    const std::string &failure() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace cxr::ml
