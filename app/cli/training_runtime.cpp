// SPDX-License-Identifier: MIT
#include "training_runtime.h"

#include "core/ml/process_group.h"
#include "core/ml/run_folder.h"
#include "core/ml/runtime_setup.h"

namespace cxr::cli {

void setUpDefaultRuntime()
{
    ml::setUpRuntime({});
}

void setUpRuntimeFor(const pipeline::TrainJob &job)
{
    ml::RuntimeSetup setup;
    if (job.group) {
        setup.processesOnMachine = job.group->launch().localWorldSize;
    }
    setup.deterministic = job.settings.deterministic;
    if (job.resume) {
        // An unreadable config is reported by the training job itself.
        if (auto recorded = ml::readRunConfig(ml::RunPaths{job.runDir})) {
            setup.deterministic = recorded->deterministic;
        }
    }
    ml::setUpRuntime(setup);
}

} // namespace cxr::cli
