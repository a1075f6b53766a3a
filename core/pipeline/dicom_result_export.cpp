// SPDX-License-Identifier: MIT
#include "core/pipeline/dicom_result_export.h"

#include "core/common/temporary_folder.h"
#include "core/common/version.h"
#include "core/imaging/image_loader.h"
#include "core/pacs/dicom_results.h"
#include "core/pacs/pacs_client.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace cxr::pipeline {

namespace {

pacs::AiFinding findingOf(const ImagePrediction &prediction, const ml::ModelCard &card)
{
    pacs::AiFinding finding;
    finding.findingName = prediction.positiveClass;
    finding.present = prediction.predictedClass == prediction.positiveClass;
    finding.probability = prediction.probability;
    finding.threshold = prediction.threshold;
    finding.modelName = prediction.modelName;
    finding.modelVersion = card.createdWith;
    finding.weightsSha256 = card.weightsSha256;
    finding.algorithmVersion = kVersionString;
    finding.oodChecked = true; // the header checks always run; the score when the model has one
    finding.outOfDistribution = prediction.ood.outside;
    finding.oodReason = prediction.ood.reason();
    return finding;
}

// White text on a dark band, sized to the image so it stays legible on a 3000 px radiograph.
void burnIn(cv::Mat &image, const std::vector<std::string> &lines)
{
    const double scale = std::max(0.4, image.cols / 1400.0);
    const int thickness = std::max(1, int(scale * 1.6));
    int baseline = 0;
    const int lineHeight =
        cv::getTextSize("Ag", cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline).height +
        baseline + 8;
    int width = 0;
    for (const std::string &line : lines) {
        width = std::max(
            width,
            cv::getTextSize(line, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline).width);
    }
    const cv::Rect band(0, 0, std::min(image.cols, width + 16),
                        std::min(image.rows, lineHeight * int(lines.size()) + 8));
    cv::Mat region = image(band);
    region *= 0.25; // darken behind the text rather than cover the image
    for (std::size_t i = 0; i < lines.size(); ++i) {
        cv::putText(image, lines[i], {8, int(i + 1) * lineHeight}, cv::FONT_HERSHEY_SIMPLEX, scale,
                    cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
    }
}

// The map as the Viewer scales it per image (0 to 1), resized onto every pixel of the source:
// the part of the model input that covered the image, as the overlay uses it.
Result<pacs::FloatMap> mapOnSourceGrid(const std::filesystem::path &source, const ml::CamMap &cam,
                                       const ml::ModelSpec &spec)
{
    imaging::LoadOptions options;
    options.keepValues = false;
    auto image = imaging::loadImage(source, options);
    if (!image) {
        return image.error();
    }
    const cv::Size size = image->display.size();
    CamOnImage part = camOnImage(cam, spec, size.width, size.height, CamDisplay{});
    cv::Mat resized;
    cv::resize(cv::Mat(part.height, part.width, CV_32F, part.values.data()), resized, size, 0, 0,
               cv::INTER_LINEAR);
    resized = cv::max(cv::min(resized, 1.0), 0.0); // linear interpolation stays in range, but
                                                   // a validator reads the mapped range
    pacs::FloatMap map{size.width, size.height, {}};
    map.values.assign(resized.begin<float>(), resized.end<float>());
    return map;
}

} // namespace

Result<cv::Mat> labelledOverlay(const std::filesystem::path &source,
                                const ImagePrediction &prediction, const ml::ModelCard &card,
                                const CamDisplay &display)
{
    auto overlay = overlayForFile(source, prediction, card.spec, display, 0);
    if (!overlay) {
        return overlay.error();
    }
    cv::Mat labelled;
    if (overlay->channels() == 3) {
        labelled = overlay->clone();
    } else {
        cv::cvtColor(*overlay, labelled, cv::COLOR_GRAY2BGR);
    }
    std::vector<std::string> lines{describePrediction(prediction),
                                   "Model: " + prediction.modelName};
    if (prediction.ood.outside) {
        lines.push_back("Caution: " + prediction.ood.reason());
    }
    lines.push_back(pacs::kResearchUseOnly);
    burnIn(labelled, lines);
    return labelled;
}

Status writeDicomResults(const std::filesystem::path &source, const ImagePrediction &prediction,
                         const ml::ModelCard &card, const DicomResultPaths &paths,
                         const CamDisplay &display)
{
    const pacs::AiFinding finding = findingOf(prediction, card);
    if (!paths.structuredReport.empty()) {
        if (auto written = pacs::writeStructuredReport(source, finding, paths.structuredReport);
            !written) {
            return written;
        }
    }
    for (const auto &[path, what] : {std::pair{&paths.secondaryCapture, "a secondary capture"},
                                     std::pair{&paths.parametricMap, "a parametric map"}}) {
        if (!path->empty() && !prediction.cam) {
            return makeError(ErrorCode::InvalidArgument,
                             path->string() + ": " + what + " needs the prediction's map");
        }
    }
    if (!paths.parametricMap.empty()) {
        auto map = mapOnSourceGrid(source, *prediction.cam, card.spec);
        if (!map) {
            return map.error();
        }
        if (auto written = pacs::writeParametricMap(source, finding, *map, paths.parametricMap);
            !written) {
            return written;
        }
    }
    if (paths.secondaryCapture.empty()) {
        return Ok{};
    }
    auto overlay = labelledOverlay(source, prediction, card, display);
    if (!overlay) {
        return overlay.error();
    }
    cv::Mat rgb;
    cv::cvtColor(*overlay, rgb, cv::COLOR_BGR2RGB);
    // cvtColor writes a new, continuous matrix: its rows follow each other without padding.
    pacs::RgbImage image{rgb.cols, rgb.rows,
                         std::vector<std::uint8_t>(rgb.data, rgb.data + rgb.total() * 3)};
    return pacs::writeSecondaryCapture(source, finding, image, paths.secondaryCapture);
}

Result<int> sendDicomResults(const std::filesystem::path &source, const ImagePrediction &prediction,
                             const ml::ModelCard &card, const pacs::PacsNode &node,
                             const DicomResultPaths &keep, const CamDisplay &display)
{
    auto folder = TemporaryFolder::create("cxr-results");
    if (!folder) {
        return folder.error();
    }
    auto pick = [&](const std::filesystem::path &kept, const char *name) {
        return kept.empty() ? folder->path() / name : kept;
    };
    DicomResultPaths paths{pick(keep.structuredReport, "report.dcm"), {}, {}};
    if (prediction.cam) {
        paths.secondaryCapture = pick(keep.secondaryCapture, "overlay.dcm");
        paths.parametricMap = pick(keep.parametricMap, "map.dcm");
    }
    if (auto written = writeDicomResults(source, prediction, card, paths, display); !written) {
        return written.error();
    }
    std::vector<std::filesystem::path> files{paths.structuredReport};
    for (const auto &path : {paths.secondaryCapture, paths.parametricMap}) {
        if (!path.empty()) {
            files.push_back(path);
        }
    }
    auto sent = pacs::send(node, files);
    if (!sent) {
        // The temporary files are gone by the time anyone reads this: name the objects.
        Error error = sent.error();
        const std::pair<std::filesystem::path, const char *> objects[] = {
            {paths.structuredReport, "the structured report"},
            {paths.secondaryCapture, "the overlay's secondary capture"},
            {paths.parametricMap, "the parametric map"}};
        for (const auto &[path, name] : objects) {
            const std::string temporary = path.string();
            if (path.parent_path() != folder->path()) {
                continue;
            }
            for (auto at = error.message.find(temporary); at != std::string::npos;
                 at = error.message.find(temporary, at)) {
                error.message.replace(at, temporary.size(), name);
            }
        }
        return error;
    }
    return sent->sent;
}

} // namespace cxr::pipeline
