// SPDX-License-Identifier: MIT
#include "core/pipeline/labelled_split.h"

#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/tensor_cache.h"
#include "core/pipeline/input_spec.h"

namespace cxr::pipeline {

Result<LabelledSplit> loadLabelledSplit(const std::filesystem::path &dataset,
                                        const std::string &split, const ml::ModelSpec &spec,
                                        const std::filesystem::path &cacheDir,
                                        ProgressObserver *observer)
{
    auto index = data::scanDataset(dataset, observer);
    if (!index) {
        return index.error();
    }
    if (index->classes != spec.classNames) {
        return makeError(ErrorCode::Incompatible,
                         index->root.string() + ": classes (" + joined(index->classes) +
                             ") do not match the model's (" + joined(spec.classNames) + ")");
    }
    if (observer) {
        observer->stage("Decoding " + split + " images");
    }
    data::LoadReport report;
    auto images =
        data::loadSplitCached(*index, split, inputSpecFor(spec), cacheDir, report, observer);
    if (!images) {
        return images.error();
    }
    if (!report.failures.empty()) {
        return makeError(ErrorCode::Corrupt, report.failures.front().path.string() + ": " +
                                                 report.failures.front().reason);
    }
    return LabelledSplit{std::move(*index), std::move(*images)};
}

} // namespace cxr::pipeline
