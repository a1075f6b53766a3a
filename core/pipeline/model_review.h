// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cxr::pipeline {

// The interpretability gate before a model is used: people judge its heatmaps, one image at a
// time, and only a reviewed model can be approved for use. Reviews live beside the weights in
// model/reviews.csv; their counts go into the model card.
enum class ReviewVerdict { OnLungs, Elsewhere };

struct HeatmapReview {
    std::string image; // the image's file name (not its folder: paths may name patients)
    ReviewVerdict verdict = ReviewVerdict::OnLungs;
    std::string note;
    std::string method; // "Grad-CAM", ...
    std::string layer;
    std::string reviewedAt; // ISO 8601 UTC; filled in by saveReview when empty
};

// The fewest reviewed heatmaps a model needs before it can be approved.
constexpr int kReviewsNeededForApproval = 10;

// Reviews of a run's (or model folder's) model; none yet is an empty list.
Result<std::vector<HeatmapReview>> readReviews(const std::filesystem::path &runOrModel);

// Adds review, replacing an earlier review of the same image, and updates the card's summary.
// Both files are written atomically.
Status saveReview(const std::filesystem::path &runOrModel, HeatmapReview review);

// Marks the model approved for use. Refused, with the reason, before kReviewsNeededForApproval
// reviews. A later review does not withdraw an approval; revokeApproval does.
Status approveModel(const std::filesystem::path &runOrModel, const std::string &note);
Status revokeApproval(const std::filesystem::path &runOrModel);

} // namespace cxr::pipeline
