// SPDX-License-Identifier: MIT
// A fixture of tests/architecture_check.cmake: a facade that reaches LibTorch through another
// header, so the check must follow includes to see it.
#pragma once

#include "core/ml/hidden.h"
