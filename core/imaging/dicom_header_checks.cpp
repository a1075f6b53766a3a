// SPDX-License-Identifier: MIT
#include "core/imaging/dicom_header_checks.h"

#include "core/imaging/loaders.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <limits>
#include <string>

namespace cxr::imaging {

namespace {

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

// The image layout the header declares, as far as the checks need it.
struct PixelLayout {
    Uint16 rows = 0;
    Uint16 columns = 0;
    Uint16 samples = 1;
    Uint16 bitsAllocated = 0;
    bool haveBits = false; // BitsAllocated is in the header
    Sint32 frames = 1;
};

// The meta header's transfer syntax says how the data set and pixel data are encoded; DCMTK
// guesses when it does not know the UID. (Old files without a meta header have no UID at all
// and are detected, as before.)
Status checkTransferSyntax(DcmFileFormat &file)
{
    DcmMetaInfo *meta = file.getMetaInfo();
    if (meta == nullptr || !meta->tagExists(DCM_TransferSyntaxUID)) {
        return Ok{};
    }
    OFString uid;
    meta->findAndGetOFString(DCM_TransferSyntaxUID, uid);
    if (uid.empty()) {
        return makeError(ErrorCode::Corrupt, "empty transfer syntax UID in the file meta header");
    }
    if (DcmXfer(uid.c_str()).getXfer() == EXS_Unknown) {
        return makeError(ErrorCode::Unsupported,
                         std::string("unknown transfer syntax UID ") + uid.c_str() +
                             " (cannot tell how the pixel data is encoded)");
    }
    return Ok{};
}

Status checkPixelDataPresent(DcmDataset &data)
{
    if (data.tagExistsWithValue(DCM_PixelData)) {
        return Ok{};
    }
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

// Size, samples, bits and frames; absent values are left to DCMTK (which assumes one sample,
// or refuses itself).
Result<PixelLayout> readPixelLayout(DcmDataset &data)
{
    PixelLayout layout;
    data.findAndGetUint16(DCM_Rows, layout.rows);
    data.findAndGetUint16(DCM_Columns, layout.columns);
    if (layout.rows == 0 || layout.columns == 0) {
        return makeError(ErrorCode::Corrupt,
                         "DICOM file has pixel data but no image size (Rows/Columns missing)");
    }
    if (auto checked = imageSizeProblem(layout.columns, layout.rows); !checked) {
        return checked.error();
    }
    if (data.findAndGetUint16(DCM_SamplesPerPixel, layout.samples).good() && layout.samples != 1 &&
        layout.samples != 3) {
        return makeError(ErrorCode::Corrupt, "SamplesPerPixel is " +
                                                 std::to_string(layout.samples) +
                                                 " (expected 1 or 3)");
    }
    layout.haveBits = data.findAndGetUint16(DCM_BitsAllocated, layout.bitsAllocated).good();
    const Uint16 bits = layout.bitsAllocated;
    if (layout.haveBits && bits != 1 && bits != 8 && bits != 16 && bits != 32) {
        return makeError(ErrorCode::Corrupt,
                         "BitsAllocated is " + std::to_string(bits) + " (expected 1, 8, 16 or 32)");
    }
    if (data.tagExistsWithValue(DCM_NumberOfFrames) &&
        (data.findAndGetSint32(DCM_NumberOfFrames, layout.frames).bad() || layout.frames < 1)) {
        OFString text;
        data.findAndGetOFString(DCM_NumberOfFrames, text);
        return makeError(ErrorCode::Corrupt, std::string("NumberOfFrames is ") + text.c_str() +
                                                 " (expected 1 or more)");
    }
    return layout;
}

// Uncompressed pixel data must hold every frame the header describes: DCMTK would show the
// missing part black. (Compressed frames are checked by their decoders.)
Status checkNativePixelLength(DcmDataset &data, const PixelLayout &layout)
{
    DcmElement *pixels = nullptr;
    if (!layout.haveBits || DcmXfer(data.getOriginalXfer()).isEncapsulated() ||
        data.findAndGetElement(DCM_PixelData, pixels).bad() || pixels == nullptr) {
        return Ok{};
    }
    // YBR_FULL_422 stores two samples per pixel, not three (PS3.3 C.7.6.3.1.2).
    OFString photometricValue;
    data.findAndGetOFStringArray(DCM_PhotometricInterpretation, photometricValue);
    const std::string photometric = photometricValue.c_str();
    const std::uint64_t stored =
        photometric.rfind("YBR_", 0) == 0 && photometric.find("422") != std::string::npos
            ? 2
            : layout.samples;
    const std::uint64_t needed = nativePixelBytes(
        layout.rows, layout.columns, stored, layout.bitsAllocated, std::uint64_t(layout.frames));
    const std::uint64_t held = pixels->getLength();
    if (held >= needed) {
        return Ok{};
    }
    const std::string frameCount =
        std::to_string(layout.frames) + (layout.frames == 1 ? " frame" : " frames");
    return makeError(
        ErrorCode::Corrupt,
        "pixel data holds " + std::to_string(held) + " bytes, the header needs " +
            (needed == std::numeric_limits<std::uint64_t>::max() ? std::string("more than 2^64")
                                                                 : std::to_string(needed)) +
            " (" + std::to_string(layout.columns) + "x" + std::to_string(layout.rows) + ", " +
            std::to_string(layout.samples) + (layout.samples == 1 ? " sample" : " samples") +
            " of " + std::to_string(layout.bitsAllocated) + " bits, " + frameCount +
            "): the file is cut short or its header is wrong");
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
        const bool standalone = (marker >= 0xFFD0 && marker <= 0xFFD9) || // RSTn, SOI, EOI
                                (data[offset] == 0xFF && data[offset + 1] > 2 &&
                                 data[offset + 1] <= 0xBF); // reserved markers
        if (standalone) {
            offset += 2;
        } else if (marker == 0xFFC4 || marker == 0xFFC8 || marker == 0xFFCC ||
                   (marker >= 0xFFDA && marker <= 0xFFFE)) {
            offset += segment;
        } else {
            return false; // not a marker: the scan gives up
        }
    }
    return false;
}

} // namespace

Status checkDicomHeader(DcmFileFormat &file)
{
    DcmDataset &data = *file.getDataset();
    if (auto checked = checkTransferSyntax(file); !checked) {
        return checked;
    }
    if (auto present = checkPixelDataPresent(data); !present) {
        return present;
    }
    auto layout = readPixelLayout(data);
    if (!layout) {
        return layout.error();
    }
    return checkNativePixelLength(data, *layout);
}

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

} // namespace cxr::imaging
