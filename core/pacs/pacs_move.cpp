// SPDX-License-Identifier: MIT
// C-MOVE: the PACS opens its own associations to a move destination and stores the instances
// there. CXR Studio's destination is a storage SCP (DcmSCP) that this call runs on a thread of
// its own for the duration of the move, listening on receivePort under our calling AE title,
// and writing what arrives into the local store like C-GET does.
#include "core/pacs/dicom_write.h"
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scp.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

class StorageReceiver : public DcmSCP {
public:
    StorageReceiver(const fs::path &store, ProgressObserver *observer)
        : m_store(store), m_observer(observer)
    {}

    OFCondition handleIncomingCommand(T_DIMSE_Message *message,
                                      const DcmPresentationContextInfo &context) override
    {
        if (message->CommandField != DIMSE_C_STORE_RQ) {
            return DcmSCP::handleIncomingCommand(message, context); // echo, or refused
        }
        T_DIMSE_C_StoreRQ &request = message->msg.CStoreRQ;
        DcmDataset *received = nullptr;
        OFCondition condition =
            receiveSTORERequest(request, context.presentationContextID, received);
        if (condition.bad()) {
            return condition;
        }
        Uint16 status = STATUS_Success;
        auto stored = storeIncomingInstance(received, m_store);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!stored) {
                status = storeStatusFor(stored.error());
                m_problem = stored.error();
            } else if (*stored) {
                m_files.push_back(**stored);
            }
            ++m_received;
        }
        if (m_observer != nullptr) {
            m_observer->progress(m_received, std::max<std::int64_t>(m_total, m_received));
        }
        return sendSTOREResponse(context.presentationContextID, request, status);
    }

    // Polled every second (the connection timeout) while no association is open.
    OFBool stopAfterConnectionTimeout() override { return m_stop.load(); }
    OFBool stopAfterCurrentAssociation() override { return m_stop.load(); }

    void stop() { m_stop = true; }
    void setTotal(std::int64_t total) { m_total = total; }

    std::vector<fs::path> files()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_files;
    }
    std::optional<Error> problem()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_problem;
    }

private:
    fs::path m_store;
    ProgressObserver *m_observer;
    std::atomic<bool> m_stop{false};
    std::atomic<std::int64_t> m_received{0};
    std::atomic<std::int64_t> m_total{0};
    std::mutex m_mutex;
    std::vector<fs::path> m_files;
    std::optional<Error> m_problem;
};

class MoveScu : public Scu {
public:
    MoveScu(StorageReceiver &receiver, ProgressObserver *observer)
        : m_receiver(receiver), m_observer(observer)
    {}

    OFCondition handleMOVEResponse(const T_ASC_PresentationContextID presID,
                                   RetrieveResponse *response, OFBool &waitForNextResponse) override
    {
        const OFCondition handled =
            DcmSCU::handleMOVEResponse(presID, response, waitForNextResponse);
        m_receiver.setTotal(subOperationCount(*response));
        if (!DICOM_PENDING_STATUS(response->m_status)) {
            finalStatus = response->m_status;
            failed = response->m_numberOfFailedSubops;
            warned = response->m_numberOfWarningSubops;
        } else if (cancelled(m_observer) && !m_cancelSent) {
            m_cancelSent = true;
            sendCANCELRequest(presID); // the final response follows
        }
        return handled;
    }

    Uint16 finalStatus = STATUS_Success;
    int failed = 0;
    int warned = 0;

private:
    StorageReceiver &m_receiver;
    ProgressObserver *m_observer;
    bool m_cancelSent = false;
};

