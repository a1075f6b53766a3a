// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: LibTorch archives written so that a crash never leaves half a file.

#include "core/common/result.h"

#include <torch/serialize.h>

#include <filesystem>

namespace cxr::ml {

// Saves archive beside file and renames it over it: a crash leaves the old file or the new
// one, never half of one. what names the content in errors ("checkpoint", "model weights").
Status saveArchiveAtomically(torch::serialize::OutputArchive &archive,
                             const std::filesystem::path &file, const char *what);

} // namespace cxr::ml
