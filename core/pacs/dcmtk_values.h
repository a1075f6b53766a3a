// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: the two small DCMTK chores every part of it needs.

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <string>

namespace cxr::pacs {

// An attribute's value (all of a multi-valued one, backslash-separated), or "" when absent.
std::string stringValue(DcmItem &item, const DcmTagKey &tag);

// DCMTK logs to stderr; errors reach the user as values instead. Safe to call more than once.
void quietDcmtkLog();

} // namespace cxr::pacs
