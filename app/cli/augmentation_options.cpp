// SPDX-License-Identifier: MIT
#include "commands.h"

#include "core/common/text.h"
#include <cstdlib>

namespace cxr::cli {

void addAugmentationOptions(CLI::App *command, AugmentationOptions &options,
                            const std::string &presetOption)
{
    command
        ->add_option(presetOption, options.preset,
                     "augmentation preset: " + joined(augmentationPresetNames()))
        ->capture_default_str();
    std::vector<std::string> keys;
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const AugmentationParameter &parameter : transform.parameters) {
            keys.push_back(parameter.key);
        }
    }
    command->add_option("--set", options.overrides,
                        "change one augmentation parameter after the preset, KEY=VALUE, "
                        "repeatable; keys: " +
                            joined(keys));
}

Result<AugmentationSettings> AugmentationOptions::settings() const
{
    AugmentationSettings settings = base.value_or(AugmentationSettings{});
    if (!base && !augmentationPreset(preset, settings)) {
        return makeError(ErrorCode::InvalidArgument,
                         "unknown augmentation preset '" + preset +
                             "' (choose one of: " + joined(augmentationPresetNames()) + ")");
    }
    for (const std::string &item : overrides) {
        const std::size_t equals = item.find('=');
        const std::string key = item.substr(0, equals);
        const AugmentationParameter *parameter = findAugmentationParameter(key);
        if (equals == std::string::npos || !parameter) {
            return makeError(ErrorCode::InvalidArgument,
                             "--set " + item +
                                 ": expected KEY=VALUE with a key such as "
                                 "rotation.max_degrees (see --help for all keys)");
        }
        const std::string text = item.substr(equals + 1);
        char *end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') {
            return makeError(ErrorCode::InvalidArgument,
                             "--set " + item + ": '" + text + "' is not a number");
        }
        settings.*(parameter->member) = value;
    }
    if (std::string problem = validateAugmentation(settings); !problem.empty()) {
        return makeError(ErrorCode::InvalidArgument, "augmentation: " + problem);
    }
    return settings;
}

} // namespace cxr::cli
