// SPDX-License-Identifier: MIT
#include "core/ml/torch_archive.h"

#include "core/ml/torch_errors.h"

namespace cxr::ml {

Status saveArchiveAtomically(torch::serialize::OutputArchive &archive,
                             const std::filesystem::path &file, const char *what)
{
    const std::filesystem::path temporary = file.string() + ".partial";
    try {
        archive.save_to(temporary.string());
        std::filesystem::rename(temporary, file);
    } catch (const std::exception &e) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored); // a failed write leaves nothing behind
        return makeError(ErrorCode::WriteFailed,
                         file.string() + ": cannot write " + what + " (" + errorSummary(e) + ")");
    }
    return Ok{};
}

} // namespace cxr::ml
