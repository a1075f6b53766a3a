// SPDX-License-Identifier: MIT
#include "core/pacs/local_store.h"

#include <algorithm>

namespace cxr::pacs {

bool isValidUid(const std::string &uid)
{
    if (uid.empty() || uid.size() > 64 || uid.front() == '.' || uid.back() == '.' ||
        uid.find("..") != std::string::npos) {
        return false;
    }
    return std::all_of(uid.begin(), uid.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

Result<std::filesystem::path> instancePath(const std::filesystem::path &root,
                                           const std::string &studyUid,
                                           const std::string &seriesUid,
                                           const std::string &sopInstanceUid)
{
    const std::pair<const char *, const std::string *> uids[] = {
        {"Study Instance UID", &studyUid},
        {"Series Instance UID", &seriesUid},
        {"SOP Instance UID", &sopInstanceUid}};
    for (const auto &[name, uid] : uids) {
        if (!isValidUid(*uid)) {
            return makeError(ErrorCode::Corrupt,
                             std::string("the received object's ") + name +
                                 (uid->empty() ? " is missing" : " is not a valid UID"));
        }
    }
    return root / studyUid / seriesUid / (sopInstanceUid + ".dcm");
}

} // namespace cxr::pacs
