// SPDX-License-Identifier: MIT
#include "core/data/dataset_index.h"

#include <algorithm>
#include <cstdio>

namespace cxr::data {

bool DatasetIndex::hasSplit(const std::string &split) const
{
    return std::find(splits.begin(), splits.end(), split) != splits.end();
}

std::int64_t DatasetIndex::count(const std::string &split, int label) const
{
    return std::count_if(files.begin(), files.end(), [&](const DatasetFile &f) {
        return f.split == split && f.label == label;
    });
}

std::int64_t DatasetIndex::count(const std::string &split) const
{
    return std::count_if(files.begin(), files.end(),
                         [&](const DatasetFile &f) { return f.split == split; });
}

std::vector<const DatasetFile *> DatasetIndex::filesOf(const std::string &split) const
{
    std::vector<const DatasetFile *> selected;
    for (const DatasetFile &f : files) {
        if (f.split == split) {
            selected.push_back(&f);
        }
    }
    return selected;
}

std::string DatasetIndex::fingerprint() const
{
    // FNV-1a, 64 bit: no cryptographic claim, only "same files, same labels".
    std::uint64_t hash = 1469598103934665603ULL;
    auto mix = [&hash](const std::string &text) {
        for (unsigned char c : text) {
            hash = (hash ^ c) * 1099511628211ULL;
        }
        hash = (hash ^ 0xFF) * 1099511628211ULL;
    };
    for (const DatasetFile &f : files) {
        mix(std::filesystem::relative(f.path, root).generic_string());
        mix(f.split);
        mix(classes[std::size_t(f.label)]);
        mix(std::to_string(f.bytes));
    }
    char text[32]; // "fnv1a64:" + 16 hex digits + NUL
    std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
    return text;
}

} // namespace cxr::data
