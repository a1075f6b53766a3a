// SPDX-License-Identifier: MIT
#include "commands.h"

#include "core/common/json_text.h"
#include "core/ml/device.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

Action addDevicesCommand(CLI::App &app)
{
    auto json = std::make_shared<bool>(false);
    CLI::App *command = app.add_subcommand(
        "devices", "List what this machine can train and predict on: the CPU and every CUDA GPU\n"
                   "with its memory (names for --device).");
    command->add_flag("--json", *json, "print a JSON array");
    return [json]() -> int {
        nlohmann::json all = nlohmann::json::array();
        for (const ml::ComputeDevice &device : ml::listComputeDevices()) {
            if (*json) {
                all.push_back({{"id", device.id},
                               {"name", device.name},
                               {"memory_bytes", device.memoryBytes}});
            } else if (device.memoryBytes > 0) {
                std::printf("%-8s %s, %.1f GiB\n", device.id.c_str(), device.name.c_str(),
                            double(device.memoryBytes) / double(1LL << 30));
            } else {
                std::printf("%-8s %s\n", device.id.c_str(), device.name.c_str());
            }
        }
        if (*json) {
            std::cout << jsonText(all, 2) << "\n";
        }
        return int(kSuccess);
    };
}

} // namespace cxr::cli
