// SPDX-License-Identifier: MIT
// One epoch of a training run: the seeded order, batches prepared one ahead on a worker thread,
// and the optimiser steps, with mid-epoch checkpoints and cancellation.
#include "core/augment/augmentation_draw.h"
#include "core/augment/class_balance.h"
#include "core/ml/device.h"
#include "core/ml/mixup.h"
#include "core/ml/torch_batch_augmentation.h"
#include "core/ml/torch_batch_norm.h"
#include "core/ml/training_run.h"

#include <algorithm>
#include <future>

namespace cxr::ml {

// Trains one epoch, from its start or from where a mid-epoch checkpoint left it.
Result<RunningTotals> TrainingRun::trainEpoch(const torch::Tensor &images,
                                              const torch::Tensor &labels, int epoch,
                                              EpochProgress resumeWithin)
{
    EpochState state = startEpoch(images, epoch, resumeWithin);
    const std::int64_t firstStart = resumeWithin.batches * stepImages();
    // The next batch is gathered, moved to the device and augmented on a worker thread while
    // the current one trains, so the device does not wait for data. One batch is prepared at a
    // time, in order, so the augmentation draws stay reproducible.
    // On CUDA it works on a stream of its own (SideStream), after what the training stream had
    // queued when it was started.
    const auto prepare = [&](std::int64_t start, const std::shared_ptr<c10::Event> &after) {
        return prepareBatch(images, labels, state, start, after.get());
    };
    std::future<PreparedBatch> next =
        std::async(std::launch::async, prepare, firstStart, m_sideStream.mark());
    for (std::int64_t start = firstStart; start < state.visits; start += stepImages()) {
        const PreparedBatch batch = next.get();
        const bool more = start + stepImages() < state.visits;
        // A step being captured must have the GPU to itself: its next batch is started after.
        const bool capturing = m_captured && m_captured->capturesNext();
        if (more && !capturing) {
            next =
                std::async(std::launch::async, prepare, start + stepImages(), m_sideStream.mark());
        }
        if (cancelled(m_observer)) {
            return cancelEpoch(state, start).error();
        }
        if (auto stepped = trainStep(state, batch, start); !stepped) {
            return stepped.error();
        }
        if (more && capturing) {
            next =
                std::async(std::launch::async, prepare, start + stepImages(), m_sideStream.mark());
        }
        const bool lastOfEpoch = start + stepImages() >= state.visits;
        if (!lastOfEpoch && checkpointDue()) {
            settle(state);
            if (auto saved = saveCheckpoint(progressAfter(state, start + stepImages())); !saved) {
                return saved.error();
            }
        }
    }
    settle(state);
    return std::move(state.totals);
}

// The epoch's seeded order and the totals it resumes with.
EpochState TrainingRun::startEpoch(const torch::Tensor &images, int epoch,
                                   EpochProgress &resumeWithin)
{
    m_net->train();
    if (m_parallel) {
        // Each rank draws its own augmentations and dropout masks, from seeds that a resume at
        // this epoch's start sets again (distributed runs resume at epoch ends).
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
    EpochState state;
    state.epoch = epoch;
    state.order = torch::tensor(order, torch::kInt64).to(images.device());
    state.visits = std::int64_t(order.size());
    state.augment = !augmentationIsIdentity(m_settings.augmentation);
    state.totals = std::move(resumeWithin.totals);
    state.secondsBefore = resumeWithin.seconds;
    return state;
}

// The images of the step starting at start that this process trains, on the device,
// augmented and mixed. Runs on the worker thread.
PreparedBatch TrainingRun::prepareBatch(const torch::Tensor &images, const torch::Tensor &labels,
                                        const EpochState &state, std::int64_t start,
                                        const c10::Event *after)
{
    std::optional<c10::StreamGuard> onSideStream;
    m_sideStream.enter(onSideStream, after);
    PreparedBatch batch;
    const auto [first, last] = shareOfStep(start, state.visits);
    if (first == last) { // a rank past the end of the epoch's last step
        batch.augmentRandomAfter = m_augmentRandom;
        return batch;
    }
    const auto index = state.order.slice(0, first, last);
    batch.images = toModelInput(upload(images.index_select(0, index), m_device));
    if (state.augment) {
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
    // On the labels' device: the host, or the GPU when the dataset is kept there.
    const torch::Tensor batchLabels = labels.index_select(0, index);
    if (m_settings.mixupAlpha > 0) {
        const MixupDraw mix =
            drawMixup(m_settings.mixupAlpha, std::size_t(index.size(0)), m_augmentRandom);
        const torch::Tensor partner = torch::tensor(mix.partner, torch::kInt64);
        batch.images = batch.images * mix.weight +
                       batch.images.index_select(0, upload(partner, m_device)) * (1 - mix.weight);
        batch.partnerLabels =
            upload(batchLabels.index_select(0, upload(partner, batchLabels.device())), m_device);
        batch.mixWeight = mix.weight;
    }
    if (m_useChannelsLast) {
        batch.images = batch.images.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    batch.augmentRandomAfter = m_augmentRandom;
    batch.labels = upload(batchLabels, m_device);
    batch.ready = m_sideStream.finish();
    return batch;
}

// One optimiser step: a replay of the captured step where it can be, else eagerStep.
Status TrainingRun::trainStep(EpochState &state, const PreparedBatch &batch, std::int64_t start)
{
    if (batch.ready) {
        m_sideStream.handOver(*batch.ready, {batch.images, batch.labels, batch.partnerLabels});
    }
    const double rate = m_schedule->rateAt(state.epoch, m_batchesDone);
    for (auto &group : m_optimizer->param_groups()) {
        group.options().set_lr(rate);
    }
    state.totals.lastRate = rate;
    state.totals.augmentationSeconds += batch.augmentationSeconds;
    const std::int64_t images = batch.images.defined() ? batch.images.size(0) : 0;
    BatchOutcome outcome;
    if (std::optional<BatchOutcome> replayed = replayStep(batch, rate)) {
        outcome = *replayed;
    } else if (auto stepped = eagerStep(state, batch, start, outcome); !stepped) {
        return stepped;
    }
    m_augmentRandomAtStep = batch.augmentRandomAfter;
    ++m_batchesDone;
    m_imagesThisSession += images;
    ++m_stepsThisSession;
    settle(state); // the step before this one, done or nearly so by now
    if (images > 0) {
        state.pending = PendingStep{outcome.loss.detach(), outcome.correct, images,
                                    state.epoch,           m_batchesDone,   rate};
    }
    return Ok{};
}

// The step as a replay of its CUDA graph; nothing where it runs eagerly (no capture for this
// run, the warm-up steps, a last batch smaller than the others).
std::optional<BatchOutcome> TrainingRun::replayStep(const PreparedBatch &batch, double rate)
{
    if (!m_captured || !batch.images.defined() ||
        batch.images.size(0) != std::int64_t(m_settings.batchSize)) {
        return std::nullopt;
    }
    std::optional<BatchOutcome> outcome = m_captured->train(batch.images, batch.labels, rate);
    if (outcome) {
        m_average.update(*m_net);
    } else if (!m_captured->failure().empty()) {
        m_summary.stepMode = "eager (the capture failed: " + m_captured->failure() + ")";
        m_captured.reset();
    }
    return outcome;
}

// The step launched from the host: forward under the run's precision, the loss (weighted by
// this rank's share of the step), backward, gradients averaged over ranks, clipping, the step.
Status TrainingRun::eagerStep(EpochState &state, const PreparedBatch &batch, std::int64_t start,
                              BatchOutcome &outcome)
{
    const std::int64_t images = batch.images.defined() ? batch.images.size(0) : 0;
    m_optimizer->zero_grad();
    const ProcessGroup *batchNormGroup = m_parallel ? m_parallel->batchNormGroup() : nullptr;
    try {
        BatchNormSync syncedBatchNorm(batchNormGroup);
        if (images > 0) {
            outcome = forwardAndBackward(
                batch, m_parallel ? m_parallel->lossWeight(images, start, state.visits,
                                                           m_settings.batchSize)
                                  : 1.0);
        } else if (batchNormGroup != nullptr) {
            // The other ranks' batch norm layers wait for this rank's sums, forward and back.
            forwardAndBackwardNothing();
        }
    } catch (const RanksLost &lost) {
        return lost.error;
    }
    if (m_parallel) {
        if (auto averaged = m_parallel->averageGradients(); !averaged) {
            return averaged;
        }
    }
    const bool finite = m_scaler.unscale(m_net->parameters());
    if (finite) {
        if (m_settings.gradientClipNorm > 0) {
            torch::nn::utils::clip_grad_norm_(m_net->parameters(), m_settings.gradientClipNorm);
        }
        m_optimizer->step();
        m_average.update(*m_net);
        if (m_captured) {
            m_captured->eagerStepTaken();
        }
    }
    m_scaler.update(finite);
    return Ok{};
}

// The step's loss, its backward pass scaled by lossWeight (this rank's share of a
// data-parallel step) and by the precision's loss scale.
BatchOutcome TrainingRun::forwardAndBackward(const PreparedBatch &batch, double lossWeight)
{
    BatchOutcome outcome;
    {
        AutocastScope autocast(m_precision, m_device);
        const torch::Tensor logits = m_net->forward(batch.images).to(torch::kFloat32);
        outcome =
            batch.partnerLabels.defined()
                ? mixedLossAndCorrect(logits, batch.labels, batch.partnerLabels, batch.mixWeight,
                                      m_classWeights, m_settings.labelSmoothing)
                : lossAndCorrect(logits, batch.labels, m_classWeights, m_settings.labelSmoothing);
    }
    (m_scaler.scaled(outcome.loss) * lossWeight).backward();
    return outcome;
}

// A forward and backward pass over no images: what a rank past the end of an epoch's last step
// does when batch norm is synchronised, so that it sums its (empty) share with the others.
void TrainingRun::forwardAndBackwardNothing()
{
    const ModelSpec &model = m_settings.model;
    torch::Tensor none =
        torch::zeros({0, model.channels, model.inputSize, model.inputSize}, m_device);
    if (m_useChannelsLast) {
        none = none.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    torch::Tensor output;
    {
        AutocastScope autocast(m_precision, m_device);
        output = m_net->forward(none);
    }
    (output.sum() * 0.0).backward();
}

// Stops the epoch at the step starting at start, whose batch has not trained; always returns
// the Cancelled error, saying how the run continues.
Status TrainingRun::cancelEpoch(EpochState &state, std::int64_t start)
{
    std::string message = "training cancelled in epoch " + std::to_string(state.epoch);
    settle(state);
    if (m_parallel) {
        // Rank 0's figures for part of an epoch lack the other ranks': a data-parallel run
        // resumes at the epoch's start.
        message += "; resuming continues from the start of epoch " + std::to_string(state.epoch);
    } else if (m_batchesDone > 0) {
        // The batch in hand has not trained: the checkpoint is of the one before.
        if (auto saved = saveCheckpoint(progressAfter(state, start)); !saved) {
            return saved;
        }
        message += "; the checkpoint in " + m_paths.lastCheckpoint().string() + " continues it";
    }
    return makeError(ErrorCode::Cancelled, message);
}

// Reads the pending step's loss into the totals and the step log.
void TrainingRun::settle(EpochState &state)
{
    if (!state.pending) {
        return;
    }
    const PendingStep &step = *state.pending;
    const double loss = step.loss.item<double>();
    state.totals.lossSum += loss * double(step.images);
    state.totals.correct += step.correct.item<std::int64_t>();
    state.totals.seen += step.images;
    recordStep(step, loss);
    state.pending.reset();
}

EpochProgress TrainingRun::progressAfter(const EpochState &state, std::int64_t start) const
{
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - state.started).count();
    return EpochProgress{start / stepImages(), state.totals, state.secondsBefore + seconds};
}

// The images of the epoch's order this process trains in the step starting at start.
std::pair<std::int64_t, std::int64_t> TrainingRun::shareOfStep(std::int64_t start,
                                                               std::int64_t visits) const
{
    if (m_parallel) {
        return m_parallel->share(start, visits, m_settings.batchSize);
    }
    return {start, std::min(visits, start + m_settings.batchSize)};
}

// Logs the step for steps.csv when it is due, and reports it to the observer.
void TrainingRun::recordStep(const PendingStep &step, double loss)
{
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_sessionStart).count();
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

// Within an epoch on time (rank 0's clock alone would not tell the other ranks, whose share of
// the epoch's figures the checkpoint would lack: distributed runs checkpoint at epoch ends).
bool TrainingRun::checkpointDue() const
{
    return !m_parallel && m_settings.checkpointMinutes > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - m_lastCheckpointAt)
                   .count() >= m_settings.checkpointMinutes * 60.0;
}

} // namespace cxr::ml
