// SPDX-License-Identifier: MIT
#pragma once

#include "core/imaging/display_window.h"

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
    int width = 0; // of the decoded image (after any reduced-size decode)
    int height = 0;
    int originalWidth = 0; // as stored in the file
    int originalHeight = 0;
    int bitsStored = 8;
    int channels = 1;        // of the decoded image: 1 grey, 3 colour
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
    std::string presentationLutShape; // DICOM (2050,0020): IDENTITY, INVERSE or empty
    double rescaleSlope = 1;          // DICOM modality LUT, as stored
    double rescaleIntercept = 0;
    std::string rescaleType; // e.g. "HU"; empty when unknown
};

struct PatientIdentifiers {
    std::string name;
    std::string id;
    std::string birthDate;
    // DICOM PatientAge as stored ("004Y", "18M"; some writers leave out the unit). Used to check
    // a model's training population, and never written out.
    std::string age;
};

// A decoded image. `display` is what a radiologist sees and what the model is fed (8-bit,
// CV_8UC1 or CV_8UC3 in BGR order), after every step in `appliedSteps`.
// For grey images `values` keeps the original values (CV_32F; DICOM: after the modality LUT,
// e.g. Hounsfield units; raster: as stored, 8 or 16 bit), and `display` equals
// renderWindow(values, window, polarity) unless `windowIsLinear` is false (a VOI LUT from the
// file was used). The viewer re-renders from `values` for window/level.
struct Image {
    ImageMetadata meta;
    PatientIdentifiers patient;
    cv::Mat display;
    cv::Mat values;       // empty for colour images
    DisplayWindow window; // the window that produced display
    bool windowIsLinear = true;
    Polarity polarity = Polarity::Normal;
    std::vector<std::string> appliedSteps; // e.g. "modality LUT", "VOI window 40/400", "inverted"
};

} // namespace cxr::imaging
