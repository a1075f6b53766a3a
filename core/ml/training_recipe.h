// SPDX-License-Identifier: MIT
#pragma once

// Named training recipes: the settings CXR Studio recommends for real work, so that a good
// model does not depend on knowing thirty options. docs/benchmarks.md gives the evidence for
// each choice (validation, the robustness report) and the exact commands.

#include "core/ml/trainer.h"

#include <optional>
#include <string>
#include <vector>

namespace cxr::ml {

// "recommended" (trains on a 2-core CPU in well under an hour on Kermany's 4,688 training
// images) and "recommended-gpu" (a larger network, longer, for a CUDA GPU).
std::vector<std::string> trainingRecipeNames();

// The recipe's settings on top of base (dataset, device, seed and class names are kept); none
// for an unknown name.
std::optional<TrainSettings> trainingRecipe(const std::string &name, const TrainSettings &base);

} // namespace cxr::ml
