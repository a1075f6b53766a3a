// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/dataset_statistics.h"
#include "core/data/leakage_check.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <optional>

namespace cxr::cli {

namespace {

struct ScanOptions {
    std::string folder;
    bool json = false;
    bool checkLeakage = true;
    bool nearDuplicates = false;
};

void printStatistics(const data::DatasetStatistics &statistics)
{
    for (const data::SplitStatistics &s : statistics.splits) {
        if (s.total == 0) {
            continue;
        }
        std::printf("%-8s majority-class baseline %.1f%% (%s)", s.split.c_str(),
                    100.0 * s.majorityBaseline, s.majorityClass.c_str());
        if (s.imbalanceRatio == 0) {
            std::printf("; warning: a class has no images\n");
        } else if (s.imbalanceRatio >= data::kImbalanceWarningRatio) {
            std::printf("; warning: class imbalance %.2f:1\n", s.imbalanceRatio);
        } else {
            std::printf("; imbalance %.2f:1\n", s.imbalanceRatio);
        }
    }
    std::printf("formats:");
    for (const auto &[format, count] : statistics.formats) {
        std::printf(" %s %lld", format.c_str(), static_cast<long long>(count));
    }
    std::printf("; file size %lld B to %lld B, median %lld B\n",
                static_cast<long long>(statistics.smallestFileBytes),
                static_cast<long long>(statistics.largestFileBytes),
                static_cast<long long>(statistics.medianFileBytes));
}

void printLeakage(const data::LeakageReport &report)
{
    for (const data::PatientLeak &leak : report.patientLeaks) {
        std::printf("leak: patient %s has %lld images in %s\n", leak.patient.c_str(),
                    static_cast<long long>(leak.images), joined(leak.splits).c_str());
    }
    for (const data::DuplicateGroup &group : report.exactDuplicates) {
        std::printf("leak: identical files in different splits:");
        for (const auto &path : group.paths) {
            std::printf(" %s", path.string().c_str());
        }
        std::printf("\n");
    }
    for (const data::NearDuplicate &pair : report.nearDuplicates) {
        std::printf("leak: near-duplicate images (thumbnails differ by %.1f grey levels): %s (%s) "
                    "and %s (%s)\n",
                    pair.thumbnailDifference, pair.first.string().c_str(), pair.firstSplit.c_str(),
                    pair.second.string().c_str(), pair.secondSplit.c_str());
    }
    if (report.validationTooSmall) {
        std::printf("warning: %s\n", report.validationAdvice.c_str());
    }
    if (report.patientLeaks.empty() && report.exactDuplicates.empty() &&
        report.nearDuplicates.empty()) {
        std::printf(report.nearDuplicatesChecked
                        ? "no patient, file or near-duplicate image appears in two splits"
                        : "no patient or file appears in two splits");
        if (report.filesWithoutPatient > 0) {
            std::printf(" (%lld files carry no patient id)",
                        static_cast<long long>(report.filesWithoutPatient));
        }
        std::printf("\n");
    }
}

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
        std::fprintf(stderr, "problem: %s: %s\n", oneLine(problem.path.string()).c_str(),
                     oneLine(problem.reason).c_str());
    }
}

nlohmann::json leakageJson(const data::LeakageReport &report)
{
    nlohmann::json patients = nlohmann::json::array();
    for (const auto &leak : report.patientLeaks) {
        patients.push_back(
            {{"patient", leak.patient}, {"splits", leak.splits}, {"images", leak.images}});
    }
    nlohmann::json duplicates = nlohmann::json::array();
    for (const auto &group : report.exactDuplicates) {
        nlohmann::json paths = nlohmann::json::array();
        for (const auto &path : group.paths) {
            paths.push_back(pathJson(path.string()));
        }
        duplicates.push_back({{"paths", paths}, {"splits", group.splits}});
    }
    nlohmann::json near = nlohmann::json::array();
    for (const auto &pair : report.nearDuplicates) {
        near.push_back({{"paths", {pathJson(pair.first.string()), pathJson(pair.second.string())}},
                        {"splits", {pair.firstSplit, pair.secondSplit}},
                        {"thumbnail_difference", pair.thumbnailDifference}});
    }
    return {{"patients_in_several_splits", patients},
            {"identical_files_across_splits", duplicates},
            {"near_duplicates_across_splits",
             report.nearDuplicatesChecked ? near : nlohmann::json("not checked")},
            {"validation_too_small", report.validationTooSmall},
            {"advice", report.validationAdvice}};
}

nlohmann::json toJson(const data::DatasetIndex &index, const data::DatasetStatistics &statistics,
                      const data::LeakageReport *leakage)
{
    nlohmann::json splits = nlohmann::json::object();
    for (const auto &split : index.splits) {
        nlohmann::json counts = nlohmann::json::object();
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            counts[index.classes[label]] = index.count(split, int(label));
        }
        splits[split] = {{"counts", counts}, {"total", index.count(split)}};
    }
    for (const data::SplitStatistics &s : statistics.splits) {
        splits[s.split]["majority_baseline"] = s.majorityBaseline;
        splits[s.split]["imbalance_ratio"] = s.imbalanceRatio;
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const auto &problem : index.problems) {
        problems.push_back({{"path", pathJson(problem.path.string())}, {"reason", problem.reason}});
    }
    return {{"root", pathJson(index.root.string())},
            {"layout", index.layout == data::DatasetLayout::SplitClass  ? "split/class"
                       : index.layout == data::DatasetLayout::ClassOnly ? "class"
                                                                        : "manifest"},
            {"classes", index.classes},
            {"splits", splits},
            {"images", index.files.size()},
            {"fingerprint", index.fingerprint()},
            {"problems", problems},
            {"formats", statistics.formats},
            {"leakage", leakage ? leakageJson(*leakage) : nlohmann::json()}};
}

} // namespace

Action addScanCommand(CLI::App &app)
{
    auto options = std::make_shared<ScanOptions>();
    CLI::App *command = app.add_subcommand(
        "scan", "List a dataset's splits, classes and image counts, its class balance, any\n"
                "unusable files, and patients or files that appear in two splits.\n"
                "Exit code 3 when the scan finished but found problem files.");
    command
        ->add_option("folder", options->folder,
                     "dataset folder: train|val|test/CLASS/ or CLASS/ subfolders")
        ->required();
    command->add_flag("--json", options->json, "print the result as JSON");
    command->add_flag("!--no-leakage-check", options->checkLeakage,
                      "skip the patient and duplicate checks (they read every file)");
    command->add_flag("--near-duplicates", options->nearDuplicates,
                      "also look for resized or re-encoded copies across splits (decodes every "
                      "image at its smallest size)");
    return [options]() -> int {
        TerminalProgress progress;
        auto index = data::scanDataset(options->folder, &progress);
        progress.finishLine();
        if (!index) {
            return reportError(index.error());
        }
        const data::DatasetStatistics statistics = data::computeStatistics(*index);
        std::optional<data::LeakageReport> leakage;
        if (options->checkLeakage) {
            progress.stage("Checking for leakage across splits");
            leakage = data::checkLeakage(*index, &progress,
                                         options->nearDuplicates ? data::NearDuplicates::Check
                                                                 : data::NearDuplicates::Skip);
            progress.finishLine();
        }
        if (options->json) {
            std::cout << jsonText(toJson(*index, statistics, leakage ? &*leakage : nullptr), 2)
                      << std::endl;
        } else {
            printTable(*index);
            printStatistics(statistics);
            if (leakage) {
                printLeakage(*leakage);
            }
        }
        return index->problems.empty() ? kSuccess : kProblemsFound;
    };
}

} // namespace cxr::cli
