// SPDX-License-Identifier: MIT
#include "tests/common/jpeg2000_dicom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <vector>

namespace cxr::test {

namespace {

struct Source {
    DcmFileFormat file;
    int rows = 0, columns = 0, samples = 1, bitsAllocated = 0, bitsStored = 0, frames = 1;
    bool isSigned = false, planar = false;
    std::string photometric;
    const Uint8 *pixels = nullptr;
    std::size_t frameBytes() const
    {
        return std::size_t(rows) * columns * samples * (bitsAllocated / 8);
    }
};

std::string loadUncompressed(const std::string &path, Source &source)
{
    static std::once_flag once;
    std::call_once(once, [] {
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
    if (source.file.loadFile(path.c_str()).bad()) {
        return "cannot read " + path;
    }
    DcmDataset &data = *source.file.getDataset();
    if (data.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad()) {
        return "cannot decompress " + path;
    }
    Uint16 value = 0;
    data.findAndGetUint16(DCM_Rows, value), source.rows = value;
    data.findAndGetUint16(DCM_Columns, value), source.columns = value;
    data.findAndGetUint16(DCM_BitsAllocated, value), source.bitsAllocated = value;
    data.findAndGetUint16(DCM_BitsStored, value), source.bitsStored = value;
    value = 1, data.findAndGetUint16(DCM_SamplesPerPixel, value), source.samples = value;
    value = 0, data.findAndGetUint16(DCM_PixelRepresentation, value), source.isSigned = value == 1;
    value = 0, data.findAndGetUint16(DCM_PlanarConfiguration, value), source.planar = value == 1;
    Sint32 frames = 1;
    if (data.findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1) {
        source.frames = frames;
    }
    OFString photometric;
    data.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    source.photometric = photometric.c_str();
    if (source.bitsAllocated != 8 && source.bitsAllocated != 16) {
        return path + ": only 8- and 16-bit samples are encoded here";
    }
    DcmElement *element = nullptr;
    Uint8 *bytes = nullptr;
    if (data.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
        element->getUint8Array(bytes).bad() || bytes == nullptr ||
        element->getLength() < source.frameBytes() * std::size_t(source.frames)) {
        return path + ": no uncompressed pixel data";
    }
    source.pixels = bytes;
    return {};
}

// The stored value of one sample, sign-extended or masked to Bits Stored.
OPJ_INT32 storedValue(const Source &source, std::size_t index)
{
    const std::uint32_t raw = source.bitsAllocated == 8
                                  ? source.pixels[index]
                                  : std::uint32_t(source.pixels[2 * index]) |
                                        std::uint32_t(source.pixels[2 * index + 1]) << 8;
    const std::uint32_t mask = source.bitsStored >= 32 ? ~0u : (1u << source.bitsStored) - 1;
    const std::uint32_t bits = raw & mask;
    if (source.isSigned && (bits >> (source.bitsStored - 1)) != 0) {
        return OPJ_INT32(bits | ~mask);
    }
    return OPJ_INT32(bits);
}

struct MemoryWriter {
    std::vector<std::uint8_t> bytes;
    std::size_t offset = 0;
};

OPJ_SIZE_T writeBytes(void *buffer, OPJ_SIZE_T count, void *user)
{
    auto &writer = *static_cast<MemoryWriter *>(user);
    if (writer.bytes.size() < writer.offset + count) {
        writer.bytes.resize(writer.offset + count);
    }
    std::memcpy(writer.bytes.data() + writer.offset, buffer, count);
    writer.offset += count;
    return count;
}

OPJ_OFF_T skipBytes(OPJ_OFF_T count, void *user)
{
    auto &writer = *static_cast<MemoryWriter *>(user);
    writer.offset = std::size_t(OPJ_OFF_T(writer.offset) + count);
    if (writer.bytes.size() < writer.offset) {
        writer.bytes.resize(writer.offset);
    }
    return count;
}

OPJ_BOOL seekTo(OPJ_OFF_T position, void *user)
{
    auto &writer = *static_cast<MemoryWriter *>(user);
    writer.offset = std::size_t(position);
    if (writer.bytes.size() < writer.offset) {
        writer.bytes.resize(writer.offset);
    }
    return OPJ_TRUE;
}

std::vector<std::uint8_t> encodeFrame(const Source &source, int frame, Jpeg2000Mode mode,
                                      double ratio)
{
    const int count = source.samples;
    std::vector<opj_image_cmptparm_t> parameters(static_cast<std::size_t>(count));
    for (auto &component : parameters) {
        std::memset(&component, 0, sizeof component);
        component.dx = component.dy = 1;
        component.w = OPJ_UINT32(source.columns);
        component.h = OPJ_UINT32(source.rows);
        component.prec = OPJ_UINT32(source.bitsStored);
        component.sgnd = source.isSigned ? 1 : 0;
    }
    std::unique_ptr<opj_image_t, decltype(&opj_image_destroy)> image(
        opj_image_create(OPJ_UINT32(count), parameters.data(),
                         count == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY),
        opj_image_destroy);
    if (!image) {
        return {};
    }
    image->x1 = OPJ_UINT32(source.columns);
    image->y1 = OPJ_UINT32(source.rows);
    const std::size_t pixels = std::size_t(source.rows) * source.columns;
    const std::size_t first = std::size_t(frame) * pixels * count;
    for (int c = 0; c < count; ++c) {
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::size_t index =
                source.planar ? first + c * pixels + i : first + i * count + c;
            image->comps[c].data[i] = storedValue(source, index);
        }
    }
    opj_cparameters_t settings;
    opj_set_default_encoder_parameters(&settings);
    settings.tcp_numlayers = 1;
    settings.cp_disto_alloc = 1;
    settings.tcp_rates[0] = mode == Jpeg2000Mode::Lossless ? 0.0f : float(ratio);
    settings.irreversible = mode == Jpeg2000Mode::Lossless ? 0 : 1;
    settings.tcp_mct = count == 3 && source.photometric == "RGB" ? 1 : 0;
    settings.numresolution = 1;
    while (settings.numresolution < 6 &&
           (std::min(source.rows, source.columns) >> settings.numresolution) >= 8) {
        ++settings.numresolution;
    }
    std::unique_ptr<opj_codec_t, decltype(&opj_destroy_codec)> codec(
        opj_create_compress(OPJ_CODEC_J2K), opj_destroy_codec);
    std::unique_ptr<opj_stream_t, decltype(&opj_stream_destroy)> stream(
        opj_stream_create(1 << 16, OPJ_FALSE), opj_stream_destroy);
    MemoryWriter writer;
    opj_stream_set_user_data(stream.get(), &writer, nullptr);
    opj_stream_set_write_function(stream.get(), writeBytes);
    opj_stream_set_skip_function(stream.get(), skipBytes);
    opj_stream_set_seek_function(stream.get(), seekTo);
    if (!opj_setup_encoder(codec.get(), &settings, image.get()) ||
        !opj_start_compress(codec.get(), image.get(), stream.get()) ||
        !opj_encode(codec.get(), stream.get()) || !opj_end_compress(codec.get(), stream.get())) {
        return {};
    }
    return writer.bytes;
}

} // namespace

std::string writeJpeg2000Codestream(const std::string &sourcePath, const std::string &target,
                                    Jpeg2000Mode mode, double lossyRatio)
{
    Source source;
    if (auto problem = loadUncompressed(sourcePath, source); !problem.empty()) {
        return problem;
    }
    const auto codestream = encodeFrame(source, 0, mode, lossyRatio);
    std::ofstream out(target, std::ios::binary);
    out.write(reinterpret_cast<const char *>(codestream.data()),
              std::streamsize(codestream.size()));
    return codestream.empty() || !out ? "cannot encode or write " + target : std::string();
}

std::string writeJpeg2000Copy(const std::string &sourcePath, const std::string &target,
                              Jpeg2000Mode mode, double lossyRatio)
{
    Source source;
    if (auto problem = loadUncompressed(sourcePath, source); !problem.empty()) {
        return problem;
    }
    auto sequence = std::make_unique<DcmPixelSequence>(DCM_PixelSequenceTag);
    sequence->insert(new DcmPixelItem(DCM_PixelItemTag)); // an empty offset table
    for (int frame = 0; frame < source.frames; ++frame) {
        auto codestream = encodeFrame(source, frame, mode, lossyRatio);
        if (codestream.empty()) {
            return "OpenJPEG could not encode frame " + std::to_string(frame + 1);
        }
        auto *item = new DcmPixelItem(DCM_PixelItemTag);
        item->putUint8Array(codestream.data(), Uint32(codestream.size()));
        sequence->insert(item);
    }
    DcmDataset &data = *source.file.getDataset();
    DcmElement *element = nullptr;
    data.findAndGetElement(DCM_PixelData, element);
    const E_TransferSyntax syntax =
        mode == Jpeg2000Mode::Lossless ? EXS_JPEG2000LosslessOnly : EXS_JPEG2000;
    static_cast<DcmPixelData *>(element)->putOriginalRepresentation(syntax, nullptr,
                                                                    sequence.release());
    if (source.samples == 3 && source.photometric == "RGB") {
        data.putAndInsertString(DCM_PhotometricInterpretation,
                                mode == Jpeg2000Mode::Lossless ? "YBR_RCT" : "YBR_ICT");
    }
    if (source.samples == 3) {
        data.putAndInsertUint16(DCM_PlanarConfiguration, 0);
    }
    if (mode == Jpeg2000Mode::Lossy) {
        data.putAndInsertString(DCM_LossyImageCompression, "01");
    }
    if (source.file.saveFile(target.c_str(), syntax).bad()) {
        return "cannot write " + target;
    }
    return {};
}

} // namespace cxr::test
