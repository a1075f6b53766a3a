// SPDX-License-Identifier: MIT
#include "core/pacs/dicom_result_source.h"

#include "core/pacs/dcmtk_values.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcvrda.h>
#include <dcmtk/dcmdata/dcvrtm.h>

#include <cctype>
#include <cstdio>

namespace cxr::pacs {

namespace fs = std::filesystem;

Status readResultSource(const fs::path &path, ResultSource &source)
{
    quietDcmtkLog();
    const OFCondition loaded =
        source.file.loadFile(path.string().c_str(), EXS_Unknown, EGL_noChange, 4096);
    if (loaded.bad()) {
        return makeError(ErrorCode::Unsupported,
                         path.string() + ": results as DICOM need a DICOM source image (" +
                             loaded.text() + ")");
    }
    DcmDataset &data = *source.file.getDataset();
    source.studyUid = stringValue(data, DCM_StudyInstanceUID);
    source.seriesUid = stringValue(data, DCM_SeriesInstanceUID);
    source.sopInstanceUid = stringValue(data, DCM_SOPInstanceUID);
    source.sopClassUid = stringValue(data, DCM_SOPClassUID);
    const std::pair<const char *, const std::string *> required[] = {
        {"Study Instance UID", &source.studyUid},
        {"SOP Instance UID", &source.sopInstanceUid},
        {"SOP Class UID", &source.sopClassUid}};
    for (const auto &[name, uid] : required) {
        if (uid->empty()) {
            return makeError(ErrorCode::InvalidArgument,
                             path.string() + ": has no " + name +
                                 ", so a result cannot be placed in its study");
        }
    }
    if (stringValue(data, DCM_SeriesDescription) == kResultSeriesDescription) {
        return makeError(ErrorCode::Unsupported, path.string() + ": is a CXR Studio result (" +
                                                     kResultSeriesDescription +
                                                     "), not an image to report on");
    }
    return Ok{};
}

bool isResultOfOurs(const fs::path &file)
{
    quietDcmtkLog();
    DcmFileFormat header;
    return header.loadFile(file.string().c_str(), EXS_Unknown, EGL_noChange, 4096).good() &&
           stringValue(*header.getDataset(), DCM_SeriesDescription) == kResultSeriesDescription;
}

void copyPatientAndStudy(DcmDataset &from, DcmDataset &to)
{
    const DcmTagKey typeTwo[] = {
        DCM_PatientName,    DCM_PatientID, DCM_PatientBirthDate,       DCM_PatientSex,
        DCM_StudyDate,      DCM_StudyTime, DCM_ReferringPhysicianName, DCM_StudyID,
        DCM_AccessionNumber};
    const DcmTagKey optional[] = {DCM_IssuerOfPatientID, DCM_StudyDescription,
                                  DCM_SpecificCharacterSet};
    to.findAndDeleteElement(DCM_SpecificCharacterSet); // the source's, or none (ASCII)
    for (const DcmTagKey &tag : typeTwo) {
        DcmElement *element = nullptr;
        if (from.findAndGetElement(tag, element).good() && element != nullptr) {
            to.insert(OFstatic_cast(DcmElement *, element->clone()), OFTrue);
        } else {
            to.insertEmptyElement(tag, OFTrue);
        }
    }
    for (const DcmTagKey &tag : optional) {
        DcmElement *element = nullptr;
        if (from.findAndGetElement(tag, element).good() && element != nullptr) {
            to.insert(OFstatic_cast(DcmElement *, element->clone()), OFTrue);
        }
    }
    // Patient's Age only in its proper form (nnnD, nnnW, nnnM or nnnY): some sources hold "62",
    // which a validator rightly refuses in the result.
    const std::string age = stringValue(from, DCM_PatientAge);
    if (age.size() == 4 && std::isdigit((unsigned char)age[0]) &&
        std::isdigit((unsigned char)age[1]) && std::isdigit((unsigned char)age[2]) &&
        std::string("DWMY").find(age[3]) != std::string::npos) {
        to.putAndInsertString(DCM_PatientAge, age.c_str());
    }
    to.putAndInsertString(DCM_StudyInstanceUID, stringValue(from, DCM_StudyInstanceUID).c_str());
}

std::string decimalText(double x)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", x);
    return text;
}

std::string todayText()
{
    OFString date;
    DcmDate::getCurrentDate(date);
    return date.c_str();
}

std::string nowText()
{
    OFString time;
    DcmTime::getCurrentTime(time);
    return time.c_str();
}

} // namespace cxr::pacs
