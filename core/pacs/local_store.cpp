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

namespace {

Status checkUid(const char *name, const std::string &uid)
{
    if (isValidUid(uid)) {
        return Ok{};
    }
    return makeError(ErrorCode::Corrupt, std::string("the received object's ") + name +
                                             (uid.empty() ? " is missing" : " is not a valid UID"));
}

} // namespace

Result<std::filesystem::path> storeFolder(const std::filesystem::path &root,
                                          const std::string &studyUid, const std::string &seriesUid)
{
    if (auto checked = checkUid("Study Instance UID", studyUid); !checked) {
        return checked.error();
    }
    if (seriesUid.empty()) {
        return root / studyUid;
    }
    if (auto checked = checkUid("Series Instance UID", seriesUid); !checked) {
        return checked.error();
    }
    return root / studyUid / seriesUid;
}

Result<std::filesystem::path> instancePath(const std::filesystem::path &root,
                                           const std::string &studyUid,
                                           const std::string &seriesUid,
                                           const std::string &sopInstanceUid)
{
    // Unlike a folder, an instance needs all three.
    const std::pair<const char *, const std::string *> uids[] = {
        {"Study Instance UID", &studyUid},
        {"Series Instance UID", &seriesUid},
        {"SOP Instance UID", &sopInstanceUid}};
    for (const auto &[name, uid] : uids) {
        if (auto checked = checkUid(name, *uid); !checked) {
            return checked.error();
        }
    }
    return *storeFolder(root, studyUid, seriesUid) / (sopInstanceUid + ".dcm");
}

} // namespace cxr::pacs
