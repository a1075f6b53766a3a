// SPDX-License-Identifier: MIT
#include "core/data/dataset_statistics.h"

#include <algorithm>

namespace cxr::data {

DatasetStatistics computeStatistics(const DatasetIndex &index)
{
    DatasetStatistics statistics;
    for (const std::string &split : index.splits) {
        SplitStatistics s;
        s.split = split;
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            s.counts.push_back(index.count(split, int(label)));
        }
        s.total = index.count(split);
        const auto [smallest, largest] = std::minmax_element(s.counts.begin(), s.counts.end());
        if (s.total > 0) {
            s.majorityBaseline = double(*largest) / double(s.total);
            s.majorityClass = index.classes[std::size_t(largest - s.counts.begin())];
        }
        s.imbalanceRatio = *smallest > 0 ? double(*largest) / double(*smallest) : 0.0;
        statistics.splits.push_back(std::move(s));
    }
    std::vector<std::int64_t> sizes;
    for (const DatasetFile &file : index.files) {
        ++statistics.formats[imaging::formatName(file.format)];
        sizes.push_back(file.bytes);
    }
    if (!sizes.empty()) {
        std::sort(sizes.begin(), sizes.end());
        statistics.smallestFileBytes = sizes.front();
        statistics.medianFileBytes = sizes[sizes.size() / 2];
        statistics.largestFileBytes = sizes.back();
    }
    return statistics;
}

} // namespace cxr::data
