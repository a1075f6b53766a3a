// SPDX-License-Identifier: MIT
#pragma once

// A hyper-parameter search space: which `cxr train` options a study varies, and over what. Each
// parameter is named by its train option without the dashes ("lr", "weight-decay", "batch",
// "custom-blocks"), so that everything a run can be given can be searched, and a trial's
// settings are exactly those of `cxr train ... --lr X --batch Y`. The file (docs/cli.md):
//   { "lr":           { "log_uniform": [1e-5, 1e-2] },
//     "optimizer":    { "choice": ["adam", "adamw", "sgd"] },
//     "momentum":     { "uniform": [0.8, 0.99], "when": { "optimizer": ["sgd"] } },
//     "custom-blocks":{ "int": [2, 5] } }
// A parameter with "when" is drawn only when each named parameter (earlier in the file) took
// one of the listed values.

#include "core/common/result.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace cxr::tuning {

enum class ParamKind { Uniform, LogUniform, Integer, Categorical };

struct Condition {
    std::string param;               // an earlier parameter of the space
    std::vector<std::string> values; // its values (as text) that make the parameter active
};

struct ParamSpec {
    std::string name;
    ParamKind kind = ParamKind::Uniform;
    double low = 0; // Uniform, LogUniform, Integer: the closed range
    double high = 0;
    std::vector<std::string> choices; // Categorical: the values, as text
    std::vector<Condition> when;      // all must hold
};

struct SearchSpace {
    std::vector<ParamSpec> params; // in the file's order
};

// A trial's values: the active parameters, in the space's order, each as the text the train
// option takes.
using Assignment = std::vector<std::pair<std::string, std::string>>;

// Errors name the source and the parameter: "space.json: lr: log_uniform needs 0 < low < high".
Result<SearchSpace> parseSearchSpace(const std::string &json, const std::string &source);
Result<SearchSpace> readSearchSpace(const std::filesystem::path &file);

// The space written back in the file's format (a study keeps the space it ran).
std::string searchSpaceJson(const SearchSpace &space);

// A space built in code (the Tune tab's table) checked by the same rules as a file: errors as
// parseSearchSpace's.
Result<SearchSpace> checkSearchSpace(const SearchSpace &space, const std::string &source);

// The space `cxr tune` searches without --space (docs/cli.md), and the Tune tab starts from:
// learning rate, weight decay, batch size and augmentation preset, and for custom-cnn its depth
// and width.
SearchSpace defaultSearchSpace(bool customCnn);

// Whether spec is drawn, given the values drawn before it.
bool isActive(const ParamSpec &spec, const Assignment &before);

// The value of name in assignment, or empty.
std::string valueOf(const Assignment &assignment, const std::string &name);

// A number as the option's text: integers without a decimal point, others with 6 significant
// digits (enough to tell trials apart, short enough for a table).
std::string numberText(double value, ParamKind kind);

} // namespace cxr::tuning
