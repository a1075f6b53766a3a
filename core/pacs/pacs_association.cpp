// SPDX-License-Identifier: MIT
#include "core/pacs/pacs_association.h"

#include "core/pacs/local_store.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace cxr::pacs {

namespace {

// Image storage classes: offered with each compressed syntax as well (addStorageContexts).
const char *const kImageSopClasses[] = {UID_ComputedRadiographyImageStorage,
                                        UID_DigitalXRayImageStorageForPresentation,
                                        UID_DigitalXRayImageStorageForProcessing,
                                        UID_CTImageStorage,
                                        UID_MRImageStorage,
                                        UID_SecondaryCaptureImageStorage,
                                        UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage,
                                        UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage,
                                        UID_MultiframeTrueColorSecondaryCaptureImageStorage,
                                        UID_NuclearMedicineImageStorage,
                                        UID_UltrasoundImageStorage};

// Other objects a study may hold: reports, presentation states, maps, plans.
const char *const kOtherSopClasses[] = {UID_BasicTextSRStorage,
                                        UID_EnhancedSRStorage,
                                        UID_ComprehensiveSRStorage,
                                        UID_KeyObjectSelectionDocumentStorage,
                                        UID_GrayscaleSoftcopyPresentationStateStorage,
                                        UID_ParametricMapStorage,
                                        UID_SegmentationStorage,
                                        UID_EncapsulatedPDFStorage,
                                        UID_RTPlanStorage,
                                        UID_RTStructureSetStorage,
                                        UID_RTDoseStorage};

} // namespace

OFList<OFString> uncompressedTransferSyntaxes()
{
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
    syntaxes.push_back(UID_LittleEndianImplicitTransferSyntax);
    return syntaxes;
}

namespace {

const char *const kCompressedSyntaxes[] = {
    UID_JPEGProcess1TransferSyntax,         UID_JPEGProcess2_4TransferSyntax,
    UID_JPEGProcess14SV1TransferSyntax,     UID_JPEGProcess14TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,       UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
    UID_RLELosslessTransferSyntax};

OFList<OFString> uncompressedStorageSyntaxes()
{
    OFList<OFString> syntaxes = uncompressedTransferSyntaxes();
    syntaxes.push_back(UID_DeflatedExplicitVRLittleEndianTransferSyntax);
    return syntaxes;
}

} // namespace

void addStorageContexts(DcmSCU &scu, T_ASC_SC_ROLE role)
{
    const OFList<OFString> uncompressed = uncompressedStorageSyntaxes();
    for (const char *sopClass : kOtherSopClasses) {
        scu.addPresentationContext(sopClass, uncompressed, role);
    }
    for (const char *sopClass : kImageSopClasses) { // 11 x (1 + 9) + 11 = 121 of 128 contexts
        scu.addPresentationContext(sopClass, uncompressed, role);
        for (const char *syntax : kCompressedSyntaxes) {
            OFList<OFString> one;
            one.push_back(syntax);
            scu.addPresentationContext(sopClass, one, role);
        }
    }
}

void addStorageContexts(DcmSCP &scp)
{
    OFList<OFString> any = uncompressedStorageSyntaxes();
    for (const char *syntax : kCompressedSyntaxes) {
        any.push_back(syntax);
    }
    for (const char *sopClass : kImageSopClasses) {
        scp.addPresentationContext(sopClass, any);
    }
    for (const char *sopClass : kOtherSopClasses) {
        scp.addPresentationContext(sopClass, uncompressedStorageSyntaxes());
    }
    scp.addPresentationContext(UID_VerificationSOPClass, uncompressedTransferSyntaxes());
}

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

void configure(DcmSCU &scu, const PacsNode &node)
{
    quietDcmtkLog();
    scu.setAETitle(node.callingAeTitle.c_str());
    scu.setPeerAETitle(node.calledAeTitle.c_str());
    scu.setPeerHostName(node.host.c_str());
    scu.setPeerPort(Uint16(node.port));
    scu.setConnectionTimeout(node.timeoutSeconds);
    scu.setACSETimeout(Uint32(node.timeoutSeconds));
    scu.setDIMSETimeout(Uint32(node.timeoutSeconds));
    scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    scu.setMaxReceivePDULength(ASC_MAXIMUMPDUSIZE); // fewer, larger reads for whole studies
}

Error networkError(const PacsNode &node, const std::string &what, const OFCondition &condition)
{
    return {ErrorCode::Network,
            "PACS " + describe(node) + ": " + what + " failed (" + condition.text() + ")"};
}

