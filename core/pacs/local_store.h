// SPDX-License-Identifier: MIT
#pragma once

// The local store of retrieved DICOM files: ROOT/<StudyInstanceUID>/<SeriesInstanceUID>/
// <SOPInstanceUID>.dcm. UIDs become folder names only after checking that they are UIDs
// (digits and dots, at most 64 characters), so a remote cannot write outside the store.

#include "core/common/result.h"

#include <filesystem>
#include <string>

namespace cxr::pacs {

// PS3.5 9.1: components of digits separated by dots, 1 to 64 characters.
bool isValidUid(const std::string &uid);

// The folder of a study in the store, or of one of its series when seriesUid is not empty;
// an error names the UID that is not one.
Result<std::filesystem::path> storeFolder(const std::filesystem::path &root,
                                          const std::string &studyUid,
                                          const std::string &seriesUid = {});

// Where an instance goes in the store; an error names the UID that is not one.
Result<std::filesystem::path> instancePath(const std::filesystem::path &root,
                                           const std::string &studyUid,
                                           const std::string &seriesUid,
                                           const std::string &sopInstanceUid);

} // namespace cxr::pacs
