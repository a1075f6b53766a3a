// SPDX-License-Identifier: MIT
#include "core/data/dataset_scanner.h"

#include "core/common/parallel_for.h"
#include "core/common/text.h"
#include "core/data/file_inspection.h"
#include "core/data/manifest.h"
#include "core/data/patient_id.h"
#include "core/imaging/file_sniffer.h"
#include "core/imaging/image_loader.h"

#include <algorithm>
#include <cctype>
#include <map>

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

// Why path, which is not a regular file once symbolic links are followed, cannot be an image.
// Asks the file system only (stat), never opens it: opening a FIFO would block the scan.
std::string notRegularFileReason(const fs::path &path)
{
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    std::error_code linkError;
    const bool link = fs::is_symlink(fs::symlink_status(path, linkError));
    if (error == std::errc::too_many_symbolic_link_levels) {
        return "symbolic link loop (too many levels of symbolic links)";
    }
    switch (status.type()) {
    case fs::file_type::not_found:
        return link ? "dangling symbolic link (its target does not exist)" : "file not found";
    case fs::file_type::directory:
        return link ? "symbolic link to a folder, not followed" : "a folder, not an image file";
    case fs::file_type::fifo:
        return "a FIFO (named pipe), not an image file; not opened";
    case fs::file_type::socket:
        return "a socket, not an image file";
    case fs::file_type::block:
    case fs::file_type::character:
        return "a device, not an image file";
    case fs::file_type::regular:
        return {};
    default:
        break;
    }
    return error ? "cannot read its file status (" + error.message() + ")" : "not a regular file";
}

