// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/leakage_check.h"
#include "core/data/manifest.h"
#include "core/data/validation_split.h"

#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

struct SplitOptions {
    std::string dataset;
    std::string out;
    data::ValidationSplitSettings settings;
    bool overwrite = false;
};

} // namespace

Action addSplitCommand(CLI::App &app)
{
    auto options = std::make_shared<SplitOptions>();
    CLI::App *command = app.add_subcommand(
        "split", "Carve a validation split from the train split, stratified by class and\n"
                 "disjoint by patient, and save the whole dataset as a CSV manifest. No image\n"
                 "is moved; train and evaluate on the manifest instead of the folder.");
    command->add_option("dataset", options->dataset, "dataset folder or manifest")->required();
    command->add_option("--out", options->out, "manifest to write (.csv)")->required();
    command
        ->add_option("--val-fraction", options->settings.valFraction,
                     "share of each class's training images moved to val")
        ->capture_default_str();
    command->add_option("--seed", options->settings.seed, "random seed")->capture_default_str();
    command->add_flag("--overwrite", options->overwrite, "replace an existing manifest");
    return [options]() -> int {
        const std::filesystem::path out = options->out;
        if (out.extension() != ".csv") {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         options->out + ": the manifest must be a .csv file"));
        }
        if (std::filesystem::exists(out) && !options->overwrite) {
            return reportError(
                makeError(ErrorCode::WriteFailed,
                          options->out + ": exists (pass --overwrite to replace it)"));
        }
        TerminalProgress progress;
        auto index = data::scanDataset(options->dataset, &progress);
        progress.finishLine();
        if (!index) {
            return reportError(index.error());
        }
        data::ValidationSplitSummary summary;
        auto carved = data::carveValidationSplit(*index, options->settings, &summary);
        if (!carved) {
            return reportError(carved.error());
        }
        if (auto written = data::writeManifest(out, *carved); !written) {
            return reportError(written.error());
        }
        std::printf("moved %lld images of %lld patients from train to val (seed %llu)\n",
                    static_cast<long long>(summary.movedImages),
                    static_cast<long long>(summary.movedPatients),
                    static_cast<unsigned long long>(options->settings.seed));
        for (const std::string &split : carved->splits) {
            std::printf("%-8s", split.c_str());
            for (std::size_t label = 0; label < carved->classes.size(); ++label) {
                std::printf(" %s %lld", carved->classes[label].c_str(),
                            static_cast<long long>(carved->count(split, int(label))));
            }
            std::printf("\n");
        }
        const data::LeakageReport leakage = data::checkLeakage(*carved);
        std::printf("patients in more than one split: %zu\n", leakage.patientLeaks.size());
        std::printf("manifest written to %s\n", options->out.c_str());
        // Files the scan could not use are not in the manifest: list them, as scan does.
        for (const auto &problem : index->problems) {
            std::fprintf(stderr, "problem: %s: %s\n", oneLine(problem.path.string()).c_str(),
                         oneLine(problem.reason).c_str());
        }
        return index->problems.empty() ? kSuccess : kProblemsFound;
    };
}

} // namespace cxr::cli
