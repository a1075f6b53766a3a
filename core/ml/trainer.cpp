// SPDX-License-Identifier: MIT
#include "core/ml/trainer.h"

#include "core/ml/device.h"
#include "core/ml/model_card.h"
#include "core/ml/models.h"
#include "core/ml/run_folder.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_includes.h"
#include "cxr/version.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

namespace cxr::ml {

namespace fs = std::filesystem;

std::string validateSettings(const TrainSettings &s)
{
    if (!isKnownArchitecture(s.model.architecture)) {
        std::string names;
        for (const auto &name : knownArchitectures()) {
            names += (names.empty() ? "" : ", ") + name;
        }
        return "unknown model '" + s.model.architecture + "' (choose one of: " + names + ")";
    }
    if (s.epochs < 1 || s.epochs > 10000) {
        return "epochs must be between 1 and 10000 (got " + std::to_string(s.epochs) + ")";
    }
    if (s.batchSize < 1 || s.batchSize > 4096) {
        return "batch size must be between 1 and 4096 (got " + std::to_string(s.batchSize) + ")";
    }
    if (!(s.learningRate > 0 && s.learningRate <= 1)) {
        return "learning rate must be in (0, 1] (got " + std::to_string(s.learningRate) + ")";
    }
    if (s.model.inputSize < 32 || s.model.inputSize > 1024) {
        return "input size must be between 32 and 1024 pixels (got " +
               std::to_string(s.model.inputSize) + ")";
    }
    if (s.model.architecture == "alexnet" && s.model.inputSize < 64) {
        return "alexnet needs an input of at least 64 pixels (got " +
               std::to_string(s.model.inputSize) + ")";
    }
    if (s.model.architecture == "custom-cnn") {
        if (std::string problem = validateCustomCnn(s.model.custom, s.model.inputSize); !problem.empty()) {
            return problem;
        }
    }
    if (s.model.channels != 1 && s.model.channels != 3) {
        return "channels must be 1 or 3 (got " + std::to_string(s.model.channels) + ")";
    }
    if (!isKnownResize(s.model.resize)) {
        return "unknown resize '" + s.model.resize + "': use squash or letterbox";
    }
    if (!isValidDeviceName(s.device)) {
        return "unknown device '" + s.device + "': use auto, cpu or cuda";
    }
    if (std::string problem = validateAugmentation(s.augmentation); !problem.empty()) {
        return "augmentation: " + problem;
    }
    return {};
}

namespace {

struct Totals {
    double lossSum = 0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    double augmentationSeconds = 0;
    double meanLoss() const { return seen ? lossSum / double(seen) : 0; }
    double accuracy() const { return seen ? double(correct) / double(seen) : 0; }
};

// Everything one training run keeps between epochs.
class TrainingRun {
public:
    TrainingRun(const TrainSettings &settings, const fs::path &runDir, torch::Device device,
                TrainObserver *observer)
        : m_settings(settings), m_paths{runDir}, m_device(device), m_observer(observer),
          m_net(makeClassifierNet(settings.model)),
          m_optimizer(m_net->parameters(),
                      torch::optim::AdamOptions(settings.learningRate).betas({0.9, 0.999})),
          m_augmentRandom(settings.seed ^ 0xA5A5A5A5A5A5A5A5ULL)
    {
        m_net->to(device);
    }