// The folders in folder, sorted, hidden ones left out. Symbolic links are not followed (no
// loops); each one, and anything else that is no folder but may have been meant as one, goes
// to problems with the reason, instead of being skipped silently.
std::vector<fs::path> subfolders(const fs::path &folder, std::vector<DatasetProblem> &problems)
{
    std::vector<fs::path> result;
    std::error_code error;
    for (const auto &entry : fs::directory_iterator(folder, error)) {
        if (isHidden(entry.path())) {
            continue;
        }
        std::error_code typeError;
        if (entry.is_symlink(typeError)) {
            if (!entry.is_regular_file(typeError)) { // a link to a file at the top is ignored
                problems.push_back({entry.path(), notRegularFileReason(entry.path())});
            }
        } else if (entry.is_directory(typeError)) {
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
// inspectDataset's job. Entries that cannot be images (symbolic link loops, dangling links,
// links to folders, FIFOs, sockets, devices, a folder named like an image) go to problems with
// the reason, as does a folder that could not be read completely. None is opened.
// Plain path strings, not index entries: sorting them moves 32 bytes per swap instead of a
// whole DatasetFile, which was most of a names-only scan after the directory walk itself.
void walkClassFolder(const fs::path &classFolder, std::vector<fs::path::string_type> &paths,
                     std::vector<DatasetProblem> &problems)
{
    std::error_code error;
    auto options = fs::directory_options::skip_permission_denied;
    for (fs::recursive_directory_iterator it(classFolder, options, error), end; !error && it != end;
         it.increment(error)) {
        const fs::path &path = it->path();
        const std::string name = path.filename().string();
        std::error_code typeError;
        if (!name.empty() && name[0] == '.') { // hidden
            if (it->is_directory(typeError)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        // Folders are walked (the iterator does not follow symbolic links to folders).
        if (!it->is_symlink(typeError) && it->is_directory(typeError)) {
            if (imaging::hasImageExtension(path)) {
                problems.push_back({path, "a folder, not an image file (named like one; the "
                                          "images inside it are scanned)"});
            }
            continue;
        }
        if (it->is_regular_file(typeError)) { // links to files are followed
            paths.push_back(path.native());
            continue;
        }
        problems.push_back({path, notRegularFileReason(path)});
    }
    if (error) {
        problems.push_back(
            {classFolder, "folder could not be read completely (" + error.message() + ")"});
    }
}

} // namespace

std::string inspectImageFile(const fs::path &path, DatasetFile &file)
{
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
        return notRegularFileReason(path);
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
    // A size beyond the loaders' limits, or a DICOM header the loader refuses: found here from
    // the header, not when training decodes the file.
    return imaging::imageHeaderProblem(path, file.format, file.header);
}

void sortSplits(std::vector<std::string> &splits)
{
    std::sort(splits.begin(), splits.end(), [](const std::string &a, const std::string &b) {
        return std::make_pair(splitRank(a), a) < std::make_pair(splitRank(b), b);
    });
}

namespace {

using ClassFolders = std::vector<std::pair<std::string, fs::path>>; // (split, class folder)
using FilesByClass =
    std::map<std::pair<std::string, std::string>, std::vector<fs::path::string_type>>;

// The (split, class folder) pairs to walk: split/class/ folders, or class/ folders alone. A
// class name reaches model cards, reports and JSON, which hold UTF-8 text only.
ClassFolders findClassFolders(DatasetIndex &index)
{
    const std::vector<fs::path> top = subfolders(index.root, index.problems);
    const bool hasSplits = std::any_of(top.begin(), top.end(), [](const fs::path &p) {
        return !canonicalSplit(p.filename().string()).empty();
    });
    index.layout = hasSplits ? DatasetLayout::SplitClass : DatasetLayout::ClassOnly;
    ClassFolders classFolders;
    for (const fs::path &folder : top) {
        if (!hasSplits) {
            classFolders.emplace_back("all", folder);
            continue;
        }
        const std::string split = canonicalSplit(folder.filename().string());
        if (split.empty()) {
            index.problems.push_back(
                {folder, "folder ignored: not a split name (expected train, val or test)"});
            continue;
        }
        for (const fs::path &classFolder : subfolders(folder, index.problems)) {
            classFolders.emplace_back(split, classFolder);
        }
    }
    classFolders.erase(
        std::remove_if(classFolders.begin(), classFolders.end(),
                       [&](const auto &entry) {
                           if (isValidUtf8(entry.second.filename().string())) {
                               return false;
                           }
                           index.problems.push_back({entry.second, kClassNameNotUtf8});
                           return true;
                       }),
        classFolders.end());
    return classFolders;
}

// Class folders are walked in parallel (the walk is most of a names-only scan), each into its
// own list; cancelling stops before the next folder. Folders of one split and class name
// (train/NORMAL, TRAIN/NORMAL) are merged.
Result<FilesByClass> walkClassFolders(const ClassFolders &classFolders, DatasetIndex &index,
                                      ProgressObserver *observer)
{
    std::vector<std::vector<fs::path::string_type>> found(classFolders.size());
    std::vector<std::vector<DatasetProblem>> walkProblems(classFolders.size());
    const bool finished = parallelFor(
        classFolders.size(),
        [&](std::size_t i) {
            walkClassFolder(classFolders[i].second, found[i], walkProblems[i]);
            std::sort(found[i].begin(), found[i].end());
            std::sort(
                walkProblems[i].begin(), walkProblems[i].end(),
                [](const DatasetProblem &a, const DatasetProblem &b) { return a.path < b.path; });
        },
        observer);
    if (!finished) {
        return makeError(ErrorCode::Cancelled, "scan of " + index.root.string() + " cancelled");
    }
    FilesByClass pending;
    for (std::size_t i = 0; i < classFolders.size(); ++i) {
        index.problems.insert(index.problems.end(),
                              std::make_move_iterator(walkProblems[i].begin()),
                              std::make_move_iterator(walkProblems[i].end()));
        if (!found[i].empty()) {
            auto &bucket =
                pending[{classFolders[i].first, classFolders[i].second.filename().string()}];
            bucket.insert(bucket.end(), std::make_move_iterator(found[i].begin()),
                          std::make_move_iterator(found[i].end()));
        }
    }
    return pending;
}

// Classes are the class folders that hold at least one usable image, sorted by name; the files
// follow in split, class and path order.
void indexFiles(FilesByClass &pending, DatasetIndex &index)
{
    for (const auto &[key, files] : pending) {
        if (std::find(index.classes.begin(), index.classes.end(), key.second) ==
            index.classes.end()) {
            index.classes.push_back(key.second);
        }
        if (std::find(index.splits.begin(), index.splits.end(), key.first) == index.splits.end()) {
            index.splits.push_back(key.first);
        }
    }
    std::sort(index.classes.begin(), index.classes.end());
    sortSplits(index.splits);
    std::size_t total = 0;
    for (const auto &[key, paths] : pending) {
        total += paths.size();
    }
    index.files.reserve(total);
    for (const std::string &split : index.splits) {
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            auto bucket = pending.find({split, index.classes[label]});
            if (bucket == pending.end()) {
                continue;
            }
            auto &paths = bucket->second;
            if (!std::is_sorted(paths.begin(), paths.end())) { // merged folders
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
}

} // namespace

Result<DatasetIndex> scanDataset(const fs::path &rootIn, ProgressObserver *observer,
                                 ScanOptions options)
{
    std::error_code error;
    const fs::path root = fs::absolute(rootIn, error).lexically_normal();
    if (!fs::exists(root, error)) {
        // A path ending in .csv was meant as a manifest, not a folder.
        return makeError(ErrorCode::NotFound,
                         rootIn.string() + (root.extension() == ".csv" ? ": manifest file not found"
                                                                       : ": folder not found"));
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
    const ClassFolders classFolders = findClassFolders(index);
    auto pending = walkClassFolders(classFolders, index, observer);
    if (!pending) {
        return pending.error();
    }
    if (pending->empty()) {
        return noClassFoldersError(root);
    }
    indexFiles(*pending, index);
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
    index.splits.erase(
        std::remove_if(index.splits.begin(), index.splits.end(),
                       [&index](const std::string &split) { return index.count(split) == 0; }),
        index.splits.end());
    if (index.classes.empty()) {
        return noClassFoldersError(index.root);
    }
    index.filesInspected = true;
    return index;
}

} // namespace cxr::data
