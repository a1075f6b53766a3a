// SPDX-License-Identifier: MIT
// PNG through libpng directly rather than OpenCV's imdecode, which leaves libpng's default
// handlers in place: they print "libpng warning: ..." and "libpng error: ..." on stderr, without
// the file's name, before our own message. Here errors come back as values naming the file
// (through the caller), and nothing is printed.
#include "core/imaging/loaders.h"

#include <png.h>

#include <cstdint>
#include <cstring>

namespace cxr::imaging {

namespace {

struct PngSource {
    const unsigned char *bytes = nullptr;
    std::size_t size = 0;
    std::size_t offset = 0;
    char message[256] = {};
};

[[noreturn]] void onError(png_structp png, png_const_charp message)
{
    auto *source = static_cast<PngSource *>(png_get_error_ptr(png));
    std::strncpy(source->message, message, sizeof source->message - 1);
    png_longjmp(png, 1);
}

// What is left as a warning only concerns metadata (the chunks below are skipped unread, and
// benign errors are errors), so it changes no pixel: ignored, not printed.
void onWarning(png_structp, png_const_charp) {}

void readBytes(png_structp png, png_bytep target, png_size_t length)
{
    auto *source = static_cast<PngSource *>(png_get_io_ptr(png));
    if (length > source->size - source->offset) {
        png_error(png, "file ends early (truncated PNG)");
    }
    std::memcpy(target, source->bytes + source->offset, length);
    source->offset += length;
}

// Ancillary chunks we do not use (colour profiles, gamma, text, time, transparency: the loader
// drops alpha anyway). Skipping them keeps libpng's complaints about them (an sRGB profile it
// knows to be wrong, a damaged text chunk) from refusing an image whose pixels are fine, so
// that every benign error left is about the image data and can be an error.
const png_byte kSkippedChunks[] = "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
                                  "sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0tRNS\0zTXt";

struct PngOutput {
    cv::Mat image;
    std::vector<png_bytep> rows;
    std::string sizeProblem;
    ErrorCode sizeCode = ErrorCode::Corrupt;
};

bool acceptSize(PngOutput &output, long long width, long long height)
{
    if (auto checked = imageSizeProblem(width, height); !checked) {
        output.sizeProblem = checked.error().message;
        output.sizeCode = checked.error().code;
        return false;
    }
    return true;
}

void allocateOutput(PngOutput &output, int width, int height, int depth, int channels)
{
    output.image.create(height, width, CV_MAKETYPE(depth, channels));
    output.rows.resize(std::size_t(height));
    for (int y = 0; y < height; ++y) {
        output.rows[std::size_t(y)] = output.image.ptr<png_byte>(y);
    }
}

// Only trivially destructible locals here: a longjmp back into this frame skips destructors.
bool pngDecode(PngSource &source, PngOutput &output)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, onError, onWarning);
    if (png == nullptr) {
        std::strncpy(source.message, "out of memory", sizeof source.message - 1);
        return false;
    }
    png_infop info = png_create_info_struct(png);
    if (info == nullptr || setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
        return false;
    }
    png_set_read_fn(png, &source, readBytes);
    png_set_benign_errors(png, 0); // "too much image data", a bad zlib checksum: errors
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kSkippedChunks,
                                int(sizeof kSkippedChunks / 5));
    png_read_info(png, info);
    png_uint_32 width = 0;
    png_uint_32 height = 0;
    int bitDepth = 0;
    int colourType = 0;
    png_get_IHDR(png, info, &width, &height, &bitDepth, &colourType, nullptr, nullptr, nullptr);
    if (!acceptSize(output, width, height)) {
        png_destroy_read_struct(&png, &info, nullptr);
        return false;
    }
    // The same pixels as OpenCV's IMREAD_UNCHANGED followed by dropping alpha: grey stays grey,
    // palette and colour become BGR, 1/2/4-bit grey is stretched to 8 bits, 16 bits stay.
    png_set_strip_alpha(png);
    if (colourType == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if ((colourType & PNG_COLOR_MASK_COLOR) == 0 && bitDepth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if ((colourType & PNG_COLOR_MASK_COLOR) != 0) {
        png_set_bgr(png);
    }
    const std::uint16_t one = 1;
    if (bitDepth == 16 && *reinterpret_cast<const unsigned char *>(&one) == 1) {
        png_set_swap(png); // PNG stores big-endian; cv::Mat holds native order
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int channels = png_get_channels(png, info);
    allocateOutput(output, int(width), int(height),
                   png_get_bit_depth(png, info) == 16 ? CV_16U : CV_8U, channels);
    png_read_image(png, output.rows.data());
    png_read_end(png, nullptr); // on to IEND: a file cut after the image data is refused too
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
}

} // namespace

Result<cv::Mat> decodePng(const std::vector<unsigned char> &bytes)
{
    PngSource source;
    source.bytes = bytes.data();
    source.size = bytes.size();
    PngOutput output;
    if (!pngDecode(source, output)) {
        if (!output.sizeProblem.empty()) {
            return makeError(output.sizeCode, output.sizeProblem);
        }
        return makeError(ErrorCode::Corrupt,
                         std::string("corrupt PNG, cannot be decoded (libpng: ") + source.message +
                             ")");
    }
    return std::move(output.image);
}

} // namespace cxr::imaging
