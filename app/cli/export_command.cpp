// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/ml/state_dict.h"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace cxr::cli {

namespace {

struct ExportOptions {
    std::string run;
    std::string format = "state-dict";
    std::string out;
    bool list = false;
    bool overwrite = false;
};

} // namespace

Action addExportCommand(CLI::App &app)
{
    auto options = std::make_shared<ExportOptions>();
    CLI::App *command = app.add_subcommand(
        "export", "Export a trained model's weights for PyTorch: a state_dict with torchvision's\n"
                  "names, for model.load_state_dict(torch.load(FILE)).");
    command->add_option("run", options->run, "run folder (or its model/ folder)")->required();
    command->add_option("--format", options->format, "state-dict")->capture_default_str();
    command->add_option("--out", options->out, "file to write (.pt)")->required();
    command->add_flag("--list", options->list, "then list the file's tensors and their sums");
    command->add_flag("--overwrite", options->overwrite, "replace an existing file");
    return [options]() -> int {
        if (options->format != "state-dict") {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--format " + options->format + ": only state-dict"));
        }
        // An earlier export may be the only copy someone kept: never replaced unasked.
        std::error_code error;
        if (std::filesystem::exists(options->out, error) && !options->overwrite) {
            return reportError(
                makeError(ErrorCode::WriteFailed,
                          options->out + ": exists (pass --overwrite to replace it)"));
        }
        if (auto written = ml::exportStateDict(options->run, options->out); !written) {
            return reportError(written.error());
        }
        auto sums = ml::stateDictSums(options->out);
        if (!sums) {
            return reportError(sums.error());
        }
        if (options->list) {
            for (const auto &[name, sum] : *sums) {
                std::printf("%-60s %.6g\n", name.c_str(), sum);
            }
        }
        std::printf("%zu tensors written to %s\n", sums->size(), options->out.c_str());
        return int(kSuccess);
    };
}

} // namespace cxr::cli
