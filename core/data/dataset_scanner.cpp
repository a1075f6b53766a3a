// SPDX-License-Identifier: MIT
#include "core/data/dataset_scanner.h"

#include "core/common/parallel_for.h"
#include "core/data/file_inspection.h"
#include "core/data/manifest.h"
#include "core/data/patient_id.h"
#include "core/imaging/file_sniffer.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace cxr::data {

namespace fs = std::filesystem;

namespace {

std::string lowercase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// Split folder names people use, mapped to our three names.
std::string canonicalSplit(const std::string &folderName)
{
    const std::string name = lowercase(folderName);
    if (name == "train" || name == "training") {
        return "train";
    }
    if (name == "val" || name == "valid" || name == "validation") {
        return "val";
    }
    if (name == "test" || name == "testing") {
        return "test";
    }
    return {};
}

bool isHidden(const fs::path &path)
{
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

std::vector<fs::path> subfolders(const fs::path &folder)
{
    std::vector<fs::path> result;
    std::error_code error;
    for (const auto &entry : fs::directory_iterator(folder, error)) {
        std::error_code typeError;
        if (entry.is_directory(typeError) && !entry.is_symlink(typeError) &&
            !isHidden(entry.path())) {
            result.push_back(entry.path());
        }
    }
    std::sort(result.begin(), result.end());
    return result;
}

int splitRank(const std::string &split)
{
    static const std::vector<std::string> order = {"train", "val", "test"};
    const auto it = std::find(order.begin(), order.end(), split);
    return it == order.end() ? int(order.size()) : int(it - order.begin());
}

Error noClassFoldersError(const fs::path &root)
{
    return makeError(ErrorCode::InvalidDataset,
                     root.string() + ": no class folders with images found (expected CLASS/ "
                                     "or train|val|test/CLASS/ subfolders)");
}

// Lists the files under classFolder (recursively) into paths, names only: opening them is
// inspectDataset's job. Returns the problem when the folder could not be read completely.
// Plain path strings, not index entries: sorting them moves 32 bytes per swap instead of a
// whole DatasetFile, which was most of a names-only scan after the directory walk itself.
std::optional<DatasetProblem> walkClassFolder(const fs::path &classFolder,
                                              std::vector<fs::path::string_type> &paths)
{
    std::error_code error;
    auto options = fs::directory_options::skip_permission_denied;
    for (fs::recursive_directory_iterator it(classFolder, options, error), end;
         !error && it != end; it.increment(error)) {
        const fs::path &path = it->path();
        const std::string name = path.filename().string();
        std::error_code typeError;
        if (!name.empty() && name[0] == '.') { // hidden
            if (it->is_directory(typeError)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (!it->is_regular_file(typeError)) {
            continue; // folders are walked; symlinked folders are not followed
        }
        paths.push_back(path.native());
    }
    if (error) {
        return DatasetProblem{classFolder, "folder could not be read completely (" + error.message() + ")"};
    }
    return std::nullopt;
}

} // namespace

std::string inspectImageFile(const fs::path &path, DatasetFile &file)
{
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
        return fs::exists(path, error) ? "not a regular file" : "file not found";
    }
    file.bytes = std::int64_t(fs::file_size(path, error));
    if (error) {
        return "cannot read file size (" + error.message() + ")";
    }
    if (file.bytes == 0) {
        return "empty file";
    }
    file.format = imaging::sniffFormat(path);
    if (file.format == imaging::FileFormat::Unknown && imaging::hasDicomExtension(path)) {
        file.format = imaging::FileFormat::Dicom; // old DICOM without preamble: DCMTK decides
    }
    if (file.format == imaging::FileFormat::Unknown) {
        return imaging::hasImageExtension(path)
                   ? "unreadable or not an image (content does not match its extension)"
                   : "not an image file";
    }
    if (file.format == imaging::FileFormat::Jpeg && !imaging::jpegFileLooksComplete(path)) {
        return "truncated JPEG (no end-of-image marker)";
    }
    file.header = imaging::readImageHeader(path, file.format);
    return {};
}

void sortSplits(std::vector<std::string> &splits)
{
    std::sort(splits.begin(), splits.end(), [](const std::string &a, const std::string &b) {
        return std::make_pair(splitRank(a), a) < std::make_pair(splitRank(b), b);
    });
}

Result<DatasetIndex> scanDataset(const fs::path &rootIn, ProgressObserver *observer,
                                 ScanOptions options)
{
    std::error_code error;
    const fs::path root = fs::absolute(rootIn, error).lexically_normal();
    if (!fs::exists(root, error)) {
        return makeError(ErrorCode::NotFound, rootIn.string() + ": folder not found");
    }
    if (fs::is_regular_file(root, error) && root.extension() == ".csv") {
        return scanManifest(root, observer);
    }
    if (!fs::is_directory(root, error)) {
        return makeError(ErrorCode::InvalidDataset,
                         rootIn.string() + ": not a folder (nor a .csv manifest)");
    }
    DatasetIndex index;
    index.root = root;
    const std::vector<fs::path> top = subfolders(root);
    const bool hasSplits = std::any_of(top.begin(), top.end(), [](const fs::path &p) {
        return !canonicalSplit(p.filename().string()).empty();
    });
    index.layout = hasSplits ? DatasetLayout::SplitClass : DatasetLayout::ClassOnly;

    // (split, class folder) pairs to walk.
    std::vector<std::pair<std::string, fs::path>> classFolders;
    if (hasSplits) {
        for (const fs::path &splitFolder : top) {
            const std::string split = canonicalSplit(splitFolder.filename().string());
            if (split.empty()) {
                index.problems.push_back({splitFolder, "folder ignored: not a split name "
                                                       "(expected train, val or test)"});
                continue;
            }
            for (const fs::path &classFolder : subfolders(splitFolder)) {
                classFolders.emplace_back(split, classFolder);
            }
        }
    } else {
        for (const fs::path &classFolder : top) {
            classFolders.emplace_back("all", classFolder);
        }
    }

    // Class folders are walked in parallel (the walk is most of a names-only scan), each into
    // its own list; cancelling stops before the next folder.
    std::vector<std::vector<fs::path::string_type>> found(classFolders.size());
    std::vector<std::optional<DatasetProblem>> unreadable(classFolders.size());
    const bool finished = parallelFor(
        classFolders.size(),
        [&](std::size_t i) {
            unreadable[i] = walkClassFolder(classFolders[i].second, found[i]);
            std::sort(found[i].begin(), found[i].end());
        },
        observer);
    if (!finished) {
        return makeError(ErrorCode::Cancelled, "scan of " + root.string() + " cancelled");
    }
    std::map<std::pair<std::string, std::string>, std::vector<fs::path::string_type>> pending;
    for (std::size_t i = 0; i < classFolders.size(); ++i) {
        if (unreadable[i]) {
            index.problems.push_back(std::move(*unreadable[i]));
        }
        if (!found[i].empty()) {
            auto &bucket = pending[{classFolders[i].first, classFolders[i].second.filename().string()}];
            bucket.insert(bucket.end(), std::make_move_iterator(found[i].begin()),
                          std::make_move_iterator(found[i].end()));
        }
    }

    // Classes are the class folders that hold at least one usable image, sorted by name.
    std::vector<std::string> classes;
    std::vector<std::string> splits;
    for (const auto &[key, files] : pending) {
        if (std::find(classes.begin(), classes.end(), key.second) == classes.end()) {
            classes.push_back(key.second);
        }
        if (std::find(splits.begin(), splits.end(), key.first) == splits.end()) {
            splits.push_back(key.first);
        }
    }
    if (classes.empty()) {
        return noClassFoldersError(root);
    }
    std::sort(classes.begin(), classes.end());
    sortSplits(splits);
    index.classes = classes;
    index.splits = splits;
    std::size_t total = 0;
    for (const auto &[key, paths] : pending) {
        total += paths.size();
    }
    index.files.reserve(total);
    for (const std::string &split : splits) {
        for (std::size_t label = 0; label < classes.size(); ++label) {
            auto bucket = pending.find({split, classes[label]});
            if (bucket == pending.end()) {
                continue;
            }
            auto &paths = bucket->second;
            // Folders with the same class name (train/NORMAL, TRAIN/NORMAL) were merged.
            if (!std::is_sorted(paths.begin(), paths.end())) {
                std::sort(paths.begin(), paths.end());
            }
            for (fs::path::string_type &path : paths) {
                DatasetFile file;
                file.path = FilePath(std::move(path));
                file.split = split;
                file.label = int(label);
                file.patient = patientIdFromFileName(file.path.fileNameString());
                index.files.push_back(std::move(file));
            }
        }
    }
    if (options.inspectFiles) {
        return inspectDataset(std::move(index), observer);
    }
    return index;
}

Result<DatasetIndex> inspectDataset(DatasetIndex index, ProgressObserver *observer)
{
    if (index.filesInspected) {
        return index;
    }
    std::vector<std::string> reasons(index.files.size());
    const bool finished = parallelFor(
        index.files.size(),
        [&](std::size_t i) { reasons[i] = inspectImageFile(index.files[i].path, index.files[i]); },
        observer);
    if (!finished) {
        return makeError(ErrorCode::Cancelled, "scan of " + index.root.string() + " cancelled");
    }
    std::vector<DatasetFile> usable;
    usable.reserve(index.files.size());
    for (std::size_t i = 0; i < index.files.size(); ++i) {
        if (reasons[i].empty()) {
            usable.push_back(std::move(index.files[i]));
        } else {
            index.problems.push_back({index.files[i].path, std::move(reasons[i])});
        }
    }
    index.files = std::move(usable);

    // A class folder holding only unusable files is not a class.
    std::vector<bool> hasImages(index.classes.size(), false);
    for (const DatasetFile &file : index.files) {
        hasImages[std::size_t(file.label)] = true;
    }
    std::vector<int> newLabel(index.classes.size(), -1);
    std::vector<std::string> classes;
    for (std::size_t label = 0; label < index.classes.size(); ++label) {
        if (hasImages[label]) {
            newLabel[label] = int(classes.size());
            classes.push_back(index.classes[label]);
        }
    }
    for (DatasetFile &file : index.files) {
        file.label = newLabel[std::size_t(file.label)];
    }
    index.classes = std::move(classes);
    index.splits.erase(std::remove_if(index.splits.begin(), index.splits.end(),
                                      [&index](const std::string &split) {
                                          return index.count(split) == 0;
                                      }),
                       index.splits.end());
    if (index.classes.empty()) {
        return noClassFoldersError(index.root);
    }
    index.filesInspected = true;
    return index;
}

} // namespace cxr::data
