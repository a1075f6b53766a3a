// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"

namespace cxr::data {

// Lists a dataset folder without decoding images: layout, classes, splits and files, each file
// identified by its leading bytes. Files that cannot be used (not an image, empty, truncated
// JPEG, unreadable) become problems with a reason; the scan goes on.
// Fails, naming the folder, when it is missing, not a folder, or has no class folders with
// images. Symbolic links to folders are not followed (no loops). Progress counts folders.
Result<DatasetIndex> scanDataset(const std::filesystem::path &root,
                                 ProgressObserver *observer = nullptr);

} // namespace cxr::data
