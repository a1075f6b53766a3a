// SPDX-License-Identifier: MIT
#include "core/pacs/pacs_node.h"

#include <algorithm>

namespace cxr::pacs {

Status checkAeTitle(const std::string &title, const std::string &setting)
{
    if (title.empty() || title.size() > 16) {
        return makeError(ErrorCode::InvalidArgument, setting + " must be 1 to 16 characters (got " +
                                                         std::to_string(title.size()) + ")");
    }
    const bool printable = std::all_of(title.begin(), title.end(), [](unsigned char c) {
        return c >= 0x20 && c < 0x7F && c != '\\';
    });
    if (!printable) {
        return makeError(ErrorCode::InvalidArgument,
                         setting + " may hold only printable ASCII characters without a backslash");
    }
    if (title.find_first_not_of(' ') == std::string::npos) {
        return makeError(ErrorCode::InvalidArgument, setting + " must not be all spaces");
    }
    return Ok{};
}

Status checkNode(const PacsNode &node)
{
    if (node.host.empty()) {
        return makeError(ErrorCode::InvalidArgument, "the PACS host is empty");
    }
    if (node.port < 1 || node.port > 65535) {
        return makeError(ErrorCode::InvalidArgument, "the PACS port must be 1 to 65535 (got " +
                                                         std::to_string(node.port) + ")");
    }
    if (node.timeoutSeconds < 1 || node.timeoutSeconds > 3600) {
        return makeError(ErrorCode::InvalidArgument, "the network timeout must be 1 to 3600 s");
    }
    if (auto checked = checkAeTitle(node.calledAeTitle, "the called AE title"); !checked) {
        return checked;
    }
    return checkAeTitle(node.callingAeTitle, "the calling AE title");
}

std::string describe(const PacsNode &node)
{
    return node.calledAeTitle + "@" + node.host + ":" + std::to_string(node.port);
}

} // namespace cxr::pacs
