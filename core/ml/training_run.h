// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: one training run, what trainClassifier (trainer.cpp) drives. Its parts
// live in three files: the run from first epoch to finalised model (training_run.cpp), one
// epoch's steps (training_epoch.cpp), and what it writes into the run folder: checkpoints and
// the best model (training_run_files.cpp). Includes LibTorch.

#include "core/ml/lr_schedule.h"
#include "core/ml/models.h"
#include "core/ml/run_folder.h"
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_captured_step.h"
#include "core/ml/torch_checkpoint.h"
#include "core/ml/torch_data_parallel.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_precision.h"
#include "core/ml/torch_side_stream.h"
#include "core/ml/trainer.h"
#include "core/ml/training_checkpoint.h"
#include "core/ml/weight_average.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace cxr::ml {

// Datasets up to this size (8-bit pixels, training and validation together) are copied to a
// CUDA device once instead of batch by batch.
constexpr std::int64_t kDeviceResidentBytes = std::int64_t(2) << 30;

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
    // On CUDA: recorded on the side stream once the batch is ready there.
    std::shared_ptr<c10::Event> ready;
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

// The training data as tensors: views of the caller's pixels, or copies on the GPU.
struct RunTensors {
    torch::Tensor trainImages;
    torch::Tensor trainLabels;
    torch::Tensor valImages;
    torch::Tensor valLabels;
};

// One epoch in progress (training_epoch.cpp).
struct EpochState {
    int epoch = 0;
    torch::Tensor order;     // the epoch's image indices, on the images' device
    std::int64_t visits = 0; // images the epoch visits (balancing may repeat some)
    bool augment = false;
    RunningTotals totals;
    double secondsBefore = 0; // spent in this epoch before a resume
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    // A step's loss is read one step late: reading it waits for the step, and waiting for the
    // step just queued would leave the device idle while the next one is launched.
    std::optional<PendingStep> pending;
};

// Everything one training run keeps between epochs, and saves in its checkpoint.
class TrainingRun {
public:
    TrainingRun(const TrainSettings &settings, const std::filesystem::path &runDir,
                torch::Device device, TrainObserver *observer, const ProcessGroup *group);

    Result<TrainSummary> run(const ImageArrays &train, const ImageArrays &val, TrainStart start);

private:
    // training_run.cpp: the run around its epochs.
    RunTensors tensorsFor(const ImageArrays &train, const ImageArrays &val) const;
    void planSteps(const std::vector<int> &trainLabels);
    Status importPretrainedWeights();
    Result<EpochProgress> prepareWeights(TrainStart start);
    Status resumeLogs();
    Result<bool> runEpoch(const RunTensors &data, int epoch, EpochProgress resumeWithin);
    Status keepIfBest(const EpochMetrics &m);
    void finalise(const RunTensors &data);
    Status measureEpoch(RunningTotals &trained, const torch::Tensor &valImages,
                        const torch::Tensor &valLabels, EpochMetrics &m);
    bool updateEarlyStopping(const EpochMetrics &m);
    RunningTotals evaluate(const torch::Tensor &images, const torch::Tensor &labels);
    void useDeviceLayout();
    // Images in one optimiser step, over all ranks.
    std::int64_t stepImages() const
    {
        return std::int64_t(m_settings.batchSize) * (m_parallel ? m_parallel->size() : 1);
    }
    // Rank 0 alone writes the run folder (always true without a process group).
    bool writes() const { return !m_parallel || m_parallel->writes(); }

    // training_epoch.cpp: one epoch's steps.
    Result<RunningTotals> trainEpoch(const torch::Tensor &images, const torch::Tensor &labels,
                                     int epoch, EpochProgress resumeWithin);
    EpochState startEpoch(const torch::Tensor &images, int epoch, EpochProgress &resumeWithin);
    PreparedBatch prepareBatch(const torch::Tensor &images, const torch::Tensor &labels,
                               const EpochState &state, std::int64_t start,
                               const c10::Event *after);
    Status trainStep(EpochState &state, const PreparedBatch &batch, std::int64_t start);
    std::optional<BatchOutcome> replayStep(const PreparedBatch &batch, double rate);
    Status eagerStep(EpochState &state, const PreparedBatch &batch, std::int64_t start,
                     BatchOutcome &outcome);
    BatchOutcome forwardAndBackward(const PreparedBatch &batch, double lossWeight);
    void forwardAndBackwardNothing();
    Status cancelEpoch(EpochState &state, std::int64_t start);
    void settle(EpochState &state);
    EpochProgress progressAfter(const EpochState &state, std::int64_t start) const;
    std::pair<std::int64_t, std::int64_t> shareOfStep(std::int64_t start,
                                                      std::int64_t visits) const;
    void recordStep(const PendingStep &step, double loss);
    bool checkpointDue() const;

    // training_run_files.cpp: the run folder.
    Status saveCheckpoint(const EpochProgress &progress);
    Result<EpochProgress> loadCheckpoint();
    CheckpointModules modules() { return {*m_net, *m_optimizer, m_average}; }
    Status saveModel(const EpochMetrics &m);

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
    std::optional<DataParallel> m_parallel;   // one rank of a data-parallel run
    SideStream m_sideStream;                  // where batches are prepared, on CUDA
    std::unique_ptr<CapturedStep> m_captured; // null where steps run eagerly
    double m_bestScore = -INFINITY;           // early stopping's metric, higher is better
    int m_epochsWithoutGain = 0;
};

} // namespace cxr::ml
