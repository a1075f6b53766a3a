// SPDX-License-Identifier: MIT
#pragma once

// The robustness report: the evaluated split's metrics again under controlled shifts of its
// images (contrast, gamma, blur, noise, JPEG quality, resolution, a small rotation, a border
// crop), each with its bootstrap interval. A model that only works on images exactly like its
// training set shows it here, before it meets another hospital's images.

#include "core/common/image_arrays.h"
#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/classifier.h"
#include "core/ml/diagnostic_metrics.h"

#include <string>
#include <vector>

namespace cxr::pipeline {

// One shift, applied to every image at the model's input size (8-bit, channels x size x size).
struct StressShift {
    std::string name;        // "gamma 1.5"
    std::string description; // what it imitates
};

// The shifts in report order; the first is "none", the unshifted baseline.
const std::vector<StressShift> &stressShifts();

// images shifted by the shift with this index of stressShifts(): same layout, new pixels.
ImageArrays applyStressShift(const ImageArrays &images, std::size_t shift);

struct StressRow {
    std::string shift;
    ml::DiagnosticReport report; // at the threshold given
};

// Predicts images under every shift and reports the metrics at threshold. Errors: the
// classifier's (damaged model), or Cancelled.
Result<std::vector<StressRow>> runStressTest(ml::Classifier &classifier, const ImageArrays &images,
                                             double threshold,
                                             const ml::BootstrapSettings &bootstrap,
                                             ProgressObserver *observer = nullptr);

} // namespace cxr::pipeline
