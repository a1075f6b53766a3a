// SPDX-License-Identifier: MIT
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcuid.h>

namespace cxr::pacs {

Status echo(const PacsNode &node)
{
    TlsLayer tls; // outlives the association
    Scu scu;
    configure(scu, node);
    scu.addPresentationContext(UID_VerificationSOPClass, uncompressedTransferSyntaxes());
    if (auto negotiated = negotiate(scu, node, tls); !negotiated) {
        return negotiated;
    }
    auto context = acceptedContext(scu, node, UID_VerificationSOPClass, "verification (C-ECHO)");
    if (!context) {
        scu.releaseAssociation();
        return context.error();
    }
    const OFCondition echoed = scu.sendECHORequest(*context);
    scu.releaseAssociation();
    if (echoed.bad()) {
        return networkError(node, "C-ECHO", echoed);
    }
    return Ok{};
}

} // namespace cxr::pacs
