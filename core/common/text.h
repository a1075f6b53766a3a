// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace cxr {

// "a, b, c": names listed in messages and help texts.
inline std::string joined(const std::vector<std::string> &names, const std::string &separator = ", ")
{
    std::string text;
    for (const std::string &name : names) {
        text += (text.empty() ? "" : separator) + name;
    }
    return text;
}

} // namespace cxr
