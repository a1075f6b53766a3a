// SPDX-License-Identifier: MIT
// JPEG through libjpeg(-turbo) directly rather than OpenCV's imdecode. libjpeg reports damaged
// entropy-coded data ("premature end of data segment", "extraneous bytes before marker", a bad
// Huffman code) as warnings: by default it prints them on stderr, without the file's name, and
// hands back a picture padded with grey. OpenCV keeps that default. Here every warning that
// means damaged data is an error, and nothing is printed.
#include "core/imaging/loaders.h"

#include <csetjmp>
#include <cstdio> // jpeglib.h needs FILE and size_t first

#include <jerror.h>
#include <jpeglib.h>

namespace cxr::imaging {

namespace {

struct JpegErrorManager {
    jpeg_error_mgr base; // first, so that cinfo->err converts to this struct
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void failDecoding(j_common_ptr cinfo)
{
    auto *errors = reinterpret_cast<JpegErrorManager *>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, errors->message);
    std::longjmp(errors->jump, 1);
}

// libjpeg's warnings are how it reports corrupt data (it carries on with filler). The one
// warning about metadata only (a JFIF version newer than 1.x) changes no pixel and is ignored.
// Trace messages (level >= 0) are ignored.
void onMessage(j_common_ptr cinfo, int level)
{
    if (level < 0 && cinfo->err->msg_code != JWRN_JFIF_MAJOR) {
        failDecoding(cinfo);
    }
}

// Adobe's inverted CMYK to BGR, as OpenCV converts it (so that pixels do not change with the
// decoder).
void cmykToBgr(const unsigned char *cmyk, unsigned char *bgr, int width)
{
    for (int i = 0; i < width; ++i, cmyk += 4, bgr += 3) {
        const int k = cmyk[3];
        bgr[2] = static_cast<unsigned char>(k - ((255 - cmyk[0]) * k >> 8));
        bgr[1] = static_cast<unsigned char>(k - ((255 - cmyk[1]) * k >> 8));
        bgr[0] = static_cast<unsigned char>(k - ((255 - cmyk[2]) * k >> 8));
    }
}

// What jpegDecode needs from C++ while libjpeg may longjmp: it allocates the output outside
// the frame that holds the setjmp, so that no destructor is skipped.
struct JpegOutput {
    cv::Mat image;
    cv::Mat cmykRow;
    std::string sizeProblem;
    ErrorCode sizeCode = ErrorCode::Corrupt;
};

// The frame header libjpeg read is the one that counts (the caller checked the first SOF
// marker it found, which a hostile file may follow with others).
bool acceptFrameSize(JpegOutput &output, long long width, long long height)
{
    if (auto checked = imageSizeProblem(width, height); !checked) {
        output.sizeProblem = checked.error().message;
        output.sizeCode = checked.error().code;
        return false;
    }
    return true;
}

void allocateOutput(JpegOutput &output, int width, int height, int channels, bool cmyk)
{
    output.image.create(height, width, channels == 1 ? CV_8UC1 : CV_8UC3);
    if (cmyk) {
        output.cmykRow.create(1, width, CV_8UC4);
    }
}

// Only trivially destructible locals here: a longjmp back into this frame skips destructors.
// Returns false with errors.message set (or output.sizeProblem) when decoding failed.
bool jpegDecode(const unsigned char *bytes, std::size_t size, int factor, JpegOutput &output,
                JpegErrorManager &errors)
{
    jpeg_decompress_struct cinfo;
    cinfo.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = failDecoding;
    errors.base.emit_message = onMessage;
    errors.message[0] = '\0';
    if (setjmp(errors.jump) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(size));
    jpeg_read_header(&cinfo, TRUE);
    const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    // The same output colour spaces as OpenCV: grey stays grey, everything else becomes BGR.
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cmyk) {
        cinfo.out_color_space = JCS_CMYK;
    } else {
        cinfo.out_color_space = JCS_EXT_BGR;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = static_cast<unsigned int>(factor);
    if (!acceptFrameSize(output, cinfo.image_width, cinfo.image_height)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_start_decompress(&cinfo);
    const int channels = cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
    allocateOutput(output, int(cinfo.output_width), int(cinfo.output_height), channels, cmyk);
    while (cinfo.output_scanline < cinfo.output_height) {
        const int row = int(cinfo.output_scanline);
        JSAMPROW target = cmyk ? output.cmykRow.ptr<JSAMPLE>() : output.image.ptr<JSAMPLE>(row);
        jpeg_read_scanlines(&cinfo, &target, 1);
        if (cmyk) {
            cmykToBgr(output.cmykRow.ptr<unsigned char>(), output.image.ptr<unsigned char>(row),
                      int(cinfo.output_width));
        }
    }
    // Reads on to the end-of-image marker: data left over (a frame header that claims fewer
    // pixels than were coded) is reported here.
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

} // namespace

Result<cv::Mat> decodeJpeg(const std::vector<unsigned char> &bytes, int factor)
{
    JpegOutput output;
    JpegErrorManager errors;
    if (!jpegDecode(bytes.data(), bytes.size(), factor, output, errors)) {
        if (!output.sizeProblem.empty()) {
            return makeError(output.sizeCode, output.sizeProblem);
        }
        // A valid JPEG of a kind this libjpeg does not decode (12-bit, lossless, arithmetic
        // coding in some builds) is unsupported, not corrupt.
        switch (errors.base.msg_code) {
        case JERR_BAD_PRECISION:
        case JERR_SOF_UNSUPPORTED:
        case JERR_ARITH_NOTIMPL:
        case JERR_NOT_COMPILED:
        case JERR_CONVERSION_NOTIMPL:
            return makeError(ErrorCode::Unsupported,
                             std::string("JPEG variant not supported (libjpeg: ") + errors.message +
                                 ")");
        default:
            break;
        }
        return makeError(ErrorCode::Corrupt,
                         std::string("corrupt JPEG, cannot be decoded (libjpeg: ") +
                             errors.message + ")");
    }
    return std::move(output.image);
}

} // namespace cxr::imaging
