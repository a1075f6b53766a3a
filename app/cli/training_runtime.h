// SPDX-License-Identifier: MIT
#pragma once

// The LibTorch runtime of a `cxr` process (core/ml/runtime_setup.h): main() sets up the default
// for every command; a command that trains sets it up again for its run, once its settings are
// known and before any work starts.

#include "core/pipeline/training_job.h"

namespace cxr::cli {

// Every core, no determinism flags.
void setUpDefaultRuntime();

// For a training job: its ranks on this machine share the cores, and its settings (a resumed
// run's as its config.json records them) say whether it needs deterministic algorithms.
void setUpRuntimeFor(const pipeline::TrainJob &job);

} // namespace cxr::cli
