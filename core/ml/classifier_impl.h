// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: the state behind Classifier, shared by classifier.cpp (one model) and
// ensemble_classifier.cpp (an ensemble of models).

#include "core/ml/classifier.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
#include "core/ml/ood_guard.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace cxr::ml {

struct Classifier::Impl {
    ModelCard card;
    std::filesystem::path modelDir;
    ClassifierNet net;
    torch::Device device{torch::kCPU};
    std::optional<OodReference> ood;
    bool testTimeAugmentation = false;
    // An ensemble's models (its card lists them); net is unused then. Each member applies its
    // own calibration; the ensemble averages their probabilities.
    std::vector<Classifier> members;

    Status openMembers(const std::string &device);
    Result<Predictions> predictWithMembers(const ImageArrays &arrays, ProgressObserver *observer);
    Result<CamMap> explainWithMembers(const std::vector<float> &image, const CamRequest &request);

    // The views a prediction averages: the image, its mirror image and a 90% central crop
    // enlarged back (test-time augmentation), or the image alone.
    std::vector<torch::Tensor> views(const torch::Tensor &x) const
    {
        if (!testTimeAugmentation) {
            return {x};
        }
        namespace F = torch::nn::functional;
        const std::int64_t side = x.size(2);
        const std::int64_t kept = std::max<std::int64_t>(1, std::llround(0.9 * double(side)));
        const std::int64_t offset = (side - kept) / 2;
        const torch::Tensor crop =
            x.slice(2, offset, offset + kept).slice(3, offset, offset + kept);
        const torch::Tensor rescaled =
            F::interpolate(crop, F::InterpolateFuncOptions()
                                     .size(std::vector<std::int64_t>{side, x.size(3)})
                                     .mode(torch::kBilinear)
                                     .align_corners(false));
        return {x, x.flip({3}), rescaled};
    }

    // Logits averaged over the views, given the first view's feature map (computed anyway).
    torch::Tensor averagedLogits(const torch::Tensor &x, const torch::Tensor &featureMap)
    {
        torch::NoGradGuard noGrad;
        torch::Tensor sum = net->head(featureMap).detach().to(torch::kFloat32);
        const std::vector<torch::Tensor> all = views(x);
        for (std::size_t v = 1; v < all.size(); ++v) {
            sum = sum + net->forward(all[v]).to(torch::kFloat32);
        }
        return sum / double(all.size());
    }

    // With test-time augmentation the map is the mean of the image's map and its mirror image's
    // map flipped back, scaled to [0, 1] again; the crop view adds to the probability only, since
    // its map covers part of the image.
    void averageWithMirrorMap(CamMap &cam, const torch::Tensor &input, const CamRequest &request)
    {
        auto mirrored = computeCam(*net, input.flip({3}), request);
        if (!mirrored || mirrored->values.size() != cam.values.size()) {
            return;
        }
        float highest = 0;
        for (int y = 0; y < cam.height; ++y) {
            for (int x = 0; x < cam.width; ++x) {
                float &value = cam.values[std::size_t(y) * std::size_t(cam.width) + std::size_t(x)];
                value = (value + mirrored->values[std::size_t(y) * std::size_t(cam.width) +
                                                  std::size_t(cam.width - 1 - x)]) /
                        2;
                highest = std::max(highest, value);
            }
        }
        if (highest > 0) {
            for (float &value : cam.values) {
                value /= highest;
            }
        }
        cam.flat = cam.flat && mirrored->flat;
    }

    LogitCalibration calibration() const { return card.calibration.logits(); }

    // Damaged weights give NaN or infinite outputs: refused, never shown as a probability.
    Error notANumber() const
    {
        return makeError(ErrorCode::Corrupt,
                         modelDir.string() +
                             ": the model's output is not a number "
                             "(NaN or infinite); its weights are damaged or unusable");
    }
    Status checkFinite(const torch::Tensor &logits) const
    {
        if (!torch::isfinite(logits).all().item<bool>()) {
            return notANumber();
        }
        return Ok{};
    }

    // One image of the card's input spec as a [1, C, H, W] tensor on the device (on the CPU a
    // view of image, which must outlive it).
    Result<torch::Tensor> inputTensor(const std::vector<float> &image) const
    {
        const ModelSpec &spec = card.spec;
        const std::size_t expected = std::size_t(spec.channels) * spec.inputSize * spec.inputSize;
        if (image.size() != expected) {
            return makeError(ErrorCode::Incompatible, "image does not match the model input (" +
                                                          std::to_string(spec.channels) + "x" +
                                                          std::to_string(spec.inputSize) + "x" +
                                                          std::to_string(spec.inputSize) + ")");
        }
        try {
            return torch::from_blob(const_cast<float *>(image.data()),
                                    {1, spec.channels, spec.inputSize, spec.inputSize},
                                    torch::kFloat32)
                .to(device);
        } catch (const std::exception &e) {
            return makeError(ErrorCode::Internal, "cannot copy the image to " + device.str() +
                                                      " (" + errorSummary(e) + ")");
        }
    }
};

} // namespace cxr::ml
