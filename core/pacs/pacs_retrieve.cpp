// SPDX-License-Identifier: MIT
// C-GET: the PACS answers the request with one C-STORE per instance on the same association;
// DcmSCU hands each to handleSTORERequest, which writes it into the local store atomically.
#include "core/pacs/dicom_write.h"
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <optional>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

class GetScu : public Scu {
public:
    GetScu(const fs::path &store, ProgressObserver *observer) : m_store(store), m_observer(observer)
    {}

    OFCondition handleSTORERequest(const T_ASC_PresentationContextID, DcmDataset *received,
                                   OFBool &continueSession, Uint16 &status) override
    {
        continueSession = OFTrue;
        auto stored = storeIncomingInstance(received, m_store);
        if (!stored) {
            status = storeStatusFor(stored.error());
            problem = stored.error();
            // A full disk stays full: stop here. A bad UID spoils one instance only.
            continueSession = stored.error().code == ErrorCode::Corrupt;
        } else {
            status = STATUS_Success;
            if (*stored) {
                report.files.push_back(**stored);
            }
        }
        ++m_received;
        if (m_observer != nullptr) {
            m_observer->progress(m_received, std::max<std::int64_t>(m_total, m_received));
        }
        if (cancelled(m_observer)) {
            continueSession = OFFalse; // the association is aborted below
        }
        return EC_Normal;
    }

    OFCondition handleCGETResponse(const T_ASC_PresentationContextID presID,
                                   RetrieveResponse *response, OFBool &continueSession) override
    {
        const OFCondition handled = DcmSCU::handleCGETResponse(presID, response, continueSession);
        m_total = subOperationCount(*response);
        if (!DICOM_PENDING_STATUS(response->m_status)) {
            finalStatus = response->m_status;
            report.failed = response->m_numberOfFailedSubops;
            report.warned = response->m_numberOfWarningSubops;
        }
        if (cancelled(m_observer)) {
            continueSession = OFFalse;
        }
        return handled;
    }

    RetrieveReport report;
    std::optional<Error> problem;
    Uint16 finalStatus = STATUS_Success;

private:
    fs::path m_store;
    ProgressObserver *m_observer;
    std::int64_t m_received = 0;
    std::int64_t m_total = 0;
};

} // namespace

Result<RetrieveReport> get(const PacsNode &node, const RetrieveRequest &request,
                           const fs::path &store, ProgressObserver *observer)
{
    auto keys = retrieveKeys(request);
    if (!keys) {
        return keys.error();
    }
    TlsLayer tls; // outlives the association
    GetScu scu(store, observer);
    configure(scu, node);
    scu.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel,
                               uncompressedTransferSyntaxes());
    // C-GET sends the instances back on this association: we take the storage SCP role.
    addStorageContexts(scu, ASC_SC_ROLE_SCP);
    if (auto negotiated = negotiate(scu, node, tls); !negotiated) {
        return negotiated.error();
    }
    auto context = acceptedContext(scu, node, UID_GETStudyRootQueryRetrieveInformationModel,
                                   "retrieval with C-GET");
    if (!context) {
        scu.releaseAssociation();
        return context.error();
    }
    const OFCondition got = scu.sendCGETRequest(*context, &*keys, nullptr);
    if (cancelled(observer)) {
        scu.abortAssociation();
        return retrieveCancelled(scu.report.files.size());
    }
    if (scu.problem) {
        scu.abortAssociation();
        return retrieveStopped(*scu.problem, scu.report.files.size());
    }
    if (got.bad()) {
        scu.abortAssociation();
        return networkError(node, "C-GET", got);
    }
    scu.releaseAssociation();
    if (scu.report.failed > 0 && scu.report.files.empty()) {
        return makeError(ErrorCode::Network,
                         "PACS " + describe(node) + " could not send " +
                             std::to_string(scu.report.failed) +
                             (scu.report.failed == 1 ? " instance" : " instances") +
                             " (it may be unable to convert their transfer syntax)");
    }
    if (scu.finalStatus != STATUS_Success && scu.report.files.empty() && scu.report.failed == 0) {
        return makeError(ErrorCode::Network, "PACS " + describe(node) +
                                                 " answered the retrieve with " +
                                                 describeStatus(scu.finalStatus));
    }
    return std::move(scu.report);
}

} // namespace cxr::pacs
