// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/model_spec.h"

#include <filesystem>
#include <map>
#include <string>

namespace cxr::ml {

// How the model's heatmaps fared in review (see pipeline/model_review.h).
struct ReviewSummary {
    int reviewed = 0;  // images whose heatmap a person judged
    int onLungs = 0;   // "looks at the lungs"
    int elsewhere = 0; // "looks elsewhere" (labels, markers, borders, devices)
};

// model/model.json in a run folder: everything needed to use the weights beside it correctly.
struct ModelCard {
    ModelSpec spec;
    std::string name;             // shown with every prediction ("small-cnn (demo, epoch 4)")
    std::string createdWith;      // CXR Studio version and commit
    std::string trainedOn;        // dataset folder the model was trained on
    int bestEpoch = 0;            // the epoch whose weights were kept
    bool sawTestSplit = false;    // always false for models made by our trainer
    std::map<std::string, double> validationMetrics;
    ReviewSummary review;
    bool approvedForUse = false; // set only after review, never by training
    std::string approvedAt;      // ISO 8601 UTC
    std::string approvalNote;
};

Status writeModelCard(const std::filesystem::path &file, const ModelCard &card);
// Errors name the file: missing, not JSON, or missing fields.
Result<ModelCard> readModelCard(const std::filesystem::path &file);

} // namespace cxr::ml
