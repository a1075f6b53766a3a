// SPDX-License-Identifier: MIT
#include "core/ml/classifier.h"

#include "core/ml/device.h"
#include "core/ml/gradcam.h"
#include "core/ml/models.h"
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
            const auto p = probabilitiesFromLogits(m_impl->net->forward(x)).to(torch::kCPU).contiguous();
            predictions.probabilities.insert(predictions.probabilities.end(), p.data_ptr<float>(),
                                             p.data_ptr<float>() + p.numel());
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
    try {
        return computeCam(*m_impl->net, *input, withThreshold);
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
        return computeFaithfulness(*m_impl->net, *input, map, topFraction);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal, "measuring faithfulness failed: " + errorSummary(e));
    }
}

} // namespace cxr::ml
