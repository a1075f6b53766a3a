// SPDX-License-Identifier: MIT
#pragma once

// A prediction written back as DICOM beside its source image: the structured report and the
// secondary capture of core/pacs, filled from the prediction, the model card and the overlay
// as the Viewer draws it, with the finding and "research use only" burned in.

#include "core/common/result.h"
#include "core/ml/model_card.h"
#include "core/pacs/pacs_node.h"
#include "core/pipeline/cam_rendering.h"
#include "core/pipeline/explain_job.h"

#include <filesystem>

namespace cxr::pipeline {

struct DicomResultPaths {
    std::filesystem::path structuredReport; // empty: not written
    std::filesystem::path secondaryCapture; // empty: not written; needs prediction.cam
    std::filesystem::path parametricMap;    // empty: not written; needs prediction.cam
};

// Errors name the file: a source that is not DICOM or lacks its UIDs, a capture or parametric
// map asked for without a map, an output that cannot be written.
Status writeDicomResults(const std::filesystem::path &source, const ImagePrediction &prediction,
                         const ml::ModelCard &card, const DicomResultPaths &paths,
                         const CamDisplay &display = {});

// The results written (the paths given in keep, the others into a temporary folder removed
// afterwards) and stored on node with C-STORE: the report, and the capture and the parametric
// map when the prediction has a map. The value: how many objects were stored.
Result<int> sendDicomResults(const std::filesystem::path &source, const ImagePrediction &prediction,
                             const ml::ModelCard &card, const pacs::PacsNode &node,
                             const DicomResultPaths &keep = {}, const CamDisplay &display = {});

// The overlay with the prediction, the model and the research-use label burned in at its top
// left, as the secondary capture carries it (BGR, the source's display size).
Result<cv::Mat> labelledOverlay(const std::filesystem::path &source,
                                const ImagePrediction &prediction, const ml::ModelCard &card,
                                const CamDisplay &display);

} // namespace cxr::pipeline
