// SPDX-License-Identifier: MIT
// The weights readers live beside openModelFolder, which needs run_folder.cpp's findModelDir;
// run_folder.cpp's run-config readers in turn name two functions of trainer.cpp, which would
// bring in the whole trainer (most of core/ml) and double the fuzz build. The fuzz targets never
// read a run config: these stand in for the two and stop the process if that ever changes.
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

} // namespace cxr::ml
