// SPDX-License-Identifier: MIT
// C-FIND through a DcmSCU whose response handler converts each match as it arrives, so that a
// query with thousands of matches can stop at a limit or on cancel (C-CANCEL) instead of
// collecting them all first.
#include "core/common/enum_names.h"
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cctype>

namespace cxr::pacs {

namespace {

QueryMatch toMatch(DcmDataset &data)
{
    QueryMatch match;
    match.patientName = stringValue(data, DCM_PatientName);
    match.patientId = stringValue(data, DCM_PatientID);
    match.patientBirthDate = stringValue(data, DCM_PatientBirthDate);
    match.studyInstanceUid = stringValue(data, DCM_StudyInstanceUID);
    match.studyDate = stringValue(data, DCM_StudyDate);
    match.studyTime = stringValue(data, DCM_StudyTime);
    match.studyDescription = stringValue(data, DCM_StudyDescription);
    match.accessionNumber = stringValue(data, DCM_AccessionNumber);
    match.modalitiesInStudy = stringValue(data, DCM_ModalitiesInStudy);
    match.seriesInstanceUid = stringValue(data, DCM_SeriesInstanceUID);
    match.seriesNumber = stringValue(data, DCM_SeriesNumber);
    match.seriesDescription = stringValue(data, DCM_SeriesDescription);
    match.modality = stringValue(data, DCM_Modality);
    match.sopInstanceUid = stringValue(data, DCM_SOPInstanceUID);
    match.sopClassUid = stringValue(data, DCM_SOPClassUID);
    match.instanceNumber = stringValue(data, DCM_InstanceNumber);
    Sint32 count = -1;
    if (data.findAndGetSint32(DCM_NumberOfStudyRelatedInstances, count).good() ||
        data.findAndGetSint32(DCM_NumberOfSeriesRelatedInstances, count).good()) {
        match.relatedInstances = count;
    }
    return match;
}

// The query keys: the filter's values as matching keys, the other attributes of the level
// empty so that the PACS returns them.
Result<DcmDataset> queryKeys(QueryLevel level, const QueryFilter &filter)
{
    if (level == QueryLevel::Series && filter.studyInstanceUid.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "a series query needs the Study Instance UID of its study");
    }
    if (level == QueryLevel::Image &&
        (filter.studyInstanceUid.empty() || filter.seriesInstanceUid.empty())) {
        return makeError(ErrorCode::InvalidArgument,
                         "an image query needs the Study and Series Instance UIDs");
    }
    DcmDataset keys;
    keys.putAndInsertString(DCM_QueryRetrieveLevel, levelName(level));
    keys.putAndInsertString(DCM_PatientName, filter.patientName.c_str());
    keys.putAndInsertString(DCM_PatientID, filter.patientId.c_str());
    keys.putAndInsertString(DCM_PatientBirthDate, "");
    if (level == QueryLevel::Patient) {
        return keys;
    }
    keys.putAndInsertString(DCM_StudyInstanceUID, filter.studyInstanceUid.c_str());
    std::string dates;
    if (!filter.studyDateFrom.empty() || !filter.studyDateTo.empty()) {
        dates = filter.studyDateFrom + "-" + filter.studyDateTo;
    }
    keys.putAndInsertString(DCM_StudyDate, dates.c_str());
    keys.putAndInsertString(DCM_StudyTime, "");
    keys.putAndInsertString(DCM_StudyDescription, "");
    keys.putAndInsertString(DCM_AccessionNumber, filter.accessionNumber.c_str());
    if (level == QueryLevel::Study) {
        keys.putAndInsertString(DCM_ModalitiesInStudy, filter.modality.c_str());
        keys.putAndInsertString(DCM_NumberOfStudyRelatedInstances, "");
        return keys;
    }
    keys.putAndInsertString(DCM_SeriesInstanceUID, filter.seriesInstanceUid.c_str());
    keys.putAndInsertString(DCM_Modality, filter.modality.c_str());
    if (level == QueryLevel::Series) {
        keys.putAndInsertString(DCM_SeriesNumber, "");
        keys.putAndInsertString(DCM_SeriesDescription, "");
        keys.putAndInsertString(DCM_NumberOfSeriesRelatedInstances, "");
        return keys;
    }
    keys.putAndInsertString(DCM_SOPInstanceUID, "");
    keys.putAndInsertString(DCM_SOPClassUID, "");
    keys.putAndInsertString(DCM_InstanceNumber, "");
    return keys;
}

class FindScu : public Scu {
public:
    FindScu(const QueryOptions &options, ProgressObserver *observer)
        : m_options(options), m_observer(observer)
    {}

