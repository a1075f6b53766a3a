// SPDX-License-Identifier: MIT
#include "commands.h"
#include "metrics_table.h"
#include "terminal_progress.h"

#include "core/pipeline/site_calibration.h"

#include <cstdio>
#include <memory>

namespace cxr::cli {

Action addCalibrateCommand(CLI::App &app)
{
    auto job = std::make_shared<pipeline::SiteCalibrationJob>();
    auto rule = std::make_shared<std::string>();
    auto cache = std::make_shared<CacheOptions>();
    CLI::App *command = app.add_subcommand(
        "calibrate", "Adapt a model to a new site without retraining: refit its calibration\n"
                     "(temperature and bias) and threshold on a small labelled sample of the\n"
                     "site's images into a new model folder, then evaluate it on the rest of\n"
                     "the site's images.");
    command->add_option("model", job->run, "run or model folder")->required();
    command->add_option("sample", job->sample, "the site's labelled dataset folder or manifest")
        ->required();
    command->add_option("--out", job->out, "new folder for the recalibrated model (OUT/model/)")
        ->required();
    command->add_option("--split", job->fitSplit, "the sample's split to fit on")
        ->capture_default_str();
    command
        ->add_option("--evaluate-split", job->evaluateSplit,
                     "the sample's split to evaluate on afterwards")
        ->capture_default_str();
    command->add_option(
        "--operating-point", *rule,
        "threshold rule (sensitivity:S, specificity:S, youden, fixed:P); default: the card's");
    command->add_option("--device", job->device, "auto, cpu or cuda")->capture_default_str();
    command
        ->add_option("--bootstrap", job->bootstrap.samples, "bootstrap resamples of the evaluation")
        ->capture_default_str();
    addCacheOptions(command, *cache);
    return [job, rule, cache]() -> int {
        job->cacheDir = cache->folder();
        if (auto parsed = parseOptionalOperatingPoint(*rule, job->operatingPoint); !parsed) {
            return reportError(parsed.error());
        }
        if (job->bootstrap.samples < 0 || job->bootstrap.samples > 100000) {
            return reportError(
                makeError(ErrorCode::InvalidArgument, "--bootstrap must be between 0 and 100000"));
        }
        TerminalProgress progress;
        auto result = pipeline::runSiteCalibration(*job, &progress);
        progress.finishLine();
        if (!result) {
            return reportError(result.error());
        }
        const ml::ModelCard &card = result->card;
        std::printf("Fitted on %d images of %s: %s (was %s), expected calibration error "
                    "%.3f before, %.3f after\n",
                    card.calibration.images, card.calibration.fittedOn.c_str(),
                    card.calibration.describe().c_str(),
                    result->previousCalibration.describe().c_str(), card.calibration.eceBefore,
                    card.calibration.eceAfter);
        std::printf("Threshold %.3f (was %.3f) for %s there: sensitivity %.3f, specificity %.3f\n",
                    card.spec.threshold, result->previousThreshold,
                    card.operatingPoint.rule.c_str(), card.operatingPoint.sensitivity,
                    card.operatingPoint.specificity);
        std::printf("Recalibrated model written to %s\n", (job->out / "model").string().c_str());
        if (result->evaluation) {
            printMetrics(*result->evaluation);
        } else {
            std::printf("The sample has no '%s' split: nothing left to evaluate on\n",
                        job->evaluateSplit.c_str());
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
