// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: saving a DICOM file so that no half-written file ever stands under its
// name (NAME.partial, then a rename), for retrieved instances and written results alike.

#include "core/common/result.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <filesystem>
#include <optional>

namespace cxr::pacs {

// Creates the folder, writes file (with a file meta header) in syntax, and renames it into
// place. Errors name the file.
Status saveDicomAtomically(DcmFileFormat &file, const std::filesystem::path &target,
                           E_TransferSyntax syntax);

// An instance that arrived from a PACS (C-GET or C-MOVE), written into the local store at
// instancePath unless it is there already (from an earlier retrieve). Takes ownership of
// received. The value: the path written, or none when it was already there. Errors: UIDs that
// are not UIDs (ErrorCode::Corrupt), a write that failed (WriteFailed).
Result<std::optional<std::filesystem::path>>
storeIncomingInstance(DcmDataset *received, const std::filesystem::path &store);

// The C-STORE status that answers an instance storeIncomingInstance could not keep: "cannot
// understand" for UIDs that are not UIDs, "out of resources" for a write that failed.
Uint16 storeStatusFor(const Error &problem);

} // namespace cxr::pacs
