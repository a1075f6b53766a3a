// SPDX-License-Identifier: MIT
// OpenJPEG reads from a stream object with callbacks; the stream here reads a buffer in memory,
// and OpenJPEG's messages are collected instead of printed.
#include "core/imaging/jpeg2000_decoder.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace cxr::imaging {

namespace {

struct MemoryStream {
    const std::uint8_t *data = nullptr;
    std::size_t size = 0;
    std::size_t offset = 0;
};

OPJ_SIZE_T readBytes(void *buffer, OPJ_SIZE_T count, void *user)
{
    auto &stream = *static_cast<MemoryStream *>(user);
    if (stream.offset >= stream.size) {
        return OPJ_SIZE_T(-1); // OpenJPEG's end-of-stream value
    }
    const std::size_t n = std::min<std::size_t>(count, stream.size - stream.offset);
    std::memcpy(buffer, stream.data + stream.offset, n);
    stream.offset += n;
    return n;
}

OPJ_OFF_T skipBytes(OPJ_OFF_T count, void *user)
{
    auto &stream = *static_cast<MemoryStream *>(user);
    if (count < 0) {
        const std::size_t back = std::min<std::size_t>(std::size_t(-count), stream.offset);
        stream.offset -= back;
        return -OPJ_OFF_T(back);
    }
    const std::size_t n = std::min<std::size_t>(std::size_t(count), stream.size - stream.offset);
    stream.offset += n;
    return OPJ_OFF_T(n);
}

OPJ_BOOL seekTo(OPJ_OFF_T position, void *user)
{
    auto &stream = *static_cast<MemoryStream *>(user);
    if (position < 0 || std::size_t(position) > stream.size) {
        return OPJ_FALSE;
    }
    stream.offset = std::size_t(position);
    return OPJ_TRUE;
}

void keepLastError(const char *message, void *user)
{
    auto &last = *static_cast<std::string *>(user);
    last = message;
    while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) {
        last.pop_back();
    }
}

void ignoreMessage(const char *, void *) {}

struct CodecDeleter {
    void operator()(opj_codec_t *codec) const { opj_destroy_codec(codec); }
};
struct StreamDeleter {
    void operator()(opj_stream_t *stream) const { opj_stream_destroy(stream); }
};
struct ImageDeleter {
    void operator()(opj_image_t *image) const { opj_image_destroy(image); }
};

// Raw codestreams start with SOC and SIZ; JP2 files with their signature box.
Result<OPJ_CODEC_FORMAT> codestreamFormat(const std::uint8_t *data, std::size_t size)
{
    static const std::uint8_t codestream[] = {0xFF, 0x4F, 0xFF, 0x51};
    static const std::uint8_t jp2[] = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20};
    if (size >= sizeof codestream && std::memcmp(data, codestream, sizeof codestream) == 0) {
        return OPJ_CODEC_J2K;
    }
    if (size >= sizeof jp2 && std::memcmp(data, jp2, sizeof jp2) == 0) {
        return OPJ_CODEC_JP2;
    }
    return makeError(ErrorCode::Corrupt,
                     "JPEG 2000 pixel data does not start with a codestream or JP2 signature");
}

std::string describeLayout(const PixelLayout &layout)
{
    return std::to_string(layout.columns) + "x" + std::to_string(layout.rows) + ", " +
           std::to_string(layout.samplesPerPixel) +
           (layout.samplesPerPixel == 1 ? " sample" : " samples") + " of " +
           std::to_string(layout.bitsAllocated) + " bits";
}

// The codestream must describe what the DICOM header does (checked on its header, before any
// sample is decoded), or its samples would land in the wrong places.
Status checkAgainstLayout(const opj_image_t &image, const PixelLayout &layout)
{
    if (int(image.numcomps) != layout.samplesPerPixel) {
        return makeError(ErrorCode::Corrupt,
                         "JPEG 2000 codestream has " + std::to_string(image.numcomps) +
                             " components, the DICOM header " + describeLayout(layout));
    }
    for (OPJ_UINT32 c = 0; c < image.numcomps; ++c) {
        const opj_image_comp_t &component = image.comps[c];
        if (component.dx != 1 || component.dy != 1) {
            return makeError(ErrorCode::Unsupported,
                             "JPEG 2000 codestream has sub-sampled components, which DICOM does "
                             "not allow");
        }
        if (int(component.w) != layout.columns || int(component.h) != layout.rows) {
            return makeError(ErrorCode::Corrupt,
                             "JPEG 2000 codestream is " + std::to_string(component.w) + "x" +
                                 std::to_string(component.h) + ", the DICOM header " +
                                 describeLayout(layout));
        }
        if (component.prec < 1 || int(component.prec) > layout.bitsAllocated) {
            return makeError(ErrorCode::Corrupt,
                             "JPEG 2000 codestream has " + std::to_string(component.prec) +
                                 "-bit samples, the DICOM header " + describeLayout(layout));
        }
    }
    return Ok{};
}

