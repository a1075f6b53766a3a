// SPDX-License-Identifier: MIT
// A training run from its first epoch (or where its checkpoint left it) to the finalised model.
#include "core/ml/training_run.h"

#include "core/augment/class_balance.h"
#include "core/ml/metrics.h"
#include "core/ml/model_finalisation.h"
#include "core/ml/torch_multi_tensor_adam.h"
#include "core/ml/torch_state_dict.h"

#include <algorithm>

namespace cxr::ml {

namespace {

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainSettings &s,
                                                       const std::vector<torch::Tensor> &parameters)
{
    const OptimizerSettings &o = s.optimizer;
    switch (o.kind) {
    case OptimizerKind::AdamW:
        return std::make_unique<MultiTensorAdamW>(parameters,
                                                  torch::optim::AdamWOptions(s.learningRate)
                                                      .betas({0.9, 0.999})
                                                      .weight_decay(o.weightDecay));
    case OptimizerKind::Sgd:
        return std::make_unique<torch::optim::SGD>(parameters,
                                                   torch::optim::SGDOptions(s.learningRate)
                                                       .momentum(o.momentum)
                                                       .nesterov(o.nesterov)
                                                       .weight_decay(o.weightDecay));
    case OptimizerKind::Adam:
        break;
    }
    return std::make_unique<MultiTensorAdam>(
        parameters,
        torch::optim::AdamOptions(s.learningRate).betas({0.9, 0.999}).weight_decay(o.weightDecay));
}

} // namespace

TrainingRun::TrainingRun(const TrainSettings &settings, const std::filesystem::path &runDir,
                         torch::Device device, TrainObserver *observer, const ProcessGroup *group)
    : m_settings(settings), m_paths{runDir}, m_device(device), m_observer(observer),
      m_net(makeClassifierNet(settings.model)),
      m_augmentRandom(settings.seed ^ 0xA5A5A5A5A5A5A5A5ULL),
      m_augmentRandomAtStep(m_augmentRandom),
      m_precision(effectivePrecision(settings.precision, device)),
      m_scaler(m_precision == Precision::Float16), m_sideStream(device)
{
    m_net->to(device);
    useDeviceLayout();
    m_optimizer = makeOptimizer(settings, m_net->parameters());
    m_average = WeightAverage(settings.emaDecay);
    if (group) {
        m_parallel.emplace(*group, settings.syncBatchNorm);
    }
    const std::string whyEager =
        whyStepsAreNotCaptured(settings, device, m_precision, group != nullptr);
    m_summary.stepMode = whyEager.empty() ? "CUDA graph" : "eager (" + whyEager + ")";
    if (whyEager.empty()) {
        m_captured = std::make_unique<CapturedStep>(
            *m_net, *m_optimizer, [this](const torch::Tensor &images, const torch::Tensor &labels) {
                AutocastScope autocast(m_precision, m_device);
                const torch::Tensor logits = m_net->forward(images).to(torch::kFloat32);
                return lossAndCorrect(logits, labels, m_classWeights, m_settings.labelSmoothing);
            });
    }
}

Result<TrainSummary> TrainingRun::run(const ImageArrays &train, const ImageArrays &val,
                                      TrainStart start)
{
    const RunTensors data = tensorsFor(train, val);
    planSteps(train.labels);
    m_summary.device = m_device.str();
    m_summary.precision = precisionName(m_precision);
    auto resumeWithin = prepareWeights(start);
    if (!resumeWithin) {
        return resumeWithin.error();
    }
    if (m_parallel) {
        if (auto started = m_parallel->start(*m_net); !started) {
            return started.error();
        }
    }
    if (start == TrainStart::Resume && writes()) {
        if (auto written = resumeLogs(); !written) {
            return written.error();
        }
    }
    m_lastCheckpointAt = std::chrono::steady_clock::now();
    for (int epoch = int(m_summary.epochs.size()) + 1; epoch <= m_settings.epochs; ++epoch) {
        auto stop = runEpoch(data, epoch, std::move(*resumeWithin));
        *resumeWithin = EpochProgress{};
        if (!stop) {
            return stop.error();
        }
        if (*stop) {
            break;
        }
    }
    finalise(data);
    return m_summary;
}

