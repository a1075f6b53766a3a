// SPDX-License-Identifier: MIT
// DICOM through DCMTK. Display pipeline, in the order the standard prescribes:
// modality LUT (rescale slope/intercept or LUT), VOI (window from the file, VOI LUT, or a
// computed min-max window), then polarity (MONOCHROME1 shown inverted, as on a light box).
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

// The native pixel data's size in bytes, as the header describes it; saturates instead of
// overflowing (no element can hold 2^32 bytes or more anyway).
std::uint64_t nativePixelBytes(std::uint64_t rows, std::uint64_t columns, std::uint64_t samples,
                               std::uint64_t bitsAllocated, std::uint64_t frames)
{
    const std::uint64_t bitsPerFrame = rows * columns * samples * bitsAllocated; // < 2^48
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - 7;
    if (bitsPerFrame == 0 || frames > limit / bitsPerFrame) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return (bitsPerFrame * frames + 7) / 8; // BitsAllocated 1: frames are packed bit by bit
}

// What the header must say for the pixel data to mean what DCMTK makes of it. DCMTK decodes
// a file whose pixel data is short (showing the rest black), and gets on with BitsAllocated,
// SamplesPerPixel, NumberOfFrames or a transfer syntax that make no sense; each of those was a
// silent wrong picture. The error names the problem, not the file.
Status checkDicomHeader(DcmFileFormat &file)
{
    DcmDataset &data = *file.getDataset();
    // The meta header's transfer syntax says how the data set and pixel data are encoded;
    // DCMTK guesses when it does not know the UID. (Old files without a meta header have no
    // UID at all and are detected, as before.)
    DcmMetaInfo *meta = file.getMetaInfo();
    if (meta != nullptr && meta->tagExists(DCM_TransferSyntaxUID)) {
        OFString uid;
        meta->findAndGetOFString(DCM_TransferSyntaxUID, uid);
        if (uid.empty()) {
            return makeError(ErrorCode::Corrupt,
                             "empty transfer syntax UID in the file meta header");
        }
        if (DcmXfer(uid.c_str()).getXfer() == EXS_Unknown) {
            return makeError(ErrorCode::Unsupported,
                             std::string("unknown transfer syntax UID ") + uid.c_str() +
                                 " (cannot tell how the pixel data is encoded)");
        }
    }
    if (!data.tagExistsWithValue(DCM_PixelData)) {
        if (data.tagExists(DCM_FloatPixelData) || data.tagExists(DCM_DoubleFloatPixelData)) {
            // Real-valued maps (parametric maps, for one) are not radiographs, and DCMTK 3.6's
            // image pipeline has no modality LUT or VOI for them.
            return makeError(ErrorCode::Unsupported,
                             "DICOM file holds floating-point pixel data (Float Pixel Data or "
                             "Double Float Pixel Data, as in a parametric map), which is not a "
                             "radiograph CXR Studio can display");
        }
        return makeError(ErrorCode::Unsupported, "DICOM file has no pixel data");
    }
    Uint16 rows = 0;
    Uint16 columns = 0;
    data.findAndGetUint16(DCM_Rows, rows);
    data.findAndGetUint16(DCM_Columns, columns);
    if (rows == 0 || columns == 0) {
        return makeError(ErrorCode::Corrupt,
                         "DICOM file has pixel data but no image size (Rows/Columns missing)");
    }
    if (auto checked = imageSizeProblem(columns, rows); !checked) {
        return checked;
    }
    const E_TransferSyntax syntax = data.getOriginalXfer();
    // Absent values are left to DCMTK (which assumes one sample, or refuses itself).
    Uint16 samples = 1;
    if (data.findAndGetUint16(DCM_SamplesPerPixel, samples).good() && samples != 1 &&
        samples != 3) {
        return makeError(ErrorCode::Corrupt,
                         "SamplesPerPixel is " + std::to_string(samples) + " (expected 1 or 3)");
    }
    Uint16 bitsAllocated = 0;
    const bool haveBits = data.findAndGetUint16(DCM_BitsAllocated, bitsAllocated).good();
    if (haveBits && bitsAllocated != 1 && bitsAllocated != 8 && bitsAllocated != 16 &&
        bitsAllocated != 32) {
        return makeError(ErrorCode::Corrupt, "BitsAllocated is " + std::to_string(bitsAllocated) +
                                                 " (expected 1, 8, 16 or 32)");
    }
    Sint32 frames = 1;
    if (data.tagExistsWithValue(DCM_NumberOfFrames) &&
        (data.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1)) {
        OFString text;
        data.findAndGetOFString(DCM_NumberOfFrames, text);
        return makeError(ErrorCode::Corrupt, std::string("NumberOfFrames is ") + text.c_str() +
                                                 " (expected 1 or more)");
    }
    // Uncompressed pixel data must hold every frame the header describes: DCMTK would show the
    // missing part black. (Compressed frames are checked by their decoders.)
    DcmElement *pixels = nullptr;
    if (haveBits && !DcmXfer(syntax).isEncapsulated() &&
        data.findAndGetElement(DCM_PixelData, pixels).good() && pixels != nullptr) {
        // YBR_FULL_422 stores two samples per pixel, not three (PS3.3 C.7.6.3.1.2).
        const std::string photometric = stringTag(data, DCM_PhotometricInterpretation);
        const std::uint64_t stored =
            photometric.rfind("YBR_", 0) == 0 && photometric.find("422") != std::string::npos
                ? 2
                : samples;
        const std::uint64_t needed =
            nativePixelBytes(rows, columns, stored, bitsAllocated, std::uint64_t(frames));
        const std::uint64_t held = pixels->getLength();
        if (held < needed) {
            const std::string frameCount =
                std::to_string(frames) + (frames == 1 ? " frame" : " frames");
            return makeError(
                ErrorCode::Corrupt,
                "pixel data holds " + std::to_string(held) + " bytes, the header needs " +
                    (needed == std::numeric_limits<std::uint64_t>::max()
                         ? std::string("more than 2^64")
                         : std::to_string(needed)) +
                    " (" + std::to_string(columns) + "x" + std::to_string(rows) + ", " +
                    std::to_string(samples) + (samples == 1 ? " sample" : " samples") + " of " +
                    std::to_string(bitsAllocated) + " bits, " + frameCount +
                    "): the file is cut short or its header is wrong");
        }
    }
    return Ok{};
}

