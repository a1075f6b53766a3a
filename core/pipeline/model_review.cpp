// SPDX-License-Identifier: MIT
#include "core/pipeline/model_review.h"

#include "core/common/atomic_file.h"
#include "core/common/csv.h"
#include "core/common/text.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

const char *verdictName(ReviewVerdict verdict)
{
    return verdict == ReviewVerdict::OnLungs ? "lungs" : "elsewhere";
}

Status writeReviews(const fs::path &file, const std::vector<HeatmapReview> &reviews)
{
    std::ostringstream csv;
    csv << "image,verdict,note,method,layer,reviewed_at\n";
    for (const HeatmapReview &r : reviews) {
        csv << csvField(r.image) << ',' << verdictName(r.verdict) << ',' << csvField(r.note) << ','
            << csvField(r.method) << ',' << csvField(r.layer) << ',' << r.reviewedAt << '\n';
    }
    return writeFileAtomically(file, csv.str());
}

// Changes the card of the model in runOrModel.
template <typename Change> Status updateCard(const fs::path &modelDir, Change change)
{
    auto card = ml::readModelCard(ml::modelCardPath(modelDir));
    if (!card) {
        return card.error();
    }
    if (auto refused = change(*card); !refused) {
        return refused;
    }
    return ml::writeModelCard(ml::modelCardPath(modelDir), *card);
}

} // namespace

Result<std::vector<HeatmapReview>> readReviews(const fs::path &runOrModel)
{
    auto modelDir = ml::findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    const fs::path file = *modelDir / "reviews.csv";
    std::vector<HeatmapReview> reviews;
    std::ifstream in(file);
    if (!in) {
        return reviews;
    }
    std::string line;
    std::getline(in, line); // header
    int lineNumber = 1;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (line.empty()) {
            continue;
        }
        const std::vector<std::string> f = splitCsvLine(line);
        if (f.size() != 6 || (f[1] != "lungs" && f[1] != "elsewhere")) {
            return makeError(ErrorCode::Corrupt, file.string() + ": line " +
                                                     std::to_string(lineNumber) +
                                                     " is not a review");
        }
        reviews.push_back({f[0],
                           f[1] == "lungs" ? ReviewVerdict::OnLungs : ReviewVerdict::Elsewhere,
                           f[2], f[3], f[4], f[5]});
    }
    return reviews;
}

Status saveReview(const fs::path &runOrModel, HeatmapReview review)
{
    auto modelDir = ml::findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    auto reviews = readReviews(*modelDir);
    if (!reviews) {
        return reviews.error();
    }
    review.image = fs::path(review.image).filename().string();
    if (review.reviewedAt.empty()) {
        review.reviewedAt = utcTimestamp();
    }
    bool replaced = false;
    for (HeatmapReview &earlier : *reviews) {
        if (earlier.image == review.image) {
            earlier = review;
            replaced = true;
        }
    }
    if (!replaced) {
        reviews->push_back(review);
    }
    if (auto written = writeReviews(*modelDir / "reviews.csv", *reviews); !written) {
        return written;
    }
    return updateCard(*modelDir, [&](ml::ModelCard &card) -> Status {
        card.review = {};
        for (const HeatmapReview &r : *reviews) {
            ++card.review.reviewed;
            ++(r.verdict == ReviewVerdict::OnLungs ? card.review.onLungs : card.review.elsewhere);
        }
        return Ok{};
    });
}

Status approveModel(const fs::path &runOrModel, const std::string &note)
{
    auto modelDir = ml::findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    return updateCard(*modelDir, [&](ml::ModelCard &card) -> Status {
        if (card.review.reviewed < kReviewsNeededForApproval) {
            return makeError(ErrorCode::InvalidArgument,
                             "the model has " + std::to_string(card.review.reviewed) +
                                 " reviewed heatmaps; review at least " +
                                 std::to_string(kReviewsNeededForApproval) +
                                 " before approving it");
        }
        card.approvedForUse = true;
        card.approvedAt = utcTimestamp();
        card.approvalNote = note;
        return Ok{};
    });
}

Status revokeApproval(const fs::path &runOrModel)
{
    auto modelDir = ml::findModelDir(runOrModel);
    if (!modelDir) {
        return modelDir.error();
    }
    return updateCard(*modelDir, [](ml::ModelCard &card) -> Status {
        card.approvedForUse = false;
        card.approvedAt.clear();
        card.approvalNote.clear();
        return Ok{};
    });
}

} // namespace cxr::pipeline
