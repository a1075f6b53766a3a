// SPDX-License-Identifier: MIT
#pragma once

// Whether an image is outside what a model was trained on, and why, shown with every
// prediction as prominently as the prediction itself. Two kinds of evidence:
//  - the acquisition: a DICOM header that says the image is not a frontal chest radiograph
//    (modality, body part, view position, several frames), or a colour picture;
//  - the model's own out-of-distribution score (ml::Classifier::hasOodGuard), compared with
//    the threshold its card records.

#include "core/imaging/image.h"
#include "core/ml/model_card.h"

#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

struct OodVerdict {
    bool outside = false;
    std::optional<double> score;      // the model's score; none when it has no guard
    double threshold = 0;             // the score's threshold (with score)
    std::vector<std::string> reasons; // one phrase each; empty when inside
    std::string reason() const;       // the reasons joined with "; "
};

// What the file's header and pixels say against a frontal chest radiograph: "modality CT",
// "body part HAND", "a lateral view (LL)", "a multi-frame image (40 frames)", "a colour image".
std::vector<std::string> acquisitionProblems(const imaging::Image &image);

// A DICOM PatientAge ("004Y", "18M", "62") in years; none when empty or unreadable.
std::optional<double> ageInYears(const std::string &dicomAge);

// "a patient older or younger than the model's training population (1-5 years)" when the
// image's PatientAge lies outside the card's stated population; empty otherwise. The age
// itself is left out: the reason is written to files and it is the patient's.
std::string populationProblem(const imaging::Image &image, const ml::PopulationRecord &population);

// The verdict from the acquisition problems and the model's score (when it has a guard).
OodVerdict makeOodVerdict(std::vector<std::string> acquisitionProblems, std::optional<double> score,
                          double threshold);

// "Outside what this model was trained on: modality CT; ..." or "" when inside.
std::string describeOod(const OodVerdict &verdict);

} // namespace cxr::pipeline