// Views of the caller's pixels (which outlive the run): batches are gathered from them.
RunTensors TrainingRun::tensorsFor(const ImageArrays &train, const ImageArrays &val) const
{
    RunTensors data{imagesView(train), labelsTensor(train), imagesView(val), labelsTensor(val)};
    if (m_device.is_cuda() &&
        data.trainImages.numel() + data.valImages.numel() <= kDeviceResidentBytes) {
        // Small enough to live on the GPU for the whole run (Kermany at 224 px in colour
        // is 0.8 GB): batches are gathered there and no image crosses the bus again.
        data = {data.trainImages.to(m_device), data.trainLabels.to(m_device),
                data.valImages.to(m_device), data.valLabels.to(m_device)};
    }
    return data;
}

// The loss's class weights, the steps of an epoch and of the run, and the schedule over them.
void TrainingRun::planSteps(const std::vector<int> &trainLabels)
{
    const int classCount = int(m_settings.model.classNames.size());
    m_trainLabels = trainLabels;
    const std::vector<std::int64_t> counts = classCounts(trainLabels, classCount);
    const std::vector<double> weights = lossClassWeights(counts, m_settings.balance);
    m_classWeights = torch::tensor(std::vector<float>(weights.begin(), weights.end())).to(m_device);
    const std::int64_t perEpoch = epochSampleCount(counts, m_settings.balance);
    const std::int64_t batchesPerEpoch = (perEpoch + stepImages() - 1) / stepImages();
    m_totalBatches = batchesPerEpoch * m_settings.epochs;
    m_schedule.emplace(m_settings.schedule, m_settings.learningRate, m_settings.epochs,
                       batchesPerEpoch);
}

Status TrainingRun::importPretrainedWeights()
{
    auto imported = importStateDict(*m_net, m_settings.pretrainedWeights);
    if (!imported) {
        return imported.error();
    }
    std::vector<std::string> &notes = m_summary.notes;
    notes.push_back("imported " +
                    std::to_string(imported->loaded.size() + imported->adapted.size()) +
                    " tensors from " + m_settings.pretrainedWeights + "; " +
                    std::to_string(imported->skipped.size()) + " skipped, " +
                    std::to_string(imported->missing.size()) + " left as initialised");
    for (const std::string &line : imported->adapted) {
        notes.push_back("adapted " + line);
    }
    for (const std::string &line : imported->skipped) {
        notes.push_back("skipped " + line);
    }
    m_net->to(m_device);
    useDeviceLayout();
    return Ok{};
}

// Pretrained weights (a fresh run), the frozen features, or the checkpoint (a resumed run);
// returns how far a resumed run's unfinished epoch got.
Result<EpochProgress> TrainingRun::prepareWeights(TrainStart start)
{
    if (start == TrainStart::Fresh && !m_settings.pretrainedWeights.empty()) {
        if (auto imported = importPretrainedWeights(); !imported) {
            return imported.error();
        }
    }
    if (m_settings.freezeFeatures) {
        for (auto &item : m_net->named_parameters()) {
            item.value().set_requires_grad(isHeadTensor(m_settings.model.architecture, item.key()));
        }
    }
    if (start != TrainStart::Resume) {
        return EpochProgress{};
    }
    auto loaded = loadCheckpoint();
    if (!loaded) {
        return loaded.error();
    }
    m_stepLog = readStepsCsv(m_paths, m_batchesDone);
    m_summary.resumedAfterEpoch = int(m_summary.epochs.size());
    return loaded;
}

// The logs as of the checkpoint: a crash after it and before metrics.csv (written next) left
// that an epoch behind, and after the last epoch nothing writes it again.
Status TrainingRun::resumeLogs()
{
    if (auto written = writeStepsCsv(m_paths, m_stepLog); !written) {
        return written;
    }
    return writeMetricsCsv(m_paths, m_summary);
}

