// SPDX-License-Identifier: MIT
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace cxr::imaging {

enum class FileFormat { Unknown, Jpeg, Png, Bmp, Tiff, Dicom };

const char *formatName(FileFormat format);

struct WindowPreset {
    double center = 0;
    double width = 0;
    std::string name;
};

// What the user needs to know about a loaded image. Patient identifiers are kept separately
// and shown only on request; they never reach logs or exports by default.
struct ImageMetadata {
    FileFormat format = FileFormat::Unknown;
    int width = 0;         // of the decoded image (after any reduced-size decode)
    int height = 0;
    int originalWidth = 0; // as stored in the file
    int originalHeight = 0;
    int bitsStored = 8;
    int channels = 1;      // of the decoded image: 1 grey, 3 colour
    std::string photometric; // DICOM PhotometricInterpretation, or "RGB"/"MONOCHROME2" for raster
    std::string modality;
    std::string bodyPart;
    std::string viewPosition;
    double pixelSpacingRowMm = 0; // 0 when unknown
    double pixelSpacingColumnMm = 0;
    std::vector<WindowPreset> windows;
    std::string transferSyntax;
    int frameCount = 1;
    int frame = 0;
};

struct PatientIdentifiers {
    std::string name;
    std::string id;
    std::string birthDate;
};

// A decoded image: `display` is what a radiologist sees and what the model is fed (8-bit,
// CV_8UC1 or CV_8UC3 in BGR order), after every step in `appliedSteps`.
struct Image {
    ImageMetadata meta;
    PatientIdentifiers patient;
    cv::Mat display;
    std::vector<std::string> appliedSteps; // e.g. "modality LUT", "VOI window 40/400", "inverted"
};

} // namespace cxr::imaging
