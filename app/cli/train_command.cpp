// SPDX-License-Identifier: MIT
#include "commands.h"
#include "cross_validation_table.h"
#include "terminal_progress.h"
#include "train_options.h"

#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/pipeline/cross_validation.h"
#include "core/pipeline/training_job.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

// Prints each epoch as it ends, below the progress bar; with json, one JSON object per line
// instead, for scripts.
class TrainPrinter : public TerminalProgress {
public:
    explicit TrainPrinter(bool json) : m_json(json) {}
    void epochFinished(const ml::EpochMetrics &m) override
    {
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
        if (auto applied = applyTrainOptions(*options, *command); !applied) {
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
        TrainPrinter progress(options->json);
        if (options->folds > 0) {
            return crossValidate(*options, progress);
        }
        auto result = pipeline::runTrainJob(options->job, &progress);
        progress.finishLine();
        if (!result) {
            return reportError(result.error());
        }
        for (const auto &problem : result->skipped) {
            std::fprintf(stderr, "skipped: %s: %s\n", oneLine(problem.path.string()).c_str(),
                         oneLine(problem.reason).c_str());
        }
        const ml::TrainSummary &summary = result->summary;
        const ml::EpochMetrics &best = summary.epochs.at(std::size_t(summary.bestEpoch - 1));
        const std::string runDir = options->job.runDir.string();
        if (options->json) {
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
                                         {"notes", summary.notes}};
            std::printf("%s\n", jsonText(line).c_str());
            return int(kSuccess);
        }
        for (const std::string &note : summary.notes) {
            std::printf("%s\n", note.c_str());
        }
        if (summary.resumedAfterEpoch > 0) {
            std::printf("resumed after epoch %d\n", summary.resumedAfterEpoch);
        }
        if (summary.stoppedEarly) {
            std::printf("stopped early after epoch %zu: no better validation %s for %d epochs\n",
                        summary.epochs.size(),
                        result->settings.earlyStopping.onAuc ? "AUC" : "loss",
                        result->settings.earlyStopping.patience);
        }
        std::printf("trained %s on %lld images (%lld validation) on %s in %s\n",
                    result->settings.model.architecture.c_str(),
                    static_cast<long long>(result->trainImages),
                    static_cast<long long>(result->valImages), summary.device.c_str(),
                    summary.precision.c_str());
        std::printf("best epoch %d: val loss %.4f, val accuracy %.3f; run folder %s\n",
                    summary.bestEpoch, best.valLoss, best.valAccuracy, runDir.c_str());
        return int(kSuccess);
    };
}

} // namespace cxr::cli