    Result<TrainSummary> run(const ImageArrays &train, const ImageArrays &val)
    {
        // Views of the caller's pixels (which outlive the run): batches are gathered from them.
        const torch::Tensor trainImages = imagesView(train);
        const torch::Tensor trainLabels = labelsTensor(train);
        const torch::Tensor valImages = imagesView(val);
        const torch::Tensor valLabels = labelsTensor(val);
        const int classCount = int(m_settings.model.classNames.size());
        m_trainLabels = train.labels;
        const std::vector<std::int64_t> counts = classCounts(train.labels, classCount);
        const std::vector<double> weights = lossClassWeights(counts, m_settings.balance);
        m_classWeights = torch::tensor(std::vector<float>(weights.begin(), weights.end()))
                             .to(m_device);
        std::int64_t perEpoch = 0;
        for (double share : epochClassMix(counts, m_settings.balance)) {
            perEpoch += std::int64_t(std::llround(share));
        }
        const std::int64_t batchesPerEpoch = (perEpoch + m_settings.batchSize - 1) / m_settings.batchSize;
        m_totalBatches = batchesPerEpoch * m_settings.epochs;

        TrainSummary summary;
        summary.device = m_device.str();
        double bestValLoss = INFINITY;
        for (int epoch = 1; epoch <= m_settings.epochs; ++epoch) {
            const auto started = std::chrono::steady_clock::now();
            if (m_observer) {
                m_observer->stage("Epoch " + std::to_string(epoch) + " of " +
                                  std::to_string(m_settings.epochs));
            }
            auto trained = trainEpoch(trainImages, trainLabels, epoch);
            if (!trained) {
                return trained.error();
            }
            const Totals validated = evaluate(valImages, valLabels);

            EpochMetrics m;
            m.epoch = epoch;
            m.trainLoss = trained->meanLoss();
            m.trainAccuracy = trained->accuracy();
            m.valLoss = validated.meanLoss();
            m.valAccuracy = validated.accuracy();
            m.learningRate = m_settings.learningRate;
            m.augmentationSeconds = trained->augmentationSeconds;
            m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                            .count();
            if (!std::isfinite(m.trainLoss)) {
                return makeError(ErrorCode::Internal,
                                 "training loss became NaN/infinite in epoch " +
                                     std::to_string(epoch) +
                                     "; lower the learning rate. The last good checkpoint is in " +
                                     m_paths.lastCheckpoint().string());
            }
            summary.epochs.push_back(m);

            if (auto saved = saveCheckpoint(epoch); !saved) {
                return saved.error();
            }
            if (m.valLoss < bestValLoss || summary.bestEpoch == 0) {
                bestValLoss = m.valLoss;
                summary.bestEpoch = epoch;
                if (auto saved = saveModel(m); !saved) {
                    return saved.error();
                }
            }
            if (auto written = writeMetricsCsv(m_paths, summary); !written) {
                return written.error();
            }
            if (m_observer) {
                m_observer->epochFinished(m);
            }
        }
        return summary;
    }

private:
    Result<Totals> trainEpoch(const torch::Tensor &images, const torch::Tensor &labels, int epoch)
    {
        m_net->train();
        // A fresh, seeded order every epoch (with the balancing method's repeats): reproducible
        // runs without repeating batches.
        std::mt19937_64 shuffler(m_settings.seed * 1000003ULL + std::uint64_t(epoch));
        const std::vector<std::int64_t> order =
            epochSampleOrder(m_trainLabels, int(m_settings.model.classNames.size()),
                             m_settings.balance, shuffler);
        const torch::Tensor orderTensor = torch::tensor(order, torch::kInt64);
        const auto visits = std::int64_t(order.size());
        const bool augment = !augmentationIsIdentity(m_settings.augmentation);

        Totals totals;
        for (std::int64_t start = 0; start < visits; start += m_settings.batchSize) {
            if (cancelled(m_observer)) {
                return makeError(ErrorCode::Cancelled,
                                 "training cancelled in epoch " + std::to_string(epoch));
            }
            const auto index = orderTensor.slice(0, start, start + m_settings.batchSize);
            auto x = toModelInput(images.index_select(0, index).to(m_device));
            if (augment) {
                const auto augmentStarted = std::chrono::steady_clock::now();
                std::vector<AugmentationDraw> draws;
                for (std::int64_t i = 0; i < x.size(0); ++i) {
                    draws.push_back(drawAugmentation(m_settings.augmentation, m_augmentRandom));
                }
                x = augmentBatch(x, draws);
                totals.augmentationSeconds += std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - augmentStarted).count();
            }
            const auto y = labels.index_select(0, index).to(m_device);
            m_optimizer.zero_grad();
            BatchOutcome outcome = lossAndCorrect(m_net->forward(x), y, m_classWeights);
            outcome.loss.backward();
            m_optimizer.step();
            totals.lossSum += outcome.loss.item<double>() * double(x.size(0));
            totals.correct += outcome.correct;
            totals.seen += x.size(0);
            ++m_batchesDone;
            if (m_observer) {
                m_observer->progress(m_batchesDone, m_totalBatches);
            }
        }
        return totals;
    }

    Totals evaluate(const torch::Tensor &images, const torch::Tensor &labels)
    {
        torch::NoGradGuard noGrad;
        m_net->eval();
        Totals totals;
        for (std::int64_t start = 0; start < images.size(0); start += m_settings.batchSize) {
            const auto x =
                toModelInput(images.slice(0, start, start + m_settings.batchSize).to(m_device));
            const auto y = labels.slice(0, start, start + m_settings.batchSize).to(m_device);
            const BatchOutcome outcome = lossAndCorrect(m_net->forward(x), y);
            totals.lossSum += outcome.loss.item<double>() * double(x.size(0));
            totals.correct += outcome.correct;
            totals.seen += x.size(0);
        }
        return totals;
    }

