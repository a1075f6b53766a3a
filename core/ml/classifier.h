// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/model_card.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

// Which class a class-activation map explains. For a binary model: Predicted explains the class
// the model chose (+logit for the positive class, -logit for the negative one).
enum class CamTarget { Predicted, Positive, Negative };

// Grad-CAM (Selvaraju et al.), Grad-CAM++ (Chattopadhay et al.) and Eigen-CAM (Muhammad and
// Yeasin), which needs no gradient and so explains no particular class.
enum class CamMethod { GradCam, GradCamPlusPlus, EigenCam };

struct CamRequest {
    CamMethod method = CamMethod::GradCam;
    CamTarget target = CamTarget::Predicted;
    int targetClass = -1;  // a multi-class model: this class when >= 0 (overrides target)
    int layer = -1;        // index into Classifier::camLayers(); -1 = the last
    std::string layerName; // instead of layer: one of Classifier::camLayers() by name
    // Binary models: Predicted explains class 1 when P(class 1) >= this. Classifier::explain
    // sets it from the model card, so the map explains the class the prediction shows.
    double decisionThreshold = 0.5;
    // Applied to the logits before probabilities are taken (the card's calibration);
    // Classifier::explain sets it.
    LogitCalibration calibration;

    static CamRequest gradCam(CamTarget target)
    {
        CamRequest request;
        request.target = target;
        return request;
    }
};

// A class-activation map at the model's input resolution, values in [0, 1].
struct CamMap {
    int width = 0;
    int height = 0;
    std::vector<float> values; // row-major, height * width; min-max scaled to [0, 1]
    // The map before scaling: raw = rawLow + value * (rawHigh - rawLow). An absolute colour scale
    // uses these so that maps of different images compare.
    double rawLow = 0;
    double rawHigh = 0;
    bool flat = false; // the map had no positive evidence: all values are 0
    CamMethod method = CamMethod::GradCam;
    std::string layer;       // name of the explained layer
    int explainedClass = -1; // class index the map explains; -1 for class-agnostic Eigen-CAM
    double probability = 0;  // P(class 1) (binary models)
    std::vector<double> classProbabilities; // one per class
    // The out-of-distribution score of the image (see Classifier::oodThreshold); none when the
    // model has no guard.
    std::optional<double> oodScore;
};

// How much the model's confidence in the explained class depends on the map's top region:
// the region is replaced by the image's mean (removed), or everything else is (kept).
struct Faithfulness {
    double topFraction = 0.2; // share of the pixels in the top region
    double original = 0;      // probability of the explained class
    double regionRemoved = 0; // large drop: the region mattered
    double regionKept = 0;    // little drop: the region alone suffices
};

struct Predictions {
    int classCount = 2;
    std::vector<float> probabilities; // count x classCount, row-major, calibrated
    // The model's logits before calibration: count x 1 for a binary model, else count x
    // classCount. What site calibration refits the temperature on.
    std::vector<float> logits;
    // One per image when the model has an out-of-distribution guard, else empty.
    std::vector<float> oodScores;
    float probability(std::size_t image, int cls) const
    {
        return probabilities[image * std::size_t(classCount) + std::size_t(cls)];
    }
    // P(class 1) of every image: what binary metrics and thresholds take.
    std::vector<float> positiveProbabilities() const
    {
        std::vector<float> positive(probabilities.size() / std::size_t(classCount));
        for (std::size_t i = 0; i < positive.size(); ++i) {
            positive[i] = probability(i, 1);
        }
        return positive;
    }
};

// A trained model loaded from a run (or model) folder with its card; predicts and explains.
// Holds LibTorch state behind a private implementation so that callers include no torch header.
// Not thread-safe: use one Classifier per thread.
class Classifier {
public:
    // Errors name the folder: not a run, missing, changed or foreign weights, unknown
    // architecture, a damaged out-of-distribution reference.
    static Result<Classifier> open(const std::filesystem::path &runOrModelDir,
                                   const std::string &device = "auto");
    Classifier(Classifier &&) noexcept;
    Classifier &operator=(Classifier &&) noexcept;
    ~Classifier();

    const ModelCard &card() const;
    const std::filesystem::path &modelDir() const;

    // Test-time augmentation: probabilities from the mean logit of the image, its mirror image
    // and a 90% central crop enlarged back (three forward passes); explain() maps the mean of
    // the image's and its mirror image's maps. Off by default. The out-of-distribution score
    // stays that of the image itself.
    void setTestTimeAugmentation(bool on);
    bool testTimeAugmentation() const;

    // Whether the model has an out-of-distribution guard, and the score above which an image
    // is outside what it was trained on (scores are about 1 for images like its training set).
    bool hasOodGuard() const;
    double oodThreshold() const;

    // Probabilities for every image in arrays, which must match the card's input spec, with
    // the card's calibration applied. An output that is not a number (damaged weights) is an
    // error naming the model folder, never a probability.
    Result<Predictions> predict(const ImageArrays &arrays, ProgressObserver *observer = nullptr);

    // Names of the layers a map can explain, input to output; the last is the default.
    std::vector<std::string> camLayers() const;

    // A class-activation map for one image of the card's input spec (channels x size x size
    // floats, as scaleModelInput makes them). Its probabilities come from the same forward
    // pass, so predicting and explaining one image costs one pass. Errors: wrong image size,
    // layer out of range, target class out of range.
    Result<CamMap> explain(const std::vector<float> &image, const CamRequest &request = {});

    // Faithfulness of map (from explain() on the same image); a flat map or an Eigen-CAM map
    // (no class) is an error.
    Result<Faithfulness> faithfulness(const std::vector<float> &image, const CamMap &map,
                                      double topFraction = 0.2);

private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace cxr::ml
