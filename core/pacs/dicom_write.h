// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: saving a DICOM file so that no half-written file ever stands under its
// name (NAME.partial, then a rename), for retrieved instances and written results alike.

#include "core/common/result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <filesystem>

namespace cxr::pacs {

// Creates the folder, writes file (with a file meta header) in syntax, and renames it into
// place. Errors name the file.
Status saveDicomAtomically(DcmFileFormat &file, const std::filesystem::path &target,
                           E_TransferSyntax syntax);

} // namespace cxr::pacs
