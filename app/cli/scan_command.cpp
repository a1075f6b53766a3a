// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/data/dataset_scanner.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace cxr::cli {

namespace {

struct ScanOptions {
    std::string folder;
    bool json = false;
};

void printTable(const data::DatasetIndex &index)
{
    std::printf("Dataset %s\n", index.root.string().c_str());
    std::printf("%-8s", "split");
    for (const auto &cls : index.classes) {
        std::printf(" %12s", cls.c_str());
    }
    std::printf(" %8s\n", "total");
    for (const auto &split : index.splits) {
        std::printf("%-8s", split.c_str());
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            std::printf(" %12lld", static_cast<long long>(index.count(split, int(label))));
        }
        std::printf(" %8lld\n", static_cast<long long>(index.count(split)));
    }
    for (const auto &problem : index.problems) {
        std::fprintf(stderr, "problem: %s: %s\n", problem.path.string().c_str(),
                     problem.reason.c_str());
    }
}

nlohmann::json toJson(const data::DatasetIndex &index)
{
    nlohmann::json splits = nlohmann::json::object();
    for (const auto &split : index.splits) {
        nlohmann::json counts = nlohmann::json::object();
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            counts[index.classes[label]] = index.count(split, int(label));
        }
        splits[split] = {{"counts", counts}, {"total", index.count(split)}};
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const auto &problem : index.problems) {
        problems.push_back({{"path", problem.path.string()}, {"reason", problem.reason}});
    }
    return {{"root", index.root.string()},
            {"layout", index.layout == data::DatasetLayout::SplitClass ? "split/class" : "class"},
            {"classes", index.classes},
            {"splits", splits},
            {"images", index.files.size()},
            {"fingerprint", index.fingerprint()},
            {"problems", problems}};
}

} // namespace

Action addScanCommand(CLI::App &app)
{
    auto options = std::make_shared<ScanOptions>();
    CLI::App *command = app.add_subcommand(
        "scan", "List a dataset's splits, classes and image counts, and any unusable files.\n"
                "Exit code 3 when the scan finished but found problem files.");
    command->add_option("folder", options->folder,
                        "dataset folder: train|val|test/CLASS/ or CLASS/ subfolders")
        ->required();
    command->add_flag("--json", options->json, "print the result as JSON");
    return [options]() -> int {
        TerminalProgress progress;
        auto index = data::scanDataset(options->folder, &progress);
        progress.finishLine();
        if (!index) {
            return reportError(index.error());
        }
        if (options->json) {
            std::cout << toJson(*index).dump(2) << std::endl;
        } else {
            printTable(*index);
        }
        return index->problems.empty() ? kSuccess : kProblemsFound;
    };
}

} // namespace cxr::cli
