// SPDX-License-Identifier: MIT
#pragma once

// LibTorch archives (weights.pt, checkpoints, torch.save state_dicts) are zip files whose
// records LibTorch reads without checking their CRC-32 (its zip reader is built with the check
// off). Damaged source or pickles then reach LibTorch's TorchScript compiler and unpickler,
// which can crash on them (a SEGV in ScriptTypeParser, found by fuzz_checkpoint). Checking every
// record against its CRC first turns a damaged file into an error naming it. No LibTorch here.

#include "core/common/result.h"

#include <filesystem>
#include <string>

namespace cxr::ml {

// Ok when file is a zip archive whose records are stored or deflated (as LibTorch writes them),
// each listed once, inside the file, with data matching its CRC-32 (deflated records are
// inflated for it when the build has zlib). Otherwise a Corrupt error naming the file: "FILE:
// not KIND (not a zip archive ...)" or "FILE: damaged (the data of RECORD does not match its
// CRC-32)". kind: "a state_dict saved by torch.save", "model weights", "a checkpoint".
Status checkArchiveIntegrity(const std::filesystem::path &file, const std::string &kind);

} // namespace cxr::ml
