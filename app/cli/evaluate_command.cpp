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
    command->add_flag("--tta", job->tta,
                      "test-time augmentation (mirror image and a rescaled crop)");
    auto threshold = std::make_shared<std::string>("model");
    command
        ->add_option("--threshold", *threshold,
                     "decision threshold: a probability, 'model' (the model card's) or 'youden' "
                     "(Youden's J on this split)")
        ->capture_default_str();
    command
        ->add_option("--bootstrap", job->bootstrap.samples,
                     "bootstrap resamples for the 95% intervals")
        ->capture_default_str();
    command->add_option("--seed", job->bootstrap.seed, "bootstrap seed")->capture_default_str();
    command->add_flag("--json", *json, "print metrics.json instead of the table");
    auto reportFile = std::make_shared<std::string>();
    command->add_option(
        "--report", *reportFile,
        "also write a PDF report (metrics, curves, confusion matrix, Grad-CAM examples) "
        "with the metrics JSON beside it");
    auto reportPredictions = std::make_shared<bool>(false);
    command->add_flag(
        "--report-with-predictions", *reportPredictions,
        "also copy the predictions CSV beside the report (its file names may carry patient ids)");
    command->add_flag(
        "--stress", job->stress,
        "also the robustness report: the metrics under contrast, gamma, blur, noise, JPEG, "
        "resolution, rotation and border-crop shifts (saved as stress.json)");
    addCacheOptions(command, *cache);
    return [job, json, cache, threshold, reportFile, reportPredictions]() -> int {
        job->cacheDir = cache->folder();
        if (*threshold == "youden") {
            job->youdenThreshold = true;
        } else if (*threshold != "model") {
            char *end = nullptr;
            const double value = std::strtod(threshold->c_str(), &end);
            if (end == threshold->c_str() || *end != '\0' || !(value >= 0 && value <= 1)) {
                return reportError(
                    makeError(ErrorCode::InvalidArgument,
                              "--threshold " + *threshold +
                                  ": use a probability between 0 and 1, model or youden"));
            }
            job->threshold = value;
        }
        if (job->bootstrap.samples < 0 || job->bootstrap.samples > 100000) {
            return reportError(
                makeError(ErrorCode::InvalidArgument, "--bootstrap must be between 0 and 100000"));
        }
        if (!reportFile->empty()) {
            // Before the evaluation, not after its table: a report that cannot be written fails
            // the command, and should fail it before minutes of work and a printed result.
            if (auto writable = checkReportWritable(*reportFile); !writable) {
                return reportError(writable.error());
            }
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
            if (!result->stress.empty()) {
                printStressTable(result->stress);
            }
        }
        if (!reportFile->empty()) {
            if (auto written = writePdfReport(*job, *result, *reportFile, *reportPredictions);
                !written) {
                return reportError(written.error());
            }
            if (!*json) {
                std::printf("Report written to %s\n", reportFile->c_str());
            }
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
