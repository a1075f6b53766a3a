// SPDX-License-Identifier: MIT
#include "commands.h"
#include "dicom_result_options.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/pipeline/batch_explain_job.h"
#include "core/pipeline/explain_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace fs = std::filesystem;

namespace {

// One prediction as a JSON object of the --json array.
nlohmann::json predictionJson(const fs::path &image, const pipeline::ImagePrediction &p)
{
    return {{"file", pathJson(image.string())},
            {"model", p.modelName},
            {"prediction", pipeline::describePrediction(p)},
            {"predicted_class", p.predictedClass},
            {"probability", p.probability},
            {"threshold", p.threshold},
            {"class_names", p.classNames},
            {"class_probabilities", p.classProbabilities},
            {"ood", p.ood.outside},
            {"ood_score", p.ood.score ? nlohmann::json(*p.ood.score) : nlohmann::json()},
            {"ood_reason", p.ood.reason()}};
}

// One prediction as a line, after its out-of-distribution warning, as prominent as the
// prediction it qualifies.
void printPrediction(const fs::path &image, const pipeline::ImagePrediction &p)
{
    if (p.ood.outside) {
        std::printf("%s: %s\n", image.string().c_str(), pipeline::describeOod(p.ood).c_str());
    }
    std::printf("%s: %s by model %s\n", image.string().c_str(),
                pipeline::describePrediction(p).c_str(), p.modelName.c_str());
}

} // namespace

Action addPredictCommand(CLI::App &app)
{
    auto model = std::make_shared<fs::path>();
    auto inputs = std::make_shared<std::vector<fs::path>>();
    auto json = std::make_shared<bool>(false);
    auto device = std::make_shared<std::string>("auto");
    auto tta = std::make_shared<bool>(false);
    auto dicom = std::make_shared<DicomResultOptions>();
    CLI::App *command = app.add_subcommand(
        "predict", "Predict images (JPEG, PNG, BMP, TIFF or DICOM; folders are searched) with a\n"
                   "trained model: the decision, its probability, the threshold and the model.");
    command->add_option("model", *model, "run folder (or its model/ folder)")->required();
    command->add_option("images", *inputs, "image files or folders")->required();
    command->add_flag("--json", *json, "print a JSON array");
    command->add_option("--device", *device, "auto, cpu or cuda")->capture_default_str();
    command->add_flag(
        "--tta", *tta,
        "test-time augmentation: the mean of the image, its mirror image and a rescaled crop");
    addDicomResultOptions(command, *dicom);
    return [model, inputs, json, device, tta, dicom]() -> int {
        auto images = pipeline::findImages(*inputs);
        if (!images) {
            return reportError(images.error());
        }
        if (auto usable = checkDicomResultOptions(*dicom, images->size()); !usable) {
            return reportError(usable.error());
        }
        auto classifier = ml::Classifier::open(*model, *device);
        if (!classifier) {
            return reportError(classifier.error());
        }
        classifier->setTestTimeAugmentation(*tta);
        nlohmann::json all = nlohmann::json::array();
        int failed = 0;
        for (const fs::path &image : *images) {
            // The capture and the parametric map show the map: the same forward pass gives it.
            const ml::CamRequest explain;
            auto p =
                pipeline::predictImage(*classifier, image, dicom->needsMap() ? &explain : nullptr);
            if (!p) {
                ++failed;
                reportError(p.error());
                if (*json) {
                    all.push_back(
                        {{"file", pathJson(image.string())}, {"error", p.error().message}});
                }
                continue;
            }
            if (*json) {
                all.push_back(predictionJson(image, *p));
            } else {
                printPrediction(image, *p);
            }
            if (dicom->wanted()) {
                if (auto done = writeOrSendDicomResults(image, *p, classifier->card(), *dicom);
                    !done) {
                    return reportError(done.error());
                }
            }
        }
        if (*json) {
            std::cout << jsonText(all, 2) << "\n";
        }
        return failed ? int(kFailure) : int(kSuccess);
    };
}

} // namespace cxr::cli
