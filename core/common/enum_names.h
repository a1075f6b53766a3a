// SPDX-License-Identifier: MIT
#pragma once

// One table per enum of the names it has in files and on the command line, read both ways, so
// that a name is written once: nameOf for writing, valueNamed for reading (an unknown name is
// std::nullopt, for the caller to refuse naming the setting).
//   constexpr EnumNames<Precision, 4> kPrecisionNames{{{Precision::Auto, "auto"}, ...}};

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace cxr {

template <typename Enum, std::size_t Count>
using EnumNames = std::array<std::pair<Enum, const char *>, Count>;

// The name of value; the table's first name for a value it lacks (never for a complete table).
template <typename Enum, std::size_t Count>
constexpr const char *nameOf(const EnumNames<Enum, Count> &names, Enum value)
{
    for (const auto &[candidate, name] : names) {
        if (candidate == value) {
            return name;
        }
    }
    return names[0].second;
}

template <typename Enum, std::size_t Count>
std::optional<Enum> valueNamed(const EnumNames<Enum, Count> &names, std::string_view name)
{
    for (const auto &[value, candidate] : names) {
        if (name == candidate) {
            return value;
        }
    }
    return std::nullopt;
}

} // namespace cxr
