// SPDX-License-Identifier: MIT
#include "core/pacs/dcmtk_values.h"

#include <dcmtk/oflog/oflog.h>

#include <mutex>

namespace cxr::pacs {

std::string stringValue(DcmItem &item, const DcmTagKey &tag)
{
    OFString value;
    item.findAndGetOFStringArray(tag, value);
    return value.c_str();
}

void quietDcmtkLog()
{
    static std::once_flag once;
    std::call_once(once, [] { OFLog::configure(OFLogger::FATAL_LOG_LEVEL); });
}

} // namespace cxr::pacs
