// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: setting up and negotiating DCMTK's DcmSCU for one node, with messages
// that say which of reaching the host, the association and the presentation contexts failed.

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/pacs_client.h"
#include "core/pacs/pacs_node.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/scp.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cxr::pacs {

// Presentation contexts to receive the storage SOP classes in (C-GET: role SCP). An image class
// gets one context for the uncompressed syntaxes and one for each compressed syntax the loader
// decodes, because the sender picks a context by the file's own syntax: offered only
// uncompressed, a PACS must transcode, and one that cannot (JPEG 2000, for many) fails the
// instance.
void addStorageContexts(DcmSCU &scu, T_ASC_SC_ROLE role);

// The same classes for a storage SCP (the C-MOVE destination): one context each, accepting
// any of the syntaxes above.
void addStorageContexts(DcmSCP &scp);

// The identifier of a C-GET or C-MOVE: study, series or instance level. Refuses UIDs that are
// not UIDs and an instance without its series.
Result<DcmDataset> retrieveKeys(const RetrieveRequest &request);
// Explicit and implicit little endian, for queries and echo.
OFList<OFString> uncompressedTransferSyntaxes();

// DcmSCU with its TLS set-up within reach (DCMTK keeps useSecureConnection protected). Every
// SCU of core/pacs derives from it.
class Scu : public DcmSCU {
public:
    using DcmSCU::useSecureConnection;
};

// Configures scu for node (AE titles, host, port, timeouts, non-blocking DIMSE), adds nothing;
// the caller adds presentation contexts, then calls negotiate.
void configure(DcmSCU &scu, const PacsNode &node);

// The TLS layer of one association, when the node asks for TLS. DcmSCU does not own it:
// declare it before the DcmSCU so that it outlives the association.
using TlsLayer = std::unique_ptr<DcmTransportLayer>;

// DICOM TLS (BCP 195) as settings say: for our associations to the PACS (requestor), or for the
// associations the PACS opens to deliver a C-MOVE (acceptor, which needs our certificate).
// Errors name the file or the setting.
enum class TlsRole { Requestor, Acceptor };
Result<TlsLayer> tlsLayer(const TlsSettings &settings, TlsRole role);

// initNetwork, TLS when the node asks for it (into tls), and negotiateAssociation, with a
// message naming the node and what went wrong.
Status negotiate(Scu &scu, const PacsNode &node, TlsLayer &tls);

// The accepted presentation context for sopClass, or an error saying the node refused it.
Result<T_ASC_PresentationContextID> acceptedContext(DcmSCU &scu, const PacsNode &node,
                                                    const char *sopClass, const std::string &what);

// "the PACS X failed to <what>: <condition>".
Error networkError(const PacsNode &node, const std::string &what, const OFCondition &condition);

// The sub-operations of a C-GET or C-MOVE, as its pending responses count them.
std::int64_t subOperationCount(const RetrieveResponse &response);

// "retrieve cancelled; N instances kept, ...": the outcome of a cancelled C-GET or C-MOVE.
Error retrieveCancelled(std::size_t kept);

// The outcome of a C-GET or C-MOVE stopped by an instance that could not be written (a full
// disk): the problem, and that the kept instances make the next retrieve fetch only the rest.
Error retrieveStopped(const Error &problem, std::size_t kept);

// A DIMSE status that is not success, as a message ("status 0xA700: out of resources").
std::string describeStatus(Uint16 status);

} // namespace cxr::pacs
