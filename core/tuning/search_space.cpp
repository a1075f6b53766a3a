// SPDX-License-Identifier: MIT
#include "core/tuning/search_space.h"

#include "core/common/enum_names.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

namespace cxr::tuning {

namespace {

using Json = nlohmann::ordered_json;

constexpr EnumNames<ParamKind, 4> kKindNames{{{ParamKind::Uniform, "uniform"},
                                              {ParamKind::LogUniform, "log_uniform"},
                                              {ParamKind::Integer, "int"},
                                              {ParamKind::Categorical, "choice"}}};

const char *kindName(ParamKind kind)
{
    return nameOf(kKindNames, kind);
}

// A JSON scalar as the option's text: strings as they are, numbers as numberText writes them.
std::optional<std::string> scalarText(const Json &value)
{
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_number_integer()) {
        return std::to_string(value.get<long long>());
    }
    if (value.is_number()) {
        return numberText(value.get<double>(), ParamKind::Uniform);
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "true" : "false";
    }
    return std::nullopt;
}

Status parseRange(const Json &range, ParamSpec &spec, const std::string &where)
{
    if (!range.is_array() || range.size() != 2 || !range[0].is_number() || !range[1].is_number()) {
        return makeError(ErrorCode::InvalidArgument,
                         where + ": " + kindName(spec.kind) + " needs [low, high]");
    }
    spec.low = range[0].get<double>();
    spec.high = range[1].get<double>();
    const bool ordered =
        std::isfinite(spec.low) && std::isfinite(spec.high) && spec.low < spec.high;
    if (!ordered || (spec.kind == ParamKind::LogUniform && spec.low <= 0)) {
        return makeError(
            ErrorCode::InvalidArgument,
            where + ": " + kindName(spec.kind) + " needs " +
                (spec.kind == ParamKind::LogUniform ? "0 < low < high" : "low < high") + " (got [" +
                numberText(spec.low, ParamKind::Uniform) + ", " +
                numberText(spec.high, ParamKind::Uniform) + "])");
    }
    if (spec.kind == ParamKind::Integer &&
        (spec.low != std::floor(spec.low) || spec.high != std::floor(spec.high))) {
        return makeError(ErrorCode::InvalidArgument, where + ": int needs whole numbers");
    }
    return Ok{};
}

Status parseConditions(const Json &when, ParamSpec &spec, const SearchSpace &earlier,
                       const std::string &where)
{
    if (!when.is_object() || when.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         where + ": when needs { \"parameter\": [values...] }");
    }
    for (const auto &[name, values] : when.items()) {
        const bool known =
            std::any_of(earlier.params.begin(), earlier.params.end(),
                        [&name = name](const ParamSpec &p) { return p.name == name; });
        if (!known) {
            return makeError(ErrorCode::InvalidArgument,
                             where + ": its condition names " + name +
                                 ", which must be a parameter earlier in the space");
        }
        Condition condition{name, {}};
        for (const Json &value : values.is_array() ? values : Json::array({values})) {
            auto text = scalarText(value);
            if (!text) {
                return makeError(ErrorCode::InvalidArgument,
                                 where + ": the values of its condition on " + name +
                                     " must be strings or numbers");
            }
            condition.values.push_back(*text);
        }
        spec.when.push_back(std::move(condition));
    }
    return Ok{};
}

