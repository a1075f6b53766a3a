// SPDX-License-Identifier: MIT
#pragma once

// The one version every part reports: the app, the CLI, the packages, run configs and model
// cards. Defined in a file CMake generates (core/common/version.cpp.in), so that a new commit
// recompiles that one file and nothing else.
namespace cxr {
extern const char *const kVersion;       // "0.1.0", from project() in the top CMakeLists.txt
extern const char *const kGitCommit;     // short hash, or "unknown" outside a git checkout
extern const char *const kVersionString; // "0.1.0 (abcdef123456)"
} // namespace cxr
