// SPDX-License-Identifier: MIT
#include "core/pipeline/explain_job.h"

#include "core/imaging/image_loader.h"
#include "core/imaging/image_writer.h"
#include "core/imaging/model_input.h"
#include "core/imaging/model_input.h"
#include "core/pipeline/input_spec.h"


namespace cxr::pipeline {

namespace fs = std::filesystem;

Result<ImagePrediction> predictImage(ml::Classifier &classifier, const fs::path &path, bool explain,
                                     ml::CamTarget target)
{
    const ml::ModelSpec &spec = classifier.card().spec;
    const imaging::ModelInputSpec inputSpec = inputSpecFor(spec);
    auto input = imaging::loadModelInputBytes(path, inputSpec); // exactly what training saw
    if (!input) {
        return input.error();
    }
    ImageArrays arrays;
    arrays.channels = inputSpec.channels;
    arrays.height = arrays.width = inputSpec.size;
    arrays.pixels = PixelBuffer(*input);
    arrays.labels = {-1};
    auto predictions = classifier.predict(arrays);
    if (!predictions) {
        return predictions.error();
    }
    ImagePrediction prediction;
    prediction.modelName = classifier.card().name;
    prediction.threshold = spec.threshold;
    prediction.positiveClass = spec.classNames.at(1);
    prediction.probability = predictions->probability(0, 1);
    prediction.predictedClass = spec.classNames.at(prediction.probability >= spec.threshold ? 1 : 0);
    if (explain) {
        auto cam = classifier.gradCam(imaging::scaleModelInput(*input), target);
        if (!cam) {
            return cam.error();
        }
        prediction.cam = std::move(*cam);
    }
    return prediction;
}

Result<ImagePrediction> runExplain(const ExplainJob &job)
{
    auto classifier = ml::Classifier::open(job.model, job.device);
    if (!classifier) {
        return classifier.error();
    }
    auto prediction = predictImage(*classifier, job.image, true, job.target);
    if (!prediction) {
        return prediction.error();
    }
    auto image = imaging::loadImage(job.image); // full resolution for the overlay
    if (!image) {
        return image.error();
    }
    // The map covers the model input; keep the part that shows the image (all of it unless
    // letterboxed) and stretch that over the full-resolution picture.
    const ml::CamMap &cam = prediction->cam;
    const cv::Rect content = imaging::contentRect(image->display.cols, image->display.rows,
                                                  inputSpecFor(classifier->card().spec));
    const cv::Mat fullMap(cam.height, cam.width, CV_32F, const_cast<float *>(cam.values.data()));
    const cv::Mat contentMap = fullMap(content).clone();
    const std::vector<float> values(contentMap.begin<float>(), contentMap.end<float>());
    const cv::Mat overlay = imaging::renderHeatmapOverlay(image->display, values, content.width,
                                                          content.height, job.opacity,
                                                          job.colormap);
    if (auto written = imaging::writeImage(job.output, overlay); !written) {
        return written.error();
    }
    return prediction;
}

} // namespace cxr::pipeline
