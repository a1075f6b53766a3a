// SPDX-License-Identifier: MIT
#include "core/pacs/pacs_node.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

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

namespace {

Status checkTls(const TlsSettings &tls)
{
    if (!tls.enabled) {
        return Ok{};
    }
    if (tls.certificate.empty() != tls.privateKey.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "TLS: give our certificate and its private key together");
    }
    if (tls.verifyPeer && tls.trustedCertificates.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "TLS: give the PACS's certificate or its CA's to verify it against, or "
                         "turn verification off");
    }
    std::vector<std::string> files = tls.trustedCertificates;
    for (const std::string *file : {&tls.certificate, &tls.privateKey}) {
        if (!file->empty()) {
            files.push_back(*file);
        }
    }
    for (const std::string &file : files) {
        std::error_code error;
        if (!std::filesystem::is_regular_file(file, error)) {
            return makeError(ErrorCode::NotFound, file + ": TLS file not found");
        }
    }
    return Ok{};
}

} // namespace

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
    if (auto checked = checkAeTitle(node.callingAeTitle, "the calling AE title"); !checked) {
        return checked;
    }
    return checkTls(node.tls);
}

std::string describe(const PacsNode &node)
{
    return node.calledAeTitle + "@" + node.host + ":" + std::to_string(node.port) +
           (node.tls.enabled ? " (TLS)" : "");
}

} // namespace cxr::pacs
