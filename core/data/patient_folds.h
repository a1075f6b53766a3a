// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/data/dataset_index.h"

#include <cstdint>

namespace cxr::data {

// The split name of the images a cross-validation fold holds out for its evaluation.
inline constexpr const char *kHeldOutSplit = "holdout";

struct FoldSettings {
    int folds = 5; // K, in [2, 20]
    int fold = 1;  // which one, 1..K
    std::uint64_t seed = 42;
    double valFraction = 0.1; // of the remaining training images, carved by patient for selection
};

struct FoldSummary {
    std::int64_t heldOutImages = 0;
    std::int64_t heldOutPatients = 0;
};

// One fold of K-fold cross-validation over patients. The training images (train, val or all;
// test is dropped and never seen) are grouped by patient, and each patient is dealt to one of
// K folds, stratified by the patient's majority class and balanced by image count, the same
// way for every fold of a seed. Fold `fold`'s patients become split "holdout"; a validation
// split is carved by patient from the rest (model selection, calibration, threshold and the
// out-of-distribution guard use it, never the held-out patients), and the rest is train.
// Save the result with writeManifest.
Result<DatasetIndex> crossValidationFold(const DatasetIndex &index, const FoldSettings &settings,
                                         FoldSummary *summary = nullptr);

} // namespace cxr::data
