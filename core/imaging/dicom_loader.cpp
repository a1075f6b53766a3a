// SPDX-License-Identifier: MIT
// DICOM through DCMTK. Display pipeline, in the order the standard prescribes:
// modality LUT (rescale slope/intercept or LUT), VOI (window from the file, VOI LUT, or a
// computed min-max window), then polarity (MONOCHROME1 shown inverted, as on a light box).
#include "core/imaging/dicom_header_checks.h"
#include "core/imaging/dicom_jpeg2000_codec.h"
#include "core/imaging/file_sniffer.h"
#include "core/imaging/loaders.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmimgle/dipixel.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
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
        registerJpeg2000Codec();
    });
}

// A file in explicit VR may store a text element as UN (unknown VR), as some converters do for
// Modality. Its bytes are still the text, which DCMTK would print as hex ("52\54\44...") and
// the guard would then quote to the user.
std::string unknownVrText(DcmElement &element)
{
    Uint8 *bytes = nullptr;
    if (element.getUint8Array(bytes).bad() || bytes == nullptr) {
        return {};
    }
    std::string text(reinterpret_cast<const char *>(bytes), element.getLength());
    const auto padding = text.find_last_not_of(std::string(" \0", 2));
    text.erase(padding == std::string::npos ? 0 : padding + 1);
    return text;
}

std::string stringTag(DcmDataset &data, const DcmTagKey &tag)
{
    DcmElement *element = nullptr;
    if (data.findAndGetElement(tag, element).bad() || element == nullptr) {
        return {};
    }
    if (element->ident() == EVR_UN) {
        return unknownVrText(*element);
    }
    OFString value;
    return element->getOFStringArray(value).good() ? value.c_str() : std::string();
}

double doubleTag(DcmDataset &data, const DcmTagKey &tag, unsigned long position = 0)
{
    Float64 value = 0;
    return data.findAndGetFloat64(tag, value, position).good() ? value : 0.0;
}

std::string formatNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
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
    meta.presentationLutShape = stringTag(data, DCM_PresentationLUTShape);
    meta.rescaleSlope = data.tagExists(DCM_RescaleSlope) ? doubleTag(data, DCM_RescaleSlope) : 1.0;
    meta.rescaleIntercept = doubleTag(data, DCM_RescaleIntercept);
    meta.rescaleType = stringTag(data, DCM_RescaleType);
    if (meta.rescaleType.empty() && meta.modality == "CT") {
        meta.rescaleType = "HU";
    }
    image.patient.name = stringTag(data, DCM_PatientName);
    image.patient.id = stringTag(data, DCM_PatientID);
    image.patient.birthDate = stringTag(data, DCM_PatientBirthDate);
    image.patient.age = stringTag(data, DCM_PatientAge);
}

// Modality values of the loaded frame (after rescale slope/intercept or modality LUT) as float.
Result<cv::Mat> modalityValues(const DicomImage &dicom)
{
    const DiPixel *inter = dicom.getInterData();
    const int width = int(dicom.getWidth());
    const int height = int(dicom.getHeight());
    if (inter == nullptr || inter->getData() == nullptr ||
        inter->getCount() <
            static_cast<unsigned long>(width) * static_cast<unsigned long>(height)) {
        return makeError(ErrorCode::Corrupt, "pixel data could not be decoded");
    }
    void *data = const_cast<void *>(inter->getData());
    int type = -1;
    switch (inter->getRepresentation()) {
    case EPR_Uint8:
        type = CV_8U;
        break;
    case EPR_Sint8:
        type = CV_8S;
        break;
    case EPR_Uint16:
        type = CV_16U;
        break;
    case EPR_Sint16:
        type = CV_16S;
        break;
    case EPR_Sint32:
        type = CV_32S;
        break;
    case EPR_Uint32:
        break;
    }
    cv::Mat values;
    if (type >= 0) {
        cv::Mat(height, width, type, data).convertTo(values, CV_32F);
    } else {
        values.create(height, width, CV_32F);
        const auto *source = static_cast<const Uint32 *>(data);
        std::transform(source, source + std::size_t(width) * height, values.ptr<float>(),
                       [](Uint32 v) { return float(v); });
    }
    return values;
}