    // Model, optimiser and epoch in one archive, written beside the old one and renamed over it.
    Status saveCheckpoint(int epoch)
    {
        try {
            torch::serialize::OutputArchive archive;
            torch::serialize::OutputArchive model;
            m_net->save(model);
            archive.write("model", model);
            torch::serialize::OutputArchive optimizer;
            m_optimizer.save(optimizer);
            archive.write("optimizer", optimizer);
            archive.write("epoch", torch::tensor(std::int64_t(epoch)));
            archive.write("step", torch::tensor(m_batchesDone));
            const fs::path temporary = m_paths.lastCheckpoint().string() + ".partial";
            archive.save_to(temporary.string());
            fs::rename(temporary, m_paths.lastCheckpoint());
        } catch (const std::exception &e) {
            return makeError(ErrorCode::WriteFailed,
                             m_paths.lastCheckpoint().string() + ": cannot write checkpoint (" +
                                 std::string(e.what()).substr(0, 200) + ")");
        }
        return Ok{};
    }

    Status saveModel(const EpochMetrics &m)
    {
        try {
            torch::serialize::OutputArchive archive;
            m_net->save(archive);
            const fs::path temporary = m_paths.weights().string() + ".partial";
            archive.save_to(temporary.string());
            fs::rename(temporary, m_paths.weights());
        } catch (const std::exception &e) {
            return makeError(ErrorCode::WriteFailed, m_paths.weights().string() +
                                                         ": cannot write model weights (" +
                                                         std::string(e.what()).substr(0, 200) + ")");
        }
        ModelCard card;
        card.spec = m_settings.model;
        card.name = m_settings.model.architecture + " (" + m_paths.root.filename().string() +
                    ", epoch " + std::to_string(m.epoch) + ")";
        card.createdWith = std::string("CXR Studio ") + kVersionString;
        card.trainedOn = m_settings.datasetPath;
        card.bestEpoch = m.epoch;
        card.sawTestSplit = false;
        card.validationMetrics = {{"loss", m.valLoss}, {"accuracy", m.valAccuracy}};
        return writeModelCard(m_paths.modelCard(), card);
    }

    const TrainSettings m_settings;
    const RunPaths m_paths;
    const torch::Device m_device;
    TrainObserver *m_observer;
    ClassifierNet m_net;
    torch::optim::Adam m_optimizer;
    std::int64_t m_batchesDone = 0;
    std::int64_t m_totalBatches = 0;
    std::mt19937_64 m_augmentRandom;
    std::vector<int> m_trainLabels;
    torch::Tensor m_classWeights; // [K] on the device; all ones unless the loss is weighted
};

Status checkArrays(const ImageArrays &arrays, const char *what, const ModelSpec &spec)
{
    if (arrays.count() == 0) {
        return makeError(ErrorCode::InvalidDataset, std::string("the ") + what + " split is empty");
    }
    if (arrays.channels != spec.channels || arrays.height != spec.inputSize ||
        arrays.width != spec.inputSize || arrays.pixels.size() != arrays.count() * arrays.imageSize()) {
        return makeError(ErrorCode::InvalidArgument,
                         std::string("the ") + what + " images do not match the model input");
    }
    for (int label : arrays.labels) {
        if (label < 0 || std::size_t(label) >= spec.classNames.size()) {
            return makeError(ErrorCode::InvalidDataset,
                             std::string("the ") + what + " split has an image without a class");
        }
    }
    return Ok{};
}

} // namespace

Result<TrainSummary> trainClassifier(const ImageArrays &train, const ImageArrays &val,
                                     const TrainSettings &settings, const fs::path &runDir,
                                     TrainObserver *observer)
{
    if (const std::string problem = validateSettings(settings); !problem.empty()) {
        return makeError(ErrorCode::InvalidArgument, problem);
    }
    if (settings.model.classNames.size() < 2) {
        return makeError(ErrorCode::InvalidDataset,
                         "training needs at least two classes (found " +
                             std::to_string(settings.model.classNames.size()) + ")");
    }
    for (const auto &[arrays, what] : {std::pair{&train, "training"}, std::pair{&val, "validation"}}) {
        if (auto checked = checkArrays(*arrays, what, settings.model); !checked) {
            return checked.error();
        }
    }
    auto device = resolveDevice(settings.device);
    if (!device) {
        return device.error();
    }
    useAllCpuCores();
    torch::manual_seed(settings.seed);
    const RunPaths paths{runDir};
    if (auto written = writeRunConfig(paths, settings, *device); !written) {
        return written.error();
    }
    try {
        TrainingRun run(settings, runDir, torch::Device(*device), observer);
        return run.run(train, val);
    } catch (const c10::Error &e) {
        const std::string what = e.what_without_backtrace();
        if (what.find("out of memory") != std::string::npos) {
            return makeError(ErrorCode::Internal,
                             "the device ran out of memory: try a smaller batch size");
        }
        return makeError(ErrorCode::Internal, "LibTorch error: " + what.substr(0, 300));
    }
}

} // namespace cxr::ml
