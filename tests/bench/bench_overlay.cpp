// SPDX-License-Identifier: MIT
// The Viewer's redraw with a Grad-CAM overlay on a full-resolution radiograph: the whole overlay
// (resize and colour the map, then blend) against a blend over the layer kept from the previous
// redraw, as a window/level drag does. Median of 15 redraws each, in the same run.
//
//   bench_overlay IMAGE
#include "core/imaging/image_loader.h"
#include "core/pipeline/cam_rendering.h"
#include "tests/bench/median_time.h"

#include <cmath>
#include <cstdio>
#include <vector>

using namespace cxr;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_overlay IMAGE\n");
        return 2;
    }
    auto image = imaging::loadImage(argv[1]);
    if (!image) {
        std::fprintf(stderr, "%s\n", image.error().message.c_str());
        return 1;
    }
    ml::CamMap cam; // a smooth bump, as Grad-CAM's upsampled maps are
    cam.width = cam.height = 224;
    cam.rawHigh = 1;
    for (int y = 0; y < 224; ++y) {
        for (int x = 0; x < 224; ++x) {
            const double dx = (x - 140) / 50.0;
            const double dy = (y - 100) / 60.0;
            cam.values.push_back(float(std::exp(-(dx * dx + dy * dy))));
        }
    }
    ml::ModelSpec spec;
    spec.inputSize = 224;
    pipeline::CamDisplay display;
    const cv::Mat &base = image->display;
    const double full =
        bench::medianMs(15, [&] { pipeline::renderCamOverlay(base, cam, spec, display); });
    const imaging::HeatmapLayer layer = pipeline::prepareCamLayer(cam, spec, base.size(), display);
    const double kept =
        bench::medianMs(15, [&] { imaging::drawHeatmapLayer(base, layer, display.style); });
    std::printf("image %dx%d: whole overlay %.1f ms, over the kept layer %.1f ms (%.2fx)\n",
                base.cols, base.rows, full, kept, full / kept);
    return 0;
}
