// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/model_input.h"
#include "core/ml/model_spec.h"

namespace cxr::pipeline {

// The imaging side of a model's input contract, from its model card's spec.
imaging::ModelInputSpec inputSpecFor(const ml::ModelSpec &spec);

} // namespace cxr::pipeline
