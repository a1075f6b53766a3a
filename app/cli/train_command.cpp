// SPDX-License-Identifier: MIT
#include "commands.h"
#include "cross_validation_table.h"
#include "terminal_progress.h"
#include "train_options.h"
#include "training_runtime.h"

#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/ml/device.h"
#include "core/ml/distributed_launch.h"
#include "core/ml/process_group.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/cross_validation.h"
#include "core/pipeline/training_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace cxr::cli {

namespace {

// Prints each epoch as it ends, below the progress bar; with json, one JSON object per line
// instead, for scripts.
class TrainPrinter : public TerminalProgress {
public:
    // steps: also a JSON line per step, at most twice a second (--json-steps); rank: the
    // process's rank in a data-parallel run, whose ranks other than 0 print steps only.
    TrainPrinter(bool json, bool steps, int rank) : m_json(json), m_steps(steps), m_rank(rank) {}
    void batchFinished(const ml::BatchReport &report) override
    {
        TerminalProgress::batchFinished(report);
        const auto now = std::chrono::steady_clock::now();
        if (!m_steps || (now - m_lastStepLine < std::chrono::milliseconds(500) &&
                         report.step < report.totalSteps)) {
            return;
        }
        m_lastStepLine = now;
        const nlohmann::json line = {{"event", "step"},
                                     {"rank", m_rank},
                                     {"epoch", report.epoch},
                                     {"step", report.step},
                                     {"total_steps", report.totalSteps},
                                     {"loss", report.loss},
                                     {"lr", report.learningRate},
                                     {"images_per_second", report.imagesPerSecond},
                                     {"eta_seconds", report.etaSeconds}};
        std::printf("%s\n", jsonText(line).c_str());
        std::fflush(stdout);
    }
    void epochFinished(const ml::EpochMetrics &m) override
    {
        if (m_rank != 0) {
            return; // rank 0 reports the run
        }
        finishLine();
        if (m_json) {
            const nlohmann::json line = {
                {"event", "epoch"},
                {"epoch", m.epoch},
                {"train_loss", m.trainLoss},
                {"train_accuracy", m.trainAccuracy},
                {"val_loss", m.valLoss},
                {"val_accuracy", m.valAccuracy},
                {"val_auc", std::isfinite(m.valAuc) ? nlohmann::json(m.valAuc) : nlohmann::json()},
                {"lr", m.learningRate},
                {"seconds", m.seconds}};
            std::printf("%s\n", jsonText(line).c_str());
        } else {
            std::printf(
                "epoch %3d  train loss %.4f  acc %.3f  |  val loss %.4f  acc %.3f  auc %.3f  "
                "lr %.2g  (%.1f s)\n",
                m.epoch, m.trainLoss, m.trainAccuracy, m.valLoss, m.valAccuracy, m.valAuc,
                m.learningRate, m.seconds);
        }
        std::fflush(stdout);
    }

private:
    bool m_json;
    bool m_steps;
    int m_rank;
    std::chrono::steady_clock::time_point m_lastStepLine;
};

// `cxr train --folds K`: the same settings trained K times over patient folds.
int crossValidate(const TrainOptions &options, TrainPrinter &progress)
{
    pipeline::CrossValidationJob job;
    job.train = options.job;
    job.folds = options.folds;
    job.foldSeed = options.foldSeed;
    auto result = pipeline::runCrossValidation(
        job, &progress, [&progress](int fold, int folds, const std::filesystem::path &runDir) {
            progress.finishLine();
            std::printf("Fold %d of %d: %s\n", fold, folds, runDir.string().c_str());
        });
    progress.finishLine();
    if (!result) {
        return reportError(result.error());
    }
    printCrossValidation(*result);
    return int(kSuccess);
}

// `--settings FILE`: the training settings of FILE (a run's config.json, or what the Train page
// saves), with the options given on the command line over them.
Status applySettingsFile(TrainOptions &options, const std::string &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound, file + ": cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto settings = ml::parseTrainSettings(text.str(), file);
    if (!settings) {
        return settings.error();
    }
    // The train command's own arguments, parsed again over the file's settings.
    const std::vector<std::string> &all = commandLine();
    const auto train = std::find(all.begin(), all.end(), "train");
    const std::vector<std::string> arguments(train == all.end() ? all.end() : train + 1, all.end());
    pipeline::TrainJob base = options.job;
    base.settings = *settings;
    base.cacheDir.clear();
    auto job = trainJobFromArguments(base, arguments);
    if (!job) {
        return job.error();
    }
    options.job = *job;
    return Ok{};
}

// Started by torchrun or srun as one rank of several: meets the others before any work, so that
// a rank that cannot start stops them all. Empty for an ordinary, single-process run.
Result<std::shared_ptr<const ml::ProcessGroup>> joinLaunchedGroup(const TrainOptions &options)
{
    auto launch = ml::distributedLaunchFromEnvironment();
    if (!launch) {
        return launch.error();
    }
    if (!*launch) {
        return std::shared_ptr<const ml::ProcessGroup>();
    }
    if (options.folds > 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "--folds trains its folds one after another in one process; start it "
                         "without torchrun or srun (" +
                             ml::describeLaunch(**launch) + ")");
    }
    // Ranks that train on CUDA may use NCCL (the pipeline gives each cuda:LOCAL_RANK).
    const auto device = ml::resolveDevice(options.job.settings.device);
    const bool onCuda = device && device->rfind("cuda", 0) == 0;
    auto group =
        ml::ProcessGroup::join(**launch, std::chrono::seconds(options.rankTimeoutSeconds), onCuda);
    if (!group) {
        return group.error();
    }
    return std::shared_ptr<const ml::ProcessGroup>(*group);
}

