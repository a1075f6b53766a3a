// SPDX-License-Identifier: MIT
#include "core/pipeline/dicom_result_export.h"

#include "core/common/version.h"
#include "core/pacs/dicom_results.h"

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
    if (paths.secondaryCapture.empty()) {
        return Ok{};
    }
    if (!prediction.cam) {
        return makeError(ErrorCode::InvalidArgument,
                         paths.secondaryCapture.string() +
                             ": a secondary capture needs the prediction's map");
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

} // namespace cxr::pipeline
