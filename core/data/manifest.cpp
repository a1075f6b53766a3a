// SPDX-License-Identifier: MIT
#include "core/data/manifest.h"

#include "core/common/atomic_file.h"
#include "core/common/csv.h"
#include "core/common/text.h"
#include "core/data/file_inspection.h"
#include "core/data/patient_id.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace cxr::data {

namespace fs = std::filesystem;

namespace {

struct ManifestColumns {
    int path = -1;
    int label = -1;
    int split = -1;   // optional
    int patient = -1; // optional
};

// The header row: path and label columns (split and patient optional), each named once.
Result<ManifestColumns> readHeader(std::istream &in, const fs::path &csv)
{
    std::string line;
    if (!std::getline(in, line)) {
        return makeError(ErrorCode::InvalidDataset, csv.string() + ": manifest is empty");
    }
    // Spreadsheet programs (Excel's "CSV UTF-8") start the file with a UTF-8 byte-order mark;
    // left in place it would become part of the first column's name.
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) {
        line.erase(0, 3);
    }
    const std::vector<std::string> header = splitCsvLine(line);
    // A repeated column name makes it ambiguous which one holds the value; refuse rather than
    // silently take the first.
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (!header[i].empty() && std::find(header.begin() + std::ptrdiff_t(i) + 1, header.end(),
                                            header[i]) != header.end()) {
            return makeError(ErrorCode::InvalidDataset, csv.string() +
                                                            ": manifest header names column \"" +
                                                            header[i] + "\" more than once");
        }
    }
    auto column = [&header](const char *name) {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : int(it - header.begin());
    };
    const ManifestColumns columns{column("path"), column("label"), column("split"),
                                  column("patient")};
    if (columns.path < 0 || columns.label < 0) {
        return makeError(ErrorCode::InvalidDataset,
                         csv.string() + ": manifest needs a header row with path and label "
                                        "columns (path,label[,split][,patient])");
    }
    return columns;
}

// What the rows so far have found: the files by class, the splits in order of appearance, and
// the row that listed each file (a file listed twice would count twice, and in two splits it
// would be the same image on both sides, so later rows naming it are problems).
struct ManifestRows {
    std::map<std::string, std::vector<DatasetFile>> byClass;
    std::vector<std::string> splits;
    std::map<fs::path::string_type, int> rowOfFile;
};

// One row: its file, inspected, goes to its class; a row that cannot be used becomes a problem
// of the index naming the row.
void readRow(const std::string &line, int row, const ManifestColumns &columns, const fs::path &csv,
             DatasetIndex &index, ManifestRows &rows)
{
    const std::vector<std::string> fields = splitCsvLine(line);
    auto field = [&fields](int at) {
        return at >= 0 && std::size_t(at) < fields.size() ? fields[std::size_t(at)] : std::string();
    };
    const std::string rowName = csv.filename().string() + " row " + std::to_string(row);
    fs::path path = field(columns.path);
    if (path.empty()) {
        index.problems.push_back({csv, rowName + ": no path"});
        return;
    }
    // The system opens the path up to its first NUL byte, so the file read would not be the
    // one the row names (found by fuzzing).
    if (path.native().find('\0') != fs::path::string_type::npos) {
        index.problems.push_back({csv, rowName + ": path holds a NUL byte"});
        return;
    }
    // Absolute paths are normalised too: "<dir>/img/./a.png" and "img/a.png" are one file
    // (found by fuzzing: the first was kept as written, listed the file twice and came back
    // from writeManifest under the other name).
    path = (path.is_relative() ? index.root / path : path).lexically_normal();
    const std::string label = field(columns.label);
    if (label.empty()) {
        index.problems.push_back({path, rowName + ": no label"});
        return;
    }
    if (!isValidUtf8(label) || !isValidUtf8(field(columns.split))) {
        index.problems.push_back({path, rowName + ": " + kClassNameNotUtf8});
        return;
    }
    if (const auto [first, added] = rows.rowOfFile.emplace(path.native(), row); !added) {
        index.problems.push_back(
            {path, rowName + ": lists the same file as row " + std::to_string(first->second)});
        return;
    }
    DatasetFile file;
    if (std::string problem = inspectImageFile(path, file); !problem.empty()) {
        index.problems.push_back({path, rowName + ": " + problem});
        return;
    }
    file.path = path;
    file.split = field(columns.split).empty() ? "all" : field(columns.split);
    file.patient = field(columns.patient).empty() ? patientIdFromFileName(path.filename().string())
                                                  : field(columns.patient);
    if (std::find(rows.splits.begin(), rows.splits.end(), file.split) == rows.splits.end()) {
        rows.splits.push_back(file.split);
    }
    rows.byClass[label].push_back(std::move(file));
}

// The files in the order of a folder scan: split, then class, then path.
void arrangeFiles(ManifestRows &rows, DatasetIndex &index)
{
    sortSplits(rows.splits);
    index.splits = rows.splits;
    for (auto &[label, files] : rows.byClass) {
        index.classes.push_back(label);
    }
    for (const std::string &split : index.splits) {
        for (std::size_t label = 0; label < index.classes.size(); ++label) {
            std::vector<DatasetFile> selected; // moved, not copied: one copy per file in all
            for (DatasetFile &file : rows.byClass[index.classes[label]]) {
                if (file.split == split) {
                    selected.push_back(std::move(file));
                    selected.back().label = int(label);
                }
            }
            std::sort(selected.begin(), selected.end(), byPath);
            index.files.insert(index.files.end(), std::make_move_iterator(selected.begin()),
                               std::make_move_iterator(selected.end()));
        }
    }
}

} // namespace

Result<DatasetIndex> scanManifest(const fs::path &csv, ProgressObserver *observer)
{
    std::ifstream in(csv);
    if (!in) {
        return makeError(ErrorCode::NotReadable, csv.string() + ": cannot open manifest");
    }
    auto columns = readHeader(in, csv);
    if (!columns) {
        return columns.error();
    }
    DatasetIndex index;
    index.root = csv.parent_path();
    index.manifest = csv;
    index.layout = DatasetLayout::Manifest;
    ManifestRows rows;
    std::string line;
    int row = 1;
    while (std::getline(in, line)) {
        ++row;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        if (cancelled(observer)) {
            return makeError(ErrorCode::Cancelled, "scan of " + csv.string() + " cancelled");
        }
        readRow(line, row, *columns, csv, index, rows);
        if (observer && row % 256 == 0) {
            observer->progress(row, 0);
        }
    }
    if (rows.byClass.empty()) {
        return makeError(ErrorCode::InvalidDataset,
                         csv.string() + ": manifest lists no usable image");
    }
    arrangeFiles(rows, index);
    index.filesInspected = true; // each row's file was checked above
    return index;
}

Status writeManifest(const fs::path &csv, const DatasetIndex &index)
{
    const fs::path folder = fs::absolute(csv).parent_path();
    std::ostringstream out;
    out << "path,label,split,patient\n";
    for (const DatasetFile &file : index.files) {
        const fs::path relative = file.path.lexically_relative(folder);
        const bool under = !relative.empty() && *relative.begin() != "..";
        out << csvField(under ? relative.generic_string() : file.path.string()) << ','
            << csvField(index.classes[std::size_t(file.label)]) << ',' << csvField(file.split)
            << ',' << csvField(file.patient) << '\n';
    }
    return writeFileAtomically(csv, out.str());
}

} // namespace cxr::data
