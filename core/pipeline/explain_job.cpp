// SPDX-License-Identifier: MIT
#include "core/pipeline/explain_job.h"

#include "core/imaging/image_loader.h"
#include "core/imaging/model_input.h"
#include "core/pipeline/input_spec.h"

#include <opencv2/imgproc.hpp>

#include <cctype>
#include <cstdio>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

std::string sentenceCase(std::string text)
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        text[i] = char(i == 0 ? std::toupper(static_cast<unsigned char>(text[i]))
                              : std::tolower(static_cast<unsigned char>(text[i])));
    }
    return text;
}

std::string lowerCase(std::string text)
{
    for (char &c : text) {
        c = char(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

} // namespace

std::string describePrediction(const ImagePrediction &p)
{
    char text[256];
    if (p.classNames.size() > 2) {
        std::snprintf(text, sizeof text, "%s (probability %.3f)",
                      sentenceCase(p.predictedClass).c_str(),
                      p.classProbabilities.at(std::size_t(p.predictedIndex)));
    } else if (p.probability >= p.threshold) {
        std::snprintf(text, sizeof text, "%s detected (probability %.3f, threshold %.2f)",
                      sentenceCase(p.positiveClass).c_str(), p.probability, p.threshold);
    } else {
        std::snprintf(text, sizeof text, "No %s detected (probability of %s %.3f, threshold %.2f)",
                      lowerCase(p.positiveClass).c_str(), lowerCase(p.positiveClass).c_str(),
                      p.probability, p.threshold);
    }
    return text;
}

Result<ImagePrediction> predictImage(ml::Classifier &classifier, const fs::path &path,
                                     const ml::CamRequest *explain)
{
    const ml::ModelSpec &spec = classifier.card().spec;
    const imaging::ModelInputSpec inputSpec = inputSpecFor(spec);
    // Decoded as training decoded it (loadModelInputBytes), kept to check its acquisition.
    imaging::LoadOptions options;
    options.reduceTo = inputSpec.size;
    options.keepValues = false;
    auto image = imaging::loadImage(path, options);
    if (!image) {
        return image.error();
    }
    std::vector<std::uint8_t> input = imaging::toModelInputBytes(*image, inputSpec);
    std::optional<double> oodScore;
    ImagePrediction prediction;
    prediction.modelName = classifier.card().name;
    prediction.classNames = spec.classNames;
    prediction.threshold = spec.threshold;
    prediction.positiveClass = spec.classNames.at(1);
    if (explain) {
        auto cam = classifier.explain(imaging::scaleModelInput(input), *explain);
        if (!cam) {
            return Error{cam.error().code, path.string() + ": " + cam.error().message};
        }
        prediction.classProbabilities = cam->classProbabilities;
        oodScore = cam->oodScore;
        prediction.cam = std::move(*cam);
    } else {
        ImageArrays arrays;
        arrays.channels = inputSpec.channels;
        arrays.height = arrays.width = inputSpec.size;
        arrays.pixels = PixelBuffer(input);
        arrays.labels = {-1};
        auto predictions = classifier.predict(arrays);
        if (!predictions) {
            return Error{predictions.error().code,
                         path.string() + ": " + predictions.error().message};
        }
        prediction.classProbabilities.assign(predictions->probabilities.begin(),
                                             predictions->probabilities.end());
        if (!predictions->oodScores.empty()) {
            oodScore = predictions->oodScores.front();
        }
    }
    std::vector<std::string> problems = acquisitionProblems(*image);
    if (std::string age = populationProblem(*image, classifier.card().population); !age.empty()) {
        problems.push_back(std::move(age));
    }
    prediction.ood = makeOodVerdict(std::move(problems), oodScore, classifier.oodThreshold());
    prediction.modelInput = std::move(input);
    prediction.probability = prediction.classProbabilities.at(1);
    if (spec.classNames.size() > 2) {
        prediction.predictedIndex = int(std::max_element(prediction.classProbabilities.begin(),
                                                         prediction.classProbabilities.end()) -
                                        prediction.classProbabilities.begin());
    } else {
        prediction.predictedIndex = prediction.probability >= spec.threshold ? 1 : 0;
    }
    prediction.predictedClass = spec.classNames.at(std::size_t(prediction.predictedIndex));
    return prediction;
}

Result<cv::Mat> overlayForFile(const fs::path &image, const ImagePrediction &prediction,
                               const ml::ModelSpec &spec, const CamDisplay &display, int maxSide)
{
    auto decoded = imaging::loadImage(image); // full resolution for the overlay
    if (!decoded) {
        return decoded.error();
    }
    cv::Mat base = decoded->display;
    const int longSide = std::max(base.cols, base.rows);
    if (maxSide > 0 && longSide > maxSide) {
        const double scale = double(maxSide) / longSide;
        cv::resize(base, base, cv::Size(), scale, scale, cv::INTER_AREA);
    }
    return renderCamOverlay(base, *prediction.cam, spec, display);
}

} // namespace cxr::pipeline
