// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/model_card.h"

#include <filesystem>
#include <memory>
#include <vector>

namespace cxr::ml {

// Which class Grad-CAM explains. For a binary model: Predicted explains the class the model
// chose (+logit for the positive class, -logit for the negative one).
enum class CamTarget { Predicted, Positive, Negative };

// A class-activation map at the model's input resolution, values in [0, 1].
struct CamMap {
    int width = 0;
    int height = 0;
    std::vector<float> values; // row-major, height * width
    bool flat = false;         // the map had no positive evidence: all values are 0
    int explainedClass = 0;    // class index the map explains
    double probability = 0;    // P(class 1) for a binary model
};

struct Predictions {
    int classCount = 2;
    std::vector<float> probabilities; // count x classCount, row-major
    float probability(std::size_t image, int cls) const
    {
        return probabilities[image * std::size_t(classCount) + std::size_t(cls)];
    }
};

// A trained model loaded from a run (or model) folder with its card; predicts and explains.
// Holds LibTorch state behind a private implementation so that callers include no torch header.
// Not thread-safe: use one Classifier per thread.
class Classifier {
public:
    // Errors name the folder: not a run, missing or foreign weights, unknown architecture.
    static Result<Classifier> open(const std::filesystem::path &runOrModelDir,
                                   const std::string &device = "auto");
    Classifier(Classifier &&) noexcept;
    Classifier &operator=(Classifier &&) noexcept;
    ~Classifier();

    const ModelCard &card() const;
    const std::filesystem::path &modelDir() const;

    // Probabilities for every image in arrays, which must match the card's input spec.
    Result<Predictions> predict(const ImageArrays &arrays, ProgressObserver *observer = nullptr);

    // Grad-CAM on the last feature block for one image of the card's input spec
    // (channels x size x size floats).
    Result<CamMap> gradCam(const std::vector<float> &image, CamTarget target = CamTarget::Predicted);

private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace cxr::ml