// Trains, measures and records one epoch; true when the run stops after it.
Result<bool> TrainingRun::runEpoch(const RunTensors &data, int epoch, EpochProgress resumeWithin)
{
    const auto started = std::chrono::steady_clock::now() -
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(resumeWithin.seconds));
    if (m_observer) {
        m_observer->stage("Epoch " + std::to_string(epoch) + " of " +
                          std::to_string(m_settings.epochs));
    }
    auto trained = trainEpoch(data.trainImages, data.trainLabels, epoch, std::move(resumeWithin));
    if (!trained) {
        return trained.error();
    }
    EpochMetrics m;
    m.epoch = epoch;
    if (auto measured = measureEpoch(*trained, data.valImages, data.valLabels, m); !measured) {
        return measured.error();
    }
    m.learningRate = trained->lastRate;
    m.augmentationSeconds = trained->augmentationSeconds;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!std::isfinite(m.trainLoss) || !std::isfinite(m.valLoss)) {
        return makeError(ErrorCode::Internal,
                         "the loss became NaN/infinite in epoch " + std::to_string(epoch) +
                             "; lower the learning rate or clip gradients. The last good "
                             "checkpoint (epoch " +
                             std::to_string(epoch - 1) + ") is in " +
                             m_paths.lastCheckpoint().string() + " and can be resumed");
    }
    m_summary.epochs.push_back(m);
    m_schedule->epochEnded(m.valLoss);
    if (auto kept = keepIfBest(m); !kept) {
        return kept.error();
    }
    const bool stop = updateEarlyStopping(m);
    if (auto saved = writes() ? saveCheckpoint(EpochProgress{}) : Status(Ok{}); !saved) {
        return saved.error();
    }
    if (auto written = writes() ? writeMetricsCsv(m_paths, m_summary) : Status(Ok{}); !written) {
        return written.error();
    }
    if (m_observer) {
        m_observer->epochFinished(m);
    }
    if (stop) {
        m_summary.stoppedEarly = true;
        return true;
    }
    if (m_observer && m_observer->stopAfterEpoch() && epoch < m_settings.epochs) {
        m_summary.stoppedByUser = true;
        return true;
    }
    return false;
}

// Saves the model when this epoch is the best so far. Higher is better; a NaN AUC (one class
// in validation) never wins over a number.
Status TrainingRun::keepIfBest(const EpochMetrics &m)
{
    const double selection = m_settings.selectByAuc ? m.valAuc : -m.valLoss;
    if (!(selection > m_bestSelection || m_summary.bestEpoch == 0)) {
        return Ok{};
    }
    m_bestValLoss = m.valLoss;
    m_bestSelection = std::isnan(selection) ? -INFINITY : selection;
    m_summary.bestEpoch = m.epoch;
    return writes() ? m_average.applied(*m_net, [&] { return saveModel(m); }) : Status(Ok{});
}

// Calibration, operating point and out-of-distribution guard for the best weights.
void TrainingRun::finalise(const RunTensors &data)
{
    if (m_summary.bestEpoch == 0 || !writes()) {
        return;
    }
    auto finalised =
        finaliseModel(m_paths, {data.trainImages, data.trainLabels, data.valImages, data.valLabels},
                      m_settings.operatingPoint, m_settings.seed, m_device, m_observer);
    if (!finalised) {
        // The weights stay usable, uncalibrated and without a guard; say so, loudly.
        m_summary.notes.push_back("the model is not calibrated and has no out-of-distribution "
                                  "guard: " +
                                  finalised.error().message);
    } else {
        m_summary.notes.insert(m_summary.notes.end(), finalised->begin(), finalised->end());
    }
}