// Modality LUT -> VOI -> polarity, for one grey frame. A linear window (from the file, or the
// min-max window computed from the values) is rendered by renderWindow so that the viewer's
// window/level gives the same picture for the same window; a VOI LUT from the file is rendered
// by DCMTK.
Status renderMonochrome(DicomImage &dicom, DcmDataset &data, const LoadOptions &options,
                        Image &image)
{
    ImageMetadata &meta = image.meta;
    auto values = modalityValues(dicom);
    if (!values) {
        return values.error();
    }
    if (data.tagExists(DCM_ModalityLUTSequence)) {
        image.appliedSteps.push_back("modality LUT from file");
    } else if (meta.rescaleSlope != 1 || meta.rescaleIntercept != 0) {
        image.appliedSteps.push_back("modality LUT (slope " + formatNumber(meta.rescaleSlope) +
                                     ", intercept " + formatNumber(meta.rescaleIntercept) + ")");
    }
    // MONOCHROME1 (low values bright) and Presentation LUT Shape INVERSE both mean the same
    // inversion of the VOI output; they do not cancel each other.
    const bool inverse =
        meta.photometric == "MONOCHROME1" || meta.presentationLutShape == "INVERSE";
    image.polarity = inverse ? Polarity::Inverted : Polarity::Normal;

    if (!meta.windows.empty() && meta.windows.front().width >= 1) {
        image.window = {meta.windows.front().center, meta.windows.front().width};
        image.appliedSteps.push_back("VOI window from file (centre " +
                                     formatNumber(image.window.center) + ", width " +
                                     formatNumber(image.window.width) + ")");
    } else if (dicom.getVoiLutCount() > 0 && dicom.setVoiLut(0)) {
        image.windowIsLinear = false;
        image.appliedSteps.push_back("VOI LUT from file");
    } else {
        image.window = minMaxWindow(*values);
        image.appliedSteps.push_back("VOI window computed (min-max: centre " +
                                     formatNumber(image.window.center) + ", width " +
                                     formatNumber(image.window.width) + ")");
    }
    if (image.windowIsLinear) {
        image.display = renderWindow(*values, image.window, image.polarity);
    } else {
        dicom.setPresentationLutShape(inverse ? ESP_Inverse : ESP_Identity);
        const void *pixels = dicom.getOutputData(8, 0, 0);
        if (pixels == nullptr) {
            return makeError(ErrorCode::Corrupt, "pixel data could not be rendered");
        }
        image.display = cv::Mat(int(dicom.getHeight()), int(dicom.getWidth()), CV_8UC1,
                                const_cast<void *>(pixels))
                            .clone();
    }
    if (inverse) {
        image.appliedSteps.push_back(meta.photometric == "MONOCHROME1"
                                         ? "MONOCHROME1: inverted for display"
                                         : "Presentation LUT Shape INVERSE: inverted");
    }
    if (options.keepValues) {
        image.values = std::move(*values);
    }
    meta.channels = 1;
    return Ok{};
}

// Reads path into file; element values longer than maxReadLength (pixel data above all) are
// left in the file until needed. The error names the problem, not the file.
Status loadDicomFile(DcmFileFormat &file, const fs::path &path, Uint32 maxReadLength)
{
    registerDicomCodecs(); // also quiets DCMTK's log, which would print on stderr
    const OFCondition status = file.loadFile(path.string().c_str(), EXS_Unknown, EGL_noChange,
                                             maxReadLength, ERM_autoDetect);
    if (status == EC_StreamNotifyClient) {
        return makeError(ErrorCode::Corrupt,
                         "DICOM file is truncated or malformed (its data ends early)");
    }
    if (status.bad()) {
        return makeError(ErrorCode::Corrupt,
                         std::string("not a readable DICOM file (") + status.text() + ")");
    }
    return Ok{};
}

ImageHeaderInfo headerInfo(DcmDataset &data)
{
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 bits = 0;
    Uint16 samples = 0;
    data.findAndGetUint16(DCM_Rows, rows);
    data.findAndGetUint16(DCM_Columns, columns);
    data.findAndGetUint16(DCM_BitsStored, bits);
    data.findAndGetUint16(DCM_SamplesPerPixel, samples);
    return {int(columns), int(rows), int(bits), int(samples)};
}

