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

// Decodes files (count of them) through imaging::loadModelInputBytes, in parallel on all cores,
// into out: spec's image size for each, in order. decoded[i] is 1 for a file that decoded, 0
// with errors[i] set for one that did not. Cancellable; progress counts these files. Returns
// false when cancelled.
bool decodeModelInputs(const DatasetFile *const *files, std::size_t count,
                       const imaging::ModelInputSpec &spec, std::uint8_t *out, char *decoded,
                       Error *errors, ProgressObserver *observer);

// Decodes every file of split through imaging::loadModelInput, in parallel on all cores, into
// one ImageArrays in the index's file order. Cancellable; progress counts images.
// Fails when the split does not exist or is empty.
Result<ImageArrays> loadSplit(const DatasetIndex &index, const std::string &split,
                              const imaging::ModelInputSpec &spec, LoadReport &report,
                              ProgressObserver *observer = nullptr);

} // namespace cxr::data
