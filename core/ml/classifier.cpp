// SPDX-License-Identifier: MIT
#include "core/ml/classifier.h"

#include "core/ml/classifier_impl.h"
#include "core/ml/device.h"
#include "core/ml/file_digest.h"
#include "core/ml/runtime_setup.h"
#include "core/ml/trained_model.h"

namespace cxr::ml {

namespace fs = std::filesystem;

Classifier::Classifier(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Classifier::Classifier(Classifier &&) noexcept = default;
Classifier &Classifier::operator=(Classifier &&) noexcept = default;
Classifier::~Classifier() = default;

const ModelCard &Classifier::card() const
{
    return m_impl->card;
}
const fs::path &Classifier::modelDir() const
{
    return m_impl->modelDir;
}
void Classifier::setTestTimeAugmentation(bool on)
{
    m_impl->testTimeAugmentation = on;
    for (Classifier &member : m_impl->members) {
        member.setTestTimeAugmentation(on);
    }
}
bool Classifier::testTimeAugmentation() const
{
    return m_impl->testTimeAugmentation;
}

bool Classifier::hasOodGuard() const
{
    if (m_impl->members.empty()) {
        return m_impl->ood.has_value();
    }
    return std::all_of(m_impl->members.begin(), m_impl->members.end(),
                       [](const Classifier &member) { return member.hasOodGuard(); });
}

// An ensemble's score is its members' largest score over their own threshold: 1 is the limit.
double Classifier::oodThreshold() const
{
    return m_impl->members.empty() ? m_impl->card.ood.threshold : 1.0;
}

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
    prepareRuntimeForInference();
    auto impl = std::make_unique<Impl>();
    impl->card = std::move(folder->card);
    impl->modelDir = std::move(folder->dir);
    impl->device = torch::Device(*resolved);
    if (impl->card.isEnsemble()) {
        if (auto opened = impl->openMembers(device); !opened) {
            return opened.error();
        }
        return Classifier(std::move(impl));
    }
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
            return makeError(ErrorCode::Corrupt, file.string() +
                                                     ": the out-of-distribution reference "
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
        return makeError(ErrorCode::Internal, impl->modelDir.string() +
                                                  ": cannot move the model to " + *resolved + " (" +
                                                  errorSummary(e) + ")");
    }
    impl->net->eval();
    return Classifier(std::move(impl));
}

Result<Predictions> Classifier::predict(const ImageArrays &arrays, ProgressObserver *observer)
{
    if (!m_impl->members.empty()) {
        return m_impl->predictWithMembers(arrays, observer);
    }
    const ModelSpec &spec = m_impl->card.spec;
    if (arrays.channels != spec.channels || arrays.height != spec.inputSize ||
        arrays.width != spec.inputSize) {
        return makeError(ErrorCode::Incompatible,
                         "images are " + std::to_string(arrays.channels) + "x" +
                             std::to_string(arrays.height) + "x" + std::to_string(arrays.width) +
                             " but the model takes " + std::to_string(spec.channels) + "x" +
                             std::to_string(spec.inputSize) + "x" + std::to_string(spec.inputSize));
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
            const auto p = probabilitiesFromLogits(calibratedLogits(logits, m_impl->calibration()))
                               .contiguous();
            predictions.probabilities.insert(predictions.probabilities.end(), p.data_ptr<float>(),
                                             p.data_ptr<float>() + p.numel());
            predictions.logits.insert(predictions.logits.end(), logits.data_ptr<float>(),
                                      logits.data_ptr<float>() + logits.numel());
            if (m_impl->ood) {
                const auto scores = oodScores(*m_impl->ood, pooledFeatures(featureMap))
                                        .to(torch::kFloat32)
                                        .contiguous();
                predictions.oodScores.insert(predictions.oodScores.end(), scores.data_ptr<float>(),
                                             scores.data_ptr<float>() + scores.numel());
            }
        } catch (const std::exception &e) { // out of device memory, mostly
            return makeError(ErrorCode::Internal, "prediction failed: " + errorSummary(e));
        }
        if (observer) {
            observer->progress(std::min<std::int64_t>(start + kBatch, images.size(0)),
                               images.size(0));
        }
    }
    return predictions;
}

std::vector<std::string> Classifier::camLayers() const
{
    return m_impl->members.empty() ? m_impl->net->stageNames()
                                   : m_impl->members.front().camLayers();
}

Result<CamMap> Classifier::explain(const std::vector<float> &image, const CamRequest &request)
{
    if (!m_impl->members.empty()) {
        return m_impl->explainWithMembers(image, request);
    }
    auto input = m_impl->inputTensor(image);
    if (!input) {
        return input.error();
    }
    CamRequest withThreshold = request;
    withThreshold.decisionThreshold = m_impl->card.spec.threshold;
    withThreshold.calibration = m_impl->calibration();
    try {
        torch::Tensor averaged;
        if (m_impl->testTimeAugmentation) {
            // The probability is the views' average; the class the map explains follows it.
            torch::NoGradGuard noGrad;
            averaged =
                calibratedLogits(m_impl->averagedLogits(*input, m_impl->net->features(*input)),
                                 m_impl->calibration());
            if (averaged.size(1) == 1 && request.target == CamTarget::Predicted &&
                request.targetClass < 0) {
                withThreshold.targetClass =
                    torch::sigmoid(averaged)[0][0].item<double>() >= withThreshold.decisionThreshold
                        ? 1
                        : 0;
            }
        }
        torch::Tensor featureMap;
        auto cam = computeCam(*m_impl->net, *input, withThreshold, &featureMap);
        if (!cam) {
            return cam;
        }
        if (averaged.defined()) {
            m_impl->averageWithMirrorMap(*cam, *input, withThreshold);
            const torch::Tensor p =
                probabilitiesFromLogits(averaged).to(torch::kCPU).to(torch::kFloat64).contiguous();
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
    if (!m_impl->members.empty()) {
        Faithfulness mean;
        for (Classifier &member : m_impl->members) {
            auto measured = member.faithfulness(image, map, topFraction);
            if (!measured) {
                return measured;
            }
            const double share = 1.0 / double(m_impl->members.size());
            mean.topFraction = measured->topFraction;
            mean.original += measured->original * share;
            mean.regionRemoved += measured->regionRemoved * share;
            mean.regionKept += measured->regionKept * share;
        }
        return mean;
    }
    auto input = m_impl->inputTensor(image);
    if (!input) {
        return input.error();
    }
    try {
        return computeFaithfulness(*m_impl->net, *input, map, topFraction, m_impl->calibration());
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal, "measuring faithfulness failed: " + errorSummary(e));
    }
}

} // namespace cxr::ml
