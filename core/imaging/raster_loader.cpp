// SPDX-License-Identifier: MIT
#include "core/imaging/file_sniffer.h"
#include "core/imaging/loaders.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>

namespace cxr::imaging {

namespace fs = std::filesystem;

namespace {

// The largest DCT reduction (8, 4 or 2) that keeps the shorter side at or above target.
int reductionFactor(const JpegHeader &size, int target)
{
    const int shorter = std::min(size.width, size.height);
    for (int factor : {8, 4, 2}) {
        if (shorter / factor >= target) {
            return factor;
        }
    }
    return 1;
}

// Colour JPEGs of grey radiographs are common; keep one channel when all three agree.
cv::Mat collapseGreyColour(const cv::Mat &bgr)
{
    std::vector<cv::Mat> planes;
    cv::split(bgr, planes);
    const double tolerance = 2.0 * double(bgr.total()); // JPEG chroma noise, a grey level or two
    if (cv::norm(planes[0], planes[1], cv::NORM_L1) <= tolerance &&
        cv::norm(planes[1], planes[2], cv::NORM_L1) <= tolerance) {
        return planes[1];
    }
    return bgr;
}

// OpenCV refuses images over CV_IO_MAX_IMAGE_PIXELS before allocating (TIFF included, whose
// header we do not parse). Lower its default of 2^30 pixels to ours, unless the user set it.
void limitOpenCvDecodeSize()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::getenv("CV_IO_MAX_IMAGE_PIXELS") == nullptr) {
#if defined(_WIN32)
            _putenv_s("CV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxPixels).c_str());
#else
            setenv("CV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxPixels).c_str(), 0);
#endif
        }
    });
}

// What the header says, checked before decoding (size limits, a JPEG's end marker, BMP
// data); returns the JPEG reduction factor for options.reduceTo (1: full size).
Result<int> checkRasterHeader(const fs::path &path, FileFormat format, const LoadOptions &options,
                              Image &image)
{
    int factor = 1;
    if (format == FileFormat::Jpeg) {
        const JpegHeader size = readJpegHeader(path);
        if (auto checked = headerSizeProblem(format, size.width, size.height); !checked) {
            return fileError(checked.error().code, path, checked.error().message);
        }
        if (!jpegFileLooksComplete(path)) {
            return fileError(ErrorCode::Corrupt, path, "truncated JPEG (no end-of-image marker)");
        }
        image.meta.originalWidth = size.width;
        image.meta.originalHeight = size.height;
        if (options.reduceTo > 0) {
            factor = reductionFactor(size, options.reduceTo);
        }
    }
    if (format == FileFormat::Png || format == FileFormat::Bmp) {
        const HeaderSize size = readPngOrBmpSize(path, format);
        if (auto checked = headerSizeProblem(format, size.width, size.height); !checked) {
            return fileError(checked.error().code, path, checked.error().message);
        }
    }
    if (format == FileFormat::Bmp) {
        if (auto checked = bmpDataProblem(path); !checked) {
            return fileError(checked.error().code, path, checked.error().message);
        }
    }
    return factor;
}

// The file's bytes decoded: libjpeg (at 1/factor) and libpng directly, the rest by OpenCV.
Result<cv::Mat> decodeRaster(const std::vector<unsigned char> &bytes, const fs::path &path,
                             FileFormat format, int factor)
{
    cv::Mat decoded;
    if (format == FileFormat::Jpeg) {
        // Grey JPEGs (most radiographs) decode straight to one channel, colour ones to BGR.
        auto jpeg = decodeJpeg(bytes, factor);
        if (!jpeg) {
            return fileError(jpeg.error().code, path, jpeg.error().message);
        }
        decoded = std::move(*jpeg);
    } else if (format == FileFormat::Png) {
        auto png = decodePng(bytes);
        if (!png) {
            return fileError(png.error().code, path, png.error().message);
        }
        decoded = std::move(*png);
    } else {
        limitOpenCvDecodeSize();
        try {
            decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        } catch (const cv::Exception &e) {
            return fileError(ErrorCode::Corrupt, path, std::string("cannot decode: ") + e.err);
        }
    }
    if (decoded.empty()) {
        return fileError(ErrorCode::Corrupt, path,
                         std::string("cannot decode ") + formatName(format) +
                             " data (corrupt or unsupported variant)");
    }
    return decoded;
}

// To the display form: 8-bit, grey or BGR. Grey values above 8 bits are kept (as float) and
// shown through a min-max window; 16-bit colour is scaled down.
void toDisplayForm(cv::Mat &decoded, const LoadOptions &options, Image &image)
{
    if (decoded.channels() == 4) {
        cv::cvtColor(decoded, decoded, cv::COLOR_BGRA2BGR);
    } else if (decoded.channels() == 2) {
        cv::extractChannel(decoded, decoded, 0);
    }
    if (decoded.channels() == 3) {
        decoded = collapseGreyColour(decoded);
    }
    if (decoded.channels() == 1) {
        if (options.keepValues || decoded.depth() != CV_8U) {
            decoded.convertTo(image.values, CV_32F);
        }
        if (decoded.depth() == CV_8U) {
            image.window = DisplayWindow{128, 256}; // identity: display = stored values
        } else {
            image.window = minMaxWindow(image.values);
            decoded = renderWindow(image.values, image.window, Polarity::Normal);
            image.appliedSteps.push_back("window computed (min-max) over the " +
                                         std::to_string(image.meta.bitsStored) + "-bit values");
        }
        if (!options.keepValues) {
            image.values.release();
        }
    } else if (decoded.depth() != CV_8U) {
        decoded.convertTo(decoded, CV_8U, 1.0 / 257.0); // 16-bit colour: keep the full range
        image.appliedSteps.push_back("16-bit colour scaled to 8 bits");
    }
}

} // namespace

Result<Image> loadRasterImage(const fs::path &path, FileFormat format, const LoadOptions &options)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fileError(ErrorCode::NotReadable, path, "cannot open file (permissions?)");
    }
    const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>());
    Image image;
    image.meta.format = format;
    auto factor = checkRasterHeader(path, format, options, image);
    if (!factor) {
        return factor.error();
    }
    auto decodedOrError = decodeRaster(bytes, path, format, *factor);
    if (!decodedOrError) {
        return decodedOrError.error();
    }
    cv::Mat decoded = std::move(*decodedOrError);
    if (image.meta.originalWidth == 0) {
        image.meta.originalWidth = decoded.cols;
        image.meta.originalHeight = decoded.rows;
    }
    if (auto checked = checkImageSize(path, decoded.cols, decoded.rows); !checked) {
        return checked.error();
    }
    if (*factor > 1) {
        image.appliedSteps.push_back("decoded at 1/" + std::to_string(*factor) + " size");
    }
    image.meta.bitsStored = decoded.depth() == CV_16U ? 16 : 8;

    toDisplayForm(decoded, options, image);
    image.display = decoded;
    image.meta.width = decoded.cols;
    image.meta.height = decoded.rows;
    image.meta.channels = decoded.channels();
    image.meta.photometric = decoded.channels() == 1 ? "MONOCHROME2" : "RGB";
    return image;
}

} // namespace cxr::imaging
