// SPDX-License-Identifier: MIT
// A DcmCodec that decodes JPEG 2000 pixel data with OpenJPEG (jpeg2000_decoder.cpp). DCMTK asks
// a registered codec either for all frames at once (decode) or for one frame (decodeFrame); both
// go through decodeOneFrame. Errors travel back as OFConditions whose text names the problem.
#include "core/imaging/dicom_jpeg2000_codec.h"

#include "core/imaging/jpeg2000_decoder.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcvrpobw.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cxr::imaging {

namespace {

// DCMTK's own module numbers stop well below this; the code only has to be unique to us.
constexpr unsigned short kModule = 1500;

OFCondition failure(const std::string &text)
{
    return OFCondition(kModule, 1, OF_error, text.c_str());
}

// YBR_RCT and YBR_ICT name the multi-component transform inside the codestream; OpenJPEG
// undoes it, so the decoded samples are RGB.
std::string decodedColourModel(const std::string &photometric)
{
    return photometric == "YBR_RCT" || photometric == "YBR_ICT" ? "RGB" : photometric;
}

struct FrameLayout {
    PixelLayout pixels;
    Sint32 frames = 1;
    std::string photometric;
};

OFCondition readLayout(DcmItem &dataset, FrameLayout &layout)
{
    Uint16 rows = 0, columns = 0, samples = 1, bits = 0, planar = 0;
    if (dataset.findAndGetUint16(DCM_Rows, rows).bad() ||
        dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
        dataset.findAndGetUint16(DCM_BitsAllocated, bits).bad()) {
        return failure("JPEG 2000 pixel data without Rows, Columns or BitsAllocated");
    }
    dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
    dataset.findAndGetUint16(DCM_PlanarConfiguration, planar);
    if (dataset.findAndGetSint32(DCM_NumberOfFrames, layout.frames).bad() || layout.frames < 1) {
        layout.frames = 1;
    }
    OFString photometric;
    dataset.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    layout.photometric = photometric.c_str();
    layout.pixels = {int(rows), int(columns), int(samples), int(bits), planar == 1 && samples > 1};
    return EC_Normal;
}

// The codestream ends with EOC (FF D9); a fragment may carry one padding byte after it.
bool endsWithEndOfCodestream(const Uint8 *bytes, Uint32 length)
{
    for (Uint32 tail = 0; tail < 2 && length >= tail + 2; ++tail) {
        if (bytes[length - tail - 2] == 0xFF && bytes[length - tail - 1] == 0xD9) {
            return true;
        }
    }
    return false;
}

// Joins the fragments of one frame, starting at fragment, and moves fragment past them. One
// fragment per frame is the common case; otherwise a frame ends with the fragment holding its
// end-of-codestream marker (or with the last fragment, for a single frame).
OFCondition gatherFrame(DcmPixelSequence &sequence, Sint32 frames, Uint32 &fragment,
                        std::vector<Uint8> &codestream)
{
    const unsigned long count = sequence.card();
    const bool onePerFrame = count == static_cast<unsigned long>(frames) + 1;
    codestream.clear();
    while (fragment < count) {
        DcmPixelItem *item = nullptr;
        Uint8 *bytes = nullptr;
        if (sequence.getItem(item, fragment).bad() || item == nullptr ||
            item->getUint8Array(bytes).bad()) {
            return failure("JPEG 2000 pixel data fragment " + std::to_string(fragment) +
                           " cannot be read");
        }
        const Uint32 length = item->getLength();
        ++fragment;
        if (bytes != nullptr) {
            codestream.insert(codestream.end(), bytes, bytes + length);
        }
        if (onePerFrame ||
            (frames > 1 && bytes != nullptr && endsWithEndOfCodestream(bytes, length))) {
            break;
        }
    }
    if (codestream.empty()) {
        return failure("JPEG 2000 pixel data holds no codestream for this frame");
    }
    return EC_Normal;
}

int decoderThreads()
{
    return int(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
}

OFCondition decodeOneFrame(DcmPixelSequence &sequence, const FrameLayout &layout, Uint32 frame,
                           Uint32 &fragment, void *out)
{
    if (fragment == 0 &&
        DcmCodec::determineStartFragment(frame, layout.frames, &sequence, fragment).bad()) {
        return failure("JPEG 2000 frame " + std::to_string(frame + 1) +
                       " cannot be found among the pixel data fragments");
    }
    std::vector<Uint8> codestream;
    if (OFCondition gathered = gatherFrame(sequence, layout.frames, fragment, codestream);
        gathered.bad()) {
        return gathered;
    }
    auto decoded =
        decodeJpeg2000(codestream.data(), codestream.size(), layout.pixels, out, decoderThreads());
    if (!decoded) {
        std::string message = decoded.error().message;
        if (layout.frames > 1) {
            message += " (frame " + std::to_string(frame + 1) + ")";
        }
        return failure(message);
    }
    return EC_Normal;
}

class Jpeg2000Codec : public DcmCodec {
public:
    OFCondition decode(const DcmRepresentationParameter *, DcmPixelSequence *sequence,
                       DcmPolymorphOBOW &uncompressed, const DcmCodecParameter *,
                       const DcmStack &objStack, OFBool &removeOldRep) const override
    {
        DcmStack stack(objStack);
        stack.pop(); // the pixel data element; below it, the item that holds it
        DcmObject *holder = stack.top();
        if (sequence == nullptr || holder == nullptr ||
            (holder->ident() != EVR_dataset && holder->ident() != EVR_item)) {
            return EC_IllegalCall;
        }
        auto &dataset = *static_cast<DcmItem *>(holder);
        FrameLayout layout;
        if (OFCondition read = readLayout(dataset, layout); read.bad()) {
            return read;
        }
        const std::size_t frameBytes = layout.pixels.frameBytes();
        const unsigned long long total =
            static_cast<unsigned long long>(frameBytes) * Uint32(layout.frames);
        if (frameBytes == 0 || total >= 0xFFFFFFFEull) {
            return failure("JPEG 2000 pixel data too large to decode (" + std::to_string(total) +
                           " bytes)");
        }
        const Uint32 even = Uint32((total + 1) & ~1ull); // DICOM values have even lengths
        // One OW buffer for every bit depth, as DCMTK's own decoders do: on a little-endian host
        // (every platform CXR Studio ships for) 8-bit samples are then in file order too.
        Uint16 *words = nullptr;
        OFCondition created = uncompressed.createUint16Array(even / 2, words);
        if (created.bad() || words == nullptr) {
            return failure("not enough memory for the decoded JPEG 2000 pixel data");
        }
        auto *buffer = reinterpret_cast<Uint8 *>(words);
        std::memset(buffer + total, 0, even - total);
        Uint32 fragment = 0;
        for (Sint32 frame = 0; frame < layout.frames; ++frame) {
            OFCondition decoded = decodeOneFrame(*sequence, layout, Uint32(frame), fragment,
                                                 buffer + std::size_t(frame) * frameBytes);
            if (decoded.bad()) {
                return decoded;
            }
        }
        const std::string model = decodedColourModel(layout.photometric);
        if (model != layout.photometric) {
            dataset.putAndInsertString(DCM_PhotometricInterpretation, model.c_str());
            removeOldRep = OFTrue; // the header now describes the decoded pixels only
        }
        return EC_Normal;
    }

    OFCondition decodeFrame(const DcmRepresentationParameter *, DcmPixelSequence *sequence,
                            const DcmCodecParameter *, DcmItem *dataset, Uint32 frame,
                            Uint32 &startFragment, void *buffer, Uint32 bufferSize,
                            OFString &colourModel) const override
    {
        if (sequence == nullptr || dataset == nullptr || buffer == nullptr) {
            return EC_IllegalCall;
        }
        FrameLayout layout;
        if (OFCondition read = readLayout(*dataset, layout); read.bad()) {
            return read;
        }
        if (bufferSize < layout.pixels.frameBytes() || frame >= Uint32(layout.frames)) {
            return EC_IllegalCall;
        }
        OFCondition decoded = decodeOneFrame(*sequence, layout, frame, startFragment, buffer);
        if (decoded.good()) {
            colourModel = decodedColourModel(layout.photometric).c_str();
        }
        return decoded;
    }

    OFCondition encode(const Uint16 *, const Uint32, const DcmRepresentationParameter *,
                       DcmPixelSequence *&, const DcmCodecParameter *, DcmStack &,
                       OFBool &) const override
    {
        return EC_IllegalCall; // decoding only
    }

    OFCondition encode(const E_TransferSyntax, const DcmRepresentationParameter *,
                       DcmPixelSequence *, const DcmRepresentationParameter *, DcmPixelSequence *&,
                       const DcmCodecParameter *, DcmStack &, OFBool &) const override
    {
        return EC_IllegalCall;
    }

    OFBool canChangeCoding(const E_TransferSyntax from, const E_TransferSyntax to) const override
    {
        return isJpeg2000(from) && !DcmXfer(to).isEncapsulated();
    }

    OFCondition determineDecompressedColorModel(const DcmRepresentationParameter *,
                                                DcmPixelSequence *, const DcmCodecParameter *,
                                                DcmItem *dataset,
                                                OFString &colourModel) const override
    {
        if (dataset == nullptr) {
            return EC_IllegalCall;
        }
        OFString photometric;
        OFCondition found = dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
        if (found.good()) {
            colourModel = decodedColourModel(photometric.c_str()).c_str();
        }
        return found;
    }
};

class Jpeg2000CodecParameter : public DcmCodecParameter {
public:
    DcmCodecParameter *clone() const override { return new Jpeg2000CodecParameter(*this); }
    const char *className() const override { return "cxr::Jpeg2000CodecParameter"; }
};

} // namespace

bool isJpeg2000(E_TransferSyntax syntax)
{
    return syntax == EXS_JPEG2000LosslessOnly || syntax == EXS_JPEG2000 ||
           syntax == EXS_JPEG2000MulticomponentLosslessOnly || syntax == EXS_JPEG2000Multicomponent;
}

void registerJpeg2000Codec()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Registered for the life of the process: DCMTK keeps pointers to both.
        static const Jpeg2000Codec codec;
        static const Jpeg2000CodecParameter parameter;
        DcmCodecList::registerCodec(&codec, nullptr, &parameter);
    });
}

} // namespace cxr::imaging