// The end of a data-parallel run on rank 0: how fast each rank went.
void printRankThroughput(const ml::TrainSummary &summary)
{
    if (summary.rankImagesPerSecond.size() < 2) {
        return;
    }
    std::string rates;
    double total = 0;
    for (double rate : summary.rankImagesPerSecond) {
        rates += (rates.empty() ? "" : ", ") + std::to_string(int(std::lround(rate)));
        total += rate;
    }
    std::printf("%zu ranks: %s images/s (%.0f in all)\n", summary.rankImagesPerSecond.size(),
                rates.c_str(), total);
}

// Rank 0's report of a finished run: skipped images, notes, throughput and the best epoch, or
// one JSON line.
int reportTrainResult(const TrainOptions &options, const pipeline::TrainJobResult &result)
{
    for (const auto &problem : result.skipped) {
        std::fprintf(stderr, "skipped: %s: %s\n", oneLine(problem.path.string()).c_str(),
                     oneLine(problem.reason).c_str());
    }
    const ml::TrainSummary &summary = result.summary;
    const ml::EpochMetrics &best = summary.epochs.at(std::size_t(summary.bestEpoch - 1));
    const std::string runDir = options.job.runDir.string();
    if (options.json || options.jsonSteps) {
        const nlohmann::json line = {{"event", "finished"},
                                     {"run", runDir},
                                     {"best_epoch", summary.bestEpoch},
                                     {"best_val_loss", best.valLoss},
                                     {"best_val_accuracy", best.valAccuracy},
                                     {"epochs", summary.epochs.size()},
                                     {"stopped_early", summary.stoppedEarly},
                                     {"resumed_after_epoch", summary.resumedAfterEpoch},
                                     {"device", summary.device},
                                     {"precision", summary.precision},
                                     {"steps", summary.stepMode},
                                     {"world_size", result.settings.worldSize},
                                     {"rank_images_per_second", summary.rankImagesPerSecond},
                                     {"notes", summary.notes}};
        std::printf("%s\n", jsonText(line).c_str());
        return int(kSuccess);
    }
    for (const std::string &note : summary.notes) {
        std::printf("%s\n", note.c_str());
    }
    printRankThroughput(summary);
    if (summary.resumedAfterEpoch > 0) {
        std::printf("resumed after epoch %d\n", summary.resumedAfterEpoch);
    }
    if (summary.stoppedEarly) {
        std::printf("stopped early after epoch %zu: no better validation %s for %d epochs\n",
                    summary.epochs.size(), result.settings.earlyStopping.onAuc ? "AUC" : "loss",
                    result.settings.earlyStopping.patience);
    }
    std::printf("trained %s on %lld images (%lld validation) on %s in %s\n",
                result.settings.model.architecture.c_str(),
                static_cast<long long>(result.trainImages),
                static_cast<long long>(result.valImages), summary.device.c_str(),
                summary.precision.c_str());
    if (summary.device.rfind("cuda", 0) == 0) {
        std::printf("steps: %s\n", summary.stepMode.c_str());
    }
    std::printf("best epoch %d: val loss %.4f, val accuracy %.3f; run folder %s\n",
                summary.bestEpoch, best.valLoss, best.valAccuracy, runDir.c_str());
    return int(kSuccess);
}

} // namespace

Action addTrainCommand(CLI::App &app)
{
    auto options = std::make_shared<TrainOptions>();
    CLI::App *command = app.add_subcommand(
        "train", "Train a classifier on a dataset's train split, validating on its val split.\n"
                 "The test split is never read. Writes a run folder (config.json, metrics.csv,\n"
                 "checkpoints/, model/).");
    addTrainOptions(command, *options);
    return [options, command]() -> int {
        if (options->folds > 0 && !options->resume.empty()) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--folds and --resume: run the same --folds command again "
                                         "to continue a cross-validation"));
        }
        if (options->resume.empty() && (options->dataset.empty() || options->out.empty())) {
            return reportError(
                makeError(ErrorCode::InvalidArgument,
                          "cxr train needs a dataset and --out RUN (or --resume RUN)"));
        }
        if (auto applied = options->settingsFile.empty()
                               ? applyTrainOptions(*options, *command)
                               : applySettingsFile(*options, options->settingsFile);
            !applied) {
            return reportError(applied.error());
        }
        options->job.datasetDir = options->dataset;
        options->job.runDir = options->resume.empty() ? options->out : options->resume;
        options->job.resume = !options->resume.empty();
        if (options->job.resume && command->count("--epochs") > 0) {
            options->job.resumeEpochs = options->job.settings.epochs;
        }
        options->job.cacheDir = options->cache.folder();
        options->job.badImages =
            options->skipBadImages ? pipeline::BadImages::Skip : pipeline::BadImages::Refuse;
        auto group = joinLaunchedGroup(*options);
        if (!group) {
            return reportError(group.error());
        }
        options->job.group = *group;
        setUpRuntimeFor(options->job);
        const int rank = *group ? (*group)->rank() : 0;
        TrainPrinter progress(options->json || options->jsonSteps, options->jsonSteps, rank);
        if (options->folds > 0) {
            return crossValidate(*options, progress);
        }
        auto result = pipeline::runTrainJob(options->job, &progress);
        progress.finishLine();
        if (!result && result.error().code == ErrorCode::Network && progress.isCancelled()) {
            // Ctrl+C reached the ranks at different steps: this one was waiting for a rank
            // that had already stopped. It was cancelled all the same.
            return reportError(
                makeError(ErrorCode::Cancelled, "training cancelled; " + result.error().message));
        }
        if (!result) {
            return reportError(result.error());
        }
        if (rank != 0) { // rank 0 reports the run
            return int(kSuccess);
        }
        return reportTrainResult(*options, *result);
    };
}

} // namespace cxr::cli
