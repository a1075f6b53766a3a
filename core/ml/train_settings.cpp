// SPDX-License-Identifier: MIT
// The training settings' checks and the optimisers' names: no LibTorch, so the GUI's form and
// the CLI check settings without the trainer's weight.
#include "core/ml/trainer.h"

#include "core/augment/augmentation_settings.h"
#include "core/common/enum_names.h"
#include "core/common/text.h"
#include "core/ml/device.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/model_spec.h"

#include <string>

namespace cxr::ml {

namespace {

// Each check below returns its first problem, or "" when there is none.

std::string populationProblem(const TrainSettings &s)
{
    const bool ageStated = s.populationMinAgeYears >= 0 || s.populationMaxAgeYears >= 0;
    if (ageStated &&
        !(s.populationMinAgeYears >= 0 && s.populationMaxAgeYears >= s.populationMinAgeYears &&
          s.populationMaxAgeYears <= 150)) {
        return "population ages must be a range MIN-MAX of years between 0 and 150";
    }
    return {};
}

std::string modelProblem(const TrainSettings &s)
{
    if (!isKnownArchitecture(s.model.architecture)) {
        return "unknown model '" + s.model.architecture +
               "' (choose one of: " + joined(knownArchitectures()) + ")";
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
        if (std::string problem = validateCustomCnn(s.model.custom, s.model.inputSize);
            !problem.empty()) {
            return problem;
        }
    }
    if (s.model.channels != 1 && s.model.channels != 3) {
        return "channels must be 1 or 3 (got " + std::to_string(s.model.channels) + ")";
    }
    if (!isKnownResize(s.model.resize)) {
        return "unknown resize '" + s.model.resize + "': use squash or letterbox";
    }
    if (!isKnownNormalisation(s.model.normalisation)) {
        return "unknown normalisation '" + s.model.normalisation + "': use " +
               joined(knownNormalisations(), " or ");
    }
    return {};
}

// Epochs, ranks, batch and learning rate; augmentation, schedule and optimiser.
std::string optimisationProblem(const TrainSettings &s)
{
    if (s.epochs < 1 || s.epochs > 10000) {
        return "epochs must be between 1 and 10000 (got " + std::to_string(s.epochs) + ")";
    }
    if (s.worldSize < 1 || s.worldSize > 65536) {
        return "the number of ranks must be between 1 and 65536 (got " +
               std::to_string(s.worldSize) + ")";
    }
    if (s.batchSize < 1 || s.batchSize > 4096) {
        return "batch size must be between 1 and 4096 (got " + std::to_string(s.batchSize) + ")";
    }
    if (!(s.learningRate > 0 && s.learningRate <= 1)) {
        return "learning rate must be in (0, 1] (got " + std::to_string(s.learningRate) + ")";
    }
    if (std::string problem = validateAugmentation(s.augmentation); !problem.empty()) {
        return "augmentation: " + problem;
    }
    if (std::string problem = validateSchedule(s.schedule); !problem.empty()) {
        return "schedule: " + problem;
    }
    if (!(s.optimizer.weightDecay >= 0 && s.optimizer.weightDecay < 1)) {
        return "weight decay must be in [0, 1)";
    }
    if (!(s.optimizer.momentum >= 0 && s.optimizer.momentum < 1)) {
        return "momentum must be in [0, 1)";
    }
    if (s.optimizer.nesterov &&
        (s.optimizer.kind != OptimizerKind::Sgd || s.optimizer.momentum == 0)) {
        return "Nesterov momentum needs the sgd optimiser and a momentum above 0";
    }
    if (!(s.gradientClipNorm >= 0)) {
        return "gradient clipping norm must not be negative";
    }
    if (s.freezeFeatures && s.pretrainedWeights.empty()) {
        return "freezing the feature extractor needs pretrained weights to keep";
    }
    return {};
}

// Where and how the run executes and what it records.
std::string runProblem(const TrainSettings &s)
{
    if (!isValidDeviceName(s.device)) {
        return "unknown device '" + s.device + "': use auto, cpu or cuda";
    }
    if (s.device == "cpu" && isMixedPrecision(s.precision)) {
        return std::string("mixed precision (") + precisionName(s.precision) +
               ") runs on CUDA only: use precision auto or fp32 on the CPU";
    }
    if (!(s.checkpointMinutes >= 0 && s.checkpointMinutes <= 100000)) {
        return "checkpoint interval must be between 0 and 100000 minutes (0: epoch ends only)";
    }
    if (s.logEverySteps < 0) {
        return "the step log interval must not be negative (0: no steps.csv)";
    }
    if (s.earlyStopping.patience < 0) {
        return "early-stopping patience must not be negative";
    }
    return {};
}

// Label smoothing, mixup, the weights' average and how the kept epoch is chosen.
std::string lossAndSelectionProblem(const TrainSettings &s)
{
    if (!(s.labelSmoothing >= 0 && s.labelSmoothing < 0.5)) {
        return "label smoothing must be in [0, 0.5)";
    }
    if (!(s.mixupAlpha >= 0 && s.mixupAlpha <= 4)) {
        return "mixup alpha must be between 0 and 4 (0: off)";
    }
    if (!(s.emaDecay >= 0 && s.emaDecay < 1)) {
        return "the weight average's decay must be in [0, 1) (0: off)";
    }
    if (s.selectByAuc && s.model.classNames.size() > 2) {
        return "selecting the epoch by validation AUC needs a binary model";
    }
    if (s.earlyStopping.onAuc && s.model.classNames.size() > 2) {
        return "early stopping on AUC needs a binary model; stop on validation loss instead";
    }
    return {};
}

} // namespace

std::string validateSettings(const TrainSettings &s)
{
    for (auto check : {populationProblem, modelProblem, optimisationProblem, runProblem,
                       lossAndSelectionProblem}) {
        if (std::string problem = check(s); !problem.empty()) {
            return problem;
        }
    }
    return {};
}

namespace {

constexpr EnumNames<OptimizerKind, 3> kOptimizerNames{
    {{OptimizerKind::Adam, "adam"}, {OptimizerKind::AdamW, "adamw"}, {OptimizerKind::Sgd, "sgd"}}};

} // namespace

const char *optimizerName(OptimizerKind kind)
{
    return nameOf(kOptimizerNames, kind);
}

std::optional<OptimizerKind> parseOptimizer(const std::string &name)
{
    return valueNamed(kOptimizerNames, name);
}

} // namespace cxr::ml
