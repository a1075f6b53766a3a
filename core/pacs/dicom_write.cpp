// SPDX-License-Identifier: MIT
#include "core/pacs/dicom_write.h"

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/local_store.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmnet/dimse.h>

#include <cerrno>
#include <system_error>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

// Why a write failed, in words the user can act on. DCMTK says "I/O suspension or premature
// end of stream" for every failed write; the system's error tells a full disk apart.
std::string writeProblem(const fs::path &target, const OFCondition &saved, int writeErrno)
{
    if (writeErrno == ENOSPC
#ifdef EDQUOT
        || writeErrno == EDQUOT
#endif
    ) {
        std::error_code error;
        const fs::space_info space = fs::space(target.parent_path(), error);
        const std::string free =
            error ? std::string()
                  : ", " + std::to_string(space.available / (1024 * 1024)) + " MiB free";
        return "the disk is full" + free;
    }
    if (writeErrno == EFBIG) {
        return "the file is larger than the system lets this program write";
    }
    return saved.text();
}

} // namespace

Status saveDicomAtomically(DcmFileFormat &file, const fs::path &target, E_TransferSyntax syntax)
{
    std::error_code error;
    if (!target.parent_path().empty()) {
        fs::create_directories(target.parent_path(), error);
    }
    const fs::path partial = target.string() + ".partial";
    errno = 0;
    const OFCondition saved = file.saveFile(partial.string().c_str(), syntax);
    if (saved.bad()) {
        const int writeErrno = errno;
        fs::remove(partial, error);
        return makeError(ErrorCode::WriteFailed, target.string() + ": cannot write: " +
                                                     writeProblem(target, saved, writeErrno));
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
