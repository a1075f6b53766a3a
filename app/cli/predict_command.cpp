// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/pipeline/batch_explain_job.h"
#include "core/pipeline/dicom_result_export.h"
#include "core/pipeline/explain_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace fs = std::filesystem;

Action addPredictCommand(CLI::App &app)
{
    auto model = std::make_shared<fs::path>();
    auto inputs = std::make_shared<std::vector<fs::path>>();
    auto json = std::make_shared<bool>(false);
    auto device = std::make_shared<std::string>("auto");
    auto tta = std::make_shared<bool>(false);
    auto dicom = std::make_shared<pipeline::DicomResultPaths>();
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
    command->add_option("--dicom-sr", dicom->structuredReport,
                        "also write the result as a DICOM structured report in the source's study "
                        "(one DICOM image)");
    command->add_option("--dicom-sc", dicom->secondaryCapture,
                        "also write the Grad-CAM overlay, finding burned in, as a DICOM secondary "
                        "capture in the source's study (one DICOM image)");
    return [model, inputs, json, device, tta, dicom]() -> int {
        auto images = pipeline::findImages(*inputs);
        if (!images) {
            return reportError(images.error());
        }
        const bool writeDicom =
            !dicom->structuredReport.empty() || !dicom->secondaryCapture.empty();
        if (writeDicom && images->size() != 1) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--dicom-sr and --dicom-sc take one image (got " +
                                             std::to_string(images->size()) + ")"));
        }
        auto classifier = ml::Classifier::open(*model, *device);
        if (!classifier) {
            return reportError(classifier.error());
        }
        classifier->setTestTimeAugmentation(*tta);
        nlohmann::json all = nlohmann::json::array();
        int failed = 0;
        for (const fs::path &image : *images) {
            // The capture shows the map: the same forward pass gives it.
            const ml::CamRequest explain;
            auto p = pipeline::predictImage(*classifier, image,
                                            dicom->secondaryCapture.empty() ? nullptr : &explain);
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
                all.push_back(
                    {{"file", pathJson(image.string())},
                     {"model", p->modelName},
                     {"prediction", pipeline::describePrediction(*p)},
                     {"predicted_class", p->predictedClass},
                     {"probability", p->probability},
                     {"threshold", p->threshold},
                     {"class_names", p->classNames},
                     {"class_probabilities", p->classProbabilities},
                     {"ood", p->ood.outside},
                     {"ood_score", p->ood.score ? nlohmann::json(*p->ood.score) : nlohmann::json()},
                     {"ood_reason", p->ood.reason()}});
            } else {
                // The warning first, as prominent as the prediction it qualifies.
                if (p->ood.outside) {
                    std::printf("%s: %s\n", image.string().c_str(),
                                pipeline::describeOod(p->ood).c_str());
                }
                std::printf("%s: %s by model %s\n", image.string().c_str(),
                            pipeline::describePrediction(*p).c_str(), p->modelName.c_str());
            }
            if (writeDicom) {
                if (auto written =
                        pipeline::writeDicomResults(image, *p, classifier->card(), *dicom);
                    !written) {
                    return reportError(written.error());
                }
                for (const fs::path &out : {dicom->structuredReport, dicom->secondaryCapture}) {
                    if (!out.empty()) {
                        std::fprintf(stderr, "written: %s\n", out.string().c_str());
                    }
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
