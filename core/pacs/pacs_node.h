// SPDX-License-Identifier: MIT
#pragma once

// A PACS (or any DICOM node) as CXR Studio talks to it, and the checks its settings must pass.

#include "core/common/result.h"

#include <string>

namespace cxr::pacs {

struct PacsNode {
    std::string host = "127.0.0.1";
    int port = 104;
    std::string calledAeTitle = "ANY-SCP";    // the PACS's AE title
    std::string callingAeTitle = "CXRSTUDIO"; // ours
    int timeoutSeconds = 10;                  // connection, association and each network read
};

// An AE title is 1 to 16 characters of the default character repertoire, without backslash
// or control characters, and not all spaces (PS3.5 6.2). The message names the setting.
Status checkAeTitle(const std::string &title, const std::string &setting);

// Host not empty, port 1-65535, both AE titles valid, timeout 1-3600 s.
Status checkNode(const PacsNode &node);

// "CALLED@host:port", for messages (no patient data in it).
std::string describe(const PacsNode &node);

} // namespace cxr::pacs
