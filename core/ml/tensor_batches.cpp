// SPDX-License-Identifier: MIT
#include "core/ml/tensor_batches.h"

#include "core/ml/torch_includes.h"

namespace cxr::ml {

torch::Tensor imagesTensor(const ImageArrays &arrays)
{
    const auto n = std::int64_t(arrays.count());
    if (n == 0) {
        return torch::empty({0, arrays.channels, arrays.height, arrays.width}, torch::kUInt8);
    }
    // from_blob does not own the memory: clone so the tensor outlives arrays.
    return torch::from_blob(const_cast<std::uint8_t *>(arrays.pixels.data()),
                            {n, arrays.channels, arrays.height, arrays.width}, torch::kUInt8)
        .clone();
}

torch::Tensor imagesView(const ImageArrays &arrays)
{
    const auto n = std::int64_t(arrays.count());
    if (n == 0) {
        return torch::empty({0, arrays.channels, arrays.height, arrays.width}, torch::kUInt8);
    }
    return torch::from_blob(const_cast<std::uint8_t *>(arrays.pixels.data()),
                            {n, arrays.channels, arrays.height, arrays.width}, torch::kUInt8);
}

torch::Tensor toModelInput(const torch::Tensor &levels)
{
    return levels.to(torch::kFloat32).div_(255.0f);
}

torch::Tensor labelsTensor(const ImageArrays &arrays)
{
    std::vector<std::int64_t> labels(arrays.labels.begin(), arrays.labels.end());
    return torch::tensor(labels, torch::kInt64);
}

torch::Tensor upload(const torch::Tensor &host, const torch::Device &device)
{
    if (!device.is_cuda() || host.device() == device) {
        return host.to(device);
    }
    return host.pin_memory().to(device, /*non_blocking=*/true);
}

BatchOutcome lossAndCorrect(const torch::Tensor &logits, const torch::Tensor &labels,
                            const torch::Tensor &classWeights, double labelSmoothing)
{
    BatchOutcome outcome;
    if (logits.size(1) == 1) {
        const auto scores = logits.squeeze(1);
        // Per-image weights, mean over the batch: the same scale as the unweighted loss.
        const torch::Tensor weights =
            classWeights.defined() ? classWeights.index_select(0, labels) : torch::Tensor();
        // Smoothing pulls the targets from 0 and 1 towards 1/2, as softmax smoothing does with
        // two classes.
        const torch::Tensor targets =
            labels.to(torch::kFloat32) * (1 - labelSmoothing) + labelSmoothing / 2;
        outcome.loss = torch::binary_cross_entropy_with_logits(scores, targets, weights);
        outcome.correct = (scores.ge(0).to(torch::kInt64) == labels).sum();
    } else {
        outcome.loss = smoothedCrossEntropy(logits, labels, classWeights, labelSmoothing);
        outcome.correct = (logits.argmax(1) == labels).sum();
    }
    return outcome;
}

torch::Tensor smoothedCrossEntropy(const torch::Tensor &logits, const torch::Tensor &labels,
                                   const torch::Tensor &classWeights, double labelSmoothing)
{
    namespace F = torch::nn::functional;
    auto options = F::CrossEntropyFuncOptions();
    if (classWeights.defined()) {
        options.weight(classWeights);
    }
    torch::Tensor plain = F::cross_entropy(logits, labels, options);
    if (labelSmoothing == 0) {
        return plain;
    }
    // ATen's formula, (1 - e) * weighted NLL + e / K * the weighted sum of -log p over all
    // classes, divided by the labels' total weight. ATen finds that total by selecting the
    // labels with a mask, whose size the host must read: every step would wait for the GPU
    // (and a CUDA graph could not hold it). Without an ignored label, the total is a sum.
    const torch::Tensor logProbabilities = torch::log_softmax(logits, 1);
    const std::int64_t classes = logits.size(1);
    torch::Tensor smoothed;
    if (classWeights.defined()) {
        smoothed = -(logProbabilities * classWeights.view({1, classes})).sum(1).sum() /
                   classWeights.index_select(0, labels).sum();
    } else {
        smoothed = -logProbabilities.sum(1).mean();
    }
    return plain * (1 - labelSmoothing) + smoothed * (labelSmoothing / double(classes));
}

BatchOutcome mixedLossAndCorrect(const torch::Tensor &logits, const torch::Tensor &labels,
                                 const torch::Tensor &partnerLabels, double weight,
                                 const torch::Tensor &classWeights, double labelSmoothing)
{
    BatchOutcome own = lossAndCorrect(logits, labels, classWeights, labelSmoothing);
    BatchOutcome partner = lossAndCorrect(logits, partnerLabels, classWeights, labelSmoothing);
    return {own.loss * weight + partner.loss * (1 - weight),
            weight >= 0.5 ? own.correct : partner.correct};
}

torch::Tensor calibratedLogits(const torch::Tensor &logits, const LogitCalibration &calibration)
{
    const torch::Tensor scaled = logits / calibration.temperature;
    return logits.size(1) == 1 ? scaled + calibration.bias : scaled;
}

torch::Tensor probabilitiesFromLogits(const torch::Tensor &logits)
{
    if (logits.size(1) == 1) {
        const auto p = torch::sigmoid(logits);
        return torch::cat({1 - p, p}, 1);
    }
    return torch::softmax(logits, 1);
}

} // namespace cxr::ml
