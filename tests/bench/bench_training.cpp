// SPDX-License-Identifier: MIT
// small-cnn training throughput on the CPU (224 px, batch 32) through the real trainer.
// With CXR_BENCH_DEFAULT_MALLOC=1 the glibc allocator keeps its defaults: the baseline for the
// allocator tuning that cxr and cxr-studio apply at start.
#include "core/common/allocator_tuning.h"
#include "tests/bench/bench_training_runs.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_training DATASET\n");
        return 2;
    }
    if (std::getenv("CXR_BENCH_DEFAULT_MALLOC") == nullptr) {
        cxr::tuneAllocatorForLargeBuffers();
    }
    const auto data = cxr::bench::loadTrainAndVal(argv[1]);
    if (!data) {
        return 1;
    }
    const auto times = cxr::bench::timeTraining(*data, cxr::bench::benchSettings(*data));
    if (times.imagesPerSecond < 0) {
        return 1;
    }
    std::printf("epochs 2-3: %.1f images/s (train + validation pass)\n", times.imagesPerSecond);
    return 0;
}
