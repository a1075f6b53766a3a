// SPDX-License-Identifier: MIT
#pragma once

// What a model of the zoo looks like, without LibTorch types: for the GUI's model picker,
// `cxr train`, and tests of the architectures.

#include "core/common/result.h"
#include "core/ml/model_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cxr::ml {

struct ModelSummary {
    std::int64_t parameters = 0;      // trainable and frozen weights and biases
    std::int64_t featureChannels = 0; // of the map Grad-CAM explains, for spec's input
    std::int64_t featureHeight = 0;
    std::int64_t featureWidth = 0;
    std::int64_t logits = 0;              // 1 for a binary model
    std::vector<std::string> tensorNames; // state_dict keys, parameters and buffers, in order
};

// Builds spec's network on the CPU and passes one blank image through it. Errors: an unknown
// architecture, or an input too small for it.
Result<ModelSummary> summarizeModel(const ModelSpec &spec);

} // namespace cxr::ml
