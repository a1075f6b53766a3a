// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <optional>

namespace cxr::ml {

// How LibTorch computes in this process. Every part of it is process-wide (the intra-op thread
// count, deterministic algorithms, cuDNN's autotuning, cuBLAS's workspace), so changing one while
// another thread runs a model (the GUI predicts while it trains) would change that model's
// arithmetic under it. The application sets it up before it starts any work; the library reads it
// and never changes it.
struct RuntimeSetup {
    // Processes of a data-parallel run on this machine: they share its cores.
    int processesOnMachine = 1;
    // Deterministic algorithms and cuDNN without autotuning: runs that ask for determinism repeat
    // bit for bit. A process set up without them refuses such runs rather than run them
    // differently from what their settings promise.
    bool deterministic = false;
};

// Applies the set-up: the thread count from the cores this process may use, the determinism
// flags, and cuBLAS's fixed workspace (read when the first cuBLAS handle is made, so it is set
// here, before any GPU work, whatever the first run asks). Called by main(), before work starts.
void setUpRuntime(const RuntimeSetup &setup);

// What the application set up, or nothing when none did (a test, a program that embeds the
// library): the trainer then applies what each of its runs needs itself.
std::optional<RuntimeSetup> runtimeSetup();

// For a run that needs (or not) deterministic algorithms on `ranksOnMachine` processes: checks
// that the application's set-up allows it, or, where no application set one up, applies it.
Status prepareRuntimeForRun(bool deterministic, int ranksOnMachine);

// Before inference or augmentation: every core, where no application set the runtime up.
void prepareRuntimeForInference();

} // namespace cxr::ml