template <typename Sample>
void copySamples(const opj_image_t &image, const PixelLayout &layout, void *out)
{
    auto *target = static_cast<Sample *>(out);
    const std::size_t pixels = std::size_t(layout.rows) * std::size_t(layout.columns);
    const std::size_t components = image.numcomps;
    for (std::size_t c = 0; c < components; ++c) {
        const OPJ_INT32 *source = image.comps[c].data;
        if (layout.planar) {
            std::transform(source, source + pixels, target + c * pixels,
                           [](OPJ_INT32 v) { return static_cast<Sample>(v); });
        } else {
            for (std::size_t i = 0; i < pixels; ++i) {
                target[i * components + c] = static_cast<Sample>(source[i]);
            }
        }
    }
}

bool isReversible(opj_codec_t *codec)
{
    opj_codestream_info_v2_t *info = opj_get_cstr_info(codec);
    if (info == nullptr) {
        return false;
    }
    const bool reversible = info->m_default_tile_info.tccp_info != nullptr &&
                            info->m_default_tile_info.tccp_info[0].qmfbid == 1;
    opj_destroy_cstr_info(&info);
    return reversible;
}

} // namespace

namespace {

// The decoded samples into out, in the width of the layout's BitsAllocated.
void copyAllSamples(const opj_image_t &image, const PixelLayout &layout, void *out)
{
    switch (layout.bitsAllocated) {
    case 8:
        copySamples<std::uint8_t>(image, layout, out);
        break;
    case 16:
        copySamples<std::uint16_t>(image, layout, out);
        break;
    default:
        copySamples<std::uint32_t>(image, layout, out);
        break;
    }
}

} // namespace

Result<Jpeg2000Info> decodeJpeg2000(const std::uint8_t *data, std::size_t size,
                                    const PixelLayout &layout, void *out, int threads)
{
    if (layout.bitsAllocated != 8 && layout.bitsAllocated != 16 && layout.bitsAllocated != 32) {
        return makeError(ErrorCode::Unsupported, "JPEG 2000 with BitsAllocated " +
                                                     std::to_string(layout.bitsAllocated) +
                                                     " is not supported (8, 16 or 32)");
    }
    auto format = codestreamFormat(data, size);
    if (!format) {
        return format.error();
    }
    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(*format));
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
    if (!codec || !stream) {
        return makeError(ErrorCode::Internal, "OpenJPEG could not start a decoder");
    }
    std::string lastError;
    opj_set_error_handler(codec.get(), keepLastError, &lastError);
    opj_set_warning_handler(codec.get(), ignoreMessage, nullptr);
    opj_set_info_handler(codec.get(), ignoreMessage, nullptr);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(codec.get(), &parameters)) {
        return makeError(ErrorCode::Internal, "OpenJPEG refused its decoder set-up");
    }
    // Strict: a codestream that ends early is an error, not a blurred picture of what arrived.
    opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE);
    if (threads > 1 && opj_has_thread_support()) {
        opj_codec_set_threads(codec.get(), threads);
    }
    MemoryStream memory{data, size, 0};
    opj_stream_set_user_data(stream.get(), &memory, nullptr);
    opj_stream_set_user_data_length(stream.get(), size);
    opj_stream_set_read_function(stream.get(), readBytes);
    opj_stream_set_skip_function(stream.get(), skipBytes);
    opj_stream_set_seek_function(stream.get(), seekTo);

    const auto failed = [&lastError](const char *step) {
        return makeError(ErrorCode::Corrupt,
                         std::string("JPEG 2000 pixel data could not be decoded (") + step +
                             (lastError.empty() ? "" : ": " + lastError) + ")");
    };
    opj_image_t *header = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &header)) {
        opj_image_destroy(header);
        return failed("header");
    }
    std::unique_ptr<opj_image_t, ImageDeleter> image(header);
    // Checked before decoding: OpenJPEG allocates for the size the codestream declares, so a
    // damaged one that claims gigapixels must be refused on its header (found by fuzzing: a
    // 3.5 KB file made it ask for 15 GB).
    if (auto checked = checkAgainstLayout(*image, layout); !checked) {
        return checked.error();
    }
    if (!opj_decode(codec.get(), stream.get(), image.get()) ||
        !opj_end_decompress(codec.get(), stream.get())) {
        return failed("codestream");
    }
    for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
        if (image->comps[c].data == nullptr) {
            return makeError(ErrorCode::Corrupt, "JPEG 2000 codestream decoded no samples");
        }
    }
    copyAllSamples(*image, layout, out);
    Jpeg2000Info info;
    info.precision = int(image->comps[0].prec);
    info.isSigned = image->comps[0].sgnd != 0;
    info.reversible = isReversible(codec.get());
    return info;
}

} // namespace cxr::imaging
