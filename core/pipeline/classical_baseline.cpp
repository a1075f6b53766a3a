// SPDX-License-Identifier: MIT
#include "core/pipeline/classical_baseline.h"
#include "core/common/json_text.h"

#include "core/common/atomic_file.h"
#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/ml.hpp>

#include <algorithm>
#include <cmath>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

// One row of [0, 1] floats per image.
cv::Mat featureRows(const ImageArrays &images)
{
    const int length = images.channels * images.height * images.width;
    cv::Mat rows(int(images.count()), length, CV_32F);
    const std::uint8_t *pixels = images.pixels.data();
    for (int r = 0; r < rows.rows; ++r) {
        float *row = rows.ptr<float>(r);
        for (int c = 0; c < length; ++c) {
            row[c] = float(pixels[std::size_t(r) * std::size_t(length) + std::size_t(c)]) / 255.0f;
        }
    }
    return rows;
}

// Platt scaling: a and b of P(class 1) = 1 / (1 + exp(-(a f + b))) by Newton's method on the
// logistic loss; also learns which sign of the decision value means class 1. Platt's smoothed
// targets keep a and b finite when the training decisions separate the classes perfectly.
std::pair<double, double> fitSigmoid(const cv::Mat &decisions, const std::vector<int> &labels)
{
    const double positives = double(std::count(labels.begin(), labels.end(), 1));
    const double negatives = double(labels.size()) - positives;
    const double positiveTarget = (positives + 1) / (positives + 2);
    const double negativeTarget = 1 / (negatives + 2);
    double a = 1;
    double b = 0;
    for (int iteration = 0; iteration < 50; ++iteration) {
        double ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
        for (int i = 0; i < decisions.rows; ++i) {
            const double f = decisions.at<float>(i);
            const double p = 1.0 / (1.0 + std::exp(-(a * f + b)));
            const double residual =
                p - (labels[std::size_t(i)] == 1 ? positiveTarget : negativeTarget);
            const double weight = p * (1 - p);
            ga += residual * f;
            gb += residual;
            haa += weight * f * f;
            hab += weight * f;
            hbb += weight;
        }
        const double determinant = haa * hbb - hab * hab;
        if (std::abs(determinant) < 1e-18) {
            break;
        }
        const double da = (hbb * ga - hab * gb) / determinant;
        const double db = (haa * gb - hab * ga) / determinant;
        a -= da;
        b -= db;
        if (std::abs(da) + std::abs(db) < 1e-9) {
            break;
        }
    }
    return {a, b};
}

std::vector<float> forestProbabilities(const cv::Mat &trainX, const cv::Mat &trainY,
                                       const cv::Mat &testX)
{
    auto forest = cv::ml::RTrees::create();
    forest->setMaxDepth(25);
    forest->setMinSampleCount(2);
    forest->setActiveVarCount(0); // sqrt(features) per split
    forest->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER, 200, 0)); // 200 trees
    forest->train(trainX, cv::ml::ROW_SAMPLE, trainY);
    // Votes: a header row of class labels, then one row of vote counts per image.
    cv::Mat votes;
    forest->getVotes(testX, votes, 0);
    const int positiveColumn = votes.at<int>(0, 0) == 1 ? 0 : 1;
    std::vector<float> probabilities(std::size_t(testX.rows));
    for (int i = 0; i < testX.rows; ++i) {
        const double total = double(votes.at<int>(i + 1, 0)) + double(votes.at<int>(i + 1, 1));
        probabilities[std::size_t(i)] =
            total > 0 ? float(votes.at<int>(i + 1, positiveColumn) / total) : 0.5f;
    }
    return probabilities;
}

std::vector<float> svmProbabilities(const cv::Mat &trainX, const cv::Mat &trainY,
                                    const std::vector<int> &trainLabels, const cv::Mat &testX)
{
    auto svm = cv::ml::SVM::create();
    svm->setType(cv::ml::SVM::C_SVC);
    svm->setKernel(cv::ml::SVM::RBF);
    svm->setC(1.0);
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(trainX, mean, deviation);
    // scikit-learn's gamma="scale": 1 / (features x variance).
    svm->setGamma(1.0 / (double(trainX.cols) * std::max(1e-12, deviation[0] * deviation[0])));
    svm->setTermCriteria(
        cv::TermCriteria(cv::TermCriteria::MAX_ITER | cv::TermCriteria::EPS, 10000, 1e-4));
    svm->train(trainX, cv::ml::ROW_SAMPLE, trainY);
    cv::Mat trainDecisions;
    svm->predict(trainX, trainDecisions, cv::ml::StatModel::RAW_OUTPUT);
    const auto [a, b] = fitSigmoid(trainDecisions, trainLabels);
    cv::Mat decisions;
    svm->predict(testX, decisions, cv::ml::StatModel::RAW_OUTPUT);
    std::vector<float> probabilities(std::size_t(testX.rows));
    for (int i = 0; i < testX.rows; ++i) {
        probabilities[std::size_t(i)] =
            float(1.0 / (1.0 + std::exp(-(a * decisions.at<float>(i) + b))));
    }
    return probabilities;
}

} // namespace

