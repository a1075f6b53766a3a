// SPDX-License-Identifier: MIT
#pragma once

// A PACS (or any DICOM node) as CXR Studio talks to it, and the checks its settings must pass.

#include "core/common/result.h"

#include <string>
#include <vector>

namespace cxr::pacs {

// DICOM TLS (PS3.15 B.1, the BCP 195 profile). Files are PEM.
struct TlsSettings {
    bool enabled = false;
    std::string certificate; // ours, when the PACS asks for one; with privateKey
    std::string privateKey;  // unencrypted
    std::vector<std::string> trustedCertificates; // the PACS's certificate or its CA's
    bool verifyPeer = true; // off: encrypted, but the PACS's identity is not checked
};

struct PacsNode {
    std::string host = "127.0.0.1";
    int port = 104;
    std::string calledAeTitle = "ANY-SCP";    // the PACS's AE title
    std::string callingAeTitle = "CXRSTUDIO"; // ours
    int timeoutSeconds = 10;                  // connection, association and each network read
    TlsSettings tls;
};

// An AE title is 1 to 16 characters of the default character repertoire, without backslash
// or control characters, and not all spaces (PS3.5 6.2). The message names the setting.
Status checkAeTitle(const std::string &title, const std::string &setting);

// Host not empty, port 1-65535, both AE titles valid, timeout 1-3600 s; with TLS, a
// certificate only with its key, every file there, and something to verify the PACS against
// unless verification is off.
Status checkNode(const PacsNode &node);

// "CALLED@host:port", for messages (no patient data in it).
std::string describe(const PacsNode &node);

} // namespace cxr::pacs
