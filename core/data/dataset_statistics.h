// SPDX-License-Identifier: MIT
#pragma once

#include "core/data/dataset_index.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cxr::data {

struct SplitStatistics {
    std::string split;
    std::vector<std::int64_t> counts; // per class, in DatasetIndex::classes order
    std::int64_t total = 0;
    // Largest class over smallest; 0 when a class is missing from the split.
    double imbalanceRatio = 0;
    // Accuracy of always answering the split's largest class (62.5% on Kermany's test split).
    double majorityBaseline = 0;
    std::string majorityClass;
};

struct DatasetStatistics {
    std::vector<SplitStatistics> splits;
    std::map<std::string, std::int64_t> formats; // "JPEG" -> count
    std::int64_t smallestFileBytes = 0;
    std::int64_t medianFileBytes = 0;
    std::int64_t largestFileBytes = 0;
};

// Imbalance at or above this ratio is worth a warning (Kermany's train split: 2.9).
inline constexpr double kImbalanceWarningRatio = 1.5;

DatasetStatistics computeStatistics(const DatasetIndex &index);

} // namespace cxr::data
