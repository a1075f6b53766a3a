// SPDX-License-Identifier: MIT
#include "train_options.h"

#include "core/common/text.h"
#include "core/ml/calibration.h"
#include "core/ml/model_spec.h"
#include "core/ml/training_recipe.h"

#include <algorithm>
#include <cstdio>

namespace cxr::cli {

namespace {

// A recipe fills in what the command line left out: each field with the options that set it.
struct RecipeField {
    std::vector<const char *> options;
    void (*copy)(const ml::TrainSettings &from, ml::TrainSettings &to);
};

const std::vector<RecipeField> &recipeFields()
{
    using S = ml::TrainSettings;
    static const std::vector<RecipeField> fields = {
        {{"--model"}, [](const S &f, S &t) { t.model.architecture = f.model.architecture; }},
        {{"--input-size"}, [](const S &f, S &t) { t.model.inputSize = f.model.inputSize; }},
        {{"--normalisation"},
         [](const S &f, S &t) { t.model.normalisation = f.model.normalisation; }},
        {{"--epochs"}, [](const S &f, S &t) { t.epochs = f.epochs; }},
        {{"--batch"}, [](const S &f, S &t) { t.batchSize = f.batchSize; }},
        {{"--lr"}, [](const S &f, S &t) { t.learningRate = f.learningRate; }},
        {{"--optimizer"}, [](const S &f, S &t) { t.optimizer.kind = f.optimizer.kind; }},
        {{"--weight-decay"},
         [](const S &f, S &t) { t.optimizer.weightDecay = f.optimizer.weightDecay; }},
        {{"--schedule"}, [](const S &f, S &t) { t.schedule.kind = f.schedule.kind; }},
        {{"--warmup-epochs"},
         [](const S &f, S &t) { t.schedule.warmupEpochs = f.schedule.warmupEpochs; }},
        {{"--min-lr"}, [](const S &f, S &t) { t.schedule.minLr = f.schedule.minLr; }},
        {{"--augment", "--set"}, [](const S &f, S &t) { t.augmentation = f.augmentation; }},
        {{"--balance"}, [](const S &f, S &t) { t.balance = f.balance; }},
        {{"--label-smoothing"}, [](const S &f, S &t) { t.labelSmoothing = f.labelSmoothing; }},
        {{"--mixup"}, [](const S &f, S &t) { t.mixupAlpha = f.mixupAlpha; }},
        {{"--ema"}, [](const S &f, S &t) { t.emaDecay = f.emaDecay; }},
        {{"--select-by"}, [](const S &f, S &t) { t.selectByAuc = f.selectByAuc; }},
        {{"--operating-point"}, [](const S &f, S &t) { t.operatingPoint = f.operatingPoint; }},
    };
    return fields;
}

} // namespace

namespace {

// The dataset, the run folder (new or resumed) and --json.
void addRunFolderOptions(CLI::App *command, TrainOptions &options)
{
    command->add_option("dataset", options.dataset,
                        "dataset folder with train/ and val/, or a manifest (with --resume: "
                        "optional, the recorded dataset by default)");
    auto *out = command->add_option("--out", options.out, "run folder to create");
    auto *resume = command->add_option("--resume", options.resume,
                                       "continue this run folder from its last checkpoint, with "
                                       "its recorded settings (--epochs extends it)");
    out->excludes(resume);
    command->add_flag("--json", options.json, "one JSON object per finished epoch on stdout");
}

// The network, its input and the basics of training it.
void addModelOptions(CLI::App *command, TrainOptions &options)
{
    ml::TrainSettings &s = options.job.settings;
    command
        ->add_option("--model", s.model.architecture,
                     "architecture: " + joined(ml::knownArchitectures()))
        ->capture_default_str();
    command
        ->add_option("--custom-blocks", s.model.custom.blocks,
                     "custom-cnn: convolution blocks, each halving the resolution")
        ->capture_default_str();
    command
        ->add_option("--custom-filters", s.model.custom.filters,
                     "custom-cnn: filters of the first block, doubling per block")
        ->capture_default_str();
    command
        ->add_option("--custom-kernel", s.model.custom.kernelSize, "custom-cnn: kernel size (odd)")
        ->capture_default_str();
    command
        ->add_option("--custom-dropout", s.model.custom.dropout,
                     "custom-cnn: dropout before the linear layer")
        ->capture_default_str();
    command->add_flag("!--custom-no-batch-norm", s.model.custom.batchNorm,
                      "custom-cnn: no batch normalisation after each convolution");
    command->add_option("--epochs", s.epochs, "number of epochs")->capture_default_str();
    command->add_option("--batch", s.batchSize, "batch size")->capture_default_str();
    command->add_option("--lr", s.learningRate, "Adam learning rate")->capture_default_str();
    command->add_option("--seed", s.seed, "random seed")->capture_default_str();
    command->add_option("--device", s.device, "auto, cpu or cuda")->capture_default_str();
    command->add_option("--input-size", s.model.inputSize, "model input side in pixels")
        ->capture_default_str();
    command->add_option("--channels", s.model.channels, "1 (grey) or 3")->capture_default_str();
    command
        ->add_option("--resize", s.model.resize,
                     "squash (stretch to a square) or letterbox (keep aspect, pad black)")
        ->capture_default_str();
    command
        ->add_option("--normalisation", s.model.normalisation,
                     "scale01 (levels / 255) or equalise (each image's levels by their rank "
                     "in the image: exposure and contrast drop out)")
        ->capture_default_str();
    command->add_option("--pretrained", s.pretrainedWeights,
                        "start from these weights: a PyTorch state_dict with torchvision names "
                        "(see docs/cli.md for saving ImageNet weights)");
    command->add_flag("--freeze-features", s.freezeFeatures,
                      "with --pretrained: train the head only, keeping the feature extractor");
}

// Balancing, the operating point, recipes and what guards against overfitting.
void addGeneralisationOptions(CLI::App *command, TrainOptions &options)
{
    ml::TrainSettings &s = options.job.settings;
    std::vector<std::string> balances;
    for (const auto &[method, name] : balanceMethodNames()) {
        balances.push_back(name);
    }
    options.balanceChoices = joined(balances);
    command
        ->add_option("--balance", options.balance,
                     "class balancing: " + options.balanceChoices +
                         " (oversample repeats minority images with fresh augmentation "
                         "each epoch)")
        ->capture_default_str();
    command
        ->add_option("--operating-point", options.operatingPoint,
                     "how the decision threshold is chosen on validation after calibration: "
                     "sensitivity:S, specificity:S, youden or fixed:P")
        ->capture_default_str();
    command->add_option("--recipe", options.recipe,
                        "start from a recommended recipe (" + joined(ml::trainingRecipeNames()) +
                            "); options given here override its settings");
    command
        ->add_option("--label-smoothing", s.labelSmoothing,
                     "move training targets this far towards uniform, in [0, 0.5)")
        ->capture_default_str();
    command
        ->add_option("--mixup", s.mixupAlpha,
                     "blend each training batch with a shuffled copy of itself by a weight drawn "
                     "from Beta(ALPHA, ALPHA) (mixup; 0: off; 0.2 is usual)")
        ->capture_default_str();
    command
        ->add_option("--ema", s.emaDecay,
                     "validate and keep an exponential moving average of the weights with this "
                     "decay per step (0: off; 0.998 is about the last 500 steps)")
        ->capture_default_str();
    command
        ->add_option("--select-by", options.selectBy,
                     "keep the epoch with the lowest validation loss or the highest validation auc")
        ->capture_default_str();
    command->add_option("--population-ages", options.populationAges,
                        "MIN-MAX: the training patients' ages in years (Kermany: 1-5), recorded so "
                        "that a DICOM of a patient outside them is flagged");
}

// Cross-validation, data-parallel ranks, progress for programs, settings files and the cache.
void addRunModeOptions(CLI::App *command, TrainOptions &options)
{
    ml::TrainSettings &s = options.job.settings;
    command
        ->add_option("--folds", options.folds,
                     "cross-validate instead: K runs (2-20) under --out FOLDER, each on all "
                     "patients but one fold's and evaluated on those; run again to continue")
        ->check(CLI::Range(2, 20));
    command
        ->add_option("--fold-seed", options.foldSeed,
                     "with --folds: how patients are dealt to folds")
        ->capture_default_str();
    command->add_flag("--sync-batch-norm", s.syncBatchNorm,
                      "data-parallel runs: batch norm normalises with the statistics of all "
                      "ranks' images of each step, as one process at the whole batch would "
                      "(otherwise each rank's own; rank 0's running statistics are kept)");
    command
        ->add_option("--rank-timeout", options.rankTimeoutSeconds,
                     "data-parallel runs: seconds a rank waits for the others (to start, to "
                     "finish a step or validation) before it stops with an error")
        ->check(CLI::Range(10, 86400))
        ->capture_default_str();
    command->add_flag("--json-steps", options.jsonSteps,
                      "--json, and a line per training step (at most two a second; every rank "
                      "of a data-parallel run prints its own), for programs that draw curves");
    command->add_option("--settings", options.settingsFile,
                        "start from the settings in this file (a run's config.json, or the Train "
                        "page's); options given here override them");
    command->add_flag("--overwrite", options.job.overwrite, "replace an existing run folder");
    addCacheOptions(command, options.cache);
    command->add_flag("--skip-bad-images", options.skipBadImages,
                      "train without images that fail to decode (listed) instead of stopping");
}

} // namespace

void addTrainOptions(CLI::App *command, TrainOptions &options)
{
    addRunFolderOptions(command, options);
    addModelOptions(command, options);
    ml::TrainSettings &s = options.job.settings;
    addOptimisationOptions(command, options.optimisation, s);
    addAugmentationOptions(command, options.augmentation, "--augment");
    addGeneralisationOptions(command, options);
    addRunModeOptions(command, options);
}

Status applyTrainOptions(TrainOptions &o, const CLI::App &command)
{
    if (auto applied = applyOptimisationOptions(o.optimisation, o.job.settings); !applied) {
        return applied;
    }
    auto augmentation = o.augmentation.settings();
    if (!augmentation) {
        return augmentation.error();
    }
    o.job.settings.augmentation = *augmentation;
    auto operatingPoint = ml::parseOperatingPoint(o.operatingPoint);
    if (!operatingPoint) {
        return operatingPoint.error();
    }
    o.job.settings.operatingPoint = *operatingPoint;
    if (o.selectBy != "loss" && o.selectBy != "auc") {
        return makeError(ErrorCode::InvalidArgument,
                         "--select-by " + o.selectBy + ": use loss or auc");
    }
    o.job.settings.selectByAuc = o.selectBy == "auc";
    const auto balance = parseBalanceMethod(o.balance);
    if (!balance) {
        return makeError(ErrorCode::InvalidArgument,
                         "--balance " + o.balance +
                             ": unknown method (choose one of: " + o.balanceChoices + ")");
    }
    o.job.settings.balance = *balance;
    if (*balance == BalanceMethod::Oversample && augmentationIsIdentity(*augmentation)) {
        std::fprintf(stderr, "note: --balance oversample without --augment repeats minority "
                             "images unchanged; --augment thesis makes each repeat new\n");
    }
    if (!o.recipe.empty()) {
        const auto recipe = ml::trainingRecipe(o.recipe, o.job.settings);
        if (!recipe) {
            return makeError(ErrorCode::InvalidArgument,
                             "--recipe " + o.recipe + ": unknown (choose one of: " +
                                 joined(ml::trainingRecipeNames()) + ")");
        }
        for (const RecipeField &field : recipeFields()) {
            const bool given =
                std::any_of(field.options.begin(), field.options.end(),
                            [&command](const char *name) { return command.count(name) > 0; });
            if (!given) {
                field.copy(*recipe, o.job.settings);
            }
        }
    }
    if (!o.populationAges.empty()) {
        double low = -1;
        double high = -1;
        char tail = 0;
        if (std::sscanf(o.populationAges.c_str(), "%lf-%lf%c", &low, &high, &tail) != 2) {
            return makeError(ErrorCode::InvalidArgument,
                             "--population-ages " + o.populationAges + ": use MIN-MAX in years");
        }
        o.job.settings.populationMinAgeYears = low;
        o.job.settings.populationMaxAgeYears = high;
    }
    return Ok{};
}

Result<pipeline::TrainJob> trainJobFromArguments(const pipeline::TrainJob &base,
                                                 const std::vector<std::string> &arguments)
{
    CLI::App parser("cxr train");
    TrainOptions options;
    // The options that hold names rather than the settings themselves start from base's, so
    // that leaving them out keeps base's choice.
    const ml::TrainSettings &b = base.settings;
    options.job = base;
    options.balance = balanceMethodName(b.balance);
    options.optimisation.optimizer = ml::optimizerName(b.optimizer.kind);
    options.optimisation.schedule = ml::scheduleName(b.schedule.kind);
    options.optimisation.earlyStopMetric = b.earlyStopping.onAuc ? "auc" : "loss";
    options.optimisation.precision = ml::precisionName(b.precision);
    options.selectBy = b.selectByAuc ? "auc" : "loss";
    options.operatingPoint = ml::operatingPointSpec(b.operatingPoint);
    addTrainOptions(&parser, options);
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend()); // as CLI11 takes them
    try {
        parser.parse(reversed);
    } catch (const CLI::ParseError &e) {
        return makeError(ErrorCode::InvalidArgument, e.what());
    }
    if (parser.count("--augment") == 0) {
        options.augmentation.base = b.augmentation;
    }
    if (auto applied = applyTrainOptions(options, parser); !applied) {
        return applied.error();
    }
    if (parser.count("--cache-dir") > 0 || parser.count("--no-cache") > 0 ||
        base.cacheDir.empty()) {
        options.job.cacheDir = options.cache.folder();
    }
    if (options.skipBadImages) {
        options.job.badImages = pipeline::BadImages::Skip;
    }
    return options.job;
}

} // namespace cxr::cli
