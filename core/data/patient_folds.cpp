// SPDX-License-Identifier: MIT
#include "core/data/patient_folds.h"

#include "core/data/validation_split.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace cxr::data {

namespace {

bool isTrainingSplit(const std::string &split)
{
    return split == "train" || split == "val" || split == "all";
}

// Patient -> fold (0-based): within each majority class, patients in a seeded shuffle, each
// dealt to the fold that has the fewest images of that class so far, so folds match in size
// and in class mix however many images each patient has.
std::map<std::string, int>
dealPatients(const DatasetIndex &index,
             const std::map<std::string, std::vector<std::size_t>> &patients, int folds,
             std::uint64_t seed)
{
    std::vector<std::vector<std::string>> byClass(index.classes.size());
    for (const auto &[patient, files] : patients) {
        std::vector<int> votes(index.classes.size(), 0);
        for (std::size_t i : files) {
            ++votes[std::size_t(index.files[i].label)];
        }
        byClass[std::size_t(std::max_element(votes.begin(), votes.end()) - votes.begin())]
            .push_back(patient);
    }
    std::mt19937_64 random(seed);
    std::map<std::string, int> foldOf;
    for (std::vector<std::string> &candidates : byClass) {
        std::shuffle(candidates.begin(), candidates.end(), random);
        std::vector<std::size_t> images(std::size_t(folds), 0);
        for (const std::string &patient : candidates) {
            const auto smallest =
                std::size_t(std::min_element(images.begin(), images.end()) - images.begin());
            foldOf[patient] = int(smallest);
            images[smallest] += patients.at(patient).size();
        }
    }
    return foldOf;
}

} // namespace

Result<DatasetIndex> crossValidationFold(const DatasetIndex &index, const FoldSettings &settings,
                                         FoldSummary *summary)
{
    if (settings.folds < 2 || settings.folds > 20 || settings.fold < 1 ||
        settings.fold > settings.folds) {
        return makeError(ErrorCode::InvalidArgument, "cross-validation needs 2 to 20 folds and a "
                                                     "fold between 1 and their number (got fold " +
                                                         std::to_string(settings.fold) + " of " +
                                                         std::to_string(settings.folds) + ")");
    }
    DatasetIndex result = index;
    result.files.clear();
    std::map<std::string, std::vector<std::size_t>> patients;
    for (const DatasetFile &file : index.files) {
        if (!isTrainingSplit(file.split)) {
            continue; // the test split stays locked away
        }
        result.files.push_back(file);
        result.files.back().split = "train";
        const std::string patient =
            file.patient.empty() ? "file:" + file.path.string() : file.patient;
        patients[patient].push_back(result.files.size() - 1);
    }
    if (patients.size() < std::size_t(settings.folds)) {
        return makeError(ErrorCode::InvalidDataset,
                         index.root.string() + ": " + std::to_string(patients.size()) +
                             " patients in the training images, fewer than the " +
                             std::to_string(settings.folds) + " folds asked for");
    }
    const std::map<std::string, int> foldOf =
        dealPatients(result, patients, settings.folds, settings.seed);
    FoldSummary held;
    for (const auto &[patient, files] : patients) {
        if (foldOf.at(patient) != settings.fold - 1) {
            continue;
        }
        ++held.heldOutPatients;
        for (std::size_t i : files) {
            result.files[i].split = kHeldOutSplit;
            ++held.heldOutImages;
        }
    }
    result.splits = {"train", kHeldOutSplit};
    // The validation split comes from the remaining patients only, with the same seed.
    auto carved =
        carveValidationSplit(result, ValidationSplitSettings{settings.valFraction, settings.seed});
    if (!carved) {
        return carved.error();
    }
    if (summary) {
        *summary = held;
    }
    return carved;
}

} // namespace cxr::data
