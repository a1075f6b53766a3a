// SPDX-License-Identifier: MIT
#include "core/ml/runtime_setup.h"

#include "core/ml/device.h"
#include "core/ml/torch_includes.h"

#include <cstdlib>
#include <mutex>

namespace cxr::ml {

namespace {

std::mutex setupMutex;
std::optional<RuntimeSetup> applicationSetup; // guarded by setupMutex

void applyDeterminism(bool deterministic)
{
    if (deterministic) {
        // cuBLAS is deterministic only with a fixed workspace, and reads the variable when its
        // first handle is made; one already set (by the user) is kept.
#ifdef _WIN32
        if (!std::getenv("CUBLAS_WORKSPACE_CONFIG")) {
            _putenv_s("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
        }
#else
        setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
#endif
    }
    // Warn only: an operation with no deterministic kernel still runs (and says so once).
    torch::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/true);
    torch::globalContext().setDeterministicCuDNN(deterministic);
    torch::globalContext().setBenchmarkCuDNN(!deterministic);
}

} // namespace

void setUpRuntime(const RuntimeSetup &setup)
{
    const std::lock_guard lock(setupMutex);
    useAllCpuCores(setup.processesOnMachine);
    applyDeterminism(setup.deterministic);
    applicationSetup = setup;
}

std::optional<RuntimeSetup> runtimeSetup()
{
    const std::lock_guard lock(setupMutex);
    return applicationSetup;
}

Status prepareRuntimeForRun(bool deterministic, int ranksOnMachine)
{
    const std::lock_guard lock(setupMutex);
    if (!applicationSetup) {
        useAllCpuCores(ranksOnMachine);
        applyDeterminism(deterministic);
        return Ok{};
    }
    if (deterministic && !applicationSetup->deterministic) {
        return makeError(ErrorCode::Unsupported,
                         "the run asks for deterministic algorithms and this process was set up "
                         "without them; start it with cxr train or from the Train page");
    }
    return Ok{};
}

void prepareRuntimeForInference()
{
    const std::lock_guard lock(setupMutex);
    if (!applicationSetup) {
        useAllCpuCores();
    }
}

} // namespace cxr::ml
