// SPDX-License-Identifier: MIT
#include "core/data/validation_split.h"

#include "core/data/file_inspection.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace cxr::data {

namespace {

using PatientFiles = std::map<std::string, std::vector<std::size_t>>;

struct PatientsByClass {
    std::vector<std::vector<std::string>> patients; // by each patient's majority class
    std::vector<std::int64_t> images;               // their images, by the same class
};

// Each patient goes to the class most of their images have, so that a patient is moved whole.
PatientsByClass groupByMajorityClass(const DatasetIndex &result, const PatientFiles &patients)
{
    PatientsByClass grouped{std::vector<std::vector<std::string>>(result.classes.size()),
                            std::vector<std::int64_t>(result.classes.size(), 0)};
    for (const auto &[patient, files] : patients) {
        std::vector<int> votes(result.classes.size(), 0);
        for (std::size_t i : files) {
            ++votes[std::size_t(result.files[i].label)];
        }
        const auto majority =
            std::size_t(std::max_element(votes.begin(), votes.end()) - votes.begin());
        grouped.patients[majority].push_back(patient);
        grouped.images[majority] += std::int64_t(files.size());
    }

    return grouped;
}

// Same order as a scan: split, class, path.
void sortLikeAScan(DatasetIndex &result)
{
    result.splits.clear();
    for (const DatasetFile &file : result.files) {
        if (std::find(result.splits.begin(), result.splits.end(), file.split) ==
            result.splits.end()) {
            result.splits.push_back(file.split);
        }
    }
    sortSplits(result.splits);
    std::vector<std::string> order = result.splits;
    std::stable_sort(result.files.begin(), result.files.end(),
                     [&order](const DatasetFile &a, const DatasetFile &b) {
                         const auto rank = [&order](const std::string &split) {
                             return std::find(order.begin(), order.end(), split) - order.begin();
                         };
                         return std::make_tuple(rank(a.split), a.label, a.path) <
                                std::make_tuple(rank(b.split), b.label, b.path);
                     });
}

} // namespace

Result<DatasetIndex> carveValidationSplit(const DatasetIndex &index,
                                          const ValidationSplitSettings &settings,
                                          ValidationSplitSummary *summary)
{
    if (!(settings.valFraction > 0 && settings.valFraction <= 0.5)) {
        return makeError(ErrorCode::InvalidArgument,
                         "validation fraction must be in (0, 0.5] (got " +
                             std::to_string(settings.valFraction) + ")");
    }
    const std::string source = index.hasSplit("train") ? "train" : "all";
    if (!index.hasSplit(source)) {
        return makeError(ErrorCode::InvalidDataset,
                         index.root.string() + ": no train split to carve a validation split from");
    }
    DatasetIndex result = index;
    // Patients of the training split, each with its images and its majority class.
    PatientFiles patients;
    for (std::size_t i = 0; i < result.files.size(); ++i) {
        DatasetFile &file = result.files[i];
        if (file.split != source) {
            continue;
        }
        file.split = "train";
        patients[file.patient.empty() ? "file:" + file.path.string() : file.patient].push_back(i);
    }
    PatientsByClass grouped = groupByMajorityClass(result, patients);
    ValidationSplitSummary carved;
    std::mt19937_64 random(settings.seed);
    for (std::size_t label = 0; label < result.classes.size(); ++label) {
        std::vector<std::string> &candidates = grouped.patients[label];
        std::shuffle(candidates.begin(), candidates.end(), random);
        const auto target =
            std::int64_t(std::llround(settings.valFraction * double(grouped.images[label])));
        std::int64_t moved = 0;
        for (const std::string &patient : candidates) {
            if (moved >= target) {
                break;
            }
            for (std::size_t i : patients[patient]) {
                result.files[i].split = "val";
                ++moved;
            }
            ++carved.movedPatients;
        }
        carved.movedImages += moved;
    }
    if (carved.movedImages == 0) {
        // A manifest without a val split was written and reported as done, and training on it
        // then failed.
        return makeError(ErrorCode::InvalidDataset,
                         index.root.string() +
                             ": too few training images to carve a validation split at fraction " +
                             std::to_string(settings.valFraction) + " (none would move to val)");
    }

    sortLikeAScan(result);
    if (result.layout != DatasetLayout::Manifest) {
        result.layout = DatasetLayout::Manifest;
        result.manifest.clear(); // not saved yet
    }
    if (summary) {
        *summary = carved;
    }
    return result;
}

} // namespace cxr::data
