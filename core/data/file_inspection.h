// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/data: the quick checks every scanned file goes through.

#include "core/data/dataset_index.h"

#include <string>

namespace cxr::data {

// Fills file.bytes, file.format and file.header for path without decoding it. Returns an empty
// string when the file looks usable, otherwise the reason it is not ("empty file", "truncated
// JPEG", "a FIFO", "image is 40000x40000 pixels, larger than ...", ...). Never opens anything
// but a regular file.
std::string inspectImageFile(const std::filesystem::path &path, DatasetFile &file);

// Orders files by their path as a plain string: comparing std::filesystem::path component by
// component made sorting the largest part of a scan.
inline bool byPath(const DatasetFile &a, const DatasetFile &b)
{
    return a.path.native() < b.path.native();
}

// Sorts splits train, val, test first, then others by name.
void sortSplits(std::vector<std::string> &splits);

} // namespace cxr::data
