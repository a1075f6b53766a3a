// SPDX-License-Identifier: MIT
#pragma once

#include "core/augment/augmentation_settings.h"
#include "core/augment/class_balance.h"
#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/calibration.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/model_spec.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

class ProcessGroup;

enum class OptimizerKind { Adam, AdamW, Sgd };

struct OptimizerSettings {
    OptimizerKind kind = OptimizerKind::Adam; // betas 0.9/0.999 as in the thesis
    double weightDecay = 0;                   // AdamW's decoupled decay, or L2 for Adam/SGD
    double momentum = 0.9;                    // SGD
    bool nesterov = false;                    // SGD
};

const char *optimizerName(OptimizerKind kind); // "adam", "adamw", "sgd"
std::optional<OptimizerKind> parseOptimizer(const std::string &name);

// Arithmetic precision of training and validation. Mixed precision (autocast: convolutions and
// matrix products in 16 bits, weights, reductions and losses in fp32) runs on CUDA only.
enum class Precision {
    Auto, // bf16 on CUDA, fp32 on the CPU
    Float32,
    BFloat16, // CUDA; fp32's range, so no loss scaling
    Float16,  // CUDA; with dynamic loss scaling
};
const char *precisionName(Precision precision); // "auto", "fp32", "bf16", "fp16"
// bf16 or fp16: autocast on CUDA, and refused on the CPU (settings checks, the form, the trainer).
inline bool isMixedPrecision(Precision precision)
{
    return precision == Precision::BFloat16 || precision == Precision::Float16;
}
std::optional<Precision> parsePrecision(const std::string &name);

// Stop when the validation metric has not improved for patience epochs (0: never stop early).
struct EarlyStopping {
    int patience = 0;
    bool onAuc = false; // validation AUC (higher is better) instead of validation loss
};

struct TrainSettings {
    ModelSpec model;
    int epochs = 10;
    int batchSize = 32;
    double learningRate = 1e-3; // the peak rate; schedules scale it
    OptimizerSettings optimizer;
    ScheduleSettings schedule;
    EarlyStopping earlyStopping;
    double gradientClipNorm = 0; // clip the global gradient norm to this; 0 leaves it alone
    // Training targets moved this far towards uniform (Szegedy et al.); validation loss is
    // always against the true labels. In [0, 0.5).
    double labelSmoothing = 0;
    // Mixup's Beta(alpha, alpha) (mixup.h); 0: off. Training accuracy then counts an image as
    // right when the model picks the label with the larger share.
    double mixupAlpha = 0;
    // An exponential moving average of the weights with this decay per step (0: off), used for
    // validation and the saved model: a smoother model than the last step's.
    double emaDecay = 0;
    // The epoch whose weights the model keeps: the lowest validation loss, or the highest
    // validation AUC (binary models), which ignores how far the threshold drifted.
    bool selectByAuc = false;
    // Deterministic algorithms where LibTorch has them (cuDNN included): resumed and repeated
    // runs give the same losses, at some cost in speed on CUDA.
    bool deterministic = false;
    // Transfer learning: a state_dict (torchvision names) loaded before training, and whether
    // to train the head only, keeping the imported feature extractor fixed.
    std::string pretrainedWeights;
    bool freezeFeatures = false;
    std::uint64_t seed = 42;
    std::string device = "auto"; // auto, cpu, cuda
    Precision precision = Precision::Auto;
    // Convolution weights and inputs in channels-last (NHWC) layout on CUDA, where cuDNN's
    // tensor-core kernels want it; ignored on the CPU.
    bool channelsLast = true;
    // On CUDA, each full batch's step replays a CUDA graph captured once (torch_captured_step.h)
    // where the run allows it; false: every step eagerly. Not recorded: the same run either way.
    bool captureSteps = true;
    // Besides the checkpoint after every epoch, one mid-epoch whenever this many minutes have
    // passed since the last (0: epoch ends only), so a crash in a long epoch loses little.
    double checkpointMinutes = 10;
    // steps.csv gets every this many steps' loss, learning rate and speed (0: none).
    int logEverySteps = 10;
    // Applied to every training image drawn, fresh each time, on the training device; never
    // to validation images.
    AugmentationSettings augmentation;
    BalanceMethod balance = BalanceMethod::None;
    // How a binary model's decision threshold is chosen on the validation images once training
    // ends (after calibration); recorded in the model card.
    OperatingPointRule operatingPoint;
    // The patients' ages in years, when known (Kermany: 1-5); recorded in the model card so
    // that a DICOM of an older patient is flagged. -1: not stated.
    double populationMinAgeYears = -1;
    double populationMaxAgeYears = -1;
    // Data-parallel training (process_group.h): this many processes share every step, each with
    // batchSize images of its own, so a step sees batchSize x worldSize images. Recorded, so
    // that a resume uses as many ranks. 1: one process.
    int worldSize = 1;
    // Average batch norm's running statistics over the ranks after every epoch; otherwise rank
    // 0's are kept, as DistributedDataParallel does. Within a step each rank normalises by its
    // own batch either way.
    bool syncBatchNorm = false;
    std::string datasetPath; // recorded in config.json
    std::string datasetHash; // fingerprint of the file list, recorded in config.json
};

