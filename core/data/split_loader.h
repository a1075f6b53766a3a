// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"
#include "core/imaging/model_input.h"

#include <string>
#include <vector>

namespace cxr::data {

// Files that failed to decode while loading; the images that did decode are still returned.
struct LoadReport {
    std::vector<DatasetProblem> failures;
};

// Decodes every file of split through imaging::loadModelInput, in parallel on all cores, into
// one ImageArrays in the index's file order. Cancellable; progress counts images.
// Fails when the split does not exist or is empty.
Result<ImageArrays> loadSplit(const DatasetIndex &index, const std::string &split,
                              const imaging::ModelInputSpec &spec, LoadReport &report,
                              ProgressObserver *observer = nullptr);

} // namespace cxr::data
