// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/pipeline/ensemble_job.h"

#include <cstdio>
#include <memory>

namespace cxr::cli {

Action addEnsembleCommand(CLI::App &app)
{
    auto job = std::make_shared<pipeline::EnsembleJob>();
    auto rule = std::make_shared<std::string>();
    auto cache = std::make_shared<CacheOptions>();
    CLI::App *command = app.add_subcommand(
        "ensemble",
        "Make an ensemble of trained runs: a model folder that averages their calibrated\n"
        "probabilities and maps, usable wherever a run is (predict, explain, evaluate,\n"
        "the Viewer). Its members stay where they are and are checked when it loads.");
    command
        ->add_option("runs", job->members,
                     "two or more run or model folders with the same input and classes")
        ->required();
    command->add_option("--out", job->out, "new folder for the ensemble (OUT/model/model.json)")
        ->required();
    command->add_option(
        "--dataset", job->dataset,
        "choose the ensemble's threshold on this dataset's --split (else: the mean of the "
        "members' thresholds)");
    command->add_option("--split", job->split, "the split to choose the threshold on")
        ->capture_default_str();
    command->add_option("--operating-point", *rule,
                        "threshold rule with --dataset (default sensitivity:0.95)");
    command->add_option("--device", job->device, "auto, cpu or cuda")->capture_default_str();
    addCacheOptions(command, *cache);
    return [job, rule, cache]() -> int {
        job->cacheDir = cache->folder();
        if (auto parsed = parseOptionalOperatingPoint(*rule, job->operatingPoint); !parsed) {
            return reportError(parsed.error());
        }
        TerminalProgress progress;
        auto card = pipeline::makeEnsemble(*job, &progress);
        progress.finishLine();
        if (!card) {
            return reportError(card.error());
        }
        std::printf("%s\n", card->name.c_str());
        if (card->operatingPoint.rule.empty()) {
            std::printf("threshold %.3f: the mean of the members' thresholds\n",
                        card->spec.threshold);
        } else {
            std::printf(
                "threshold %.3f for %s on %d images of %s (sensitivity %.3f, specificity %.3f)\n",
                card->spec.threshold, card->operatingPoint.rule.c_str(),
                card->operatingPoint.images, card->operatingPoint.chosenOn.c_str(),
                card->operatingPoint.sensitivity, card->operatingPoint.specificity);
        }
        std::printf("Ensemble written to %s\n", (job->out / "model").string().c_str());
        return int(kSuccess);
    };
}

} // namespace cxr::cli