Result<TlsLayer> tlsLayer(const TlsSettings &settings, TlsRole role)
{
    if (role == TlsRole::Acceptor && settings.certificate.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "TLS: a C-MOVE over TLS needs our certificate and key (the PACS connects "
                         "to CXR Studio to deliver the images); retrieve with C-GET otherwise");
    }
    auto layer = std::make_unique<DcmTLSTransportLayer>(
        role == TlsRole::Acceptor ? NET_ACCEPTOR : NET_REQUESTOR, nullptr, OFTrue);
    const auto problem = [](const std::string &what, const OFCondition &condition) {
        return makeError(ErrorCode::InvalidArgument,
                         "TLS: " + what + " (" + condition.text() + ")");
    };
    if (OFCondition set = layer->setTLSProfile(TSP_Profile_BCP195); set.bad()) {
        return problem("the BCP 195 profile is not available", set);
    }
    if (OFCondition set = layer->activateCipherSuites(); set.bad()) {
        return problem("no cipher suite could be activated", set);
    }
    if (!settings.certificate.empty()) {
        if (OFCondition set =
                layer->setPrivateKeyFile(settings.privateKey.c_str(), DCF_Filetype_PEM);
            set.bad()) {
            return problem(settings.privateKey + " is not a readable PEM private key", set);
        }
        if (OFCondition set =
                layer->setCertificateFile(settings.certificate.c_str(), DCF_Filetype_PEM);
            set.bad()) {
            return problem(settings.certificate + " is not a readable PEM certificate", set);
        }
        if (!layer->checkPrivateKeyMatchesCertificate()) {
            return makeError(ErrorCode::InvalidArgument, "TLS: " + settings.privateKey +
                                                             " is not the key of " +
                                                             settings.certificate);
        }
    }
    for (const std::string &file : settings.trustedCertificates) {
        if (OFCondition set = layer->addTrustedCertificateFile(file.c_str(), DCF_Filetype_PEM);
            set.bad()) {
            return problem(file + " is not a readable PEM certificate", set);
        }
    }
    layer->setCertificateVerification(settings.verifyPeer ? DCV_requireCertificate
                                                          : DCV_ignoreCertificate);
    return TlsLayer(std::move(layer));
}

Status negotiate(Scu &scu, const PacsNode &node, TlsLayer &tls)
{
    if (auto checked = checkNode(node); !checked) {
        return checked;
    }
    if (OFCondition started = scu.initNetwork(); started.bad()) {
        return networkError(node, "starting the network", started);
    }
    if (node.tls.enabled) {
        auto layer = tlsLayer(node.tls, TlsRole::Requestor);
        if (!layer) {
            return layer.error();
        }
        tls = std::move(*layer);
        if (OFCondition secured = scu.useSecureConnection(tls.get()); secured.bad()) {
            return networkError(node, "setting up TLS", secured);
        }
    }
    const OFCondition negotiated = scu.negotiateAssociation();
    if (negotiated == DUL_ASSOCIATIONREJECTED) {
        return makeError(ErrorCode::Network,
                         "PACS " + describe(node) +
                             " rejected the association: check the called AE title ('" +
                             node.calledAeTitle + "') and that it knows the calling AE title ('" +
                             node.callingAeTitle + "')");
    }
    if (negotiated.bad() && node.tls.enabled) {
        return makeError(ErrorCode::Network,
                         "no TLS association with PACS " + describe(node) + " within " +
                             std::to_string(node.timeoutSeconds) +
                             " s: check that it speaks TLS on this port and that the certificates "
                             "match (" +
                             negotiated.text() + ")");
    }
    if (negotiated.bad()) {
        return makeError(ErrorCode::Network, "cannot reach PACS " + describe(node) + " within " +
                                                 std::to_string(node.timeoutSeconds) + " s (" +
                                                 negotiated.text() + ")");
    }
    return Ok{};
}

Result<T_ASC_PresentationContextID> acceptedContext(DcmSCU &scu, const PacsNode &node,
                                                    const char *sopClass, const std::string &what)
{
    const T_ASC_PresentationContextID id = scu.findAnyPresentationContextID(sopClass, "");
    if (id == 0) {
        return makeError(ErrorCode::Network, "PACS " + describe(node) + " does not offer " + what +
                                                 " (" + dcmFindNameOfUID(sopClass, sopClass) + ")");
    }
    return id;
}

std::int64_t subOperationCount(const RetrieveResponse &response)
{
    return std::int64_t(response.m_numberOfCompletedSubops) + response.m_numberOfRemainingSubops +
           response.m_numberOfFailedSubops + response.m_numberOfWarningSubops;
}

Error retrieveCancelled(std::size_t kept)
{
    return {ErrorCode::Cancelled, "retrieve cancelled; " + std::to_string(kept) +
                                      " instances kept, retrieving again fetches the rest"};
}

Error retrieveStopped(const Error &problem, std::size_t kept)
{
    if (problem.code != ErrorCode::WriteFailed) {
        return problem;
    }
    return {problem.code, problem.message + "; retrieve stopped, " + std::to_string(kept) +
                              " instances kept: make room and retrieve again to fetch the rest"};
}

std::string describeStatus(Uint16 status)
{
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%04X", unsigned(status));
    std::string meaning;
    if (status == STATUS_FIND_Refused_OutOfResources) {
        meaning = "out of resources";
    } else if ((status & 0xFF00) == 0xA900) {
        meaning = "the request does not match the SOP class";
    } else if ((status & 0xF000) == 0xC000) {
        meaning = "unable to process";
    } else if (status == 0xFE00) {
        meaning = "cancelled";
    } else if (status == 0xA801) {
        meaning = "move destination unknown";
    } else if ((status & 0xF000) == 0xB000) {
        meaning = "warning: some sub-operations failed";
    }
    return std::string("status ") + hex + (meaning.empty() ? "" : ": " + meaning);
}

} // namespace cxr::pacs
