// SPDX-License-Identifier: MIT
// DICOM load of one file, in process: decode, modality LUT, VOI window, polarity, 8-bit
// display. Prints ms per file; run_benchmarks.sh sets it beside dcm2pnm doing the same work.
#include "core/imaging/display_window.h"
#include "core/imaging/image_loader.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_dicom FILE.dcm [REPEATS]\n");
        return 2;
    }
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
    auto warm = cxr::imaging::loadImage(argv[1]); // registers codecs, fills the file cache
    if (!warm) {
        std::fprintf(stderr, "%s\n", warm.error().message.c_str());
        return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) {
        auto image = cxr::imaging::loadImage(argv[1]);
        if (!image) {
            return 1;
        }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("in-process load (cxr::imaging::loadImage): %.1f ms per file (%d repeats)\n",
                ms / repeats, repeats);

    // What one step of right-drag window/level costs in the viewer, for this image.
    const auto renderStart = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) {
        cxr::imaging::renderWindow(warm->values, {warm->window.center + i, warm->window.width},
                                   warm->polarity);
    }
    const double renderMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - renderStart)
            .count();
    std::printf("window/level re-render of its %dx%d values: %.1f ms\n", warm->values.cols,
                warm->values.rows, renderMs / repeats);
    return 0;
}
