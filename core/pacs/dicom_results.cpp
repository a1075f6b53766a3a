// SPDX-License-Identifier: MIT
// The SR is built with DCMTK's dcmsr (a Comprehensive SR content tree); the Secondary Capture
// attribute by attribute. Both then get the source's patient and study modules verbatim, so the
// PACS files them under the same patient and study.
#include "core/pacs/dicom_results.h"

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/dicom_write.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <dcmtk/ofstd/ofdatime.h>

#include <cctype>
#include <cstdio>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

// Series numbers of the result series: high, so that they sort after the acquired ones.
constexpr const char *kReportSeriesNumber = "9901";
constexpr const char *kCaptureSeriesNumber = "9902";
constexpr const char *kSeriesDescription = "CXR Studio AI result (research use only)";
// Concepts without a standard code: a private coding scheme (PS3.16 8.2: "99" prefix).
constexpr const char *kPrivateScheme = "99CXR";

struct Source {
    DcmFileFormat file;
    std::string studyUid, seriesUid, sopInstanceUid, sopClassUid;
};

// The header only: large values (pixel data) stay in the file.
Status readSource(const fs::path &path, Source &source)
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
    return Ok{};
}

// The Patient module and General Study module (PS3.3 C.7.1.1, C.7.2.1) with the patient's age:
// copied as they are; the type 2 attributes are written empty when the source lacks them.
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

std::string number(double x)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", x);
    return text;
}

std::string oodText(const AiFinding &finding)
{
    return finding.outOfDistribution ? "outside what the model was trained on: " + finding.oodReason
                                     : std::string("within what the model was trained on");
}

// A code for the finding: SNOMED CT's for pneumonia, a private one for another class.
DSRCodedEntryValue findingCode(const std::string &name)
{
    if (name == "Pneumonia" || name == "PNEUMONIA" || name == "pneumonia") {
        return DSRCodedEntryValue("233604007", "SCT", "Pneumonia");
    }
    return DSRCodedEntryValue(("FINDING-" + name).substr(0, 16).c_str(), kPrivateScheme,
                              name.c_str());
}

// Adds a sibling after the current item, or its first child with AM_belowCurrent.
void addText(DSRDocumentTree &tree, DSRTypes::E_RelationshipType relation,
             const DSRCodedEntryValue &concept, const std::string &text,
             DSRTypes::E_AddMode mode = DSRTypes::AM_afterCurrent)
{
    tree.addContentItem(relation, DSRTypes::VT_Text, mode);
    tree.getCurrentContentItem().setConceptName(concept);
    tree.getCurrentContentItem().setStringValue(text.c_str());
}

void addNumber(DSRDocumentTree &tree, const DSRCodedEntryValue &concept, double x)
{
    tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Num);
    tree.getCurrentContentItem().setConceptName(concept);
    tree.getCurrentContentItem().setNumericValue(
        DSRNumericMeasurementValue(number(x).c_str(), DSRCodedEntryValue("1", "UCUM", "no units")));
}

void buildReportTree(DSRDocumentTree &tree, const AiFinding &finding, const Source &source)
{
    tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container);
    tree.getCurrentContentItem().setConceptName(
        DSRCodedEntryValue("18748-4", "LN", "Diagnostic imaging report"));
    addText(tree, DSRTypes::RT_hasObsContext, DSRCodedEntryValue("111001", "DCM", "Algorithm Name"),
            "CXR Studio: " + finding.modelName, DSRTypes::AM_belowCurrent);
    addText(
        tree, DSRTypes::RT_hasObsContext, DSRCodedEntryValue("111003", "DCM", "Algorithm Version"),
        "CXR Studio " + finding.algorithmVersion + "; model trained with " + finding.modelVersion);
    tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Code);
    tree.getCurrentContentItem().setConceptName(findingCode(finding.findingName));
    tree.getCurrentContentItem().setCodeValue(finding.present
                                                  ? DSRCodedEntryValue("52101004", "SCT", "Present")
                                                  : DSRCodedEntryValue("2667000", "SCT", "Absent"));
    addNumber(tree,
              DSRCodedEntryValue("PROBABILITY", kPrivateScheme,
                                 ("Probability of " + finding.findingName).c_str()),
              finding.probability);
    addNumber(tree, DSRCodedEntryValue("THRESHOLD", kPrivateScheme, "Decision threshold"),
              finding.threshold);
    if (finding.oodChecked) {
        addText(tree, DSRTypes::RT_contains,
                DSRCodedEntryValue("OOD", kPrivateScheme, "Out-of-distribution check"),
                oodText(finding));
    }
    addText(tree, DSRTypes::RT_contains, DSRCodedEntryValue("MODEL", kPrivateScheme, "Model"),
            finding.modelName);
    if (!finding.weightsSha256.empty()) {
        addText(tree, DSRTypes::RT_contains,
                DSRCodedEntryValue("WEIGHTS", kPrivateScheme, "Model weights SHA-256"),
                finding.weightsSha256);
    }
    addText(tree, DSRTypes::RT_contains, DSRCodedEntryValue("121106", "DCM", "Comment"),
            kResearchUseOnly);
    tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image);
    tree.getCurrentContentItem().setConceptName(
        DSRCodedEntryValue("121112", "DCM", "Source of Measurement"));
    tree.getCurrentContentItem().setImageReference(
        DSRImageReferenceValue(source.sopClassUid.c_str(), source.sopInstanceUid.c_str()));
}

