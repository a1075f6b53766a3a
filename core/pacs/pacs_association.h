// SPDX-License-Identifier: MIT
#pragma once

// Internal to core/pacs: setting up and negotiating DCMTK's DcmSCU for one node, with messages
// that say which of reaching the host, the association and the presentation contexts failed.

#include "core/pacs/pacs_node.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <string>
#include <vector>

namespace cxr::pacs {

// The storage SOP classes CXR Studio asks for or sends (radiographs, CT and MR, secondary
// captures, structured reports, parametric maps and other objects a study may hold).
const std::vector<std::string> &storageSopClasses();

// Transfer syntaxes for storage: uncompressed first, then every compressed one the loader decodes.
OFList<OFString> storageTransferSyntaxes();
// Explicit and implicit little endian, for queries and echo.
OFList<OFString> uncompressedTransferSyntaxes();

// Configures scu for node (AE titles, host, port, timeouts, non-blocking DIMSE), adds nothing;
// the caller adds presentation contexts, then calls negotiate.
void configure(DcmSCU &scu, const PacsNode &node);

// initNetwork and negotiateAssociation, with a message naming the node and what went wrong.
Status negotiate(DcmSCU &scu, const PacsNode &node);

// The accepted presentation context for sopClass, or an error saying the node refused it.
Result<T_ASC_PresentationContextID> acceptedContext(DcmSCU &scu, const PacsNode &node,
                                                    const char *sopClass, const std::string &what);

// "the PACS X failed to <what>: <condition>".
Error networkError(const PacsNode &node, const std::string &what, const OFCondition &condition);

// An attribute's value (all of a multi-valued one, backslash-separated), or "" when absent.
std::string stringValue(DcmItem &item, const DcmTagKey &tag);

// A DIMSE status that is not success, as a message ("status 0xA700: out of resources").
std::string describeStatus(Uint16 status);

} // namespace cxr::pacs
