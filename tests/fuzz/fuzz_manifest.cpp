// SPDX-License-Identifier: MIT
// The manifest parser: any bytes as a CSV manifest beside three small images it may name
// (a.png, b.jpg, c.bmp; the seeds do). A manifest that scans is written back with
// writeManifest and scanned again: the second scan must list the same files with the same
// classes, splits and patients (a manifest that changes on its way through the program is a
// silent wrong answer).
#include "core/data/manifest.h"
#include "tests/fuzz/fuzz_input_file.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <tuple>
#include <vector>

namespace {

using Row = std::tuple<std::string, std::string, std::string, std::string>;

std::vector<Row> rows(const cxr::data::DatasetIndex &index)
{
    std::vector<Row> out;
    for (const auto &file : index.files) {
        out.emplace_back(file.path.string(), index.classes.at(std::size_t(file.label)), file.split,
                         file.patient);
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    const auto &folder = cxr::fuzz::inputFolder();
    const cv::Mat grey(8, 8, CV_8UC1, cv::Scalar(100));
    cv::imwrite((folder.dir() / "a.png").string(), grey);
    cv::imwrite((folder.dir() / "b.jpg").string(), grey);
    cv::imwrite((folder.dir() / "c.bmp").string(), grey);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace cxr;
    const auto csv = fuzz::inputFolder().write("manifest.csv", data, size);
    auto index = data::scanManifest(csv);
    if (!index) {
        return 0;
    }
    const auto again = fuzz::inputFolder().dir() / "again.csv";
    if (auto written = data::writeManifest(again, *index); !written) {
        std::fprintf(stderr, "fuzz: a scanned manifest cannot be written: %s\n",
                     written.error().message.c_str());
        std::abort();
    }
    auto reread = data::scanManifest(again);
    if (!reread || rows(*reread) != rows(*index)) {
        std::fprintf(stderr, "fuzz: a manifest written by writeManifest scans differently: %s\n",
                     reread ? "other rows" : reread.error().message.c_str());
        std::abort();
    }
    return 0;
}