// True when DCMTK 3.6.7's scan of a JPEG fragment for its bit depth
// (DJCodecDecoder::scanJpegDataForBitDepth) would never return: it walks the markers as below
// and does not move past a TEM marker (0xFF01). Found by fuzz_dicom_loader; later DCMTK
// versions step over it.
bool jpegBitDepthScanHangs(const Uint8 *data, std::uint64_t length)
{
    std::uint64_t offset = 0;
    while (offset + 4 < length) {
        const unsigned marker = unsigned(data[offset]) << 8 | data[offset + 1];
        const std::uint64_t segment = (unsigned(data[offset + 2]) << 8 | data[offset + 3]) + 2u;
        if (marker == 0xFF01) {
            return true;
        }
        if (marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 && marker != 0xFFC8 &&
            marker != 0xFFCC) {
            return false; // a frame header: the scan has its answer
        }
        if (marker >= 0xFFD0 && marker <= 0xFFD9) {
            offset += 2; // RSTn, SOI, EOI
        } else if (marker == 0xFFC4 || marker == 0xFFC8 || marker == 0xFFCC ||
                   (marker >= 0xFFDA && marker <= 0xFFFE)) {
            offset += segment;
        } else if (data[offset] == 0xFF && data[offset + 1] > 2 && data[offset + 1] <= 0xBF) {
            offset += 2; // reserved markers
        } else {
            return false; // not a marker: the scan gives up
        }
    }
    return false;
}

// The JPEG fragments of a JPEG-compressed data set that DCMTK's decoder would hang on (see
// jpegBitDepthScanHangs), checked before DCMTK decodes. The error names the problem, not the file.
Status jpegFragmentsProblem(DcmDataset &data)
{
    const std::string uid = DcmXfer(data.getOriginalXfer()).getXferID();
    const std::string jpegPrefix = "1.2.840.10008.1.2.4.";
    if (uid.rfind(jpegPrefix, 0) != 0 || uid.size() != jpegPrefix.size() + 2 ||
        uid.compare(jpegPrefix.size(), 2, "50") < 0 ||
        uid.compare(jpegPrefix.size(), 2, "70") > 0) {
        return Ok{}; // not a JPEG process DCMTK's dcmjpeg decodes (baseline to lossless SV1)
    }
    DcmElement *element = nullptr;
    if (data.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
        return Ok{};
    }
    auto *pixelData = OFstatic_cast(DcmPixelData *, element);
    E_TransferSyntax syntax = EXS_Unknown;
    const DcmRepresentationParameter *representation = nullptr;
    pixelData->getOriginalRepresentationKey(syntax, representation);
    DcmPixelSequence *sequence = nullptr;
    if (pixelData->getEncapsulatedRepresentation(syntax, representation, sequence).bad() ||
        sequence == nullptr) {
        return Ok{};
    }
    for (unsigned long i = 1; i < sequence->card(); ++i) { // item 0: the offset table
        DcmPixelItem *item = nullptr;
        Uint8 *bytes = nullptr;
        if (sequence->getItem(item, i).good() && item != nullptr &&
            item->getUint8Array(bytes).good() && bytes != nullptr &&
            jpegBitDepthScanHangs(bytes, item->getLength())) {
            return makeError(ErrorCode::Unsupported,
                             "JPEG pixel data holds a TEM marker before its frame header, which "
                             "this DCMTK version cannot decode");
        }
    }
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
