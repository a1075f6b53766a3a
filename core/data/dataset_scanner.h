// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/data/dataset_index.h"

namespace cxr::data {

struct ScanOptions {
    // Open every file (inspectDataset). Off, the scan only lists names, which is as fast as a
    // directory listing: the GUI shows that at once and inspects in the background.
    bool inspectFiles = true;
};

// Scans a dataset folder (or a .csv manifest) without decoding images: layout, classes, splits
// and files. With inspectFiles, each file is identified by its leading bytes and its header
// is read; files that cannot be used (not an image, empty, truncated JPEG, unreadable, a size
// beyond the loaders' limits, a DICOM header the loader refuses) become problems with a
// reason, and the scan goes on.
// Fails, naming the folder, when it is missing, not a folder, or has no class folders with
// images. Symbolic links to folders are not followed (no loops). Entries that cannot be images
// (symbolic link loops, dangling links, links to folders, FIFOs, sockets, devices, a folder
// named like an image) are problems too, in either mode, and are never opened. Progress counts
// folders, then files while they are inspected.
Result<DatasetIndex> scanDataset(const std::filesystem::path &root,
                                 ProgressObserver *observer = nullptr, ScanOptions options = {});

// The second half of a scan: opens the listed files on all cores, fills in their sizes,
// formats and headers, and moves the unusable ones to problems. Classes and splits left with
// no image are dropped. Does nothing to an index whose files were inspected already.
Result<DatasetIndex> inspectDataset(DatasetIndex index, ProgressObserver *observer = nullptr);

} // namespace cxr::data