// Header reads skip element values longer than this: pixel data above all.
constexpr Uint32 kHeaderReadLength = 256;

} // namespace

ImageHeaderInfo readDicomHeader(const fs::path &path)
{
    DcmFileFormat file;
    if (!loadDicomFile(file, path, kHeaderReadLength)) {
        return {};
    }
    return headerInfo(*file.getDataset());
}

std::string dicomHeaderProblem(const fs::path &path, ImageHeaderInfo &info)
{
    DcmFileFormat file;
    if (auto loaded = loadDicomFile(file, path, kHeaderReadLength); !loaded) {
        return loaded.error().message;
    }
    info = headerInfo(*file.getDataset());
    if (auto checked = checkDicomHeader(file); !checked) {
        return checked.error().message;
    }
    return {};
}

Result<Image> loadDicomImage(const fs::path &path, const LoadOptions &options)
{
    DcmFileFormat file;
    // Read everything but large element values first: the header decides whether to go on.
    if (auto loaded = loadDicomFile(file, path, DCM_MaxReadLength); !loaded) {
        return fileError(loaded.error().code, path, loaded.error().message);
    }
    DcmDataset &data = *file.getDataset();
    Image image;
    readMetadata(data, image);

    const E_TransferSyntax syntax = data.getOriginalXfer();
    image.meta.transferSyntax = DcmXfer(syntax).getXferName();
    if (auto checked = checkDicomHeader(file); !checked) {
        return fileError(checked.error().code, path, checked.error().message);
    }
    if (auto checked = jpegFragmentsProblem(data); !checked) {
        return fileError(checked.error().code, path, checked.error().message);
    }

    Sint32 frames = 1;
    if (data.findAndGetSint32(DCM_NumberOfFrames, frames).bad()) {
        frames = 1; // absent (checkDicomHeader refused values below 1)
    }
    image.meta.frameCount = int(frames);
    image.meta.frame = options.frame;
    if (options.frame < 0 || options.frame >= frames) {
        return fileError(ErrorCode::InvalidArgument, path,
                         "frame " + std::to_string(options.frame + 1) + " does not exist (" +
                             std::to_string(frames) + " frames)");
    }

    // DCMTK reports a decoder's failure to DicomImage as a bare status; decoding JPEG 2000 here
    // first keeps the decoder's reason (wrong size, damaged codestream) for the message.
    if (isJpeg2000(syntax)) {
        const OFCondition decoded = data.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (decoded.bad()) {
            return fileError(ErrorCode::Corrupt, path, decoded.text());
        }
    }
    DicomImage dicom(&file, isJpeg2000(syntax) ? EXS_LittleEndianExplicit : syntax,
                     CIF_MayDetachPixelData, Uint32(options.frame), 1);
    if (dicom.getStatus() != EIS_Normal) {
        return fileError(ErrorCode::Unsupported, path,
                         std::string("cannot decode pixel data: ") +
                             DicomImage::getString(dicom.getStatus()) + " (transfer syntax " +
                             image.meta.transferSyntax + ")");
    }

    const int width = int(dicom.getWidth());
    const int height = int(dicom.getHeight());
    image.meta.width = width;
    image.meta.height = height;
    image.meta.originalWidth = width;
    image.meta.originalHeight = height;
    if (dicom.isMonochrome()) {
        if (auto rendered = renderMonochrome(dicom, data, options, image); !rendered) {
            return fileError(rendered.error().code, path, rendered.error().message);
        }
        return image;
    }
    // Colour (RGB, YBR, palette): DCMTK converts to RGB; no VOI or polarity applies.
    const void *pixels = dicom.getOutputData(8, 0, 0);
    if (pixels == nullptr) {
        return fileError(ErrorCode::Corrupt, path, "pixel data could not be rendered");
    }
    const cv::Mat rgb(height, width, CV_8UC3, const_cast<void *>(pixels));
    cv::cvtColor(rgb, image.display, cv::COLOR_RGB2BGR);
    image.meta.channels = 3;
    if (image.meta.photometric != "RGB") {
        image.appliedSteps.push_back(image.meta.photometric + " converted to RGB");
    }
    return image;
}

} // namespace cxr::imaging
