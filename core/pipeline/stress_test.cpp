// SPDX-License-Identifier: MIT
#include "core/pipeline/stress_test.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>

namespace cxr::pipeline {

namespace {

enum class Kind { None, Contrast, Gamma, Blur, Noise, Jpeg, Resolution, Rotation, BorderCrop };

struct ShiftDefinition {
    StressShift shift;
    Kind kind;
    double amount;
};

// Moderate shifts, each of a size that another hospital's images plausibly show.
const std::vector<ShiftDefinition> &definitions()
{
    static const std::vector<ShiftDefinition> all = {
        {{"none", "the images as they are"}, Kind::None, 0},
        {{"contrast 0.7", "a flatter exposure: contrast around the mean scaled by 0.7"},
         Kind::Contrast,
         0.7},
        {{"contrast 1.3", "a harder exposure: contrast around the mean scaled by 1.3"},
         Kind::Contrast,
         1.3},
        {{"gamma 0.7", "a brighter film: levels raised to the power 0.7"}, Kind::Gamma, 0.7},
        {{"gamma 1.5", "a darker film: levels raised to the power 1.5"}, Kind::Gamma, 1.5},
        {{"blur 1.5 px", "a softer detector: Gaussian blur, sigma 1.5 pixels of the input"},
         Kind::Blur,
         1.5},
        {{"noise 8 levels", "a noisier detector: Gaussian noise, sigma 8 of 255 levels"},
         Kind::Noise,
         8},
        {{"JPEG quality 30", "a lossy archive: re-encoded as JPEG at quality 30"}, Kind::Jpeg, 30},
        {{"resolution 1/2", "a lower-resolution source: halved, then enlarged back"},
         Kind::Resolution,
         0.5},
        {{"rotation 5 degrees", "a tilted patient: rotated by 5 degrees"}, Kind::Rotation, 5},
        {{"border crop 8%", "a tighter collimation: 8% cut from each side, then enlarged back"},
         Kind::BorderCrop,
         0.08},
    };
    return all;
}

cv::Mat shifted(const cv::Mat &plane, Kind kind, double amount, std::mt19937_64 &random)
{
    cv::Mat out;
    switch (kind) {
    case Kind::None:
        return plane.clone();
    case Kind::Contrast: {
        const double mean = cv::mean(plane)[0];
        plane.convertTo(out, CV_8U, amount, mean * (1 - amount));
        return out;
    }
    case Kind::Gamma: {
        cv::Mat table(1, 256, CV_8U);
        for (int level = 0; level < 256; ++level) {
            table.at<uchar>(level) =
                cv::saturate_cast<uchar>(255.0 * std::pow(level / 255.0, amount));
        }
        cv::LUT(plane, table, out);
        return out;
    }
    case Kind::Blur:
        cv::GaussianBlur(plane, out, cv::Size(0, 0), amount);
        return out;
    case Kind::Noise: {
        cv::Mat noise(plane.size(), CV_32F);
        std::normal_distribution<float> gauss(0, float(amount));
        for (int i = 0; i < int(noise.total()); ++i) {
            noise.at<float>(i) = gauss(random);
        }
        cv::Mat sum;
        plane.convertTo(sum, CV_32F);
        sum += noise;
        sum.convertTo(out, CV_8U);
        return out;
    }
    case Kind::Jpeg: {
        std::vector<uchar> bytes;
        cv::imencode(".jpg", plane, bytes, {cv::IMWRITE_JPEG_QUALITY, int(amount)});
        return cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
    }
    case Kind::Resolution: {
        cv::Mat small;
        cv::resize(plane, small, cv::Size(), amount, amount, cv::INTER_AREA);
        cv::resize(small, out, plane.size(), 0, 0, cv::INTER_LINEAR);
        return out;
    }
    case Kind::Rotation: {
        const cv::Point2f centre(float(plane.cols) / 2, float(plane.rows) / 2);
        cv::warpAffine(plane, out, cv::getRotationMatrix2D(centre, amount, 1.0), plane.size(),
                       cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
        return out;
    }
    case Kind::BorderCrop: {
        const int dx = int(std::lround(plane.cols * amount));
        const int dy = int(std::lround(plane.rows * amount));
        cv::resize(plane(cv::Rect(dx, dy, plane.cols - 2 * dx, plane.rows - 2 * dy)), out,
                   plane.size(), 0, 0, cv::INTER_AREA);
        return out;
    }
    }
    return plane.clone();
}

} // namespace

const std::vector<StressShift> &stressShifts()
{
    static const std::vector<StressShift> shifts = [] {
        std::vector<StressShift> list;
        for (const ShiftDefinition &definition : definitions()) {
            list.push_back(definition.shift);
        }
        return list;
    }();
    return shifts;
}

ImageArrays applyStressShift(const ImageArrays &images, std::size_t shift)
{
    const ShiftDefinition &definition = definitions().at(shift);
    ImageArrays out;
    out.channels = images.channels;
    out.height = images.height;
    out.width = images.width;
    out.labels = images.labels;
    out.paths = images.paths;
    std::vector<std::uint8_t> pixels(images.pixels.size());
    // The same noise for the same image whatever else runs: seeded by the shift.
    std::mt19937_64 random(0x5EED0000ULL + shift);
    const std::size_t planeSize = std::size_t(images.height) * std::size_t(images.width);
    for (std::size_t image = 0; image < images.count(); ++image) {
        // Colour inputs are grey replicated or RGB: each channel is shifted alike.
        for (int channel = 0; channel < images.channels; ++channel) {
            const std::size_t offset =
                (image * std::size_t(images.channels) + std::size_t(channel)) * planeSize;
            const cv::Mat plane(images.height, images.width, CV_8U,
                                const_cast<std::uint8_t *>(images.pixels.data() + offset));
            const cv::Mat result = shifted(plane, definition.kind, definition.amount, random);
            std::copy(result.datastart, result.dataend, pixels.begin() + std::ptrdiff_t(offset));
        }
    }
    out.pixels = PixelBuffer(std::move(pixels));
    return out;
}

Result<std::vector<StressRow>> runStressTest(ml::Classifier &classifier, const ImageArrays &images,
                                             double threshold,
                                             const ml::BootstrapSettings &bootstrap,
                                             ProgressObserver *observer)
{
    std::vector<StressRow> rows;
    const auto &shifts = stressShifts();
    for (std::size_t s = 0; s < shifts.size(); ++s) {
        if (cancelled(observer)) {
            return makeError(ErrorCode::Cancelled, "the robustness report was cancelled");
        }
        if (observer) {
            observer->stage("Robustness: " + shifts[s].name);
        }
        auto predictions = classifier.predict(applyStressShift(images, s));
        if (!predictions) {
            return predictions.error();
        }
        rows.push_back({shifts[s].name,
                        ml::diagnosticReport(images.labels, predictions->positiveProbabilities(),
                                             threshold, bootstrap)});
        if (observer) {
            observer->progress(std::int64_t(s + 1), std::int64_t(shifts.size()));
        }
    }
    return rows;
}

} // namespace cxr::pipeline
