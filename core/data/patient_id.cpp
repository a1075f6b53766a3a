// SPDX-License-Identifier: MIT
#include "core/data/patient_id.h"

#include <regex>

namespace cxr::data {

std::string patientIdFromFileName(const std::string &fileName)
{
    static const std::regex person(R"(^(person\d+)_)");
    static const std::regex study(R"(^((?:NORMAL2-)?IM-\d+)-)");
    std::smatch match;
    if (std::regex_search(fileName, match, person) || std::regex_search(fileName, match, study)) {
        return match[1].str();
    }
    return {};
}

} // namespace cxr::data