    OFCondition handleFINDResponse(const T_ASC_PresentationContextID presID, QRResponse *response,
                                   OFBool &waitForNextResponse) override
    {
        waitForNextResponse = DICOM_PENDING_STATUS(response->m_status);
        finalStatus = response->m_status;
        if (!waitForNextResponse || stopped || response->m_dataset == nullptr) {
            return EC_Normal;
        }
        QueryMatch match = toMatch(*response->m_dataset);
        if (m_options.onMatch) {
            m_options.onMatch(match);
        }
        result.matches.push_back(std::move(match));
        if (m_observer != nullptr) {
            m_observer->progress(std::int64_t(result.matches.size()), 0);
        }
        const bool full = m_options.maxMatches > 0 && result.matches.size() >= m_options.maxMatches;
        if (full || cancelled(m_observer)) {
            // C-CANCEL, then read on to the final response so the association stays usable.
            result.truncated = full;
            stopped = true;
            sendCANCELRequest(presID);
        }
        return EC_Normal;
    }

    QueryResult result;
    Uint16 finalStatus = 0;
    bool stopped = false;

private:
    const QueryOptions &m_options;
    ProgressObserver *m_observer;
};

} // namespace

namespace {

// The Query/Retrieve Level values of PS3.4 C.6.
constexpr EnumNames<QueryLevel, 4> kLevelNames{{{QueryLevel::Study, "STUDY"},
                                                {QueryLevel::Patient, "PATIENT"},
                                                {QueryLevel::Series, "SERIES"},
                                                {QueryLevel::Image, "IMAGE"}}};

} // namespace

const char *levelName(QueryLevel level)
{
    return nameOf(kLevelNames, level);
}

Result<QueryLevel> parseLevel(const std::string &name)
{
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return char(std::toupper(c)); });
    if (const auto level = valueNamed(kLevelNames, upper)) {
        return *level;
    }
    return makeError(ErrorCode::InvalidArgument,
                     "unknown query level '" + name + "' (patient, study, series or image)");
}

Result<QueryResult> find(const PacsNode &node, QueryLevel level, const QueryFilter &filter,
                         const QueryOptions &options, ProgressObserver *observer)
{
    auto keys = queryKeys(level, filter);
    if (!keys) {
        return keys.error();
    }
    const char *model = level == QueryLevel::Patient
                            ? UID_FINDPatientRootQueryRetrieveInformationModel
                            : UID_FINDStudyRootQueryRetrieveInformationModel;
    TlsLayer tls; // outlives the association
    FindScu scu(options, observer);
    configure(scu, node);
    scu.addPresentationContext(model, uncompressedTransferSyntaxes());
    if (auto negotiated = negotiate(scu, node, tls); !negotiated) {
        return negotiated.error();
    }
    auto context = acceptedContext(scu, node, model, "queries (C-FIND)");
    if (!context) {
        scu.releaseAssociation();
        return context.error();
    }
    const OFCondition found = scu.sendFINDRequest(*context, &*keys, nullptr);
    if (found.bad()) {
        scu.abortAssociation();
        return networkError(node, "C-FIND", found);
    }
    scu.releaseAssociation();
    if (cancelled(observer) && !scu.result.truncated) {
        return makeError(ErrorCode::Cancelled, "query cancelled");
    }
    if (!scu.stopped && scu.finalStatus != STATUS_Success) {
        return makeError(ErrorCode::Network, "PACS " + describe(node) +
                                                 " answered the query with " +
                                                 describeStatus(scu.finalStatus));
    }
    return std::move(scu.result);
}

} // namespace cxr::pacs
