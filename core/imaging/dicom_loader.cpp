// SPDX-License-Identifier: MIT
// DICOM through DCMTK. Display pipeline, in the order the standard prescribes:
// modality LUT (rescale slope/intercept or LUT), VOI (window from the file, VOI LUT, or a
// computed min-max window), then polarity (MONOCHROME1 shown inverted, as on a light box).
#include "core/imaging/loaders.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <opencv2/imgproc.hpp>

#include <mutex>

namespace cxr::imaging {

namespace fs = std::filesystem;

namespace {

// DCMTK decodes compressed transfer syntaxes only once their codecs are registered.
void registerDicomCodecs()
{
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL); // errors reach the user as values instead
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

std::string stringTag(DcmDataset &data, const DcmTagKey &tag)
{
    OFString value;
    if (data.findAndGetOFStringArray(tag, value).good()) {
        return value.c_str();
    }
    return {};
}

double doubleTag(DcmDataset &data, const DcmTagKey &tag, unsigned long position = 0)
{
    Float64 value = 0;
    return data.findAndGetFloat64(tag, value, position).good() ? value : 0.0;
}

bool isJpeg2000(E_TransferSyntax syntax)
{
    return syntax == EXS_JPEG2000LosslessOnly || syntax == EXS_JPEG2000 ||
           syntax == EXS_JPEG2000MulticomponentLosslessOnly ||
           syntax == EXS_JPEG2000Multicomponent;
}

void readMetadata(DcmDataset &data, Image &image)
{
    ImageMetadata &meta = image.meta;
    meta.format = FileFormat::Dicom;
    meta.photometric = stringTag(data, DCM_PhotometricInterpretation);
    meta.modality = stringTag(data, DCM_Modality);
    meta.bodyPart = stringTag(data, DCM_BodyPartExamined);
    meta.viewPosition = stringTag(data, DCM_ViewPosition);
    meta.pixelSpacingRowMm = doubleTag(data, DCM_PixelSpacing, 0);
    meta.pixelSpacingColumnMm = doubleTag(data, DCM_PixelSpacing, 1);
    Uint16 bits = 0;
    meta.bitsStored = data.findAndGetUint16(DCM_BitsStored, bits).good() ? bits : 0;
    DcmElement *centers = nullptr;
    const unsigned long windows =
        data.findAndGetElement(DCM_WindowCenter, centers).good() && centers ? centers->getVM() : 0;
    for (unsigned long i = 0; i < windows; ++i) {
        OFString name;
        data.findAndGetOFString(DCM_WindowCenterWidthExplanation, name, i);
        meta.windows.push_back({doubleTag(data, DCM_WindowCenter, i),
                                doubleTag(data, DCM_WindowWidth, i), name.c_str()});
    }
    image.patient.name = stringTag(data, DCM_PatientName);
    image.patient.id = stringTag(data, DCM_PatientID);
    image.patient.birthDate = stringTag(data, DCM_PatientBirthDate);
}

} // namespace

Result<Image> loadDicomImage(const fs::path &path, const LoadOptions &options)
{
    registerDicomCodecs();
    DcmFileFormat file;
    // Read everything but large element values first: the header decides whether to go on.
    OFCondition status = file.loadFile(path.string().c_str(), EXS_Unknown, EGL_noChange,
                                       DCM_MaxReadLength, ERM_autoDetect);
    if (status.bad()) {
        return fileError(ErrorCode::Corrupt, path,
                         std::string("not a readable DICOM file (") + status.text() + ")");
    }
    DcmDataset &data = *file.getDataset();
    Image image;
    readMetadata(data, image);

    const E_TransferSyntax syntax = data.getOriginalXfer();
    image.meta.transferSyntax = DcmXfer(syntax).getXferName();
    if (!data.tagExistsWithValue(DCM_PixelData) && !data.tagExists(DCM_FloatPixelData)) {
        return fileError(ErrorCode::Unsupported, path, "DICOM file has no pixel data");
    }
    Uint16 rows = 0;
    Uint16 columns = 0;
    data.findAndGetUint16(DCM_Rows, rows);
    data.findAndGetUint16(DCM_Columns, columns);
    if (auto checked = checkImageSize(path, columns, rows); !checked) {
        return checked.error();
    }
    if (isJpeg2000(syntax)) {
        return fileError(ErrorCode::Unsupported, path,
                         "JPEG 2000 compressed DICOM is not supported yet (transfer syntax " +
                             image.meta.transferSyntax + ")");
    }

    Sint32 frames = 1;
    if (data.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) {
        frames = 1;
    }
    image.meta.frameCount = int(frames);
    image.meta.frame = options.frame;
    if (options.frame < 0 || options.frame >= frames) {
        return fileError(ErrorCode::InvalidArgument, path,
                         "frame " + std::to_string(options.frame + 1) + " does not exist (" +
                             std::to_string(frames) + " frames)");
    }

    DicomImage dicom(&file, syntax, CIF_MayDetachPixelData, Uint32(options.frame), 1);
    if (dicom.getStatus() != EIS_Normal) {
        return fileError(ErrorCode::Unsupported, path,
                         std::string("cannot decode pixel data: ") +
                             DicomImage::getString(dicom.getStatus()) + " (transfer syntax " +
                             image.meta.transferSyntax + ")");
    }

    if (dicom.isMonochrome()) {
        if (data.tagExists(DCM_RescaleSlope) || data.tagExists(DCM_ModalityLUTSequence)) {
            image.appliedSteps.push_back("modality LUT");
        }
        if (dicom.getWindowCount() > 0 && dicom.setWindow(0)) {
            const WindowPreset &w = image.meta.windows.front();
            image.appliedSteps.push_back("VOI window from file (centre " +
                                         std::to_string(int(w.center)) + ", width " +
                                         std::to_string(int(w.width)) + ")");
        } else if (dicom.getVoiLutCount() > 0 && dicom.setVoiLut(0)) {
            image.appliedSteps.push_back("VOI LUT from file");
        } else {
            dicom.setMinMaxWindow();
            image.appliedSteps.push_back("VOI window computed (min-max)");
        }
        if (image.meta.photometric == "MONOCHROME1") {
            // dcmimgle renders MONOCHROME1 so that low stored values come out bright.
            image.appliedSteps.push_back("MONOCHROME1 inverted for display");
        }
    }

    const int width = int(dicom.getWidth());
    const int height = int(dicom.getHeight());
    const int channels = dicom.isMonochrome() ? 1 : 3;
    const void *pixels = dicom.getOutputData(8, 0, 0);
    if (pixels == nullptr) {
        return fileError(ErrorCode::Corrupt, path, "pixel data could not be rendered");
    }
    cv::Mat rendered(height, width, channels == 1 ? CV_8UC1 : CV_8UC3, const_cast<void *>(pixels));
    if (channels == 3) {
        cv::cvtColor(rendered, image.display, cv::COLOR_RGB2BGR);
    } else {
        image.display = rendered.clone();
    }
    image.meta.width = width;
    image.meta.height = height;
    image.meta.originalWidth = width;
    image.meta.originalHeight = height;
    image.meta.channels = channels;
    return image;
}

} // namespace cxr::imaging
