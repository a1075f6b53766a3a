// SPDX-License-Identifier: MIT
#include "commands.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/image_writer.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

namespace cxr::cli {

namespace {

struct ImageOptions {
    std::string file;
    std::string out;
    int frame = 1; // 1-based on the command line
    bool json = false;
    bool showPatient = false;
    std::vector<double> window; // centre, width
};

nlohmann::ordered_json metadataJson(const imaging::Image &image, bool showPatient)
{
    const imaging::ImageMetadata &m = image.meta;
    nlohmann::ordered_json windows = nlohmann::ordered_json::array();
    for (const auto &w : m.windows) {
        windows.push_back({{"center", w.center}, {"width", w.width}, {"name", w.name}});
    }
    nlohmann::ordered_json j = {
        {"format", imaging::formatName(m.format)},
        {"width", m.width},
        {"height", m.height},
        {"bits_stored", m.bitsStored},
        {"channels", m.channels},
        {"photometric", m.photometric},
        {"modality", m.modality},
        {"body_part", m.bodyPart},
        {"view_position", m.viewPosition},
        {"pixel_spacing_mm", {m.pixelSpacingRowMm, m.pixelSpacingColumnMm}},
        {"window_presets", windows},
        {"transfer_syntax", m.transferSyntax},
        {"frames", m.frameCount},
        {"frame", m.frame + 1},
        {"presentation_lut_shape", m.presentationLutShape},
        {"rescale",
         {{"slope", m.rescaleSlope}, {"intercept", m.rescaleIntercept}, {"type", m.rescaleType}}},
        {"display_window", image.windowIsLinear
                               ? nlohmann::ordered_json{{"center", image.window.center},
                                                        {"width", image.window.width}}
                               : nlohmann::ordered_json("VOI LUT")},
        {"inverted", image.polarity == imaging::Polarity::Inverted},
        {"applied", image.appliedSteps},
    };
    if (showPatient) {
        j["patient"] = {{"name", image.patient.name},
                        {"id", image.patient.id},
                        {"birth_date", image.patient.birthDate}};
    }
    return j;
}

void printMetadata(const std::string &file, const nlohmann::ordered_json &j)
{
    std::printf("%s\n", file.c_str());
    for (const auto &[key, value] : j.items()) {
        if (key == "applied") {
            continue;
        }
        const std::string text = value.is_string() ? value.get<std::string>() : jsonText(value);
        if (!text.empty() && text != "\"\"") {
            std::printf("  %-24s %s\n", key.c_str(), text.c_str());
        }
    }
    std::printf("  applied, in order:\n");
    for (const auto &step : j["applied"]) {
        std::printf("    - %s\n", step.get<std::string>().c_str());
    }
}

Result<imaging::Image> loadForCommand(const ImageOptions &options)
{
    imaging::LoadOptions load;
    load.frame = options.frame - 1;
    auto image = imaging::loadImage(options.file, load);
    if (image && options.frame > 1 && image->meta.frameCount <= 1) {
        // A JPEG or PNG has one frame: --frame 2 showed frame 1 as if it were frame 2.
        return makeError(ErrorCode::InvalidArgument,
                         options.file + ": frame " + std::to_string(options.frame) +
                             " does not exist (the image has one frame)");
    }
    if (!image || options.window.empty()) {
        return image;
    }
    if (image->values.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         options.file + ": --window applies to grey images only");
    }
    image->window = {options.window[0], options.window[1]};
    image->windowIsLinear = true;
    image->display = imaging::renderWindow(image->values, image->window, image->polarity);
    image->appliedSteps.push_back("window from the command line (centre " +
                                  std::to_string(options.window[0]) + ", width " +
                                  std::to_string(options.window[1]) + ")");
    return image;
}

void addCommonOptions(CLI::App *command, ImageOptions &options)
{
    command->add_option("file", options.file, "JPEG, PNG, BMP, TIFF or DICOM file")->required();
    command->add_option("--frame", options.frame, "frame of a multi-frame DICOM (1-based)")
        ->check(CLI::Range(1, std::numeric_limits<int>::max()))
        ->capture_default_str();
}

} // namespace

Action addInfoCommand(CLI::App &app)
{
    auto options = std::make_shared<ImageOptions>();
    CLI::App *command = app.add_subcommand(
        "info", "Print an image's metadata and the display steps the loader applied.\n"
                "Patient name, ID and birth date are left out unless --show-patient.");
    addCommonOptions(command, *options);
    command->add_flag("--json", options->json, "print JSON");
    command->add_flag("--show-patient", options->showPatient, "include patient identifiers");
    return [options]() -> int {
        auto image = loadForCommand(*options);
        if (!image) {
            return reportError(image.error());
        }
        const nlohmann::ordered_json j = metadataJson(*image, options->showPatient);
        if (options->json) {
            std::cout << jsonText(j, 2) << std::endl;
        } else {
            printMetadata(options->file, j);
        }
        return kSuccess;
    };
}

Action addConvertCommand(CLI::App &app)
{
    auto options = std::make_shared<ImageOptions>();
    CLI::App *command = app.add_subcommand(
        "convert", "Write the displayed 8-bit image (after modality LUT, VOI window and\n"
                   "polarity) as PNG, JPEG, BMP or TIFF. No metadata is copied.");
    addCommonOptions(command, *options);
    command->add_option("out", options->out, "output image (.png, .jpg, .bmp, .tif)")->required();
    command->add_option("--window", options->window, "window centre and width, e.g. 40 400")
        ->expected(2);
    return [options]() -> int {
        if (!options->window.empty() &&
            !(std::isfinite(options->window[0]) && std::isfinite(options->window[1]))) {
            return reportError(makeError(ErrorCode::InvalidArgument,
                                         "--window centre and width must be finite numbers"));
        }
        if (!options->window.empty() && options->window[1] < 1) {
            return reportError(
                makeError(ErrorCode::InvalidArgument, "--window width must be at least 1"));
        }
        auto image = loadForCommand(*options);
        if (!image) {
            return reportError(image.error());
        }
        if (auto written = imaging::writeImage(options->out, image->display); !written) {
            return reportError(written.error());
        }
        std::printf("%s -> %s (%dx%d)\n", options->file.c_str(), options->out.c_str(),
                    image->display.cols, image->display.rows);
        return kSuccess;
    };
}

} // namespace cxr::cli
