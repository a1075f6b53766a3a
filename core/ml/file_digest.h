// SPDX-License-Identifier: MIT
#pragma once

// SHA-256 of a file, so that a model card can name the exact weights it describes and a
// changed or damaged weights file is refused before it predicts anything.

#include "core/common/result.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace cxr::ml {

// Lower-case hex SHA-256 (FIPS 180-4) of bytes.
std::string sha256Hex(std::string_view bytes);

// The same of a file's contents, read in blocks. Errors name the file when it cannot be read.
Result<std::string> sha256OfFile(const std::filesystem::path &file);

} // namespace cxr::ml
