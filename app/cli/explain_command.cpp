// SPDX-License-Identifier: MIT
#include "commands.h"
#include "dicom_result_options.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/imaging/image_writer.h"
#include "core/imaging/model_input.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/batch_explain_job.h"
#include "core/pipeline/explain_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

namespace cxr::cli {

namespace fs = std::filesystem;

namespace {

struct ExplainOptions {
    fs::path model;
    std::vector<fs::path> images;
    fs::path out;
    fs::path outDir;
    fs::path dataset;
    std::string split = "test";
    std::string target = "predicted";
    std::string scale = "per-image";
    bool contours = false;
    bool faithfulness = false;
    bool json = false;
    bool noOverlays = false;
    ml::CamRequest request;
    pipeline::CamDisplay display;
    std::string device = "auto";
    bool tta = false;
    DicomResultOptions dicom;
};

// predicted, positive, negative, or a class name of the model.
Status resolveTarget(ExplainOptions &o)
{
    static const std::map<std::string, ml::CamTarget> named = {
        {"predicted", ml::CamTarget::Predicted},
        {"positive", ml::CamTarget::Positive},
        {"negative", ml::CamTarget::Negative}};
    if (auto found = named.find(o.target); found != named.end()) {
        o.request.target = found->second;
        return Ok{};
    }
    auto card = ml::readRunModelCard(o.model);
    if (!card) {
        return card.error();
    }
    const auto &names = card->spec.classNames;
    const auto found = std::find(names.begin(), names.end(), o.target);
    if (found == names.end()) {
        return makeError(ErrorCode::InvalidArgument,
                         "--target " + o.target +
                             ": use predicted, positive, negative or a class of the model");
    }
    o.request.targetClass = int(found - names.begin());
    return Ok{};
}

// "per-image", "absolute" (full scale 1) or "absolute:0.05".
Status resolveScale(ExplainOptions &o)
{
    if (o.scale == "per-image") {
        o.display.scale = pipeline::CamScale::PerImage;
        return Ok{};
    }
    if (o.scale.rfind("absolute", 0) == 0) {
        o.display.scale = pipeline::CamScale::Absolute;
        if (o.scale.size() > 9 && o.scale[8] == ':') {
            char *end = nullptr;
            o.display.absoluteMax = std::strtod(o.scale.c_str() + 9, &end);
            if (*end != '\0' || !(o.display.absoluteMax > 0) ||
                !std::isfinite(o.display.absoluteMax)) {
                return makeError(ErrorCode::InvalidArgument,
                                 "--scale " + o.scale +
                                     ": the full scale must be a positive finite number");
            }
        } else if (o.scale != "absolute") {
            return makeError(ErrorCode::InvalidArgument,
                             "--scale " + o.scale + ": use per-image, absolute or absolute:MAX");
        }
        return Ok{};
    }
    return makeError(ErrorCode::InvalidArgument,
                     "--scale " + o.scale + ": use per-image, absolute or absolute:MAX");
}

void printPrediction(const fs::path &image, const pipeline::ImagePrediction &p)
{
    if (p.ood.outside) {
        std::printf("%s: %s\n", image.string().c_str(), pipeline::describeOod(p.ood).c_str());
    }
    std::printf("%s: %s by model %s\n", image.string().c_str(),
                pipeline::describePrediction(p).c_str(), p.modelName.c_str());
    const ml::CamMap &cam = *p.cam;
    const std::string explained = cam.explainedClass < 0
                                      ? "no class (Eigen-CAM shows the dominant activation pattern)"
                                      : "class " + p.classNames.at(std::size_t(cam.explainedClass));
    std::printf("%s of layer %s explains %s%s\n", pipeline::camMethodName(cam.method).c_str(),
                cam.layer.c_str(), explained.c_str(),
                cam.flat ? "; the map is flat: no evidence for that class at that layer" : "");
}

int runSingle(ExplainOptions &o)
{
    const fs::path &image = o.images.front();
    auto classifier = ml::Classifier::open(o.model, o.device);
    if (!classifier) {
        return reportError(classifier.error());
    }
    classifier->setTestTimeAugmentation(o.tta);
    auto prediction = pipeline::predictImage(*classifier, image, &o.request);
    if (!prediction) {
        return reportError(prediction.error());
    }
    auto overlay = pipeline::overlayForFile(image, *prediction, classifier->card().spec, o.display);
    if (!overlay) {
        return reportError(overlay.error());
    }
    if (auto written = imaging::writeImage(o.out, *overlay); !written) {
        return reportError(written.error());
    }
    std::optional<ml::Faithfulness> faithfulness;
    if (o.faithfulness) {
        auto measured = classifier->faithfulness(imaging::scaleModelInput(prediction->modelInput),
                                                 *prediction->cam);
        if (!measured) {
            return reportError(
                Error{measured.error().code, image.string() + ": " + measured.error().message});
        }
        faithfulness = *measured;
    }
    if (o.dicom.wanted()) {
        if (auto done =
                writeOrSendDicomResults(image, *prediction, classifier->card(), o.dicom, o.display);
            !done) {
            return reportError(done.error());
        }
    }
    if (o.json) {
        const ml::CamMap &cam = *prediction->cam;
        nlohmann::json j = {{"file", pathJson(image.string())},
                            {"model", prediction->modelName},
                            {"prediction", pipeline::describePrediction(*prediction)},
                            {"predicted_class", prediction->predictedClass},
                            {"probability", prediction->probability},
                            {"threshold", prediction->threshold},
                            {"method", pipeline::camMethodName(cam.method)},
                            {"layer", cam.layer},
                            {"explained_class", cam.explainedClass},
                            {"flat", cam.flat},
                            {"raw_range", {cam.rawLow, cam.rawHigh}},
                            {"overlay", pathJson(o.out.string())},
                            {"ood", prediction->ood.outside},
                            {"ood_score", prediction->ood.score
                                              ? nlohmann::json(*prediction->ood.score)
                                              : nlohmann::json()},
                            {"ood_reason", prediction->ood.reason()}};
        if (faithfulness) {
            j["faithfulness"] = {{"top_fraction", faithfulness->topFraction},
                                 {"original", faithfulness->original},
                                 {"region_removed", faithfulness->regionRemoved},
                                 {"region_kept", faithfulness->regionKept}};
        }
        std::cout << jsonText(j, 2) << "\n";
        return int(kSuccess);
    }
    printPrediction(image, *prediction);
    if (faithfulness) {
        std::printf("Faithfulness (top %.0f%% of the map): probability %.3f; %.3f with the region "
                    "removed, %.3f with only the region kept\n",
                    faithfulness->topFraction * 100, faithfulness->original,
                    faithfulness->regionRemoved, faithfulness->regionKept);
    }
    std::printf("Overlay written to %s\n", o.out.string().c_str());
    return int(kSuccess);
}

int runBatch(ExplainOptions &o)
{
    pipeline::BatchExplainJob job;
    job.model = o.model;
    job.inputs = o.images;
    job.dataset = o.dataset;
    job.split = o.split;
    job.outputFolder = o.outDir;
    job.request = o.request;
    job.display = o.display;
    job.writeOverlays = !o.noOverlays;
    job.device = o.device;
    job.tta = o.tta;
    if (o.dicom.send) {
        job.sendTo = o.dicom.node;
    }
    TerminalProgress progress;
    progress.stage("Explaining images");
    auto result = pipeline::runBatchExplain(job, &progress);
    progress.finishLine();
    if (!result) {
        return reportError(result.error());
    }
    int failed = 0;
    int positive = 0;
    int outside = 0;
    for (const pipeline::BatchRow &row : result->rows) {
        failed += row.error.empty() ? 0 : 1;
        positive += row.error.empty() && row.probability >= result->threshold ? 1 : 0;
        outside += row.error.empty() && row.ood ? 1 : 0;
        if (!row.error.empty()) {
            std::fprintf(stderr, "cxr: %s\n", oneLine(row.error).c_str());
        } else if (pipeline::resultsNotSent(*result, row)) {
            std::fprintf(stderr, "cxr: %s: %s\n", row.file.c_str(), oneLine(row.pacs).c_str());
        }
    }
    std::printf(
        "%s by model %s: %d above the threshold %.2f, %d failed%s\n",
        counted(static_cast<long long>(result->rows.size()), "image").c_str(),
        result->modelName.c_str(), positive, result->threshold, failed,
        result->resumed
            ? (" (" + std::to_string(result->resumed) + " kept from the earlier run)").c_str()
            : "");
    if (outside > 0) {
        std::printf("%s outside what the model was trained on (ood column)\n",
                    (counted(outside, "image") + (outside == 1 ? " is" : " are")).c_str());
    }
    if (result->skippedResults > 0) {
        std::printf("%s of CXR Studio's in the folders left out\n",
                    counted(result->skippedResults, "result").c_str());
    }
    const pipeline::PacsOutcome sent = pipeline::pacsOutcome(*result);
    if (job.sendTo) {
        std::printf("%s stored on %s (%d by this run), %d not sent (pacs column)\n",
                    counted(sent.stored, "result").c_str(), result->sentTo.c_str(),
                    result->sentInThisRun, sent.notSent);
    }
    std::printf("Predictions in %s\n", (o.outDir / "predictions.csv").string().c_str());
    return failed || sent.notSent ? int(kProblemsFound) : int(kSuccess);
}

// How the map is made and drawn: method, target, layer, colours, opacity, contours and scale.
void addMapOptions(CLI::App *command, ExplainOptions &options)
{
    const std::map<std::string, ml::CamMethod> methods = {
        {"gradcam", ml::CamMethod::GradCam},
        {"gradcam++", ml::CamMethod::GradCamPlusPlus},
        {"eigencam", ml::CamMethod::EigenCam}};
    command->add_option("--method", options.request.method, "gradcam, gradcam++ or eigencam")
        ->transform(CLI::CheckedTransformer(methods, CLI::ignore_case));
    command->add_option("--target", options.target, "predicted, positive, negative or a class name")
        ->capture_default_str();
    command->add_option(
        "--layer", options.request.layerName,
        "layer to explain (default: the last block; an unknown name lists the model's layers)");
    const std::map<std::string, imaging::Colormap> colormaps = {
        {"jet", imaging::Colormap::Jet},
        {"inferno", imaging::Colormap::Inferno},
        {"viridis", imaging::Colormap::Viridis}};
    command->add_option("--colormap", options.display.style.colormap, "jet, inferno or viridis")
        ->transform(CLI::CheckedTransformer(colormaps, CLI::ignore_case));
    command->add_option("--opacity", options.display.style.opacity, "heatmap opacity 0..1")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command
        ->add_option("--hide-below", options.display.style.threshold,
                     "do not draw map values below this (0..1 of the colour scale)")
        ->check(CLI::Range(0.0, 1.0));
    command->add_flag("--contours", options.contours, "draw iso-lines instead of a filled map");
    command
        ->add_option("--scale", options.scale, "colour scale: per-image, absolute or absolute:MAX")
        ->capture_default_str();
}

} // namespace

Action addExplainCommand(CLI::App &app)
{
    auto o = std::make_shared<ExplainOptions>();
    CLI::App *command = app.add_subcommand(
        "explain",
        "Predict images (JPEG, PNG, BMP, TIFF or DICOM) and draw where the model looked.\n"
        "One image with --out writes one overlay; folders, several images or --dataset\n"
        "with --out-dir write predictions.csv and overlays/ (resumable). The map\n"
        "explains the predicted class unless --target says otherwise.");
    command->add_option("model", o->model, "run folder (or its model/ folder)")->required();
    command->add_option("images", o->images, "image files or folders");
    command->add_option("--out", o->out, "overlay image to write (.png) for one image");
    command->add_option("--out-dir", o->outDir,
                        "folder for a batch: predictions.csv and overlays/");
    command->add_option("--dataset", o->dataset,
                        "explain a dataset split instead of images (with --out-dir)");
    command->add_option("--split", o->split, "the dataset split")->capture_default_str();
    addMapOptions(command, *o);
    command->add_flag(
        "--faithfulness", o->faithfulness,
        "also measure the confidence drop with the top region removed and kept (one image)");
    command->add_flag("--no-overlays", o->noOverlays, "batch: predictions.csv only");
    addDicomResultOptions(command, o->dicom);
    command->add_flag("--json", o->json, "one image: print the result as JSON");
    command->add_option("--device", o->device, "auto, cpu or cuda")->capture_default_str();
    command->add_flag(
        "--tta", o->tta,
        "test-time augmentation: the probability of the image, its mirror image and a "
        "rescaled crop; the map of the image and its mirror image");
    return [o]() -> int {
        if (auto resolved = resolveTarget(*o); !resolved) {
            return reportError(resolved.error());
        }
        if (auto resolved = resolveScale(*o); !resolved) {
            return reportError(resolved.error());
        }
        o->display.style.mode =
            o->contours ? imaging::HeatmapMode::Contours : imaging::HeatmapMode::Filled;
        const bool single =
            o->dataset.empty() && o->images.size() == 1 && !fs::is_directory(o->images.front());
        const bool batch = !single || o->out.empty(); // predictions.csv into --out-dir
        if (batch && o->outDir.empty()) {
            return reportError(
                makeError(ErrorCode::InvalidArgument,
                          single ? "give --out FILE.png for one image (or --out-dir DIR)"
                                 : "give --out-dir DIR for several images, a folder or a dataset"));
        }
        if (auto usable = checkDicomResultOptions(o->dicom, batch ? 0 : 1, batch); !usable) {
            return reportError(usable.error());
        }
        if (!batch) {
            return runSingle(*o);
        }
        if (o->images.empty() && o->dataset.empty()) {
            return reportError(
                makeError(ErrorCode::InvalidArgument, "give images, folders or --dataset DIR"));
        }
        return runBatch(*o);
    };
}

} // namespace cxr::cli
