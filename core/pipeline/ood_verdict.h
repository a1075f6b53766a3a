// SPDX-License-Identifier: MIT
#pragma once

// Whether an image is outside what a model was trained on, and why, shown with every
// prediction as prominently as the prediction itself. Two kinds of evidence:
//  - the acquisition: a DICOM header that says the image is not a frontal chest radiograph
//    (modality, body part, view position, several frames), or a colour picture;
//  - the model's own out-of-distribution score (ml::Classifier::hasOodGuard), compared with
//    the threshold its card records.

#include "core/imaging/image.h"

#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

struct OodVerdict {
    bool outside = false;
    std::optional<double> score; // the model's score; none when it has no guard
    double threshold = 0;        // the score's threshold (with score)
    std::vector<std::string> reasons; // one phrase each; empty when inside
    std::string reason() const;       // the reasons joined with "; "
};

// What the file's header and pixels say against a frontal chest radiograph: "modality CT",
// "body part HAND", "a lateral view (LL)", "a multi-frame image (40 frames)", "a colour image".
std::vector<std::string> acquisitionProblems(const imaging::Image &image);

// The verdict from the acquisition problems and the model's score (when it has a guard).
OodVerdict makeOodVerdict(std::vector<std::string> acquisitionProblems, std::optional<double> score,
                          double threshold);

// "Outside what this model was trained on: modality CT; ..." or "" when inside.
std::string describeOod(const OodVerdict &verdict);

} // namespace cxr::pipeline
