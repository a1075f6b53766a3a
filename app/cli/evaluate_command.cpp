// SPDX-License-Identifier: MIT
#include "commands.h"
#include "metrics_table.h"
#include "pdf_report.h"
#include "terminal_progress.h"

#include "core/pipeline/evaluation_job.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace {

// Whether file can be created or replaced: opened for appending (never truncated) and, when
// it did not exist, removed again.
Status checkReportWritable(const std::string &file)
{
    std::error_code error;
    if (std::filesystem::is_directory(file, error)) {
        return makeError(ErrorCode::WriteFailed, file + ": cannot write the PDF (it is a folder)");
    }
    const bool existed = std::filesystem::exists(file, error);
    std::FILE *probe = std::fopen(file.c_str(), "ab");
    if (!probe) {
        return makeError(ErrorCode::WriteFailed,
                         file + ": cannot write the PDF (" + std::strerror(errno) + ")");
    }
    std::fclose(probe);
    if (!existed) {
        std::filesystem::remove(file, error);
    }
    return Ok{};
}

struct EvaluateOptions {
    pipeline::EvaluationJob job;
    bool json = false;
    CacheOptions cache;
    std::string threshold = "model";
    std::string reportFile;
    bool reportPredictions = false;
};

void addEvaluateOptions(CLI::App *command, EvaluateOptions &o)
{
    command->add_option("run", o.job.run, "run folder (or its model/ folder)")->required();
    command->add_option("dataset", o.job.datasetDir, "dataset folder")->required();
    command->add_option("--split", o.job.split, "split to evaluate")->capture_default_str();
    command->add_option("--device", o.job.device, "auto, cpu or cuda")->capture_default_str();
    command->add_flag("--tta", o.job.tta,
                      "test-time augmentation (mirror image and a rescaled crop)");
    command
        ->add_option("--threshold", o.threshold,
                     "decision threshold: a probability, 'model' (the model card's) or 'youden' "
                     "(Youden's J on this split)")
        ->capture_default_str();
    command
        ->add_option("--bootstrap", o.job.bootstrap.samples,
                     "bootstrap resamples for the 95% intervals")
        ->capture_default_str();
    command->add_option("--seed", o.job.bootstrap.seed, "bootstrap seed")->capture_default_str();
    command->add_flag("--json", o.json, "print metrics.json instead of the table");
    command->add_option(
        "--report", o.reportFile,
        "also write a PDF report (metrics, curves, confusion matrix, Grad-CAM examples) "
        "with the metrics JSON beside it");
    command->add_flag(
        "--report-with-predictions", o.reportPredictions,
        "also copy the predictions CSV beside the report (its file names may carry patient ids)");
    command->add_flag(
        "--stress", o.job.stress,
        "also the robustness report: the metrics under contrast, gamma, blur, noise, JPEG, "
        "resolution, rotation and border-crop shifts (saved as stress.json)");
    addCacheOptions(command, o.cache);
}

// The threshold and bootstrap options into the job, and a report file that can be written:
// checked before the evaluation, so that a report that cannot be written fails the command
// before minutes of work and a printed result.
Status applyEvaluateOptions(EvaluateOptions &o)
{
    o.job.cacheDir = o.cache.folder();
    if (o.threshold == "youden") {
        o.job.youdenThreshold = true;
    } else if (o.threshold != "model") {
        char *end = nullptr;
        const double value = std::strtod(o.threshold.c_str(), &end);
        if (end == o.threshold.c_str() || *end != '\0' || !(value >= 0 && value <= 1)) {
            return makeError(ErrorCode::InvalidArgument,
                             "--threshold " + o.threshold +
                                 ": use a probability between 0 and 1, model or youden");
        }
        o.job.threshold = value;
    }
    if (o.job.bootstrap.samples < 0 || o.job.bootstrap.samples > 100000) {
        return makeError(ErrorCode::InvalidArgument, "--bootstrap must be between 0 and 100000");
    }
    return o.reportFile.empty() ? Status(Ok{}) : checkReportWritable(o.reportFile);
}

int runEvaluateCommand(EvaluateOptions &o)
{
    if (auto applied = applyEvaluateOptions(o); !applied) {
        return reportError(applied.error());
    }
    TerminalProgress progress;
    auto result = pipeline::runEvaluation(o.job, &progress);
    progress.finishLine();
    if (!result) {
        return reportError(result.error());
    }
    if (o.json) {
        std::ifstream in(result->outputFolder / "metrics.json");
        std::cout << in.rdbuf();
    } else {
        printMetrics(*result);
        if (!result->stress.empty()) {
            printStressTable(result->stress);
        }
    }
    if (!o.reportFile.empty()) {
        if (auto written = writePdfReport(o.job, *result, o.reportFile, o.reportPredictions);
            !written) {
            return reportError(written.error());
        }
        if (!o.json) {
            std::printf("Report written to %s\n", o.reportFile.c_str());
        }
    }
    return int(kSuccess);
}

} // namespace

Action addEvaluateCommand(CLI::App &app)
{
    auto options = std::make_shared<EvaluateOptions>();
    CLI::App *command = app.add_subcommand(
        "evaluate", "Evaluate a trained run on a dataset split (default: test) and print the\n"
                    "diagnostic metrics with 95% bootstrap intervals and the confusion matrix.");
    addEvaluateOptions(command, *options);
    return [options]() -> int { return runEvaluateCommand(*options); };
}

} // namespace cxr::cli
