// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/ml/model_spec.h"
#include "core/pipeline/training_job.h"

#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

struct TrainOptions {
    std::string dataset;
    std::string out;
    pipeline::TrainJob job;
    bool skipBadImages = false;
    CacheOptions cache;
    AugmentationOptions augmentation;
    std::string balance = "none";
    std::string balanceChoices; // "none, oversample, ..." for help and errors
};

// Prints each epoch as it ends, below the progress bar.
class TrainPrinter : public TerminalProgress {
public:
    void epochFinished(const ml::EpochMetrics &m) override
    {
        finishLine();
        std::printf("epoch %3d  train loss %.4f  acc %.3f  |  val loss %.4f  acc %.3f  (%.1f s)\n",
                    m.epoch, m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy, m.seconds);
        std::fflush(stdout);
    }
};

} // namespace

Action addTrainCommand(CLI::App &app)
{
    auto options = std::make_shared<TrainOptions>();
    ml::TrainSettings &s = options->job.settings;
    CLI::App *command = app.add_subcommand(
        "train", "Train a classifier on a dataset's train split, validating on its val split.\n"
                 "The test split is never read. Writes a run folder (config.json, metrics.csv,\n"
                 "checkpoints/, model/).");
    command->add_option("dataset", options->dataset, "dataset folder with train/ and val/")
        ->required();
    command->add_option("--out", options->out, "run folder to create")->required();
    std::string models;
    for (const auto &name : ml::knownArchitectures()) {
        models += (models.empty() ? "" : ", ") + name;
    }
    command->add_option("--model", s.model.architecture, "architecture: " + models)
        ->capture_default_str();
    command->add_option("--custom-blocks", s.model.custom.blocks,
                        "custom-cnn: convolution blocks, each halving the resolution")
        ->capture_default_str();
    command->add_option("--custom-filters", s.model.custom.filters,
                        "custom-cnn: filters of the first block, doubling per block")
        ->capture_default_str();
    command->add_option("--custom-kernel", s.model.custom.kernelSize, "custom-cnn: kernel size (odd)")
        ->capture_default_str();
    command->add_option("--custom-dropout", s.model.custom.dropout,
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
    command->add_option("--resize", s.model.resize,
                        "squash (stretch to a square) or letterbox (keep aspect, pad black)")
        ->capture_default_str();
    addAugmentationOptions(command, options->augmentation, "--augment");
    for (const auto &[method, name] : balanceMethodNames()) {
        options->balanceChoices += std::string(options->balanceChoices.empty() ? "" : ", ") + name;
    }
    command->add_option("--balance", options->balance,
                        "class balancing: " + options->balanceChoices +
                            " (oversample repeats minority images with fresh augmentation "
                            "each epoch)")
        ->capture_default_str();
    command->add_flag("--overwrite", options->job.overwrite, "replace an existing run folder");
    addCacheOptions(command, options->cache);
    command->add_flag("--skip-bad-images", options->skipBadImages,
                      "train without images that fail to decode (listed) instead of stopping");
    return [options]() -> int {
        auto augmentation = options->augmentation.settings();
        if (!augmentation) {
            return reportError(augmentation.error());
        }
        options->job.settings.augmentation = *augmentation;
        const auto balance = parseBalanceMethod(options->balance);
        if (!balance) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--balance " + options->balance +
                                             ": unknown method (choose one of: " +
                                             options->balanceChoices + ")"));
        }
        options->job.settings.balance = *balance;
        if (*balance == BalanceMethod::Oversample && augmentationIsIdentity(*augmentation)) {
            std::fprintf(stderr, "note: --balance oversample without --augment repeats minority "
                                 "images unchanged; --augment thesis makes each repeat new\n");
        }
        options->job.datasetDir = options->dataset;
        options->job.runDir = options->out;
        options->job.cacheDir = options->cache.folder();
        options->job.badImages =
            options->skipBadImages ? pipeline::BadImages::Skip : pipeline::BadImages::Refuse;
        TrainPrinter progress;
        auto result = pipeline::runTrainJob(options->job, &progress);
        progress.finishLine();
        if (!result) {
            return reportError(result.error());
        }
        for (const auto &problem : result->skipped) {
            std::fprintf(stderr, "skipped: %s: %s\n", problem.path.string().c_str(),
                         problem.reason.c_str());
        }
        const ml::TrainSummary &summary = result->summary;
        const ml::EpochMetrics &best = summary.epochs.at(std::size_t(summary.bestEpoch - 1));
        std::printf("trained %s on %lld images (%lld validation) on %s\n",
                    options->job.settings.model.architecture.c_str(),
                    static_cast<long long>(result->trainImages),
                    static_cast<long long>(result->valImages), summary.device.c_str());
        std::printf("best epoch %d: val loss %.4f, val accuracy %.3f; run folder %s\n",
                    summary.bestEpoch, best.valLoss, best.valAccuracy, options->out.c_str());
        return int(kSuccess);
    };
}

} // namespace cxr::cli
