// SPDX-License-Identifier: MIT
#include "core/pacs/dicom_write.h"

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/local_store.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmnet/dimse.h>

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

Result<std::optional<fs::path>> storeIncomingInstance(DcmDataset *received, const fs::path &store)
{
    auto path = instancePath(store, stringValue(*received, DCM_StudyInstanceUID),
                             stringValue(*received, DCM_SeriesInstanceUID),
                             stringValue(*received, DCM_SOPInstanceUID));
    std::error_code error;
    if (!path || fs::exists(*path, error)) {
        delete received;
        if (!path) {
            return path.error();
        }
        return std::optional<fs::path>(); // arrived whole in an earlier retrieve
    }
    const E_TransferSyntax syntax = received->getOriginalXfer();
    DcmFileFormat file(received, OFFalse); // takes ownership
    if (auto saved = saveDicomAtomically(file, *path, syntax); !saved) {
        return saved.error();
    }
    return std::optional<fs::path>(*path);
}

Uint16 storeStatusFor(const Error &problem)
{
    return problem.code == ErrorCode::Corrupt ? STATUS_STORE_Error_CannotUnderstand
                                              : STATUS_STORE_Refused_OutOfResources;
}

} // namespace cxr::pacs
