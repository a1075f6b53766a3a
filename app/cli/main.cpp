// SPDX-License-Identifier: MIT
// `cxr`: the command-line front of CXR Studio. Wiring only: each subcommand lives in its own file.
#include "commands.h"
#include "training_runtime.h"

#include "core/common/allocator_tuning.h"
#include "core/common/version.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace {
std::vector<std::string> &storedCommandLine()
{
    static std::vector<std::string> arguments;
    return arguments;
}
} // namespace

const std::vector<std::string> &cxr::cli::commandLine()
{
    return storedCommandLine();
}

namespace {

int run(int argc, char **argv)
{
    storedCommandLine().assign(argv + std::min(argc, 1), argv + argc);
    cxr::tuneAllocatorForLargeBuffers();
    CLI::App app{"CXR Studio command line: chest X-ray datasets, training, evaluation and Grad-CAM",
                 "cxr"};
    app.set_version_flag("--version", std::string("cxr ") + cxr::kVersionString);
    app.require_subcommand(1);
    std::vector<std::pair<CLI::App *, cxr::cli::Action>> actions;
    auto add = [&](auto adder) {
        const std::size_t before = app.get_subcommands({}).size();
        cxr::cli::Action action = adder(app);
        actions.emplace_back(app.get_subcommands({}).at(before), std::move(action));
    };
    add(cxr::cli::addScanCommand);
    add(cxr::cli::addSplitCommand);
    add(cxr::cli::addCacheCommand);
    add(cxr::cli::addTrainCommand);
    add(cxr::cli::addEvaluateCommand);
    add(cxr::cli::addBaselineCommand);
    add(cxr::cli::addCompareCommand);
    add(cxr::cli::addPredictCommand);
    add(cxr::cli::addExplainCommand);
    add(cxr::cli::addExportCommand);
    add(cxr::cli::addCalibrateCommand);
    add(cxr::cli::addEnsembleCommand);
    add(cxr::cli::addAugmentCommand);
    add(cxr::cli::addInfoCommand);
    add(cxr::cli::addDevicesCommand);
    add(cxr::cli::addConvertCommand);
    add(cxr::cli::addPacsCommand);
    add(cxr::cli::addTuneCommand);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : cxr::cli::kUsage;
    }
    for (auto &[command, action] : actions) {
        if (command->parsed()) {
            cxr::cli::setUpDefaultRuntime();
            return action();
        }
    }
    return cxr::cli::kUsage;
}

} // namespace

int main(int argc, char **argv)
{
    // A command reports its own errors; what escapes it (memory exhausted, a library's
    // exception) still ends the program with a message and the failure status (1).
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "cxr: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "cxr: internal error\n");
    }
    return cxr::cli::kFailure;
}
