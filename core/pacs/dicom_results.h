// SPDX-License-Identifier: MIT
#pragma once

// AI results as DICOM objects in the source image's study, the way the IHE AI Results profile
// has them travel: each in a new series, with the source's patient and study modules copied,
// referencing the source image, and marked research use only, not for diagnosis.
//   - a Comprehensive SR: finding present or absent, probability, threshold, the
//     out-of-distribution verdict, the model's name, version and weights hash, the algorithm;
//   - a Secondary Capture of the overlay as drawn, with the finding and the label burned in;
//   - a Parametric Map of the class-activation map on the source's pixel grid (dcmpmap).
// Plain values in, no imaging or ml types: core/pipeline fills them.

#include "core/common/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cxr::pacs {

inline constexpr const char *kResearchUseOnly = "RESEARCH USE ONLY - NOT FOR DIAGNOSIS";

struct AiFinding {
    std::string findingName = "Pneumonia"; // the model's positive class, as shown
    bool present = false;
    double probability = 0; // of the finding, calibrated
    double threshold = 0.5;
    std::string modelName;
    std::string modelVersion;     // the CXR Studio version that trained it
    std::string weightsSha256;    // empty for models made before hashes were kept
    std::string algorithmVersion; // this CXR Studio
    bool oodChecked = false;      // the model has a guard, or the header was checked
    bool outOfDistribution = false;
    std::string oodReason;
};

// 8-bit RGB, row by row, no padding.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;
};

// A map of float values, row by row: the class-activation map on the source image's grid.
struct FloatMap {
    int width = 0;
    int height = 0;
    std::vector<float> values;
};

// A DICOM file that CXR Studio wrote as a result (its series description says so): a batch over
// a study retrieved from the PACS meets them, and a result about one would be about our own
// overlay. False for anything else, a file that is not DICOM included.
bool isResultOfOurs(const std::filesystem::path &file);

// The source's Study and SOP Instance UIDs (and its SOP Class UID) must be there: without them
// a result cannot be placed beside it, and the error says so, naming the file. A result of
// ours is refused as a source.
Status writeStructuredReport(const std::filesystem::path &source, const AiFinding &finding,
                             const std::filesystem::path &out);
Status writeSecondaryCapture(const std::filesystem::path &source, const AiFinding &finding,
                             const RgbImage &overlay, const std::filesystem::path &out);
// A Parametric Map (one 32-bit float frame) of map, which must have the source's size.
Status writeParametricMap(const std::filesystem::path &source, const AiFinding &finding,
                          const FloatMap &map, const std::filesystem::path &out);

} // namespace cxr::pacs
