// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace {

void printMetrics(const pipeline::EvaluationResult &r)
{
    const ml::DiagnosticReport &report = r.report;
    const ml::ConfusionCounts &c = report.metrics.counts;
    std::printf("Model %s on split '%s' (%lld images, positive class %s)\n", r.modelName.c_str(),
                r.split.c_str(), static_cast<long long>(c.total()), r.classNames[1].c_str());
    std::printf("Threshold %.4f (%s); prevalence %.3f; majority-class baseline accuracy %.3f\n",
                report.threshold, r.thresholdSource.c_str(), report.prevalence, report.majorityBaseline);
    std::printf("%-28s %8s   %s\n", "metric", "value",
                (std::to_string(int(report.bootstrap.confidence * 100 + 0.5)) + "% bootstrap CI").c_str());
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        const double value = report.metrics.*(definitions[d].member);
        const ml::ConfidenceInterval &ci = report.intervals[d];
        if (!std::isfinite(value)) {
            std::printf("  %-26s %8s   (undefined: a zero denominator or one class)\n", definitions[d].label, "-");
        } else if (std::isfinite(ci.low)) {
            std::printf("  %-26s %8.3f   %.3f - %.3f\n", definitions[d].label, value, ci.low, ci.high);
        } else {
            std::printf("  %-26s %8.3f\n", definitions[d].label, value);
        }
    }
    std::printf("Confusion matrix (rows: true class, columns: predicted)\n");
    std::printf("  %-12s %12s %12s\n", "", r.classNames[0].c_str(), r.classNames[1].c_str());
    std::printf("  %-12s %12lld %12lld\n", r.classNames[0].c_str(),
                static_cast<long long>(c.trueNegative), static_cast<long long>(c.falsePositive));
    std::printf("  %-12s %12lld %12lld\n", r.classNames[1].c_str(),
                static_cast<long long>(c.falseNegative), static_cast<long long>(c.truePositive));
    if (r.thresholdSource.rfind("Youden", 0) == 0) {
        std::printf("Note: the threshold was chosen on this split, so these figures are optimistic; "
                    "choose thresholds on the validation split.\n");
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
        "evaluate", "Evaluate a trained run on a dataset split (default: test) and print the\n"
                    "diagnostic metrics with 95% bootstrap intervals and the confusion matrix.");
    command->add_option("run", job->run, "run folder (or its model/ folder)")->required();
    command->add_option("dataset", job->datasetDir, "dataset folder")->required();
    command->add_option("--split", job->split, "split to evaluate")->capture_default_str();
    command->add_option("--device", job->device, "auto, cpu or cuda")->capture_default_str();
    auto threshold = std::make_shared<std::string>("model");
    command->add_option("--threshold", *threshold,
                        "decision threshold: a probability, 'model' (the model card's) or 'youden' "
                        "(Youden's J on this split)")
        ->capture_default_str();
    command->add_option("--bootstrap", job->bootstrap.samples, "bootstrap resamples for the 95% intervals")
        ->capture_default_str();
    command->add_option("--seed", job->bootstrap.seed, "bootstrap seed")->capture_default_str();
    command->add_flag("--json", *json, "print metrics.json instead of the table");
    addCacheOptions(command, *cache);
    return [job, json, cache, threshold]() -> int {
        job->cacheDir = cache->folder();
        if (*threshold == "youden") {
            job->youdenThreshold = true;
        } else if (*threshold != "model") {
            char *end = nullptr;
            const double value = std::strtod(threshold->c_str(), &end);
            if (end == threshold->c_str() || *end != '\0' || !(value >= 0 && value <= 1)) {
                return reportError(makeError(ErrorCode::InvalidArgument,
                                             "--threshold " + *threshold +
                                                 ": use a probability between 0 and 1, model or youden"));
            }
            job->threshold = value;
        }
        if (job->bootstrap.samples < 0 || job->bootstrap.samples > 100000) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--bootstrap must be between 0 and 100000"));
        }
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
