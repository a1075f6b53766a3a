// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"
#include "core/ml/model_spec.h"

#include <filesystem>
#include <string>

namespace cxr::pipeline {

// A dataset's split decoded to a model's input, for the workflows that score a model on
// labelled images: evaluation, site calibration, an ensemble's threshold.
struct LabelledSplit {
    data::DatasetIndex index; // the scanned dataset (root, splits, classes)
    ImageArrays images;
};

// Scans dataset, checks that its classes are the model's, and decodes split through the tensor
// cache (cacheDir empty: no cache). Errors: the dataset's, classes that differ (both named), or
// the first image that fails to decode: never a silent subset of the split.
Result<LabelledSplit> loadLabelledSplit(const std::filesystem::path &dataset,
                                        const std::string &split, const ml::ModelSpec &spec,
                                        const std::filesystem::path &cacheDir,
                                        ProgressObserver *observer = nullptr);

} // namespace cxr::pipeline
