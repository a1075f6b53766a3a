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

// Two images in different splits that imaging::nearDuplicates judges the same radiograph
// (resized, re-encoded or re-windowed).
struct NearDuplicate {
    std::filesystem::path first;
    std::filesystem::path second;
    std::string firstSplit;
    std::string secondSplit;
    double thumbnailDifference = 0; // grey levels, see imaging::thumbnailDifference
};

enum class NearDuplicates { Skip, Check };

struct LeakageReport {
    std::vector<PatientLeak> patientLeaks;
    std::vector<DuplicateGroup> exactDuplicates;
    std::vector<NearDuplicate> nearDuplicates; // exact duplicates are not repeated here
    bool nearDuplicatesChecked = false;
    std::int64_t filesWithoutPatient = 0;
    // The validation split is missing or too small to steer training: fewer than
    // kMinValidationPerClass images in some class (Kermany's val split has 8 per class).
    bool validationTooSmall = false;
    std::string validationAdvice;

    bool clean() const
    {
        return patientLeaks.empty() && exactDuplicates.empty() && nearDuplicates.empty() &&
               !validationTooSmall;
    }
};

inline constexpr std::int64_t kMinValidationPerClass = 30;

// Checks patients and file contents across splits (reads every file once; cancellable,
// progress counts files) and the size of the validation split. With NearDuplicates::Check it
// also decodes every image at its smallest size for a difference hash and compares the
// hashes across splits (about a second per thousand images on two cores).
LeakageReport checkLeakage(const DatasetIndex &index, ProgressObserver *observer = nullptr,
                           NearDuplicates near = NearDuplicates::Skip);

} // namespace cxr::data
