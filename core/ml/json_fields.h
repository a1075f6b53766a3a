// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/ml: settings that both the model card and the run config store, written and
// read the same way (nlohmann-json's to_json/from_json, found by argument-dependent lookup).

#include "core/augment/augmentation_settings.h"
#include "core/ml/model_spec.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace cxr {

// Where a field read as an int (any of keys, at any depth of j) holds a number that is not a
// whole number within int's range, a message naming it; empty when there is none. Reading
// such a number with get<int>() truncates it, or (3e28) is undefined behaviour (found by
// fuzz_model_card). Values of other types are left to the reader's own type errors.
inline std::string intFieldProblem(const nlohmann::json &j,
                                   std::initializer_list<const char *> keys)
{
    if (j.is_array()) {
        for (const nlohmann::json &item : j) {
            if (std::string problem = intFieldProblem(item, keys); !problem.empty()) {
                return problem;
            }
        }
    }
    if (!j.is_object()) {
        return {};
    }
    for (const auto &[key, value] : j.items()) {
        bool readAsInt = false;
        for (const char *name : keys) {
            readAsInt = readAsInt || key == name;
        }
        if (readAsInt && value.is_number()) {
            const double number = value.get<double>();
            if (!(std::trunc(number) == number && number >= std::numeric_limits<int>::min() &&
                  number <= std::numeric_limits<int>::max())) {
                return "\"" + key + "\" is " + value.dump() + ", not a whole number within range";
            }
        }
        if (std::string problem = intFieldProblem(value, keys); !problem.empty()) {
            return problem;
        }
    }
    return {};
}

// Every parameter by its key ("rotation.max_degrees"); reading ignores keys it does not know.
// NOLINTNEXTLINE(readability-identifier-naming): the name nlohmann-json looks up
inline void to_json(nlohmann::json &j, const AugmentationSettings &settings)
{
    j = nlohmann::json::object();
    for (const AugmentationTransform &transform : augmentationTransforms()) {
        for (const AugmentationParameter &parameter : transform.parameters) {
            j[parameter.key] = settings.*(parameter.member);
        }
    }
}

// NOLINTNEXTLINE(readability-identifier-naming): the name nlohmann-json looks up
inline void from_json(const nlohmann::json &j, AugmentationSettings &settings)
{
    for (const auto &[key, value] : j.items()) {
        if (const AugmentationParameter *parameter = findAugmentationParameter(key)) {
            settings.*(parameter->member) = value.get<double>();
        }
    }
}

namespace ml {

// NOLINTNEXTLINE(readability-identifier-naming): the name nlohmann-json looks up
inline void to_json(nlohmann::json &j, const CustomCnnOptions &o)
{
    j = {{"blocks", o.blocks},
         {"filters", o.filters},
         {"kernel_size", o.kernelSize},
         {"dropout", o.dropout},
         {"batch_norm", o.batchNorm}};
}

// NOLINTNEXTLINE(readability-identifier-naming): the name nlohmann-json looks up
inline void from_json(const nlohmann::json &j, CustomCnnOptions &o)
{
    o.blocks = j.at("blocks").get<int>();
    o.filters = j.at("filters").get<int>();
    o.kernelSize = j.at("kernel_size").get<int>();
    o.dropout = j.at("dropout").get<double>();
    o.batchNorm = j.at("batch_norm").get<bool>();
}

} // namespace ml
} // namespace cxr
