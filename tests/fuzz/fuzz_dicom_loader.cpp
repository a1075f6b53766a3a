// SPDX-License-Identifier: MIT
// The DICOM loader (DCMTK): the scan's header check, then the full load, of any bytes.
#include "core/imaging/loaders.h"
#include "tests/fuzz/fuzz_input_file.h"
#include "tests/fuzz/image_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto path = fuzz::inputFolder().write("input.dcm", data, size);
    imaging::ImageHeaderInfo info;
    (void)imaging::dicomHeaderProblem(path, info);
    auto image = imaging::loadDicomImage(path, {});
    if (!image) {
        fuzz::require(!image.error().message.empty(), "error without a message");
        return 0;
    }
    fuzz::checkLoadedImage(*image);
    if (image->meta.frameCount > 1) {
        imaging::LoadOptions last;
        last.frame = image->meta.frameCount - 1;
        if (auto frame = imaging::loadDicomImage(path, last)) {
            fuzz::checkLoadedImage(*frame);
        }
    }
    return 0;
}
