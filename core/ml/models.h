// SPDX-License-Identifier: MIT
#pragma once

// LibTorch models of the zoo. Internal to core/ml: includes LibTorch.

#include "core/ml/model_spec.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace cxr::ml {

// Every classifier splits into features(x) -> feature map and head(f) -> logits, because
// LibTorch has no module hooks: Grad-CAM takes the feature map and its gradient between them.
// A binary model returns one logit per image (sigmoid gives P(class 1)).
//
// The input normalisation of the model card (ModelSpec::normalisation) is part of the network:
// features() and stage(0, ...) apply it before the first layer, so training (after its
// augmentation), prediction, evaluation, the robustness report and Grad-CAM all feed the layers
// the same thing, and a shift the robustness report applies to an image meets the
// normalisation exactly as another hospital's image would.
class ClassifierNetImpl : public torch::nn::Module {
public:
    torch::Tensor features(const torch::Tensor &input)
    {
        return computeFeatures(normalisedInput(input));
    }
    // features() as named stages (the network's blocks, input to output), so that Grad-CAM can
    // explain any of them: features(x) == stage(n-1, ... stage(0, x)). The default is one stage,
    // the whole of features().
    virtual std::vector<std::string> stageNames() const { return {"features"}; }
    torch::Tensor stage(std::size_t index, const torch::Tensor &x)
    {
        return computeStage(index, index == 0 ? normalisedInput(x) : x);
    }
    virtual torch::Tensor head(const torch::Tensor &featureMap) = 0;
    torch::Tensor forward(const torch::Tensor &input) { return head(features(input)); }

    // Set once, by makeClassifierNet, from ModelSpec::normalisation.
    void setEqualiseInput(bool equalise) { m_equaliseInput = equalise; }

protected:
    // The layers themselves, on the normalised input.
    virtual torch::Tensor computeFeatures(const torch::Tensor &input) = 0;
    virtual torch::Tensor computeStage(std::size_t /*index*/, const torch::Tensor &x)
    {
        return computeFeatures(x);
    }

private:
    torch::Tensor normalisedInput(const torch::Tensor &input) const;
    bool m_equaliseInput = false;
};

using ClassifierNet = std::shared_ptr<ClassifierNetImpl>;

// Builds an untrained network for spec; throws std::invalid_argument for an unknown
// architecture (callers validate with isKnownArchitecture first).
ClassifierNet makeClassifierNet(const ModelSpec &spec);

// True for a state_dict name that belongs to the architecture's head (what is trained when the
// feature extractor is frozen): the classifier layers after global pooling.
bool isHeadTensor(const std::string &architecture, const std::string &name);

// Number of logits a model for classCount classes outputs (1 for binary).
int logitCount(std::size_t classCount);

} // namespace cxr::ml
