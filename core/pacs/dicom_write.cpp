// SPDX-License-Identifier: MIT
#include "core/pacs/dicom_write.h"

#include <system_error>

namespace cxr::pacs {

namespace fs = std::filesystem;

Status saveDicomAtomically(DcmFileFormat &file, const fs::path &target, E_TransferSyntax syntax)
{
    std::error_code error;
    if (!target.parent_path().empty()) {
        fs::create_directories(target.parent_path(), error);
    }
    const fs::path partial = target.string() + ".partial";
    const OFCondition saved = file.saveFile(partial.string().c_str(), syntax);
    if (saved.bad()) {
        fs::remove(partial, error);
        return makeError(ErrorCode::WriteFailed,
                         target.string() + ": cannot write (" + saved.text() + ")");
    }
    fs::rename(partial, target, error);
    if (error) {
        fs::remove(partial, error);
        return makeError(ErrorCode::WriteFailed,
                         target.string() + ": cannot move into place (" + error.message() + ")");
    }
    return Ok{};
}

} // namespace cxr::pacs
