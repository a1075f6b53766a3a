// SPDX-License-Identifier: MIT
#pragma once

#include "core/pipeline/cross_validation.h"

namespace cxr::cli {

// Per fold: images, the threshold its validation chose and the held-out metrics at it; then
// the mean and standard deviation over the folds and the pooled held-out ROC AUC.
void printCrossValidation(const pipeline::CrossValidationResult &result);

} // namespace cxr::cli
