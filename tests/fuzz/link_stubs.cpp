// SPDX-License-Identifier: MIT
// The weights readers live beside openModelFolder, which needs run_folder.cpp's findModelDir;
// run_folder.cpp's run-config readers in turn name two functions of trainer.cpp, which would
// bring in the whole trainer (most of core/ml) and double the fuzz build. The fuzz targets never
// read a run config: these stand in for the two and stop the process if that ever changes.
// Likewise the networks' batch norm (batch_norm.cpp) can sum over the ranks of a data-parallel
// run, which would bring in the process groups; the fuzz targets never train.
#include "core/ml/torch_process_group.h"
#include "core/ml/trainer.h"

#include <cstdio>
#include <cstdlib>

namespace cxr::ml {

namespace {
[[noreturn]] void notInFuzzBuild(const char *name)
{
    std::fprintf(stderr, "fuzz: %s is not part of the fuzz build (tests/fuzz/link_stubs.cpp)\n",
                 name);
    std::abort();
}
} // namespace

const char *optimizerName(OptimizerKind)
{
    notInFuzzBuild("optimizerName");
}

std::optional<OptimizerKind> parseOptimizer(const std::string &)
{
    notInFuzzBuild("parseOptimizer");
}

Status sumOverRanks(const ProcessGroup &, const at::Tensor &)
{
    notInFuzzBuild("sumOverRanks");
}

} // namespace cxr::ml
