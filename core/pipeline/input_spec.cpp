// SPDX-License-Identifier: MIT
#include "core/pipeline/input_spec.h"

namespace cxr::pipeline {

imaging::ModelInputSpec inputSpecFor(const ml::ModelSpec &spec)
{
    imaging::ModelInputSpec input;
    input.size = spec.inputSize;
    input.channels = spec.channels;
    input.resize =
        spec.resize == "letterbox" ? imaging::ResizeMode::Letterbox : imaging::ResizeMode::Squash;
    return input;
}

} // namespace cxr::pipeline
