// SPDX-License-Identifier: MIT
// The raster loader: JPEG (libjpeg), PNG (libpng), BMP and TIFF (OpenCV), chosen by the file's
// leading bytes as loadImage chooses, at full size and (JPEG) reduced for a 64 px model input.
#include "core/imaging/loaders.h"
#include "tests/fuzz/fuzz_input_file.h"
#include "tests/fuzz/image_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto path = fuzz::inputFolder().write("input", data, size);
    const imaging::FileFormat format = imaging::sniffFormat(path);
    if (format == imaging::FileFormat::Unknown || format == imaging::FileFormat::Dicom) {
        return 0; // not a raster file (DICOM has its own target)
    }
    imaging::LoadOptions options;
    auto image = imaging::loadRasterImage(path, format, options);
    if (!image) {
        fuzz::require(!image.error().message.empty(), "error without a message");
        return 0;
    }
    fuzz::checkLoadedImage(*image);
    if (format == imaging::FileFormat::Jpeg) {
        options.reduceTo = 64;
        options.keepValues = false;
        if (auto reduced = imaging::loadRasterImage(path, format, options)) {
            fuzz::checkLoadedImage(*reduced);
        }
    }
    return 0;
}
