// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/pipeline/evaluation_comparison.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace fs = std::filesystem;

Action addCompareCommand(CLI::App &app)
{
    auto folders = std::make_shared<std::vector<fs::path>>();
    auto split = std::make_shared<std::string>("test");
    auto json = std::make_shared<bool>(false);
    CLI::App *command = app.add_subcommand(
        "compare",
        "Compare the saved evaluations of runs and baselines on one split: every metric\n"
        "with its 95% bootstrap interval, side by side.");
    command->add_option("folders", *folders, "run or baseline folders")->required();
    command->add_option("--split", *split, "the evaluated split")->capture_default_str();
    command->add_flag("--json", *json, "print JSON");
    return [folders, split, json]() -> int {
        std::vector<pipeline::SavedEvaluation> evaluations;
        for (const fs::path &folder : *folders) {
            auto saved = pipeline::readSavedEvaluation(folder, *split);
            if (!saved) {
                return reportError(saved.error());
            }
            evaluations.push_back(std::move(*saved));
        }
        const auto &definitions = ml::diagnosticMetricDefinitions();
        if (*json) {
            nlohmann::json all = nlohmann::json::array();
            for (const auto &e : evaluations) {
                nlohmann::json metrics = nlohmann::json::object();
                for (std::size_t d = 0; d < definitions.size(); ++d) {
                    const double value = e.report.metrics.*(definitions[d].member);
                    metrics[definitions[d].key] = {
                        {"value", std::isfinite(value) ? nlohmann::json(value) : nlohmann::json()},
                        {"ci_low", std::isfinite(e.report.intervals[d].low)
                                       ? nlohmann::json(e.report.intervals[d].low)
                                       : nlohmann::json()},
                        {"ci_high", std::isfinite(e.report.intervals[d].high)
                                        ? nlohmann::json(e.report.intervals[d].high)
                                        : nlohmann::json()}};
                }
                all.push_back({{"folder", pathJson(e.folder.string())},
                               {"model", e.name},
                               {"split", e.split},
                               {"images", e.labels.size()},
                               {"threshold", e.report.threshold},
                               {"metrics", metrics}});
            }
            std::cout << jsonText(all, 2) << "\n";
            return int(kSuccess);
        }
        std::printf("Split '%s'; value [95%% bootstrap interval]\n", split->c_str());
        for (std::size_t i = 0; i < evaluations.size(); ++i) {
            std::printf("  (%zu) %s, %zu images, threshold %.3f: %s\n", i + 1,
                        evaluations[i].name.c_str(), evaluations[i].labels.size(),
                        evaluations[i].report.threshold, evaluations[i].folder.string().c_str());
        }
        std::printf("%-26s", "metric");
        for (std::size_t i = 0; i < evaluations.size(); ++i) {
            std::printf(" %22s", ("(" + std::to_string(i + 1) + ")").c_str());
        }
        std::printf("\n");
        for (std::size_t d = 0; d < definitions.size(); ++d) {
            std::printf("%-26s", definitions[d].label);
            for (const auto &e : evaluations) {
                const double value = e.report.metrics.*(definitions[d].member);
                const ml::ConfidenceInterval &ci = e.report.intervals[d];
                char cell[64];
                if (!std::isfinite(value)) {
                    std::snprintf(cell, sizeof cell, "-");
                } else if (std::isfinite(ci.low)) {
                    std::snprintf(cell, sizeof cell, "%.3f [%.3f-%.3f]", value, ci.low, ci.high);
                } else {
                    std::snprintf(cell, sizeof cell, "%.3f", value);
                }
                std::printf(" %22s", cell);
            }
            std::printf("\n");
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
