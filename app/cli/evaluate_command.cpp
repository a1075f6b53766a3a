// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace {

void printMetrics(const pipeline::EvaluationResult &r)
{
    const ml::BinaryMetrics &m = r.metrics;
    const ml::ConfusionCounts &c = m.counts;
    std::printf("Model %s on split '%s' (%lld images, threshold %.2f, positive class %s)\n",
                r.modelName.c_str(), r.split.c_str(), static_cast<long long>(c.total()),
                m.threshold, r.classNames[1].c_str());
    std::printf("  accuracy     %.3f\n", m.accuracy);
    std::printf("  precision    %.3f  (positive predictive value)\n", m.precision);
    std::printf("  recall       %.3f  (sensitivity)\n", m.recall);
    std::printf("  specificity  %.3f\n", m.specificity);
    std::printf("  F1           %.3f\n", m.f1);
    std::printf("Confusion matrix (rows: true class, columns: predicted)\n");
    std::printf("  %-12s %12s %12s\n", "", r.classNames[0].c_str(), r.classNames[1].c_str());
    std::printf("  %-12s %12lld %12lld\n", r.classNames[0].c_str(),
                static_cast<long long>(c.trueNegative), static_cast<long long>(c.falsePositive));
    std::printf("  %-12s %12lld %12lld\n", r.classNames[1].c_str(),
                static_cast<long long>(c.falseNegative), static_cast<long long>(c.truePositive));
    if (m.undefined) {
        std::printf("  (some ratios had a zero denominator and are shown as 0)\n");
    }
    std::printf("Predictions and metrics saved in %s\n", r.outputFolder.string().c_str());
}

} // namespace

Action addEvaluateCommand(CLI::App &app)
{
    auto job = std::make_shared<pipeline::EvaluationJob>();
    auto json = std::make_shared<bool>(false);
    auto cache = std::make_shared<CacheOptions>();
    CLI::App *command = app.add_subcommand(
        "evaluate", "Evaluate a trained run on a dataset split (default: test) and print\n"
                    "accuracy, precision, recall, specificity, F1 and the confusion matrix.");
    command->add_option("run", job->run, "run folder (or its model/ folder)")->required();
    command->add_option("dataset", job->datasetDir, "dataset folder")->required();
    command->add_option("--split", job->split, "split to evaluate")->capture_default_str();
    command->add_option("--device", job->device, "auto, cpu or cuda")->capture_default_str();
    command->add_flag("--json", *json, "print metrics.json instead of the table");
    addCacheOptions(command, *cache);
    return [job, json, cache]() -> int {
        job->cacheDir = cache->folder();
        TerminalProgress progress;
        auto result = pipeline::runEvaluation(*job, &progress);
        progress.finishLine();
        if (!result) {
            return reportError(result.error());
        }
        if (*json) {
            std::ifstream in(result->outputFolder / "metrics.json");
            std::cout << in.rdbuf();
        } else {
            printMetrics(*result);
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
