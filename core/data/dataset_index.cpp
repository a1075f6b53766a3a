// SPDX-License-Identifier: MIT
#include "core/data/dataset_index.h"

#include "core/common/fnv1a.h"

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
    // Only "same files, same labels": each field followed by a 0xFF separator.
    Fnv1a hash;
    auto mix = [&hash](const std::string &text) {
        hash.add(text.data(), text.size());
        hash.addByte(0xFF);
    };
    for (const DatasetFile &f : files) {
        mix(std::filesystem::relative(f.path, root).generic_string());
        mix(f.split);
        mix(classes[std::size_t(f.label)]);
        mix(std::to_string(f.bytes));
    }
    char text[32]; // "fnv1a64:" + 16 hex digits + NUL
    std::snprintf(text, sizeof text, "fnv1a64:%016llx",
                  static_cast<unsigned long long>(hash.value()));
    return text;
}

} // namespace cxr::data
