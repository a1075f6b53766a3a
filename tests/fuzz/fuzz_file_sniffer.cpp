// SPDX-License-Identifier: MIT
// The file sniffer and the header readers the dataset scan runs on every file: format by
// content, JPEG frame header and end marker, PNG/BMP size, the BMP data check and the scan's
// header verdict (imageHeaderProblem; DICOM headers are the DICOM target's).
#include "core/imaging/loaders.h"
#include "tests/fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr::imaging;
    const auto path = cxr::fuzz::inputFolder().write("input", data, size);
    const FileFormat format = sniffFormat(path);
    (void)jpegFileLooksComplete(path);
    (void)readJpegHeader(path);
    (void)readPngOrBmpSize(path, FileFormat::Png);
    (void)readPngOrBmpSize(path, FileFormat::Bmp);
    (void)bmpDataProblem(path);
    for (FileFormat as : {FileFormat::Jpeg, FileFormat::Png, FileFormat::Bmp, FileFormat::Tiff}) {
        (void)readImageHeader(path, as);
    }
    if (format != FileFormat::Dicom) {
        ImageHeaderInfo info;
        (void)imageHeaderProblem(path, format, info);
    }
    return 0;
}
