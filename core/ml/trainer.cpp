// SPDX-License-Identifier: MIT
#include "core/ml/trainer.h"

#include "core/common/version.h"
#include "core/ml/device.h"
#include "core/ml/file_digest.h"
#include "core/ml/metrics.h"
#include "core/ml/mixup.h"
#include "core/ml/model_card.h"
#include "core/ml/model_finalisation.h"
#include "core/ml/models.h"
#include "core/ml/run_folder.h"
#include "core/ml/runtime_setup.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_archive.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_checkpoint.h"
#include "core/ml/torch_data_parallel.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_precision.h"
#include "core/ml/torch_state_dict.h"
#include "core/ml/weight_average.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <future>
#include <numeric>
#include <random>
#include <sstream>

namespace cxr::ml {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainSettings &s,
                                                       const std::vector<torch::Tensor> &parameters)
{
    const OptimizerSettings &o = s.optimizer;
    switch (o.kind) {
    case OptimizerKind::AdamW:
        return std::make_unique<torch::optim::AdamW>(parameters,
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
    return std::make_unique<torch::optim::Adam>(
        parameters,
        torch::optim::AdamOptions(s.learningRate).betas({0.9, 0.999}).weight_decay(o.weightDecay));
}

struct PreparedBatch {
    torch::Tensor images; // model input on the device, augmented
    torch::Tensor labels;
    // With mixup: the labels of the images blended in, and the share of the batch's own.
    torch::Tensor partnerLabels;
    double mixWeight = 1;
    double augmentationSeconds = 0;
    // The augmentation generator after this batch's draws. Batches are prepared one ahead, so
    // a checkpoint taken after this batch trained must save this, not the generator itself.
    std::mt19937_64 augmentRandomAfter;
};

// A training step queued on the device whose loss has not been read yet.
struct PendingStep {
    torch::Tensor loss;    // scalar on the device
    torch::Tensor correct; // int64 scalar on the device
    std::int64_t images = 0;
    int epoch = 0;
    std::int64_t step = 0;
    double learningRate = 0;
};

// Datasets up to this size (8-bit pixels, training and validation together) are copied to a
// CUDA device once instead of batch by batch.
constexpr std::int64_t kDeviceResidentBytes = std::int64_t(2) << 30;

// Everything one training run keeps between epochs, and saves in its checkpoint.
class TrainingRun {
public:
    TrainingRun(const TrainSettings &settings, const fs::path &runDir, torch::Device device,
                TrainObserver *observer, const ProcessGroup *group)
        : m_settings(settings), m_paths{runDir}, m_device(device), m_observer(observer),
          m_net(makeClassifierNet(settings.model)),
          m_augmentRandom(settings.seed ^ 0xA5A5A5A5A5A5A5A5ULL),
          m_augmentRandomAtStep(m_augmentRandom),
          m_precision(effectivePrecision(settings.precision, device)),
          m_scaler(m_precision == Precision::Float16)
    {
        m_net->to(device);
        useDeviceLayout();
        m_optimizer = makeOptimizer(settings, m_net->parameters());
        m_average = WeightAverage(settings.emaDecay);
        if (group) {
            m_parallel.emplace(*group, settings.syncBatchNorm);
        }
    }

    Result<TrainSummary> run(const ImageArrays &train, const ImageArrays &val, TrainStart start)
    {
        // Views of the caller's pixels (which outlive the run): batches are gathered from them.
        torch::Tensor trainImages = imagesView(train);
        torch::Tensor trainLabels = labelsTensor(train);
        torch::Tensor valImages = imagesView(val);
        torch::Tensor valLabels = labelsTensor(val);
        if (m_device.is_cuda() && trainImages.numel() + valImages.numel() <= kDeviceResidentBytes) {
            // Small enough to live on the GPU for the whole run (Kermany at 224 px in colour
            // is 0.8 GB): batches are gathered there and no image crosses the bus again.
            trainImages = trainImages.to(m_device);
            trainLabels = trainLabels.to(m_device);
            valImages = valImages.to(m_device);
            valLabels = valLabels.to(m_device);
        }
        const int classCount = int(m_settings.model.classNames.size());
        m_trainLabels = train.labels;
        const std::vector<std::int64_t> counts = classCounts(train.labels, classCount);
        const std::vector<double> weights = lossClassWeights(counts, m_settings.balance);
        m_classWeights =
            torch::tensor(std::vector<float>(weights.begin(), weights.end())).to(m_device);
        const std::int64_t perEpoch = epochSampleCount(counts, m_settings.balance);
        const std::int64_t batchesPerEpoch = (perEpoch + stepImages() - 1) / stepImages();
        m_totalBatches = batchesPerEpoch * m_settings.epochs;
        m_schedule.emplace(m_settings.schedule, m_settings.learningRate, m_settings.epochs,
                           batchesPerEpoch);

        TrainSummary &summary = m_summary;
        summary.device = m_device.str();
        summary.precision = precisionName(m_precision);
        if (start == TrainStart::Fresh && !m_settings.pretrainedWeights.empty()) {
            auto imported = importStateDict(*m_net, m_settings.pretrainedWeights);
            if (!imported) {
                return imported.error();
            }
            summary.notes.push_back(
                "imported " + std::to_string(imported->loaded.size() + imported->adapted.size()) +
                " tensors from " + m_settings.pretrainedWeights + "; " +
                std::to_string(imported->skipped.size()) + " skipped, " +
                std::to_string(imported->missing.size()) + " left as initialised");
            for (const std::string &line : imported->adapted) {
                summary.notes.push_back("adapted " + line);
            }
            for (const std::string &line : imported->skipped) {
                summary.notes.push_back("skipped " + line);
            }
            m_net->to(m_device);
            useDeviceLayout();
        }
        if (m_settings.freezeFeatures) {
            for (auto &item : m_net->named_parameters()) {
                item.value().set_requires_grad(
                    isHeadTensor(m_settings.model.architecture, item.key()));
            }
        }
        EpochProgress resumeWithin;
        if (start == TrainStart::Resume) {
            auto loaded = loadCheckpoint();
            if (!loaded) {
                return loaded.error();
            }
            resumeWithin = std::move(*loaded);
            m_stepLog = readStepsCsv(m_paths, m_batchesDone);
            summary.resumedAfterEpoch = int(summary.epochs.size());
        }
        if (m_parallel) {
            if (auto started = m_parallel->start(*m_net); !started) {
                return started.error();
            }
        }
        if (start == TrainStart::Resume && writes()) {
            // The logs as of the checkpoint: a crash after it and before metrics.csv (written
            // next) left that an epoch behind, and after the last epoch nothing writes it again.
            if (auto written = writeStepsCsv(m_paths, m_stepLog); !written) {
                return written.error();
            }
            if (auto written = writeMetricsCsv(m_paths, summary); !written) {
                return written.error();
            }
        }
        m_lastCheckpointAt = std::chrono::steady_clock::now();
        for (int epoch = int(summary.epochs.size()) + 1; epoch <= m_settings.epochs; ++epoch) {
            const auto started = std::chrono::steady_clock::now() -
                                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(resumeWithin.seconds));
            if (m_observer) {
                m_observer->stage("Epoch " + std::to_string(epoch) + " of " +
                                  std::to_string(m_settings.epochs));
            }
            auto trained = trainEpoch(trainImages, trainLabels, epoch, std::move(resumeWithin));
            resumeWithin = EpochProgress{};
            if (!trained) {
                return trained.error();
            }
            EpochMetrics m;
            m.epoch = epoch;
            if (auto measured = measureEpoch(*trained, valImages, valLabels, classCount, m);
                !measured) {
                return measured.error();
            }
            m.learningRate = trained->lastRate;
            m.augmentationSeconds = trained->augmentationSeconds;
            m.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            if (!std::isfinite(m.trainLoss) || !std::isfinite(m.valLoss)) {
                return makeError(ErrorCode::Internal,
                                 "the loss became NaN/infinite in epoch " + std::to_string(epoch) +
                                     "; lower the learning rate or clip gradients. The last good "
                                     "checkpoint (epoch " +
                                     std::to_string(epoch - 1) + ") is in " +
                                     m_paths.lastCheckpoint().string() + " and can be resumed");
            }
            summary.epochs.push_back(m);
            m_schedule->epochEnded(m.valLoss);

            // Higher is better; a NaN AUC (one class in validation) never wins over a number.
            const double selection = m_settings.selectByAuc ? m.valAuc : -m.valLoss;
            if (selection > m_bestSelection || summary.bestEpoch == 0) {
                m_bestValLoss = m.valLoss;
                m_bestSelection = std::isnan(selection) ? -INFINITY : selection;
                summary.bestEpoch = epoch;
                if (auto saved = writes() ? m_average.applied(*m_net, [&] { return saveModel(m); })
                                          : Status(Ok{});
                    !saved) {
                    return saved.error();
                }
            }
            const bool stop = updateEarlyStopping(m);
            if (auto saved = writes() ? saveCheckpoint(EpochProgress{}) : Status(Ok{}); !saved) {
                return saved.error();
            }
            if (auto written = writes() ? writeMetricsCsv(m_paths, summary) : Status(Ok{});
                !written) {
                return written.error();
            }
            if (m_observer) {
                m_observer->epochFinished(m);
            }
            if (stop) {
                summary.stoppedEarly = true;
                break;
            }
            if (m_observer && m_observer->stopAfterEpoch() && epoch < m_settings.epochs) {
                summary.stoppedByUser = true;
                break;
            }
        }
        if (summary.bestEpoch > 0 && writes()) {
            auto finalised =
                finaliseModel(m_paths, {trainImages, trainLabels, valImages, valLabels},
                              m_settings.operatingPoint, m_settings.seed, m_device, m_observer);
            if (!finalised) {
                // The weights stay usable, uncalibrated and without a guard; say so, loudly.
                summary.notes.push_back(
                    "the model is not calibrated and has no out-of-distribution "
                    "guard: " +
                    finalised.error().message);
            } else {
                summary.notes.insert(summary.notes.end(), finalised->begin(), finalised->end());
            }
        }
        return summary;
    }

private:
    // Images in one optimiser step, over all ranks.
    std::int64_t stepImages() const
    {
        return std::int64_t(m_settings.batchSize) * (m_parallel ? m_parallel->size() : 1);
    }

    // Rank 0 alone writes the run folder (always true without a process group).
    bool writes() const { return !m_parallel || m_parallel->writes(); }

    // The images of the epoch's order this process trains in the step starting at start.
    std::pair<std::int64_t, std::int64_t> shareOfStep(std::int64_t start, std::int64_t visits) const
    {
        if (m_parallel) {
            return m_parallel->share(start, visits, m_settings.batchSize);
        }
        return {start, std::min(visits, start + m_settings.batchSize)};
    }

    // The epoch's training figures (over every rank) and validation figures into m. Rank 0
    // validates and the others take its figures, so that every rank decides alike.
    Status measureEpoch(RunningTotals &trained, const torch::Tensor &valImages,
                        const torch::Tensor &valLabels, int classCount, EpochMetrics &m)
    {
        std::vector<double> validation{0, 0, 0};
        if (m_parallel) {
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - m_sessionStart)
                    .count();
            auto rates =
                m_parallel->gather(elapsed > 0 ? double(m_imagesThisSession) / elapsed : 0.0);
            if (!rates) {
                return rates.error();
            }
            m_summary.rankImagesPerSecond = *rates;
            std::vector<double> totals{trained.lossSum, double(trained.correct),
                                       double(trained.seen)};
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
            validation = {validated.meanLoss(), validated.accuracy(),
                          classCount == 2 ? rocAuc(validated.labels, validated.scores)
                                          : std::nan("")};
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
    bool updateEarlyStopping(const EpochMetrics &m)
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

    // Trains one epoch, from its start or from where a mid-epoch checkpoint left it.
    Result<RunningTotals> trainEpoch(const torch::Tensor &images, const torch::Tensor &labels,
                                     int epoch, EpochProgress resumeWithin)
    {
        const auto epochStarted = std::chrono::steady_clock::now();
        m_net->train();
        if (m_parallel) {
            // Each rank draws its own augmentations and dropout masks, from seeds that a
            // resume at this epoch's start sets again (distributed runs resume at epoch ends).
            const std::uint64_t seed = m_parallel->epochSeed(m_settings.seed, epoch);
            m_augmentRandom.seed(seed);
            m_augmentRandomAtStep = m_augmentRandom;
            torch::manual_seed(seed);
        }
        // A fresh, seeded order every epoch (with the balancing method's repeats): reproducible
        // runs without repeating batches, and the same order after a resume.
        std::mt19937_64 shuffler(m_settings.seed * 1000003ULL + std::uint64_t(epoch));
        const std::vector<std::int64_t> order = epochSampleOrder(
            m_trainLabels, int(m_settings.model.classNames.size()), m_settings.balance, shuffler);
        const torch::Tensor orderTensor = torch::tensor(order, torch::kInt64).to(images.device());
        const auto visits = std::int64_t(order.size());
        const bool augment = !augmentationIsIdentity(m_settings.augmentation);

        // The next batch is gathered, moved to the device and augmented on a worker thread
        // while the current one trains, so the device does not wait for data. One batch is
        // prepared at a time, in order, so the augmentation draws stay reproducible.
        auto prepare = [this, &images, &labels, &orderTensor, augment, visits](std::int64_t start) {
            PreparedBatch batch;
            const auto [first, last] = shareOfStep(start, visits);
            if (first == last) { // a rank past the end of the epoch's last step
                batch.augmentRandomAfter = m_augmentRandom;
                return batch;
            }
            const auto index = orderTensor.slice(0, first, last);
            batch.images = toModelInput(upload(images.index_select(0, index), m_device));
            if (augment) {
                const auto augmentStarted = std::chrono::steady_clock::now();
                std::vector<AugmentationDraw> draws;
                for (std::int64_t i = 0; i < batch.images.size(0); ++i) {
                    draws.push_back(drawAugmentation(m_settings.augmentation, m_augmentRandom));
                }
                batch.images = augmentBatch(batch.images, draws);
                batch.augmentationSeconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - augmentStarted)
                        .count();
            }
            const torch::Tensor hostLabels = labels.index_select(0, index);
            if (m_settings.mixupAlpha > 0) {
                const MixupDraw mix =
                    drawMixup(m_settings.mixupAlpha, std::size_t(index.size(0)), m_augmentRandom);
                const torch::Tensor partner = torch::tensor(mix.partner, torch::kInt64);
                batch.images =
                    batch.images * mix.weight +
                    batch.images.index_select(0, upload(partner, m_device)) * (1 - mix.weight);
                batch.partnerLabels = upload(hostLabels.index_select(0, partner), m_device);
                batch.mixWeight = mix.weight;
            }
            if (m_useChannelsLast) {
                batch.images = batch.images.contiguous(torch::MemoryFormat::ChannelsLast);
            }
            batch.augmentRandomAfter = m_augmentRandom;
            batch.labels = upload(hostLabels, m_device);
            return batch;
        };
        RunningTotals totals = std::move(resumeWithin.totals);
        const std::int64_t firstStart = resumeWithin.batches * stepImages();
        auto progressAfter = [&](std::int64_t start) {
            return EpochProgress{
                start / stepImages(), totals,
                resumeWithin.seconds +
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - epochStarted)
                        .count()};
        };
        // A step's loss is read one step late: reading it waits for the step, and waiting for
        // the step just queued would leave the device idle while the next one is launched.
        std::optional<PendingStep> pending;
        auto settle = [&] {
            if (pending) {
                const double loss = pending->loss.item<double>();
                totals.lossSum += loss * double(pending->images);
                totals.correct += pending->correct.item<std::int64_t>();
                totals.seen += pending->images;
                recordStep(*pending, loss);
                pending.reset();
            }
        };
        std::future<PreparedBatch> next = std::async(std::launch::async, prepare, firstStart);
        for (std::int64_t start = firstStart; start < visits; start += stepImages()) {
            PreparedBatch batch = next.get();
            if (start + stepImages() < visits) {
                next = std::async(std::launch::async, prepare, start + stepImages());
            }
            if (cancelled(m_observer)) {
                std::string message = "training cancelled in epoch " + std::to_string(epoch);
                settle();
                if (m_parallel) {
                    // Rank 0's figures for part of an epoch lack the other ranks': a
                    // data-parallel run resumes at the epoch's start.
                    message +=
                        "; resuming continues from the start of epoch " + std::to_string(epoch);
                } else if (m_batchesDone > 0) {
                    // The batch in hand has not trained: the checkpoint is of the one before.
                    if (auto saved = saveCheckpoint(progressAfter(start)); !saved) {
                        return saved.error();
                    }
                    message += "; the checkpoint in " + m_paths.lastCheckpoint().string() +
                               " continues it";
                }
                return makeError(ErrorCode::Cancelled, message);
            }
            const double rate = m_schedule->rateAt(epoch, m_batchesDone);
            for (auto &group : m_optimizer->param_groups()) {
                group.options().set_lr(rate);
            }
            totals.lastRate = rate;
            totals.augmentationSeconds += batch.augmentationSeconds;
            const torch::Tensor &x = batch.images;
            const std::int64_t images = x.defined() ? x.size(0) : 0;
            m_optimizer->zero_grad();
            BatchOutcome outcome;
            if (images > 0) {
                {
                    AutocastScope autocast(m_precision, m_device);
                    const torch::Tensor logits = m_net->forward(x).to(torch::kFloat32);
                    outcome = batch.partnerLabels.defined()
                                  ? mixedLossAndCorrect(logits, batch.labels, batch.partnerLabels,
                                                        batch.mixWeight, m_classWeights,
                                                        m_settings.labelSmoothing)
                                  : lossAndCorrect(logits, batch.labels, m_classWeights,
                                                   m_settings.labelSmoothing);
                }
                torch::Tensor scaled = m_scaler.scaled(outcome.loss);
                if (m_parallel) {
                    scaled = scaled *
                             m_parallel->lossWeight(images, start, visits, m_settings.batchSize);
                }
                scaled.backward();
            }
            if (m_parallel) {
                if (auto averaged = m_parallel->averageGradients(); !averaged) {
                    return averaged.error();
                }
            }
            const bool finite = m_scaler.unscale(m_net->parameters());
            if (finite) {
                if (m_settings.gradientClipNorm > 0) {
                    torch::nn::utils::clip_grad_norm_(m_net->parameters(),
                                                      m_settings.gradientClipNorm);
                }
                m_optimizer->step();
                m_average.update(*m_net);
            }
            m_scaler.update(finite);
            m_augmentRandomAtStep = batch.augmentRandomAfter;
            ++m_batchesDone;
            m_imagesThisSession += images;
            ++m_stepsThisSession;
            settle(); // the step before this one, done or nearly so by now
            if (images > 0) {
                pending = PendingStep{
                    outcome.loss.detach(), outcome.correct, images, epoch, m_batchesDone, rate};
            }
            const bool lastOfEpoch = start + stepImages() >= visits;
            if (!lastOfEpoch && checkpointDue()) {
                settle();
                if (auto saved = saveCheckpoint(progressAfter(start + stepImages())); !saved) {
                    return saved.error();
                }
            }
        }
        settle();
        return totals;
    }

    // Logs the step for steps.csv when it is due, and reports it to the observer.
    void recordStep(const PendingStep &step, double loss)
    {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_sessionStart)
                .count();
        const double imagesPerSecond = elapsed > 0 ? double(m_imagesThisSession) / elapsed : 0;
        if (m_settings.logEverySteps > 0 && step.step % m_settings.logEverySteps == 0) {
            m_stepLog.push_back({step.step, step.epoch, loss, step.learningRate, imagesPerSecond});
        }
        if (!m_observer) {
            return;
        }
        m_observer->progress(step.step, m_totalBatches);
        BatchReport report;
        report.epoch = step.epoch;
        report.step = step.step;
        report.totalSteps = m_totalBatches;
        report.loss = loss;
        report.learningRate = step.learningRate;
        report.imagesPerSecond = imagesPerSecond;
        report.etaSeconds = elapsed / double(m_stepsThisSession) *
                            double(std::max<std::int64_t>(0, m_totalBatches - step.step));
        const DeviceMemory memory = deviceMemory(m_device);
        report.deviceMemoryMiB = memory.allocatedMiB;
        report.peakDeviceMemoryMiB = memory.peakMiB;
        m_observer->batchFinished(report);
    }

    // Within an epoch on time (rank 0's clock alone would not tell the other ranks, whose
    // share of the epoch's figures the checkpoint would lack: distributed runs checkpoint at
    // epoch ends).
    bool checkpointDue() const
    {
        return !m_parallel && m_settings.checkpointMinutes > 0 &&
               std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastCheckpointAt)
                       .count() >= m_settings.checkpointMinutes * 60.0;
    }

    // Channels-last weights on CUDA when asked for; called again after weights are replaced.
    void useDeviceLayout()
    {
        m_useChannelsLast = m_settings.channelsLast && m_device.is_cuda();
        if (m_useChannelsLast) {
            convertToChannelsLast(*m_net);
        }
    }

    RunningTotals evaluate(const torch::Tensor &images, const torch::Tensor &labels)
    {
        torch::NoGradGuard noGrad;
        m_net->eval();
        RunningTotals totals;
        for (std::int64_t start = 0; start < images.size(0); start += m_settings.batchSize) {
            auto x =
                toModelInput(images.slice(0, start, start + m_settings.batchSize).to(m_device));
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

    // The whole state of the run after an epoch, or within one (progress.batches > 0), in one
    // archive, written atomically.
    Status saveCheckpoint(const EpochProgress &progress)
    {
        TrainingCheckpoint c;
        c.step = m_batchesDone;
        c.history = m_summary.epochs;
        c.bestEpoch = m_summary.bestEpoch;
        c.bestValLoss = m_bestValLoss;
        c.bestSelection = m_bestSelection;
        c.earlyStoppingBest = m_bestScore;
        c.epochsWithoutGain = m_epochsWithoutGain;
        c.schedule = m_schedule->state();
        c.progress = progress;
        c.lossScale = m_scaler.state();
        // The augmentation draws as of the last trained batch (the next one is drawn ahead).
        std::ostringstream augmentState;
        augmentState << m_augmentRandomAtStep;
        c.augmentationRandom = augmentState.str();
        m_lastCheckpointAt = std::chrono::steady_clock::now();
        // The step log first: a crash between the two leaves rows after the checkpoint, which a
        // resume drops, never a checkpoint without its rows.
        if (auto written = writeStepsCsv(m_paths, m_stepLog); !written) {
            return written;
        }
        return writeCheckpoint(m_paths.lastCheckpoint(), c, modules(), m_device);
    }

    // Restores the run from checkpoints/last.pt; returns how far its unfinished epoch got.
    Result<EpochProgress> loadCheckpoint()
    {
        auto loaded = readCheckpoint(m_paths.lastCheckpoint(), modules(), m_device);
        if (!loaded) {
            return loaded.error();
        }
        useDeviceLayout();
        TrainingCheckpoint &c = *loaded;
        m_batchesDone = c.step;
        m_summary.epochs = std::move(c.history);
        m_summary.bestEpoch = c.bestEpoch;
        m_bestValLoss = c.bestValLoss;
        m_bestSelection = c.bestSelection;
        m_bestScore = c.earlyStoppingBest;
        m_epochsWithoutGain = c.epochsWithoutGain;
        m_schedule->restore(c.schedule);
        if (!c.lossScale.empty()) {
            m_scaler.restore(c.lossScale);
        }
        std::istringstream(c.augmentationRandom) >> m_augmentRandom;
        m_augmentRandomAtStep = m_augmentRandom;
        return std::move(c.progress);
    }

    CheckpointModules modules() { return {*m_net, *m_optimizer, m_average}; }

    Status saveModel(const EpochMetrics &m)
    {
        torch::serialize::OutputArchive archive;
        m_net->save(archive);
        if (auto saved = saveArchiveAtomically(archive, m_paths.weights(), "model weights");
            !saved) {
            return saved;
        }
        ModelCard card;
        card.spec = m_settings.model;
        card.name = m_settings.model.architecture + " (" + m_paths.root.filename().string() +
                    ", epoch " + std::to_string(m.epoch) + ")";
        card.createdWith = std::string("CXR Studio ") + kVersionString;
        card.trainedOn = m_settings.datasetPath;
        card.bestEpoch = m.epoch;
        card.sawTestSplit = false;
        auto digest = sha256OfFile(m_paths.weights());
        if (!digest) {
            return digest.error();
        }
        card.weightsSha256 = *digest;
        card.population = {m_settings.populationMinAgeYears, m_settings.populationMaxAgeYears};
        card.validationMetrics = {{"loss", m.valLoss}, {"accuracy", m.valAccuracy}};
        if (std::isfinite(m.valAuc)) {
            card.validationMetrics["auc"] = m.valAuc;
        }
        // Heatmap reviews judged the weights just replaced: kept, renamed, but no longer
        // counted towards the new weights' approval (the fresh card starts unreviewed).
        const auto reviews = m_paths.modelCard().parent_path() / "reviews.csv";
        std::error_code error;
        if (std::filesystem::exists(reviews, error)) {
            std::filesystem::rename(reviews,
                                    reviews.parent_path() / ("reviews-before-epoch-" +
                                                             std::to_string(m.epoch) + ".csv"),
                                    error);
        }
        return writeModelCard(m_paths.modelCard(), card);
    }

    const TrainSettings m_settings;
    TrainSummary m_summary;
    const RunPaths m_paths;
    const torch::Device m_device;
    TrainObserver *m_observer;
    ClassifierNet m_net;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::optional<LearningRateSchedule> m_schedule;
    std::int64_t m_batchesDone = 0;
    std::int64_t m_totalBatches = 0;
    std::mt19937_64 m_augmentRandom;       // advanced by the batch-preparing thread
    std::mt19937_64 m_augmentRandomAtStep; // its state after the last trained batch
    const Precision m_precision;
    LossScaler m_scaler;
    bool m_useChannelsLast = false;
    std::chrono::steady_clock::time_point m_lastCheckpointAt = std::chrono::steady_clock::now();
    std::vector<int> m_trainLabels;
    std::vector<StepRecord> m_stepLog; // steps.csv's rows
    torch::Tensor m_classWeights;      // [K] on the device; all ones unless the loss is weighted
    const std::chrono::steady_clock::time_point m_sessionStart = std::chrono::steady_clock::now();
    std::int64_t m_imagesThisSession = 0;
    std::int64_t m_stepsThisSession = 0;
    double m_bestValLoss = INFINITY;
    double m_bestSelection = -INFINITY; // the kept epoch's -loss or AUC (selectByAuc)
    WeightAverage m_average;
    std::optional<DataParallel> m_parallel; // one rank of a data-parallel run
    double m_bestScore = -INFINITY;         // early stopping's metric, higher is better
    int m_epochsWithoutGain = 0;
};

// A process killed while writing (SIGKILL, a power loss) leaves the temporary file of an atomic
// write (NAME.partial, core/common/atomic_file.h and torch_archive.h) beside the file it was
// replacing, which is still the old file or already the new one, never half of one. Each
// training session starts by removing them, so a resumed run leaves none behind.
void removeInterruptedWrites(const RunPaths &paths)
{
    const std::string suffix = ".partial";
    for (const fs::path &folder : {paths.root, paths.checkpoints(), paths.modelDir()}) {
        std::error_code error;
        std::vector<fs::path> leftovers;
        for (fs::directory_iterator it(folder, error), end; !error && it != end;
             it.increment(error)) {
            const std::string name = it->path().filename().string();
            const bool partial =
                name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
            if ((partial || name == ".write-test") && it->is_regular_file(error)) {
                leftovers.push_back(it->path());
            }
        }
        for (const fs::path &file : leftovers) {
            fs::remove(file, error);
        }
    }
}

Status checkArrays(const ImageArrays &arrays, const char *what, const ModelSpec &spec)
{
    if (arrays.count() == 0) {
        return makeError(ErrorCode::InvalidDataset, std::string("the ") + what + " split is empty");
    }
    if (arrays.channels != spec.channels || arrays.height != spec.inputSize ||
        arrays.width != spec.inputSize ||
        arrays.pixels.size() != arrays.count() * arrays.imageSize()) {
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

namespace {
Result<TrainSummary> trainOnDevice(const ImageArrays &train, const ImageArrays &val,
                                   const TrainSettings &settings, const RunPaths &paths,
                                   const torch::Device &device, TrainObserver *observer,
                                   TrainStart start, const ProcessGroup *group);
} // namespace

Result<TrainSummary> trainClassifier(const ImageArrays &train, const ImageArrays &val,
                                     const TrainSettings &settings, const fs::path &runDir,
                                     TrainObserver *observer, TrainStart start,
                                     const ProcessGroup *group)
{
    if (const std::string problem = validateSettings(settings); !problem.empty()) {
        return makeError(ErrorCode::InvalidArgument, problem);
    }
    const int ranks = group ? group->size() : 1;
    if (settings.worldSize != ranks) {
        return makeError(ErrorCode::Incompatible,
                         runDir.string() + ": the run trains as " +
                             std::to_string(settings.worldSize) + " rank(s) and " +
                             std::to_string(ranks) +
                             " started; start (or resume) it with WORLD_SIZE=" +
                             std::to_string(settings.worldSize));
    }
    const bool writes = !group || group->writes();
    if (settings.model.classNames.size() < 2) {
        return makeError(ErrorCode::InvalidDataset,
                         "training needs at least two classes (found " +
                             std::to_string(settings.model.classNames.size()) + ")");
    }
    for (const auto &[arrays, what] :
         {std::pair{&train, "training"}, std::pair{&val, "validation"}}) {
        if (auto checked = checkArrays(*arrays, what, settings.model); !checked) {
            return checked.error();
        }
    }
    auto device = resolveDevice(settings.device);
    if (!device) {
        return device.error();
    }
    if (*device == "cpu" && isMixedPrecision(settings.precision)) {
        return makeError(ErrorCode::Unsupported,
                         std::string("mixed precision (") + precisionName(settings.precision) +
                             ") runs on CUDA only and this run is on the CPU: use precision "
                             "auto or fp32");
    }
    // Ranks on one machine share its cores.
    if (auto runtime = prepareRuntimeForRun(settings.deterministic,
                                            group ? group->launch().localWorldSize : 1);
        !runtime) {
        return runtime.error();
    }
    // The run's own seed: only training draws from LibTorch's default generator (dropout, the
    // first weights), so seeding it changes no other job's result.
    torch::manual_seed(settings.seed);
    const RunPaths paths{runDir};
    if (writes) {
        removeInterruptedWrites(paths);
    }
    bool restarted = false;
    if (start == TrainStart::Resume) {
        if (!fs::is_regular_file(paths.lastCheckpoint())) {
            // Stopped (killed, a power loss) before its first checkpoint: nothing it trained
            // was kept, so it trains from the first step with its recorded settings, which is
            // the run it would have been.
            start = TrainStart::Fresh;
            restarted = true;
        }
    } else if (auto written = writes ? writeRunConfig(paths, settings, *device) : Status(Ok{});
               !written) {
        return written.error();
    }
    if (!writes) {
        return trainOnDevice(train, val, settings, paths, torch::Device(*device), observer, start,
                             group);
    }
    writeRunStatus(paths, RunState::Running,
                   "training on " + *device +
                       (group ? " as " + std::to_string(ranks) + " ranks" : std::string()));
    auto finished =
        trainOnDevice(train, val, settings, paths, torch::Device(*device), observer, start, group);
    if (finished && restarted) {
        finished->notes.insert(finished->notes.begin(),
                               "no checkpoint to resume from (stopped before its first): trained "
                               "from the first step with the run's settings");
    }
    if (!finished) {
        writeRunStatus(paths,
                       finished.error().code == ErrorCode::Cancelled ? RunState::Stopped
                                                                     : RunState::Failed,
                       finished.error().message);
    } else if (finished->stoppedByUser) {
        writeRunStatus(paths, RunState::Stopped,
                       "stopped after epoch " + std::to_string(finished->epochs.size()));
    } else {
        writeRunStatus(paths, RunState::Finished,
                       finished->stoppedEarly ? "stopped early by the early-stopping rule" : "");
    }
    return finished;
}

namespace {

Result<TrainSummary> trainOnDevice(const ImageArrays &train, const ImageArrays &val,
                                   const TrainSettings &settings, const RunPaths &paths,
                                   const torch::Device &device, TrainObserver *observer,
                                   TrainStart start, const ProcessGroup *group)
{
    try {
        TrainingRun run(settings, paths.root, device, observer, group);
        return run.run(train, val, start);
    } catch (const c10::Error &e) {
        if (std::string(e.what_without_backtrace()).find("out of memory") != std::string::npos) {
            std::string message = "the device ran out of memory with batch size " +
                                  std::to_string(settings.batchSize) + ": try a smaller batch";
            if (fs::is_regular_file(paths.lastCheckpoint())) {
                message += "; the run resumes from " + paths.lastCheckpoint().string();
            }
            return makeError(ErrorCode::Internal, message);
        }
        return makeError(ErrorCode::Internal, "LibTorch error: " + errorSummary(e, 300));
    }
}

} // namespace

} // namespace cxr::ml
