// SPDX-License-Identifier: MIT
// The class-activation map as a DICOM Parametric Map (PS3.3 A.75), built with DCMTK's dcmpmap:
// one 32-bit float frame on the source image's pixel grid. A projection radiograph has no
// patient coordinate system, so the map gets a frame of reference of its own with the image
// plane at the origin (the IOD requires one); what ties it to the source is the Derivation Image
// functional group and the Common Instance Reference, both naming the source image.
#include "core/pacs/dicom_results.h"

#include "core/pacs/dcmtk_values.h"
#include "core/pacs/dicom_result_source.h"
#include "core/pacs/dicom_write.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgframeanatomy.h>
#include <dcmtk/dcmfg/fgparametricmapframetype.h>
#include <dcmtk/dcmfg/fgpixeltransform.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgrealworldvaluemapping.h>
#include <dcmtk/dcmiod/iodreferences.h>
#include <dcmtk/dcmpmap/dpmparametricmapiod.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

Error buildError(const fs::path &out, const char *step, const OFCondition &condition)
{
    return Error{ErrorCode::Internal, out.string() + ": the parametric map could not be built (" +
                                          step + ": " + condition.text() + ")"};
}

// The source's pixel spacing (or the detector's, for a projection radiograph without a
// calibrated one): the map is on the source's grid. 1\1 when the source gives none.
std::string pixelSpacingOf(DcmDataset &source)
{
    std::string spacing = stringValue(source, DCM_PixelSpacing);
    if (spacing.empty()) {
        spacing = stringValue(source, DCM_ImagerPixelSpacing);
    }
    double row = 1, column = 1;
    if (std::sscanf(spacing.c_str(), "%lf\\%lf", &row, &column) != 2 || !(row > 0) ||
        !(column > 0)) {
        row = column = 1;
    }
    return decimalText(row) + "\\" + decimalText(column);
}

FGRealWorldValueMapping realWorldMapping(const FloatMap &map)
{
    FGRealWorldValueMapping mapping;
    auto *item = new FGRealWorldValueMapping::RWVMItem();
    const auto [low, high] = std::minmax_element(map.values.begin(), map.values.end());
    item->setDoubleFloatRealWorldValueFirstValueMapped(*low);
    item->setDoubleFloatRealWorldValueLastValueMapped(*high);
    item->setRealWorldValueSlope(1);
    item->setRealWorldValueIntercept(0);
    item->setLUTExplanation("Class-activation map: 0 no evidence, 1 strongest in this image");
    item->setLUTLabel("CAM");
    item->getMeasurementUnitsCode().set("1", "UCUM", "no units");
    auto *quantity = new ContentItemMacro;
    quantity->setValueType(ContentItemMacro::VT_CODE);
    quantity->getEntireConceptNameCodeSequence().push_back(
        new CodeSequenceMacro("246205007", "SCT", "Quantity"));
    quantity->getEntireConceptCodeSequence().push_back(
        new CodeSequenceMacro("CAM", kPrivateScheme, "Class activation"));
    item->getEntireQuantityDefinitionSequence().push_back(quantity);
    mapping.getRealWorldValueMapping().push_back(item);
    return mapping;
}

// The functional groups every frame shares: spacing, orientation, anatomy, frame type, the
// identity value transformation, the derivation from the source image, and the real-world
// value mapping.
Status addSharedGroups(DPMParametricMapIOD &pmap, DcmDataset &sourceData, const AiFinding &finding,
                       const FloatMap &map, const fs::path &out)
{
    FGPixelMeasures measures;
    measures.setPixelSpacing(pixelSpacingOf(sourceData).c_str());
    measures.setSliceThickness("1");
    std::unique_ptr<FGPlaneOrientationPatient> orientation(
        FGPlaneOrientationPatient::createMinimal("1", "0", "0", "0", "1", "0"));
    FGFrameAnatomy anatomy;
    anatomy.setLaterality(FGFrameAnatomy::LATERALITY_UNPAIRED);
    anatomy.getAnatomy().getAnatomicRegion().set("51185008", "SCT", "Chest");
    FGParametricMapFrameType frameType;
    frameType.setFrameType("DERIVED\\PRIMARY\\VOLUME\\NONE");
    // Float pixel data are the values themselves: the identity transformation (PS3.3
    // C.7.6.16.2.9b).
    FGPixelValueTransformation identity;
    identity.setRescaleIntercept("0");
    identity.setRescaleSlope("1");
    identity.setRescaleType("US");
    FGDerivationImage derivation;
    DerivationImageItem *derived = nullptr;
    SourceImageItem *sourceItem = nullptr;
    derivation.addDerivationImageItem(
        CodeSequenceMacro("CAM", kPrivateScheme, "Class activation mapping"), // no DCM code
        "Class-activation map of " + OFString(finding.modelName.c_str()), derived);
    if (derived) {
        derived->addSourceImageItem(&sourceData,
                                    CodeSequenceMacro("121322", "DCM",
                                                      "Source image for image "
                                                      "processing operation"),
                                    sourceItem);
    }
    for (const FGBase *group : std::initializer_list<const FGBase *>{
             &measures, orientation.get(), &anatomy, &frameType, &identity, &derivation}) {
        if (OFCondition added = pmap.addForAllFrames(*group); added.bad()) {
            return buildError(out, "functional groups", added);
        }
    }
    const FGRealWorldValueMapping mapping = realWorldMapping(map);
    if (OFCondition added = pmap.addForAllFrames(mapping); added.bad()) {
        return buildError(out, "real world value mapping", added);
    }

    return Ok{};
}