// Empty when settings are usable; otherwise one line naming the bad setting. Class names come
// from the dataset and are checked by trainClassifier.
std::string validateSettings(const TrainSettings &settings);

struct EpochMetrics {
    int epoch = 0; // 1-based
    double trainLoss = 0;
    double trainAccuracy = 0;
    double valLoss = 0;
    double valAccuracy = 0;
    double valAuc = 0;       // NaN for multi-class models and for a validation split with one class
    double learningRate = 0; // at the epoch's last step
    double seconds = 0;
    // Of seconds, the time spent drawing and applying augmentations (exact on the CPU; on a
    // GPU, kernels run asynchronously and this counts only their launch).
    double augmentationSeconds = 0;
};

// One training step, as it finished: for live loss curves and the ETA.
struct BatchReport {
    int epoch = 0;               // 1-based
    std::int64_t step = 0;       // optimiser steps done in the whole run
    std::int64_t totalSteps = 0; // of the whole run
    double loss = 0;             // of this batch
    double learningRate = 0;
    double imagesPerSecond = 0;     // since this process started (or resumed) the run
    double etaSeconds = 0;          // for the remaining steps at that rate, validation excluded
    double deviceMemoryMiB = 0;     // CUDA memory LibTorch holds now; 0 on the CPU
    double peakDeviceMemoryMiB = 0; // the most it has held
};

// Progress is reported in batches over the whole run; batchFinished after every step (an
// observer that draws should throttle); epochFinished after each epoch.
// isCancelled (from ProgressObserver) stops within the epoch, after a checkpoint of the step
// reached; stopAfterEpoch lets the epoch finish first. Both leave a resumable run.
class TrainObserver : public ProgressObserver {
public:
    virtual void batchFinished(const BatchReport &report) {}
    virtual void epochFinished(const EpochMetrics &metrics) {}
    virtual bool stopAfterEpoch() const { return false; }
};

struct TrainSummary {
    std::vector<EpochMetrics> epochs; // all of them, including those before a resume
    int bestEpoch = 0;                // by validation loss, or AUC with TrainSettings::selectByAuc
    std::string device;
    std::string precision;          // as run: fp32, bf16 or fp16
    bool stoppedEarly = false;      // by the early-stopping rule
    bool stoppedByUser = false;     // after an epoch, at the observer's request; resumable
    int resumedAfterEpoch = 0;      // 0 for a run that started from scratch
    std::vector<std::string> notes; // what the run did that its caller should say (imports)
    // Data-parallel runs: each rank's images per second in the last epoch, rank 0 first.
    std::vector<double> rankImagesPerSecond;
    // "CUDA graph", or "eager" and why (whyStepsAreNotCaptured).
    std::string stepMode;
};

enum class TrainStart {
    Fresh,  // runDir must exist and be empty (prepareRunFolder)
    Resume, // continue runDir from checkpoints/last.pt, after its last finished epoch
};

// Trains settings.model on train, validates on val after every epoch, and writes the run
// folder runDir: config.json, metrics.csv, checkpoints/last.pt after every epoch, every
// checkpointMinutes within an epoch and when cancelled (model, optimiser, schedule, random
// generators, epoch, step and the epoch's progress, written atomically), and model/
// (weights of the best epoch + model card). When the epochs end (or stop early or by request),
// the best weights are calibrated on val, get their operating point, and an
// out-of-distribution reference from train (model_finalisation.h). With TrainStart::Resume it
// continues a run from its checkpoint: the same settings (read them with readRunConfig) give the
// same next epochs as an uninterrupted run, also from a checkpoint taken within an epoch. A
// cancelled run returns ErrorCode::Cancelled after writing its checkpoint. The test split never
// reaches this function; the run records that.
// With a process group of settings.worldSize ranks, every rank calls this with the same data
// and settings: rank 0's weights are broadcast, each rank trains on its share of every step's
// images (the epoch's order is the same on all), gradients are averaged over the ranks, rank 0
// validates and alone writes runDir. Checkpoints are then taken at epoch ends only; a resume
// needs the same number of ranks.
Result<TrainSummary>
trainClassifier(const ImageArrays &train, const ImageArrays &val, const TrainSettings &settings,
                const std::filesystem::path &runDir, TrainObserver *observer = nullptr,
                TrainStart start = TrainStart::Fresh, const ProcessGroup *group = nullptr);

} // namespace cxr::ml
