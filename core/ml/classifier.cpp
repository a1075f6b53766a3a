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
    bool testTimeAugmentation = false;

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
        const torch::Tensor crop = x.slice(2, offset, offset + kept).slice(3, offset, offset + kept);
        const torch::Tensor rescaled = F::interpolate(
            crop, F::InterpolateFuncOptions().size(std::vector<std::int64_t>{side, x.size(3)}).mode(torch::kBilinear).align_corners(false));
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
                float &value = cam.values[std::size_t(y * cam.width + x)];
                value = (value + mirrored->values[std::size_t(y * cam.width + (cam.width - 1 - x))]) / 2;
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
void Classifier::setTestTimeAugmentation(bool on) { m_impl->testTimeAugmentation = on; }
bool Classifier::testTimeAugmentation() const { return m_impl->testTimeAugmentation; }


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
            const auto logits = m_impl->averagedLogits(x, featureMap).to(torch::kCPU).contiguous();
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
        torch::Tensor averaged;
        if (m_impl->testTimeAugmentation) {
            // The probability is the views' average; the class the map explains follows it.
            torch::NoGradGuard noGrad;
            averaged = m_impl->averagedLogits(*input, m_impl->net->features(*input)) / m_impl->temperature();
            if (averaged.size(1) == 1 && request.target == CamTarget::Predicted && request.targetClass < 0) {
                withThreshold.targetClass =
                    torch::sigmoid(averaged)[0][0].item<double>() >= withThreshold.decisionThreshold ? 1 : 0;
            }
        }
        torch::Tensor featureMap;
        auto cam = computeCam(*m_impl->net, *input, withThreshold, &featureMap);
        if (!cam) {
            return cam;
        }
        if (averaged.defined()) {
            m_impl->averageWithMirrorMap(*cam, *input, withThreshold);
            const torch::Tensor p = probabilitiesFromLogits(averaged).to(torch::kCPU).to(torch::kFloat64).contiguous();
            cam->classProbabilities.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
            cam->probability = cam->classProbabilities.size() > 1 ? cam->classProbabilities[1] : 0;
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
