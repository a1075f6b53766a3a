// SPDX-License-Identifier: MIT
// The SR is built with DCMTK's dcmsr (a Comprehensive SR content tree); the Secondary Capture
// attribute by attribute. Both then get the source's patient and study modules verbatim, so the
// PACS files them under the same patient and study.
#include "core/pacs/dicom_results.h"

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/dicom_result_source.h"
#include "core/pacs/dicom_write.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmsr/dsrdoc.h>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

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
    tree.getCurrentContentItem().setNumericValue(DSRNumericMeasurementValue(
        decimalText(x).c_str(), DSRCodedEntryValue("1", "UCUM", "no units")));
}

void buildReportTree(DSRDocumentTree &tree, const AiFinding &finding, const ResultSource &source)
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

} // namespace

Status writeStructuredReport(const fs::path &sourcePath, const AiFinding &finding,
                             const fs::path &out)
{
    ResultSource source;
    if (auto read = readResultSource(sourcePath, source); !read) {
        return read;
    }
    DSRDocument document(DSRTypes::DT_ComprehensiveSR);
    document.createNewSeriesInStudy(source.studyUid.c_str());
    document.setSeriesNumber(kReportSeriesNumber);
    document.setSeriesDescription(kResultSeriesDescription);
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
    ResultSource source;
    if (auto read = readResultSource(sourcePath, source); !read) {
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
    data.putAndInsertString(DCM_SeriesDescription, kResultSeriesDescription);
    data.putAndInsertString(DCM_Manufacturer, "CXR Studio");
    data.putAndInsertString(DCM_SoftwareVersions, finding.algorithmVersion.c_str());
    data.putAndInsertString(DCM_ConversionType, "WSD");
    data.putAndInsertString(DCM_InstanceNumber, "1");
    data.insertEmptyElement(DCM_PatientOrientation);
    data.putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY");
    data.putAndInsertString(DCM_ContentDate, todayText().c_str());
    data.putAndInsertString(DCM_ContentTime, nowText().c_str());
    data.putAndInsertString(DCM_BurnedInAnnotation, "YES");
    data.putAndInsertString(DCM_ImageComments, kResearchUseOnly);
    const std::string derivation = "Class-activation map of " + finding.modelName +
                                   " over the source image; " + finding.findingName +
                                   (finding.present ? " present" : " absent") + ", probability " +
                                   decimalText(finding.probability);
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
