// SPDX-License-Identifier: MIT
#include "core/ml/classifier.h"

#include "core/ml/device.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
#include "core/ml/ood_guard.h"
#include "core/ml/file_digest.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/trained_model.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"

namespace cxr::ml {

namespace fs = std::filesystem;

struct Classifier::Impl {
    ModelCard card;
    fs::path modelDir;
    ClassifierNet net;
    torch::Device device{torch::kCPU};
    std::optional<OodReference> ood;

    double temperature() const { return card.calibration.temperature; }

    // Damaged weights give NaN or infinite outputs: refused, never shown as a probability.
    Error notANumber() const
    {
        return makeError(ErrorCode::Corrupt, modelDir.string() + ": the model's output is not a number "
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
            return makeError(ErrorCode::Incompatible,
                             "image does not match the model input (" + std::to_string(spec.channels) +
                                 "x" + std::to_string(spec.inputSize) + "x" +
                                 std::to_string(spec.inputSize) + ")");
        }
        try {
            return torch::from_blob(const_cast<float *>(image.data()),
                                    {1, spec.channels, spec.inputSize, spec.inputSize}, torch::kFloat32)
                .to(device);
        } catch (const std::exception &e) {
            return makeError(ErrorCode::Internal, "cannot copy the image to " + device.str() + " (" + errorSummary(e) + ")");
        }
    }
};

Classifier::Classifier(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Classifier::Classifier(Classifier &&) noexcept = default;
Classifier &Classifier::operator=(Classifier &&) noexcept = default;
Classifier::~Classifier() = default;

const ModelCard &Classifier::card() const { return m_impl->card; }
const fs::path &Classifier::modelDir() const { return m_impl->modelDir; }
bool Classifier::hasOodGuard() const { return m_impl->ood.has_value(); }
double Classifier::oodThreshold() const { return m_impl->card.ood.threshold; }

Result<Classifier> Classifier::open(const fs::path &runOrModelDir, const std::string &device)
{
    auto folder = openModelFolder(runOrModelDir);
    if (!folder) {
        return folder.error();
    }
    auto resolved = resolveDevice(device);
    if (!resolved) {
        return resolved.error();
    }
    useAllCpuCores();
    auto impl = std::make_unique<Impl>();
    impl->card = std::move(folder->card);
    impl->modelDir = std::move(folder->dir);
    impl->device = torch::Device(*resolved);
    auto net = loadTrainedNet(impl->modelDir, impl->card);
    if (!net) {
        return net.error();
    }
    impl->net = std::move(*net);
    if (!impl->card.ood.method.empty()) {
        const fs::path file = impl->modelDir / impl->card.ood.file;
        auto digest = sha256OfFile(file);
        if (!digest) {
            return digest.error();
        }
        if (*digest != impl->card.ood.sha256) {
            return makeError(ErrorCode::Corrupt, file.string() + ": the out-of-distribution reference "
                                                                 "changed since the model card was written");
        }
        auto reference = loadOodReference(file);
        if (!reference) {
            return reference.error();
        }
        impl->ood = std::move(*reference);
    }
    try {
        impl->net->to(impl->device);
    } catch (const std::exception &e) { // out of device memory, mostly
        return makeError(ErrorCode::Internal, impl->modelDir.string() + ": cannot move the model to " +
                                                  *resolved + " (" + errorSummary(e) + ")");
    }
    impl->net->eval();
    return Classifier(std::move(impl));
}

Result<Predictions> Classifier::predict(const ImageArrays &arrays, ProgressObserver *observer)
{
    const ModelSpec &spec = m_impl->card.spec;
    if (arrays.channels != spec.channels || arrays.height != spec.inputSize ||
        arrays.width != spec.inputSize) {
        return makeError(ErrorCode::Incompatible, "images are " + std::to_string(arrays.channels) +
                                                      "x" + std::to_string(arrays.height) + "x" +
                                                      std::to_string(arrays.width) +
                                                      " but the model takes " +
                                                      std::to_string(spec.channels) + "x" +
                                                      std::to_string(spec.inputSize) + "x" +
                                                      std::to_string(spec.inputSize));
    }
    torch::NoGradGuard noGrad;
    m_impl->net->eval();
    const torch::Tensor images = imagesTensor(arrays);
    Predictions predictions;
    predictions.classCount = int(std::max<std::size_t>(2, spec.classNames.size()));
    predictions.probabilities.reserve(arrays.count() * std::size_t(predictions.classCount));
    constexpr std::int64_t kBatch = 32;
    for (std::int64_t start = 0; start < images.size(0); start += kBatch) {
        if (cancelled(observer)) {
            return makeError(ErrorCode::Cancelled, "prediction cancelled");
        }
        try {
            const auto x = toModelInput(images.slice(0, start, start + kBatch).to(m_impl->device));
            const auto featureMap = m_impl->net->features(x);
            const auto logits = m_impl->net->head(featureMap).to(torch::kFloat32).to(torch::kCPU).contiguous();
            if (auto finite = m_impl->checkFinite(logits); !finite) {
                return finite.error();
            }
            const auto p = probabilitiesFromLogits(logits / m_impl->temperature()).contiguous();
            predictions.probabilities.insert(predictions.probabilities.end(), p.data_ptr<float>(),
                                             p.data_ptr<float>() + p.numel());
            predictions.logits.insert(predictions.logits.end(), logits.data_ptr<float>(),
                                      logits.data_ptr<float>() + logits.numel());
            if (m_impl->ood) {
                const auto scores = oodScores(*m_impl->ood, pooledFeatures(featureMap)).to(torch::kFloat32).contiguous();
                predictions.oodScores.insert(predictions.oodScores.end(), scores.data_ptr<float>(),
                                             scores.data_ptr<float>() + scores.numel());
            }
        } catch (const std::exception &e) { // out of device memory, mostly
            return makeError(ErrorCode::Internal, "prediction failed: " + errorSummary(e));
        }
        if (observer) {
            observer->progress(std::min<std::int64_t>(start + kBatch, images.size(0)), images.size(0));
        }
    }
    return predictions;
}

std::vector<std::string> Classifier::camLayers() const { return m_impl->net->stageNames(); }

Result<CamMap> Classifier::explain(const std::vector<float> &image, const CamRequest &request)
{
    auto input = m_impl->inputTensor(image);
    if (!input) {
        return input.error();
    }
    CamRequest withThreshold = request;
    withThreshold.decisionThreshold = m_impl->card.spec.threshold;
    withThreshold.temperature = m_impl->temperature();
    try {
        torch::Tensor featureMap;
        auto cam = computeCam(*m_impl->net, *input, withThreshold, &featureMap);
        if (!cam) {
            return cam;
        }
        for (double p : cam->classProbabilities) {
            if (!std::isfinite(p)) {
                return m_impl->notANumber();
            }
        }
        if (m_impl->ood) {
            cam->oodScore = oodScores(*m_impl->ood, pooledFeatures(featureMap))[0].item<double>();
        }
        return cam;
    } catch (const std::exception &e) { // out of memory on a device, mostly
        return makeError(ErrorCode::Internal, "explaining the image failed: " + errorSummary(e));
    }
}

Result<Faithfulness> Classifier::faithfulness(const std::vector<float> &image, const CamMap &map,
                                              double topFraction)
{
    auto input = m_impl->inputTensor(image);
    if (!input) {
        return input.error();
    }
    try {
        return computeFaithfulness(*m_impl->net, *input, map, topFraction, m_impl->temperature());
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal, "measuring faithfulness failed: " + errorSummary(e));
    }
}

} // namespace cxr::ml
