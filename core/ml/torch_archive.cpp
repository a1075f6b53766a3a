// SPDX-License-Identifier: MIT
#include "core/ml/torch_archive.h"

#include "core/ml/torch_errors.h"

namespace cxr::ml {

Status saveArchiveAtomically(torch::serialize::OutputArchive &archive, const std::filesystem::path &file,
                             const char *what)
{
    try {
        const std::filesystem::path temporary = file.string() + ".partial";
        archive.save_to(temporary.string());
        std::filesystem::rename(temporary, file);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::WriteFailed, file.string() + ": cannot write " + what + " (" +
                                                     errorSummary(e) + ")");
    }
    return Ok{};
}

} // namespace cxr::ml