std::string today()
{
    OFString date;
    DcmDate::getCurrentDate(date);
    return date.c_str();
}

std::string now()
{
    OFString time;
    DcmTime::getCurrentTime(time);
    return time.c_str();
}

} // namespace

Status writeStructuredReport(const fs::path &sourcePath, const AiFinding &finding,
                             const fs::path &out)
{
    Source source;
    if (auto read = readSource(sourcePath, source); !read) {
        return read;
    }
    DSRDocument document(DSRTypes::DT_ComprehensiveSR);
    document.createNewSeriesInStudy(source.studyUid.c_str());
    document.setSeriesNumber(kReportSeriesNumber);
    document.setSeriesDescription(kSeriesDescription);
    document.setManufacturer("CXR Studio");
    document.setManufacturerModelName(finding.modelName.substr(0, 64).c_str());
    buildReportTree(document.getTree(), finding, source);
    document.getCurrentRequestedProcedureEvidence().addItem(
        source.studyUid.c_str(), source.seriesUid.c_str(), source.sopClassUid.c_str(),
        source.sopInstanceUid.c_str());
    DcmFileFormat file;
    DcmDataset &data = *file.getDataset();
    if (OFCondition written = document.write(data); written.bad()) {
        return makeError(ErrorCode::Internal,
                         out.string() + ": the report could not be built (" + written.text() + ")");
    }
    copyPatientAndStudy(*source.file.getDataset(), data);
    data.putAndInsertString(DCM_SoftwareVersions, finding.algorithmVersion.c_str());
    return saveDicomAtomically(file, out, EXS_LittleEndianExplicit);
}

Status writeSecondaryCapture(const fs::path &sourcePath, const AiFinding &finding,
                             const RgbImage &overlay, const fs::path &out)
{
    Source source;
    if (auto read = readSource(sourcePath, source); !read) {
        return read;
    }
    const std::size_t bytes = std::size_t(overlay.width) * std::size_t(overlay.height) * 3;
    if (overlay.width <= 0 || overlay.height <= 0 || overlay.width > 65535 ||
        overlay.height > 65535 || overlay.rgb.size() != bytes) {
        return makeError(ErrorCode::InvalidArgument,
                         out.string() + ": the overlay image is empty or damaged");
    }
    DcmFileFormat file;
    DcmDataset &data = *file.getDataset();
    char uid[100];
    data.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
    data.putAndInsertString(DCM_SOPInstanceUID,
                            dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    copyPatientAndStudy(*source.file.getDataset(), data);
    data.putAndInsertString(DCM_SeriesInstanceUID,
                            dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
    data.putAndInsertString(DCM_Modality, "OT");
    data.putAndInsertString(DCM_SeriesNumber, kCaptureSeriesNumber);
    data.insertEmptyElement(DCM_Laterality); // type 2C; a chest is not a paired structure
    data.putAndInsertString(DCM_SeriesDescription, kSeriesDescription);
    data.putAndInsertString(DCM_Manufacturer, "CXR Studio");
    data.putAndInsertString(DCM_SoftwareVersions, finding.algorithmVersion.c_str());
    data.putAndInsertString(DCM_ConversionType, "WSD");
    data.putAndInsertString(DCM_InstanceNumber, "1");
    data.insertEmptyElement(DCM_PatientOrientation);
    data.putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY");
    data.putAndInsertString(DCM_ContentDate, today().c_str());
    data.putAndInsertString(DCM_ContentTime, now().c_str());
    data.putAndInsertString(DCM_BurnedInAnnotation, "YES");
    data.putAndInsertString(DCM_ImageComments, kResearchUseOnly);
    const std::string derivation = "Class-activation map of " + finding.modelName +
                                   " over the source image; " + finding.findingName +
                                   (finding.present ? " present" : " absent") + ", probability " +
                                   number(finding.probability);
    data.putAndInsertString(DCM_DerivationDescription, derivation.substr(0, 1024).c_str());
    DcmItem *reference = nullptr;
    if (data.findOrCreateSequenceItem(DCM_SourceImageSequence, reference, 0).good() && reference) {
        reference->putAndInsertString(DCM_ReferencedSOPClassUID, source.sopClassUid.c_str());
        reference->putAndInsertString(DCM_ReferencedSOPInstanceUID, source.sopInstanceUid.c_str());
    }
    data.putAndInsertUint16(DCM_SamplesPerPixel, 3);
    data.putAndInsertString(DCM_PhotometricInterpretation, "RGB");
    data.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    data.putAndInsertUint16(DCM_Rows, Uint16(overlay.height));
    data.putAndInsertUint16(DCM_Columns, Uint16(overlay.width));
    data.putAndInsertUint16(DCM_BitsAllocated, 8);
    data.putAndInsertUint16(DCM_BitsStored, 8);
    data.putAndInsertUint16(DCM_HighBit, 7);
    data.putAndInsertUint16(DCM_PixelRepresentation, 0);
    data.putAndInsertUint8Array(DCM_PixelData, overlay.rgb.data(), Uint32(bytes));
    return saveDicomAtomically(file, out, EXS_LittleEndianExplicit);
}

} // namespace cxr::pacs
