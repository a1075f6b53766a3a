// SPDX-License-Identifier: MIT
#include "commands.h"
#include "metrics_table.h"
#include "terminal_progress.h"

#include "core/pipeline/classical_baseline.h"

#include <cstdio>
#include <map>
#include <memory>

namespace cxr::cli {

namespace fs = std::filesystem;

Action addBaselineCommand(CLI::App &app)
{
    auto job = std::make_shared<pipeline::BaselineJob>();
    auto method = std::make_shared<std::string>("both");
    auto out = std::make_shared<fs::path>();
    CLI::App *command = app.add_subcommand(
        "baseline",
        "Train the thesis's classical baselines (random forest, RBF SVM) on the flattened\n"
        "pixels of the train split and evaluate them on a split like a CNN. Results go to\n"
        "OUT-random-forest/ and OUT-svm/, which `cxr compare` and the Evaluate page read.");
    command->add_option("dataset", job->datasetDir, "dataset folder or manifest")->required();
    command->add_option("--out", *out, "output folder prefix")->required();
    command->add_option("--method", *method, "rf, svm or both")
        ->check(CLI::IsMember({"rf", "svm", "both"}))
        ->capture_default_str();
    command->add_option("--split", job->split, "split to evaluate")->capture_default_str();
    command->add_option("--size", job->imageSize, "images shrink to SIZE x SIZE grey pixels")
        ->check(CLI::Range(4, 128))
        ->capture_default_str();
    command->add_option("--seed", job->seed, "random forest and bootstrap seed")
        ->capture_default_str();
    return [job, method, out]() -> int {
        std::vector<pipeline::BaselineMethod> methods;
        if (*method != "svm") {
            methods.push_back(pipeline::BaselineMethod::RandomForest);
        }
        if (*method != "rf") {
            methods.push_back(pipeline::BaselineMethod::Svm);
        }
        for (pipeline::BaselineMethod m : methods) {
            pipeline::BaselineJob one = *job;
            one.method = m;
            one.bootstrap.seed = job->seed;
            one.outputFolder =
                out->string() +
                (m == pipeline::BaselineMethod::RandomForest ? "-random-forest" : "-svm");
            TerminalProgress progress;
            auto result = pipeline::runBaseline(one, &progress);
            progress.finishLine();
            if (!result) {
                return reportError(result.error());
            }
            printMetrics(*result);
            std::printf("\n");
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
