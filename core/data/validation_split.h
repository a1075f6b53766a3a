// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/data/dataset_index.h"

#include <cstdint>

namespace cxr::data {

struct ValidationSplitSettings {
    double valFraction = 0.1; // of each class's training images, in (0, 0.5]
    std::uint64_t seed = 42;
};

struct ValidationSplitSummary {
    std::int64_t movedImages = 0;
    std::int64_t movedPatients = 0;
};

// Carves a validation split out of the training split: stratified by class and disjoint by
// patient (all images of a patient move together; an image without a known patient is its own
// patient), reproducible for a seed. Images already in val stay there; test is never touched,
// and no file is moved: save the result with writeManifest.
// The training split is "train", or "all" for a dataset without splits (it becomes "train").
Result<DatasetIndex> carveValidationSplit(const DatasetIndex &index,
                                          const ValidationSplitSettings &settings,
                                          ValidationSplitSummary *summary = nullptr);

} // namespace cxr::data