// The receiver speaks TLS when the node does: a PACS that is reached over TLS delivers over TLS
// (tls keeps the layer for as long as the receiver listens).
Status startReceiver(StorageReceiver &receiver, const PacsNode &node, int port, TlsLayer &tls)
{
    if (port < 1 || port > 65535) {
        return makeError(ErrorCode::InvalidArgument,
                         "the port to receive on must be 1 to 65535 (got " + std::to_string(port) +
                             ")");
    }
    receiver.setAETitle(node.callingAeTitle.c_str());
    receiver.setPort(Uint16(port));
    receiver.setConnectionBlockingMode(DUL_NOBLOCK);
    receiver.setConnectionTimeout(1);
    receiver.setACSETimeout(Uint32(node.timeoutSeconds));
    receiver.setDIMSETimeout(Uint32(node.timeoutSeconds));
    receiver.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE);
    addStorageContexts(receiver);
    if (node.tls.enabled) {
        auto layer = tlsLayer(node.tls, TlsRole::Acceptor);
        if (!layer) {
            return layer.error();
        }
        tls = std::move(*layer);
        receiver.getConfig().setTransportLayer(tls.get());
    }
    const OFCondition opened = receiver.openListenPort();
    if (opened.bad()) {
        return makeError(ErrorCode::Network, "cannot listen on port " + std::to_string(port) +
                                                 " for the moved instances (" + opened.text() +
                                                 ")");
    }
    return Ok{};
}

} // namespace

Result<RetrieveReport> move(const PacsNode &node, const RetrieveRequest &request,
                            const fs::path &store, int receivePort, ProgressObserver *observer)
{
    auto keys = retrieveKeys(request);
    if (!keys) {
        return keys.error();
    }
    if (auto checked = checkNode(node); !checked) {
        return checked.error();
    }
    quietDcmtkLog();      // the receiver starts before the association is set up
    TlsLayer receiverTls; // outlives the receiver's associations
    StorageReceiver receiver(store, observer);
    if (auto started = startReceiver(receiver, node, receivePort, receiverTls); !started) {
        return started.error();
    }
    std::thread listening([&receiver] { receiver.acceptAssociations(); });
    TlsLayer tls; // outlives the association
    MoveScu scu(receiver, observer);
    configure(scu, node);
    scu.addPresentationContext(UID_MOVEStudyRootQueryRetrieveInformationModel,
                               uncompressedTransferSyntaxes());
    Status outcome = negotiate(scu, node, tls);
    OFCondition moved = EC_Normal;
    if (outcome) {
        auto context = acceptedContext(scu, node, UID_MOVEStudyRootQueryRetrieveInformationModel,
                                       "retrieval with C-MOVE");
        if (!context) {
            outcome = context.error();
        } else {
            moved = scu.sendMOVERequest(*context, node.callingAeTitle.c_str(), &*keys, nullptr);
        }
        if (moved.bad() || !outcome) {
            scu.abortAssociation();
        } else {
            scu.releaseAssociation();
        }
    }
    receiver.stop();
    listening.join(); // within a second: the receiver polls its stop flag

    RetrieveReport report;
    report.files = receiver.files();
    report.failed = scu.failed;
    report.warned = scu.warned;
    if (!outcome) {
        return outcome.error();
    }
    if (moved.bad()) {
        // Orthanc, for one, aborts a move from a calling AE title it does not know.
        return makeError(ErrorCode::Network,
                         "PACS " + describe(node) + ": C-MOVE failed (" + moved.text() +
                             "); check that it knows '" + node.callingAeTitle +
                             "' as a move destination at this computer's address and port " +
                             std::to_string(receivePort) + ", or retrieve with C-GET");
    }
    if (auto problem = receiver.problem()) {
        return retrieveStopped(*problem, report.files.size());
    }
    if (cancelled(observer)) {
        return retrieveCancelled(report.files.size());
    }
    if (scu.finalStatus == STATUS_MOVE_Refused_MoveDestinationUnknown) {
        return makeError(ErrorCode::Network,
                         "PACS " + describe(node) + " does not know the move destination '" +
                             node.callingAeTitle +
                             "': add it there with this computer's address and port " +
                             std::to_string(receivePort) + ", or retrieve with C-GET");
    }
    if (scu.finalStatus != STATUS_Success && report.files.empty()) {
        return makeError(ErrorCode::Network, "PACS " + describe(node) + " answered the move with " +
                                                 describeStatus(scu.finalStatus));
    }
    return report;
}

} // namespace cxr::pacs