std::string baselineName(BaselineMethod method, int imageSize)
{
    const std::string size = std::to_string(imageSize) + "x" + std::to_string(imageSize);
    return (method == BaselineMethod::RandomForest ? "random forest (" : "RBF SVM (") + size +
           " pixels)";
}

namespace {

struct BaselineData {
    ImageArrays train;
    ImageArrays evaluated;
};

// The training and evaluated splits at the baseline's small grey size; the training split
// needs images of both classes.
Result<BaselineData> loadBaselineData(const BaselineJob &job, const data::DatasetIndex &index,
                                      ProgressObserver *observer)
{
    imaging::ModelInputSpec spec;
    spec.size = job.imageSize;
    spec.channels = 1;
    data::LoadReport report;
    if (observer) {
        observer->stage("Decoding " + job.trainSplit + " images");
    }
    auto train = data::loadSplit(index, job.trainSplit, spec, report, observer);
    if (!train) {
        return train.error();
    }
    if (observer) {
        observer->stage("Decoding " + job.split + " images");
    }
    auto evaluated = data::loadSplit(index, job.split, spec, report, observer);
    if (!evaluated) {
        return evaluated.error();
    }
    if (!report.failures.empty()) {
        return makeError(ErrorCode::Corrupt, report.failures.front().path.string() + ": " +
                                                 report.failures.front().reason);
    }
    if (std::count(train->labels.begin(), train->labels.end(), 1) == 0 ||
        std::count(train->labels.begin(), train->labels.end(), 0) == 0) {
        return makeError(ErrorCode::InvalidDataset, index.root.string() + ": the " +
                                                        job.trainSplit +
                                                        " split needs images of both classes");
    }
    return BaselineData{std::move(*train), std::move(*evaluated)};
}

// baseline.json (what was trained, how, on what) and the evaluation beside it.
Status saveBaseline(const BaselineJob &job, const data::DatasetIndex &index,
                    const EvaluationResult &result)
{
    const nlohmann::json card = {
        {"format", "cxr-studio-baseline/1"},
        {"name", result.modelName},
        {"method", job.method == BaselineMethod::RandomForest ? "random-forest" : "svm"},
        {"image_size", job.imageSize},
        {"trained_on", pathJson(fs::absolute(index.root).string())},
        {"train_split", job.trainSplit},
        {"class_names", index.classes},
        {"seed", job.seed}};
    std::error_code error;
    fs::create_directories(job.outputFolder, error);
    if (auto written =
            writeFileAtomically(job.outputFolder / "baseline.json", jsonText(card, 2) + "\n");
        !written) {
        return written;
    }
    if (auto written = writeEvaluation(result, index.root); !written) {
        return written;
    }
    return Ok{};
}

} // namespace

Result<EvaluationResult> runBaseline(const BaselineJob &job, ProgressObserver *observer)
{
    if (job.imageSize < 4 || job.imageSize > 128) {
        return makeError(ErrorCode::InvalidArgument,
                         "baseline image size must be between 4 and 128 pixels");
    }
    auto index = data::scanDataset(job.datasetDir, observer);
    if (!index) {
        return index.error();
    }
    if (index->classes.size() != 2) {
        return makeError(ErrorCode::Unsupported,
                         index->root.string() + ": the baselines are binary; this dataset has " +
                             std::to_string(index->classes.size()) + " classes");
    }
    auto data = loadBaselineData(job, *index, observer);
    if (!data) {
        return data.error();
    }
    const ImageArrays &trainArrays = data->train;
    const ImageArrays &evaluatedArrays = data->evaluated;
    if (observer) {
        observer->stage("Training the " + baselineName(job.method, job.imageSize));
    }
    const cv::Mat trainX = featureRows(trainArrays);
    const cv::Mat trainY(trainArrays.labels, true);
    const cv::Mat testX = featureRows(evaluatedArrays);
    cv::theRNG().state = job.seed; // the forest's bootstrap samples and feature draws
    std::vector<float> probabilities;
    try {
        probabilities = job.method == BaselineMethod::RandomForest
                            ? forestProbabilities(trainX, trainY, testX)
                            : svmProbabilities(trainX, trainY, trainArrays.labels, testX);
    } catch (const cv::Exception &e) {
        return makeError(ErrorCode::Internal, "training the " +
                                                  baselineName(job.method, job.imageSize) +
                                                  " failed: " + e.msg);
    }

    EvaluationResult result;
    result.modelName = baselineName(job.method, job.imageSize);
    result.classNames = index->classes;
    result.split = job.split;
    result.thresholdSource = "fixed 0.5";
    result.metrics = ml::computeBinaryMetrics(evaluatedArrays.labels, probabilities, 0.5);
    result.report = ml::diagnosticReport(evaluatedArrays.labels, probabilities, 0.5, job.bootstrap);
    result.labels = evaluatedArrays.labels;
    result.files.assign(evaluatedArrays.paths.begin(), evaluatedArrays.paths.end());
    result.probabilities = std::move(probabilities);
    result.outputFolder = job.outputFolder / "evaluations" / job.split;
    if (auto saved = saveBaseline(job, *index, result); !saved) {
        return saved.error();
    }
    return result;
}

} // namespace cxr::pipeline
