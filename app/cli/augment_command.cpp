// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/imaging/augmentation.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/image_writer.h"
#include "core/imaging/model_input.h"

#include <cmath>
#include <cstdio>
#include <memory>

namespace cxr::cli {

namespace {

struct AugmentOptions {
    std::string image;
    std::string out;
    AugmentationOptions augmentation;
    int count = 16;
    std::uint64_t seed = 1;
    imaging::ModelInputSpec spec;
};

// Tiles images into a square-ish grid, row by row.
cv::Mat tileGrid(const std::vector<cv::Mat> &tiles)
{
    const int columns = int(std::ceil(std::sqrt(double(tiles.size()))));
    const int rows = int((tiles.size() + std::size_t(columns) - 1) / std::size_t(columns));
    const cv::Size tile = tiles.front().size();
    cv::Mat grid(rows * tile.height, columns * tile.width, tiles.front().type(),
                 cv::Scalar::all(0));
    for (std::size_t i = 0; i < tiles.size(); ++i) {
        const int row = int(i) / columns;
        const int column = int(i) % columns;
        tiles[i].copyTo(
            grid(cv::Rect(column * tile.width, row * tile.height, tile.width, tile.height)));
    }
    return grid;
}

} // namespace

Action addAugmentCommand(CLI::App &app)
{
    auto options = std::make_shared<AugmentOptions>();
    CLI::App *command = app.add_subcommand(
        "augment", "Write a grid of augmented model inputs of one image: the original first,\n"
                   "then N samples, exactly as training would see them (input size, grey).");
    command->add_option("image", options->image, "image file")->required();
    command->add_option("--out", options->out, "grid image to write (.png)")->required();
    options->augmentation.preset = "thesis";
    addAugmentationOptions(command, options->augmentation, "--preset");
    command->add_option("--n", options->count, "number of augmented samples")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    command->add_option("--seed", options->seed, "random seed")->capture_default_str();
    command->add_option("--size", options->spec.size, "model input side in pixels")
        ->check(CLI::Range(32, 1024))
        ->capture_default_str();
    return [options]() -> int {
        auto settings = options->augmentation.settings();
        if (!settings) {
            return reportError(settings.error());
        }
        imaging::LoadOptions load;
        load.reduceTo = options->spec.size;
        load.keepValues = false;
        auto image = imaging::loadImage(options->image, load);
        if (!image) {
            return reportError(image.error());
        }
        const cv::Mat input = imaging::modelInputPicture(*image, options->spec);
        std::vector<cv::Mat> tiles = {input};
        std::mt19937_64 random(options->seed);
        for (int i = 0; i < options->count; ++i) {
            tiles.push_back(imaging::applyAugmentation(input, drawAugmentation(*settings, random)));
        }
        if (auto written = imaging::writeImage(options->out, tileGrid(tiles)); !written) {
            return reportError(written.error());
        }
        std::printf("%s: original and %d samples of preset '%s'%s (seed %llu) written to %s\n",
                    options->image.c_str(), options->count, options->augmentation.preset.c_str(),
                    options->augmentation.overrides.empty() ? "" : " with --set changes",
                    static_cast<unsigned long long>(options->seed), options->out.c_str());
        return kSuccess;
    };
}

} // namespace cxr::cli