// The epoch's training figures (over every rank) and validation figures into m. Rank 0
// validates and the others take its figures, so that every rank decides alike.
Status TrainingRun::measureEpoch(RunningTotals &trained, const torch::Tensor &valImages,
                                 const torch::Tensor &valLabels, EpochMetrics &m)
{
    std::vector<double> validation{0, 0, 0};
    if (m_parallel) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_sessionStart)
                .count();
        auto rates = m_parallel->gather(elapsed > 0 ? double(m_imagesThisSession) / elapsed : 0.0);
        if (!rates) {
            return rates.error();
        }
        m_summary.rankImagesPerSecond = *rates;
        std::vector<double> totals{trained.lossSum, double(trained.correct), double(trained.seen)};
        if (auto summed = m_parallel->sum(totals); !summed) {
            return summed;
        }
        trained.lossSum = totals[0];
        trained.correct = std::int64_t(totals[1]);
        trained.seen = std::int64_t(totals[2]);
        if (auto synced = m_parallel->syncBuffers(*m_net); !synced) {
            return synced;
        }
    }
    if (writes()) {
        const RunningTotals validated =
            m_average.applied(*m_net, [&] { return evaluate(valImages, valLabels); });
        const bool binary = m_settings.model.classNames.size() == 2;
        validation = {validated.meanLoss(), validated.accuracy(),
                      binary ? rocAuc(validated.labels, validated.scores) : std::nan("")};
    }
    if (m_parallel) {
        if (auto shared = m_parallel->fromFirstRank(validation); !shared) {
            return shared;
        }
    }
    m.trainLoss = trained.meanLoss();
    m.trainAccuracy = trained.accuracy();
    m.valLoss = validation[0];
    m.valAccuracy = validation[1];
    m.valAuc = validation[2];
    return Ok{};
}

// True when the run should stop: the watched metric has not improved for patience epochs.
bool TrainingRun::updateEarlyStopping(const EpochMetrics &m)
{
    const EarlyStopping &rule = m_settings.earlyStopping;
    const double score = rule.onAuc ? m.valAuc : -m.valLoss; // higher is better
    // Improvement must exceed 1e-4 of the best so far (ReduceLROnPlateau's default), so
    // that rounding noise does not keep a stalled run alive.
    const bool first = !std::isfinite(m_bestScore);
    if (std::isfinite(score) && (first || score > m_bestScore + 1e-4 * std::abs(m_bestScore))) {
        m_bestScore = score;
        m_epochsWithoutGain = 0;
    } else {
        ++m_epochsWithoutGain;
    }
    return rule.patience > 0 && m_epochsWithoutGain >= rule.patience;
}

RunningTotals TrainingRun::evaluate(const torch::Tensor &images, const torch::Tensor &labels)
{
    torch::NoGradGuard noGrad;
    m_net->eval();
    RunningTotals totals;
    for (std::int64_t start = 0; start < images.size(0); start += m_settings.batchSize) {
        auto x = toModelInput(images.slice(0, start, start + m_settings.batchSize).to(m_device));
        if (m_useChannelsLast) {
            x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        }
        const auto y = labels.slice(0, start, start + m_settings.batchSize).to(m_device);
        torch::Tensor logits;
        {
            AutocastScope autocast(m_precision, m_device);
            logits = m_net->forward(x).to(torch::kFloat32);
        }
        const BatchOutcome outcome = lossAndCorrect(logits, y);
        totals.lossSum += outcome.loss.item<double>() * double(x.size(0));
        totals.correct += outcome.correct.item<std::int64_t>();
        totals.seen += x.size(0);
        if (logits.size(1) == 1) {
            const auto scores = torch::sigmoid(logits.squeeze(1)).to(torch::kCPU).contiguous();
            const auto batchLabels = y.to(torch::kCPU).contiguous();
            const float *score = scores.data_ptr<float>();
            const std::int64_t *label = batchLabels.data_ptr<std::int64_t>();
            totals.scores.insert(totals.scores.end(), score, score + scores.numel());
            totals.labels.insert(totals.labels.end(), label, label + batchLabels.numel());
        }
    }
    return totals;
}

// Channels-last weights on CUDA when asked for; called again after weights are replaced.
void TrainingRun::useDeviceLayout()
{
    m_useChannelsLast = m_settings.channelsLast && m_device.is_cuda();
    if (m_useChannelsLast) {
        convertToChannelsLast(*m_net);
    }
}

} // namespace cxr::ml
