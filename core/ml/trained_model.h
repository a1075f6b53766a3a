// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: a trained network from a model folder (model.json + weights.pt).

#include "core/common/result.h"
#include "core/ml/model_card.h"
#include "core/ml/models.h"

#include <filesystem>

namespace cxr::ml {

struct ModelFolder {
    std::filesystem::path dir; // the folder holding model.json and weights.pt
    ModelCard card;
};

// The model folder of a run (or the model folder itself) and its card. Errors name the folder
// or the card.
Result<ModelFolder> openModelFolder(const std::filesystem::path &runOrModel);

// The card's architecture with the folder's weights, on the CPU. Errors name weights.pt when
// it is missing or does not fit the card.
Result<ClassifierNet> loadTrainedNet(const std::filesystem::path &modelDir, const ModelCard &card);

} // namespace cxr::ml