// The map's one frame of float values.
Status addMapFrame(DPMParametricMapIOD &pmap, const FloatMap &map, const fs::path &out)
{
    FGPlanePosPatient position;
    position.setImagePositionPatient("0", "0", "0");
    FGFrameContent frameContent;
    frameContent.setDimensionIndexValues(1, 0);
    auto frames = pmap.getFrames();
    auto *floatFrames = OFget<DPMParametricMapIOD::Frames<Float32>>(&frames);
    if (!floatFrames) {
        return makeError(ErrorCode::Internal, out.string() + ": the parametric map has no frames");
    }
    std::vector<Float32> pixels(map.values.begin(), map.values.end());
    if (OFCondition added = floatFrames->addFrame(pixels.data(), pixels.size(),
                                                  OFVector<FGBase *>{&position, &frameContent});
        added.bad()) {
        return buildError(out, "frame", added);
    }

    return Ok{};
}

// The source must be the map's grid: a parametric map lies on it.
Status checkMapFitsSource(const FloatMap &map, DcmDataset &sourceData, const fs::path &out)
{
    if (map.width <= 0 || map.height <= 0 || map.width > 65535 || map.height > 65535 ||
        map.values.size() != std::size_t(map.width) * std::size_t(map.height)) {
        return makeError(ErrorCode::InvalidArgument,
                         out.string() + ": the map is empty or damaged");
    }
    const std::string size = std::to_string(map.width) + "x" + std::to_string(map.height);
    const std::string sourceSize =
        stringValue(sourceData, DCM_Columns) + "x" + stringValue(sourceData, DCM_Rows);
    if (size != sourceSize) {
        return makeError(ErrorCode::InvalidArgument,
                         out.string() + ": the map is " + size + " pixels but the source image " +
                             sourceSize + "; a parametric map lies on the source's grid");
    }
    return Ok{};
}

} // namespace

Status writeParametricMap(const fs::path &sourcePath, const AiFinding &finding, const FloatMap &map,
                          const fs::path &out)
{
    ResultSource source;
    if (auto read = readResultSource(sourcePath, source); !read) {
        return read;
    }
    DcmDataset &sourceData = *source.file.getDataset();
    if (auto fits = checkMapFitsSource(map, sourceData, out); !fits) {
        return fits;
    }
    const std::string modality = stringValue(sourceData, DCM_Modality);
    const IODEnhGeneralEquipmentModule::EquipmentInfo equipment(
        "CXR Studio", finding.modelName.substr(0, 64).c_str(), "1",
        finding.algorithmVersion.c_str());
    const ContentIdentificationMacro content("1", "CAM", kResearchUseOnly, "");
    auto created = DPMParametricMapIOD::create<IODFloatingPointImagePixelModule>(
        modality.empty() ? "OT" : modality.c_str(), kMapSeriesNumber, "1", Uint16(map.height),
        Uint16(map.width), equipment, content, "VOLUME", "NONE", DPMTypes::CQ_RESEARCH);
    if (const OFCondition *failed = OFget<OFCondition>(&created)) {
        return buildError(out, "create", *failed);
    }
    DPMParametricMapIOD &pmap = *OFget<DPMParametricMapIOD>(&created);
    // The patient and study are copied into the written dataset as for the SR and the SC (an
    // import into the IOD would also take over a source's malformed values and refuse to write).
    char uid[100];
    pmap.getFrameOfReference().setFrameOfReferenceUID(
        dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    pmap.getSeries().setSeriesDescription(kResultSeriesDescription);
    pmap.getIODGeneralEquipmentModule().setManufacturer("CXR Studio");
    pmap.getGeneralImage().setContentDate(todayText().c_str());
    pmap.getGeneralImage().setContentTime(nowText().c_str());

    pmap.getIODMultiframeDimensionModule().addDimensionIndex(
        DCM_ImagePositionPatient, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT),
        DCM_PlanePositionSequence, "Image plane");

    if (auto added = addSharedGroups(pmap, sourceData, finding, map, out); !added) {
        return added;
    }
    if (auto added = addMapFrame(pmap, map, out); !added) {
        return added;
    }
    IODReferences references;
    references.add(new IODImageReference(
        stringValue(sourceData, DCM_PatientID).c_str(), source.studyUid.c_str(),
        source.seriesUid.c_str(), source.sopInstanceUid.c_str(), source.sopClassUid.c_str()));
    pmap.getIODCommonInstanceReferenceModule().addReferences(references, source.studyUid.c_str());

    DcmFileFormat file;
    if (OFCondition written = pmap.write(*file.getDataset()); written.bad()) {
        return buildError(out, "write", written);
    }
    DcmDataset &data = *file.getDataset();
    copyPatientAndStudy(sourceData, data);
    data.putAndInsertString(DCM_BurnedInAnnotation, "NO");
    data.putAndInsertString(DCM_ImageComments, kResearchUseOnly);
    return saveDicomAtomically(file, out, EXS_LittleEndianExplicit);
}

} // namespace cxr::pacs
