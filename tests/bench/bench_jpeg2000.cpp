// SPDX-License-Identifier: MIT
// JPEG 2000 chest radiograph: makes a lossless JPEG 2000 DICOM copy of SOURCE and its bare
// codestream in WORKDIR, then times the in-process load (DICOM parse, OpenJPEG decode, modality
// LUT, VOI, 8-bit display). run_benchmarks.sh sets it beside opj_decompress on the codestream.
#include "core/imaging/image_loader.h"
#include "tests/common/jpeg2000_dicom.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_jpeg2000 SOURCE.dcm WORKDIR [REPEATS]\n");
        return 2;
    }
    const std::string dicom = std::string(argv[2]) + "/chest_j2k.dcm";
    const std::string codestream = std::string(argv[2]) + "/chest.j2k";
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 10;
    for (const std::string &problem :
         {cxr::test::writeJpeg2000Copy(argv[1], dicom, cxr::test::Jpeg2000Mode::Lossless),
          cxr::test::writeJpeg2000Codestream(argv[1], codestream,
                                             cxr::test::Jpeg2000Mode::Lossless)}) {
        if (!problem.empty()) {
            std::fprintf(stderr, "%s\n", problem.c_str());
            return 1;
        }
    }
    auto warm = cxr::imaging::loadImage(dicom); // registers codecs, fills the file cache
    if (!warm) {
        std::fprintf(stderr, "%s\n", warm.error().message.c_str());
        return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) {
        if (!cxr::imaging::loadImage(dicom)) {
            return 1;
        }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "in-process load of %s (%dx%d, lossless JPEG 2000): %.1f ms per file (%d repeats)\n",
        dicom.c_str(), warm->meta.width, warm->meta.height, ms / repeats, repeats);
    return 0;
}