Result<ParamSpec> parseParam(const std::string &name, const Json &body, const SearchSpace &earlier,
                             const std::string &source)
{
    const std::string where = source + ": " + name;
    if (name.empty() || name.rfind("-", 0) == 0 || !body.is_object()) {
        return makeError(ErrorCode::InvalidArgument,
                         where + ": each parameter is a train option without its dashes, with "
                                 "{ \"uniform\" | \"log_uniform\" | \"int\" | \"choice\": ... }");
    }
    ParamSpec spec;
    spec.name = name;
    int kinds = 0;
    for (const auto &[kind, kindText] : kKindNames) {
        if (!body.contains(kindText)) {
            continue;
        }
        ++kinds;
        spec.kind = kind;
        const Json &value = body.at(kindText);
        if (kind != ParamKind::Categorical) {
            if (auto parsed = parseRange(value, spec, where); !parsed) {
                return parsed.error();
            }
            continue;
        }
        if (!value.is_array() || value.empty()) {
            return makeError(ErrorCode::InvalidArgument, where + ": choice needs a list of values");
        }
        for (const Json &choice : value) {
            auto text = scalarText(choice);
            if (!text) {
                return makeError(ErrorCode::InvalidArgument,
                                 where + ": choices must be strings or numbers");
            }
            spec.choices.push_back(*text);
        }
    }
    if (kinds != 1) {
        return makeError(ErrorCode::InvalidArgument,
                         where + ": give exactly one of uniform, log_uniform, int or choice");
    }
    for (const auto &[key, value] : body.items()) {
        const bool known =
            key == "when" ||
            std::any_of(std::begin(kKindNames), std::end(kKindNames),
                        [&key = key](const auto &kind) { return key == kind.second; });
        if (!known) {
            return makeError(ErrorCode::InvalidArgument, where + ": unknown key \"" + key + "\"");
        }
    }
    if (body.contains("when")) {
        if (auto parsed = parseConditions(body.at("when"), spec, earlier, where); !parsed) {
            return parsed.error();
        }
    }
    return spec;
}

} // namespace

Result<SearchSpace> parseSearchSpace(const std::string &json, const std::string &source)
{
    const Json root = Json::parse(json, nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
        return makeError(ErrorCode::InvalidArgument,
                         source + ": not a JSON object of parameters (see docs/cli.md, cxr tune)");
    }
    SearchSpace space;
    for (const auto &[name, body] : root.items()) {
        auto spec = parseParam(name, body, space, source);
        if (!spec) {
            return spec.error();
        }
        space.params.push_back(std::move(*spec));
    }
    if (space.params.empty()) {
        return makeError(ErrorCode::InvalidArgument, source + ": the space has no parameter");
    }
    return space;
}

Result<SearchSpace> readSearchSpace(const std::filesystem::path &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound, file.string() + ": cannot read the search space");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseSearchSpace(text.str(), file.string());
}

std::string searchSpaceJson(const SearchSpace &space)
{
    Json root = Json::object();
    for (const ParamSpec &spec : space.params) {
        Json body = Json::object();
        if (spec.kind == ParamKind::Categorical) {
            body["choice"] = spec.choices;
        } else {
            body[kindName(spec.kind)] = {spec.low, spec.high};
        }
        for (const Condition &condition : spec.when) {
            body["when"][condition.param] = condition.values;
        }
        root[spec.name] = body;
    }
    return root.dump(2);
}

bool isActive(const ParamSpec &spec, const Assignment &before)
{
    return std::all_of(spec.when.begin(), spec.when.end(), [&before](const Condition &c) {
        const std::string value = valueOf(before, c.param);
        return !value.empty() &&
               std::find(c.values.begin(), c.values.end(), value) != c.values.end();
    });
}

std::string valueOf(const Assignment &assignment, const std::string &name)
{
    for (const auto &[key, value] : assignment) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::string numberText(double value, ParamKind kind)
{
    if (kind == ParamKind::Integer) {
        return std::to_string(std::llround(value));
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

Result<SearchSpace> checkSearchSpace(const SearchSpace &space, const std::string &source)
{
    return parseSearchSpace(searchSpaceJson(space), source);
}

SearchSpace defaultSearchSpace(bool customCnn)
{
    std::string json = R"({
      "lr": { "log_uniform": [1e-4, 3e-3] },
      "weight-decay": { "log_uniform": [1e-6, 1e-3] },
      "batch": { "choice": [16, 32, 64] },
      "augment": { "choice": ["none", "thesis", "conservative"] })";
    if (customCnn) {
        json += R"(, "custom-blocks": { "int": [3, 5] },
              "custom-filters": { "choice": [16, 32, 64] })";
    }
    return *parseSearchSpace(json + "}", "default space");
}

} // namespace cxr::tuning
