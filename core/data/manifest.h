// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"

#include <filesystem>

namespace cxr::data {

// A CSV manifest lists a dataset without moving its files (DICOM collections, carved splits):
//   path,label[,split][,patient]
// with that header row. Paths are relative to the CSV's folder (or absolute); fields may be
// double-quoted. A missing split means "all". Rows whose file is missing or unusable, or whose
// label is empty, become problems naming the row; the scan goes on.
// A UTF-8 byte-order mark before the header (Excel's "CSV UTF-8") is skipped.
// Fails when the CSV cannot be read, lacks the path or label column, names a column twice, or
// lists no usable image.
Result<DatasetIndex> scanManifest(const std::filesystem::path &csv,
                                  ProgressObserver *observer = nullptr);

// Writes index as a manifest (path,label,split,patient) to csv, atomically. Paths are written
// relative to the CSV's folder when they lie under it, absolute otherwise.
Status writeManifest(const std::filesystem::path &csv, const DatasetIndex &index);

} // namespace cxr::data
