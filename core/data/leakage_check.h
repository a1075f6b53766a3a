// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/data/dataset_index.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cxr::data {

// A patient whose images sit in more than one split: the model is tested on people it trained on.
struct PatientLeak {
    std::string patient;
    std::vector<std::string> splits;
    std::int64_t images = 0;
};

// Byte-identical files in more than one split.
struct DuplicateGroup {
    std::vector<std::filesystem::path> paths;
    std::vector<std::string> splits;
};

struct LeakageReport {
    std::vector<PatientLeak> patientLeaks;
    std::vector<DuplicateGroup> exactDuplicates;
    std::int64_t filesWithoutPatient = 0;
    // The validation split is missing or too small to steer training: fewer than
    // kMinValidationPerClass images in some class (Kermany's val split has 8 per class).
    bool validationTooSmall = false;
    std::string validationAdvice;

    bool clean() const { return patientLeaks.empty() && exactDuplicates.empty() && !validationTooSmall; }
};

inline constexpr std::int64_t kMinValidationPerClass = 30;

// Checks patients and file contents across splits (reads every file once; cancellable,
// progress counts files) and the size of the validation split. Near-duplicates (resized or
// re-encoded copies) are not detected yet.
LeakageReport checkLeakage(const DatasetIndex &index, ProgressObserver *observer = nullptr);

} // namespace cxr::data
