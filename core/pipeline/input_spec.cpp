// SPDX-License-Identifier: MIT
#include "core/pipeline/input_spec.h"

namespace cxr::pipeline {

imaging::ModelInputSpec inputSpecFor(const ml::ModelSpec &spec)
{
    imaging::ModelInputSpec input;
    input.size = spec.inputSize;
    input.channels = spec.channels;
    input.resize = imaging::ResizeMode::Squash; // the only mode the card format has so far
    return input;
}

} // namespace cxr::pipeline
