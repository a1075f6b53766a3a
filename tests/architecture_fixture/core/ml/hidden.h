// SPDX-License-Identifier: MIT
// A fixture of tests/architecture_check.cmake: the header that includes LibTorch.
#pragma once

#include <torch/types.h>
