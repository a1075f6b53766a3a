// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: a trained network from a model folder (model.json + weights.pt).

#include "core/common/result.h"
#include "core/ml/model_card.h"
#include "core/ml/models.h"

#include <filesystem>

namespace cxr::ml {

// The card's architecture with the folder's weights, on the CPU. Errors name weights.pt when
// it is missing or does not fit the card.
Result<ClassifierNet> loadTrainedNet(const std::filesystem::path &modelDir, const ModelCard &card);

} // namespace cxr::ml
