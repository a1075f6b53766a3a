// SPDX-License-Identifier: MIT
#include "core/pipeline/ood_verdict.h"

#include "core/common/text.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace cxr::pipeline {

namespace {

std::string upper(std::string text)
{
    for (char &c : text) {
        c = char(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

// Mean absolute difference between neighbouring colour channels, in 8-bit levels. Radiographs
// saved as RGB (Kermany's JPEGs are) differ by compression noise only, well under 2 levels;
// photographs and coloured documents by tens.
double colourfulness(const cv::Mat &display)
{
    if (display.channels() != 3) {
        return 0;
    }
    std::vector<cv::Mat> channels;
    cv::split(display, channels);
    cv::Mat blueGreen;
    cv::Mat greenRed;
    cv::absdiff(channels[0], channels[1], blueGreen);
    cv::absdiff(channels[1], channels[2], greenRed);
    return (cv::mean(blueGreen)[0] + cv::mean(greenRed)[0]) / 2;
}

constexpr double kColourLevels = 4.0;

} // namespace

std::string OodVerdict::reason() const
{
    return joined(reasons, "; ");
}

std::vector<std::string> acquisitionProblems(const imaging::Image &image)
{
    std::vector<std::string> problems;
    const imaging::ImageMetadata &meta = image.meta;
    if (meta.format == imaging::FileFormat::Dicom) {
        // Chest radiographs are CR or DX (DX also for digital mammography's siblings, but its
        // body part then says so). An empty modality says nothing.
        const std::string modality = upper(meta.modality);
        if (!modality.empty() && modality != "CR" && modality != "DX") {
            problems.push_back("modality " + modality + " (chest radiographs are CR or DX)");
        }
        const std::string bodyPart = upper(meta.bodyPart);
        if (!bodyPart.empty() && bodyPart.find("CHEST") == std::string::npos &&
            bodyPart.find("THORAX") == std::string::npos &&
            bodyPart.find("LUNG") == std::string::npos) {
            problems.push_back("body part " + bodyPart);
        }
        const std::string view = upper(meta.viewPosition);
        if (view == "LL" || view == "RL" || view == "LAT" || view == "LATERAL" || view == "LLD" ||
            view == "RLD") {
            problems.push_back("a lateral view (" + view + ")");
        }
        if (meta.frameCount > 1) {
            problems.push_back("a multi-frame image (" + std::to_string(meta.frameCount) +
                               " frames)");
        }
    }
    if (colourfulness(image.display) > kColourLevels) {
        problems.push_back("a colour image (radiographs are grey)");
    }
    return problems;
}

std::optional<double> ageInYears(const std::string &dicomAge)
{
    std::size_t digits = 0;
    while (digits < dicomAge.size() && std::isdigit(static_cast<unsigned char>(dicomAge[digits]))) {
        ++digits;
    }
    if (digits == 0 || digits > 3) {
        return std::nullopt;
    }
    const double number = std::stod(dicomAge.substr(0, digits));
    const std::string unit = upper(dicomAge.substr(digits));
    if (unit.empty() || unit == "Y") {
        return number; // AS is nnnY; a bare number, as some writers store it, is read as years
    }
    if (unit == "M") {
        return number / 12;
    }
    if (unit == "W") {
        return number * 7 / 365.25;
    }
    if (unit == "D") {
        return number / 365.25;
    }
    return std::nullopt;
}

std::string populationProblem(const imaging::Image &image, const ml::PopulationRecord &population)
{
    const std::optional<double> age = ageInYears(image.patient.age);
    if (!population.stated() || !age) {
        return {};
    }
    if (*age >= population.minAgeYears && *age < population.maxAgeYears + 1) { // "5" covers 5.9
        return {};
    }
    char text[160];
    std::snprintf(text, sizeof text,
                  "a patient %s than the model's training population (%g-%g years)",
                  *age < population.minAgeYears ? "younger" : "older", population.minAgeYears,
                  population.maxAgeYears);
    return text;
}

OodVerdict makeOodVerdict(std::vector<std::string> acquisitionProblems, std::optional<double> score,
                          double threshold)
{
    OodVerdict verdict;
    verdict.reasons = std::move(acquisitionProblems);
    verdict.score = score;
    verdict.threshold = threshold;
    if (score && !(*score <= threshold)) { // a NaN score is outside too
        char text[160];
        std::snprintf(
            text, sizeof text,
            "it does not look like the model's training images (score %.2f, threshold %.2f)",
            *score, threshold);
        verdict.reasons.push_back(text);
    }
    verdict.outside = !verdict.reasons.empty();
    return verdict;
}

std::string describeOod(const OodVerdict &verdict)
{
    return verdict.outside ? "Outside what this model was trained on: " + verdict.reason() : "";
}

} // namespace cxr::pipeline
