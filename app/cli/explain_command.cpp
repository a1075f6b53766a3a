// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/pipeline/explain_job.h"

#include <cstdio>
#include <map>
#include <memory>

namespace cxr::cli {

Action addExplainCommand(CLI::App &app)
{
    auto job = std::make_shared<pipeline::ExplainJob>();
    CLI::App *command = app.add_subcommand(
        "explain", "Predict one image (JPEG, PNG, BMP, TIFF or DICOM) and write its Grad-CAM\n"
                   "overlay. The map explains the predicted class unless --target says otherwise.");
    command->add_option("model", job->model, "run folder (or its model/ folder)")->required();
    command->add_option("image", job->image, "image file")->required();
    command->add_option("--out", job->output, "overlay image to write (.png)")->required();
    const std::map<std::string, ml::CamTarget> targets = {{"predicted", ml::CamTarget::Predicted},
                                                          {"positive", ml::CamTarget::Positive},
                                                          {"negative", ml::CamTarget::Negative}};
    command->add_option("--target", job->target, "predicted, positive or negative")
        ->transform(CLI::CheckedTransformer(targets, CLI::ignore_case));
    const std::map<std::string, imaging::Colormap> colormaps = {
        {"jet", imaging::Colormap::Jet},
        {"inferno", imaging::Colormap::Inferno},
        {"viridis", imaging::Colormap::Viridis}};
    command->add_option("--colormap", job->colormap, "jet, inferno or viridis")
        ->transform(CLI::CheckedTransformer(colormaps, CLI::ignore_case));
    command->add_option("--opacity", job->opacity, "heatmap opacity 0..1")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--device", job->device, "auto, cpu or cuda")->capture_default_str();
    return [job]() -> int {
        auto result = pipeline::runExplain(*job);
        if (!result) {
            return reportError(result.error());
        }
        const pipeline::ImagePrediction &p = *result;
        const bool positive = p.probability >= p.threshold;
        std::printf("%s: %s %s (probability of %s %.3f, threshold %.2f) by model %s\n",
                    job->image.string().c_str(), positive ? p.positiveClass.c_str() : "no",
                    positive ? "detected" : (p.positiveClass + " detected").c_str(),
                    p.positiveClass.c_str(), p.probability, p.threshold, p.modelName.c_str());
        std::printf("Grad-CAM of class %d%s written to %s\n", p.cam.explainedClass,
                    p.cam.flat ? " (flat map: no positive evidence found)" : "",
                    job->output.string().c_str());
        return int(kSuccess);
    };
}

} // namespace cxr::cli
