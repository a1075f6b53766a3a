// SPDX-License-Identifier: MIT
// A fixture of tests/architecture_check.cmake: a page that includes a facade, nothing else.
#include "core/ml/facade.h"
