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
class ClassifierNetImpl : public torch::nn::Module {
public:
    virtual torch::Tensor features(const torch::Tensor &input) = 0;
    // features() as named stages (the network's blocks, input to output), so that Grad-CAM can
    // explain any of them: features(x) == stage(n-1, ... stage(0, x)). The default is one stage,
    // the whole of features().
    virtual std::vector<std::string> stageNames() const { return {"features"}; }
    virtual torch::Tensor stage(std::size_t /*index*/, const torch::Tensor &x)
    {
        return features(x);
    }
    virtual torch::Tensor head(const torch::Tensor &featureMap) = 0;
    torch::Tensor forward(const torch::Tensor &input) { return head(features(input)); }
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
