// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: plain ImageArrays to tensors, and the loss and accuracy of one batch.

#include "core/common/image_arrays.h"
#include "core/ml/calibration.h"

#include <torch/types.h>

namespace cxr::ml {

// Copies arrays into a [N, C, H, W] uint8 tensor (and labels into [N] int64) on the CPU.
// Batches become model input with toModelInput.
torch::Tensor imagesTensor(const ImageArrays &arrays);
// The same without a copy: valid only while arrays lives. For the trainer, whose arrays outlive
// the run and whose batches are gathered (copied) from the view.
torch::Tensor imagesView(const ImageArrays &arrays);
// uint8 levels on any device to float32 model input: level / 255.
torch::Tensor toModelInput(const torch::Tensor &levels);
torch::Tensor labelsTensor(const ImageArrays &arrays);

// Copies a tensor to device (returns it as it is when already there). To CUDA it goes through
// page-locked memory without waiting: a copy from ordinary memory would wait for every kernel
// already queued, so a thread preparing the next batch would stall behind the training step in
// flight.
torch::Tensor upload(const torch::Tensor &host, const torch::Device &device);

struct BatchOutcome {
    torch::Tensor loss;    // mean over the batch, differentiable
    torch::Tensor correct; // int64 scalar on the logits' device: reading it waits for the batch
};

// Binary models (one logit) use sigmoid cross-entropy, others softmax cross-entropy.
// classWeights, when defined, weighs each image's loss by its class ([K] on logits' device).
// labelSmoothing in [0, 1): the targets move that far towards uniform (training only).
BatchOutcome lossAndCorrect(const torch::Tensor &logits, const torch::Tensor &labels,
                            const torch::Tensor &classWeights = {}, double labelSmoothing = 0);

// Softmax cross-entropy with optional class weights and label smoothing, as LibTorch's
// cross_entropy computes it, without reading anything back to the host.
torch::Tensor smoothedCrossEntropy(const torch::Tensor &logits, const torch::Tensor &labels,
                                   const torch::Tensor &classWeights, double labelSmoothing);

// Mixup's loss: weight times the loss against labels plus (1 - weight) times the loss against
// partnerLabels, the labels of the images blended in. An image counts as correct when the
// model picks the label with the larger share.
BatchOutcome mixedLossAndCorrect(const torch::Tensor &logits, const torch::Tensor &labels,
                                 const torch::Tensor &partnerLabels, double weight,
                                 const torch::Tensor &classWeights = {}, double labelSmoothing = 0);

// Class probabilities [N, K] from logits: [1 - p, p] for a binary model.
torch::Tensor probabilitiesFromLogits(const torch::Tensor &logits);

// Logits [N, K] under a model card's calibration: divided by the temperature, plus the bias
// when the model is binary (K = 1).
torch::Tensor calibratedLogits(const torch::Tensor &logits, const LogitCalibration &calibration);

} // namespace cxr::ml
