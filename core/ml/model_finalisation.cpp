// SPDX-License-Identifier: MIT
#include "core/ml/model_finalisation.h"

#include "core/common/text.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/ml/file_digest.h"
#include "core/ml/model_card.h"
#include "core/ml/models.h"
#include "core/ml/ood_guard.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"
#include "core/ml/trained_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

namespace cxr::ml {

namespace {

struct NetOutputs {
    std::vector<float> logits; // N x logit count, row-major
    torch::Tensor pooled;      // [N, D] float64, CPU
};

// One pass over images in eval mode: the logits and the pooled last feature map.
NetOutputs runNet(ClassifierNetImpl &net, const torch::Tensor &images, const torch::Device &device)
{
    torch::NoGradGuard noGrad;
    net.eval();
    constexpr std::int64_t kBatch = 64;
    std::vector<torch::Tensor> logits;
    std::vector<torch::Tensor> pooled;
    for (std::int64_t start = 0; start < images.size(0); start += kBatch) {
        const torch::Tensor x = toModelInput(images.slice(0, start, start + kBatch).to(device));
        const torch::Tensor featureMap = net.features(x);
        logits.push_back(net.head(featureMap).to(torch::kFloat32).to(torch::kCPU));
        pooled.push_back(pooledFeatures(featureMap));
    }
    const torch::Tensor all = torch::cat(logits).contiguous();
    return {std::vector<float>(all.data_ptr<float>(), all.data_ptr<float>() + all.numel()),
            torch::cat(pooled)};
}

std::vector<int> toLabels(const torch::Tensor &labels)
{
    const torch::Tensor cpu = labels.to(torch::kCPU).to(torch::kInt64).contiguous();
    return std::vector<int>(cpu.data_ptr<std::int64_t>(),
                            cpu.data_ptr<std::int64_t>() + cpu.numel());
}

std::string formatted(const char *format, double a, double b = 0, double c = 0, double d = 0)
{
    char text[256];
    std::snprintf(text, sizeof text, format, a, b, c, d);
    return text;
}

} // namespace

namespace {

// 1. Temperature (and a binary model's bias) on validation; returns the validation images'
// calibrated probabilities (a binary model's), for the operating point.
std::vector<float> calibrate(const NetOutputs &val, const std::vector<int> &valLabels,
                             int logitCount, ModelCard &card, std::vector<std::string> &notes)
{
    const LogitCalibration fitted = fitCalibration(val.logits, logitCount, valLabels);
    CalibrationRecord &calibration = card.calibration;
    calibration.temperature = fitted.temperature;
    calibration.bias = fitted.bias;
    calibration.fittedOn = "validation";
    calibration.images = int(valLabels.size());
    calibration.fittedAt = utcTimestamp();
    const std::string fittedOn =
        formatted("calibrated on %.0f validation images: ", double(valLabels.size())) +
        calibration.describe();
    std::vector<float> calibrated;
    if (logitCount != 1) {
        notes.push_back(fittedOn);
        return calibrated;
    }
    std::vector<float> raw;
    for (float logit : val.logits) {
        raw.push_back(float(calibratedProbability(logit)));
        calibrated.push_back(float(calibratedProbability(logit, fitted)));
    }
    calibration.eceBefore = expectedCalibrationError(valLabels, raw);
    calibration.eceAfter = expectedCalibrationError(valLabels, calibrated);
    notes.push_back(fittedOn + formatted(", expected calibration error %.3f before, %.3f after",
                                         calibration.eceBefore, calibration.eceAfter));
    return calibrated;
}

// 2. The operating point of a binary model, by the run's rule on validation.
void chooseOperatingPoint(const OperatingPointRule &rule, const std::vector<int> &valLabels,
                          const std::vector<float> &calibrated, ModelCard &card,
                          std::vector<std::string> &notes)
{
    auto threshold = chooseThreshold(rule, valLabels, calibrated);
    if (!threshold) {
        notes.push_back("threshold left at " + formatted("%.2f", card.spec.threshold) + ": " +
                        threshold.error().message);
        return;
    }
    card.spec.threshold = *threshold;
    const DiagnosticMetrics at = computeDiagnosticMetrics(valLabels, calibrated, *threshold);
    card.operatingPoint = {operatingPointSpec(rule), "validation", int(valLabels.size()),
                           at.sensitivity, at.specificity};
    notes.push_back("threshold " + formatted("%.3f", *threshold) + " for " +
                    operatingPointName(rule) + " on validation (sensitivity " +
                    formatted("%.3f, specificity %.3f)", at.sensitivity, at.specificity));
}

// 3. The out-of-distribution reference: training images as the model saw them, without
// augmentation; a seeded sample keeps the cost bounded on large sets. Its threshold lets
// kOodValidationPassRate of the validation images pass.
Status fitGuard(ClassifierNetImpl &net, const FinalisationData &data, const NetOutputs &val,
                std::uint64_t seed, const torch::Device &device, const RunPaths &paths,
                ModelCard &card, std::vector<std::string> &notes)
{
    std::vector<std::int64_t> order(std::size_t(data.trainImages.size(0)));
    std::iota(order.begin(), order.end(), std::int64_t(0));
    std::mt19937_64 random(seed ^ 0x00D0D0D0ULL);
    std::shuffle(order.begin(), order.end(), random);
    order.resize(std::min<std::size_t>(order.size(), std::size_t(kOodReferenceImages)));
    std::sort(order.begin(), order.end()); // memory order: cheaper gathers
    const torch::Tensor picked = torch::tensor(order, torch::kInt64);
    const torch::Tensor trainImages =
        data.trainImages.index_select(0, picked.to(data.trainImages.device()));
    const torch::Tensor trainLabels = data.trainLabels.to(torch::kCPU).index_select(0, picked);
    const NetOutputs train = runNet(net, trainImages, device);
    const int classCount = int(card.spec.classNames.size());
    auto reference = fitOodReference(train.pooled, trainLabels, classCount);
    if (!reference) {
        return reference.error();
    }
    const torch::Tensor valScores = oodScores(*reference, val.pooled).contiguous();
    std::vector<double> sorted(valScores.data_ptr<double>(),
                               valScores.data_ptr<double>() + valScores.numel());
    std::sort(sorted.begin(), sorted.end());
    const auto passIndex =
        std::min(sorted.size() - 1,
                 std::size_t(std::ceil(kOodValidationPassRate * double(sorted.size()))) - 1);
    const double threshold = sorted[passIndex];
    const auto flagged = std::count_if(sorted.begin(), sorted.end(),
                                       [threshold](double s) { return s > threshold; });
    const std::filesystem::path oodFile = paths.modelDir() / "ood.pt";
    if (auto saved = saveOodReference(*reference, oodFile); !saved) {
        return saved.error();
    }
    auto digest = sha256OfFile(oodFile);
    if (!digest) {
        return digest.error();
    }
    const double flaggedShare = double(flagged) / double(sorted.size());
    card.ood = {"mahalanobis",     "ood.pt",           *digest,     threshold,
                int(order.size()), int(sorted.size()), flaggedShare};
    notes.push_back(formatted("out-of-distribution guard fitted on %.0f training images: "
                              "threshold %.3f, %.1f%% of validation images flagged (shrinkage "
                              "%.2f)",
                              double(order.size()), threshold, 100.0 * flaggedShare,
                              reference->shrinkage));
    return Ok{};
}

} // namespace

Result<std::vector<std::string>> finaliseModel(const RunPaths &paths, const FinalisationData &data,
                                               const OperatingPointRule &rule, std::uint64_t seed,
                                               const torch::Device &device,
                                               ProgressObserver *observer)
{
    auto card = readModelCard(paths.modelCard());
    if (!card) {
        return card.error();
    }
    auto net = loadTrainedNet(paths.modelDir(), *card);
    if (!net) {
        return net.error();
    }
    if (observer) {
        observer->stage("Calibrating the model and fitting its out-of-distribution guard");
    }
    std::vector<std::string> notes;
    try {
        (*net)->to(device);
        const NetOutputs val = runNet(**net, data.valImages, device);
        const std::vector<int> valLabels = toLabels(data.valLabels);
        const int logitCount = int(val.logits.size() / std::max<std::size_t>(1, valLabels.size()));
        for (float logit : val.logits) {
            if (!std::isfinite(logit)) {
                return makeError(ErrorCode::Internal,
                                 paths.weights().string() +
                                     ": the trained model's output is not a number "
                                     "on a validation image; it cannot be used");
            }
        }
        const std::vector<float> calibrated = calibrate(val, valLabels, logitCount, *card, notes);
        if (logitCount == 1) {
            chooseOperatingPoint(rule, valLabels, calibrated, *card, notes);
        }
        if (auto guarded = fitGuard(**net, data, val, seed, device, paths, *card, notes);
            !guarded) {
            return guarded.error();
        }
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal,
                         "calibrating the trained model failed: " + errorSummary(e));
    }
    if (auto written = writeModelCard(paths.modelCard(), *card); !written) {
        return written.error();
    }
    return notes;
}

} // namespace cxr::ml
