// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: LibTorch archives written so that a crash never leaves half a file.

#include "core/common/result.h"

#include <torch/serialize.h>

#include <filesystem>

namespace cxr::ml {

// Saves archive to file through a temporary file and a rename. what names the content in
// errors ("checkpoint", "model weights").
Status saveArchiveAtomically(torch::serialize::OutputArchive &archive, const std::filesystem::path &file,
                             const char *what);

} // namespace cxr::ml
