// SPDX-License-Identifier: MIT
// C-GET: the PACS answers the request with one C-STORE per instance on the same association;
// DcmSCU hands each to handleSTORERequest, which writes it into the local store atomically.
#include "core/pacs/dicom_write.h"
#include "core/pacs/local_store.h"
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <optional>
#include <system_error>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

// Through NAME.partial and a rename: an interrupted retrieve never leaves a half file under an
// instance's name, and a repeat sees which instances arrived whole.
Status writeInstance(DcmDataset *received, const fs::path &target)
{
    const E_TransferSyntax syntax = received->getOriginalXfer();
    DcmFileFormat file(received, OFFalse); // takes ownership
    return saveDicomAtomically(file, target, syntax);
}

class GetScu : public DcmSCU {
public:
    GetScu(const fs::path &store, ProgressObserver *observer) : m_store(store), m_observer(observer)
    {}

    OFCondition handleSTORERequest(const T_ASC_PresentationContextID, DcmDataset *received,
                                   OFBool &continueSession, Uint16 &status) override
    {
        continueSession = OFTrue;
        auto path = instancePath(m_store, stringValue(*received, DCM_StudyInstanceUID),
                                 stringValue(*received, DCM_SeriesInstanceUID),
                                 stringValue(*received, DCM_SOPInstanceUID));
        if (!path) {
            delete received;
            status = STATUS_STORE_Error_CannotUnderstand;
            problem = path.error();
            return EC_Normal;
        }
        std::error_code error;
        if (fs::exists(*path, error)) {
            delete received; // arrived whole in an earlier retrieve
            status = STATUS_Success;
        } else if (auto written = writeInstance(received, *path); !written) {
            status = STATUS_STORE_Refused_OutOfResources;
            problem = written.error();
            continueSession = OFFalse; // a full disk stays full: stop here
        } else {
            status = STATUS_Success;
            report.files.push_back(*path);
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
        m_total = std::int64_t(response->m_numberOfCompletedSubops) +
                  response->m_numberOfRemainingSubops + response->m_numberOfFailedSubops +
                  response->m_numberOfWarningSubops;
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

Result<DcmDataset> retrieveKeys(const RetrieveRequest &request)
{
    if (!isValidUid(request.studyInstanceUid) ||
        (!request.seriesInstanceUid.empty() && !isValidUid(request.seriesInstanceUid)) ||
        (!request.sopInstanceUid.empty() && !isValidUid(request.sopInstanceUid))) {
        return makeError(ErrorCode::InvalidArgument,
                         "a retrieve needs a valid Study Instance UID (and, for a series or an "
                         "instance, valid Series and SOP Instance UIDs)");
    }
    if (!request.sopInstanceUid.empty() && request.seriesInstanceUid.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "retrieving one instance needs its Series Instance UID as well");
    }
    DcmDataset keys;
    const char *level = !request.sopInstanceUid.empty()      ? "IMAGE"
                        : !request.seriesInstanceUid.empty() ? "SERIES"
                                                             : "STUDY";
    keys.putAndInsertString(DCM_QueryRetrieveLevel, level);
    keys.putAndInsertString(DCM_StudyInstanceUID, request.studyInstanceUid.c_str());
    if (!request.seriesInstanceUid.empty()) {
        keys.putAndInsertString(DCM_SeriesInstanceUID, request.seriesInstanceUid.c_str());
    }
    if (!request.sopInstanceUid.empty()) {
        keys.putAndInsertString(DCM_SOPInstanceUID, request.sopInstanceUid.c_str());
    }
    return keys;
}

} // namespace

Result<RetrieveReport> get(const PacsNode &node, const RetrieveRequest &request,
                           const fs::path &store, ProgressObserver *observer)
{
    auto keys = retrieveKeys(request);
    if (!keys) {
        return keys.error();
    }
    GetScu scu(store, observer);
    configure(scu, node);
    scu.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel,
                               uncompressedTransferSyntaxes());
    // C-GET sends the instances back on this association: we take the storage SCP role.
    addStorageContexts(scu, ASC_SC_ROLE_SCP);
    if (auto negotiated = negotiate(scu, node); !negotiated) {
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
        return makeError(ErrorCode::Cancelled,
                         "retrieve cancelled; " + std::to_string(scu.report.files.size()) +
                             " instances kept, retrieving again fetches the rest");
    }
    if (scu.problem) {
        scu.abortAssociation();
        return *scu.problem;
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
