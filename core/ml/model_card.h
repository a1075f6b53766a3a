// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/result.h"
#include "core/ml/calibration.h"
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

// The calibration of the model's logits (calibration.h: a temperature, and for a binary model
// a bias), fitted on held-out images after training or on a site's own sample. Temperature 1
// and bias 0 with fittedOn empty: not calibrated.
struct CalibrationRecord {
    double temperature = 1;
    double bias = 0;
    std::string fittedOn; // "validation" or "site sample <folder>"
    int images = 0;
    double eceBefore = -1; // expected calibration error on those images; -1 unknown
    double eceAfter = -1;
    std::string fittedAt; // ISO 8601 UTC

    LogitCalibration logits() const { return {temperature, bias}; }
    std::string describe() const; // logits().describe()
};

// How the card's threshold was chosen. rule empty: set by hand (or an older card: 0.5).
struct OperatingPointRecord {
    std::string rule;     // as parseOperatingPoint reads it: "sensitivity:0.95"
    std::string chosenOn; // "validation" or "site sample <folder>"
    int images = 0;
    double sensitivity = -1; // at the threshold on those images; -1 unknown
    double specificity = -1;
};

// The out-of-distribution guard's reference (ood_guard.h), in a file beside the weights.
// method empty: the model has no guard (older models).
struct OodRecord {
    std::string method;           // "mahalanobis"
    std::string file;             // "ood.pt", relative to the model folder
    std::string sha256;           // of that file
    double threshold = 0;         // a score above it is outside the training distribution
    int referenceImages = 0;      // training images the reference was fitted on
    int validationImages = 0;     // images the threshold was chosen on
    double validationFlagged = 0; // share of those above the threshold
};

// Who the training images came from, when the person training said so (--population-ages):
// a DICOM whose PatientAge lies outside is outside what the model was trained on.
struct PopulationRecord {
    double minAgeYears = -1; // -1: not stated
    double maxAgeYears = -1;
    bool stated() const { return minAgeYears >= 0 && maxAgeYears >= minAgeYears; }
};

// model/model.json in a run folder: everything needed to use the weights beside it correctly.
struct ModelCard {
    ModelSpec spec;
    std::string name;          // shown with every prediction ("small-cnn (demo, epoch 4)")
    std::string createdWith;   // CXR Studio version and commit
    std::string trainedOn;     // dataset folder the model was trained on
    int bestEpoch = 0;         // the epoch whose weights were kept
    bool sawTestSplit = false; // always false for models made by our trainer
    std::map<std::string, double> validationMetrics;
    std::string weightsSha256; // of weights.pt, checked when they load; empty in older cards
    CalibrationRecord calibration;
    OperatingPointRecord operatingPoint;
    OodRecord ood;
    PopulationRecord population;
    // An ensemble's card (architecture "ensemble"): its members' model folders, absolute, and
    // the SHA-256 of each member's weights when the ensemble was made. Empty for one model.
    std::vector<std::string> ensembleMembers;
    std::vector<std::string> ensembleMemberSha256;
    bool isEnsemble() const { return !ensembleMembers.empty(); }
    ReviewSummary review;
    bool approvedForUse = false; // set only after review, never by training
    std::string approvedAt;      // ISO 8601 UTC
    std::string approvalNote;
};

// A model folder's card: MODEL_DIR/model.json. The one place that names the file; a run's is
// RunPaths::modelCard(), and readRunModelCard (run_folder.h) finds and reads it from a run.
inline std::filesystem::path modelCardPath(const std::filesystem::path &modelDir)
{
    return modelDir / "model.json";
}

Status writeModelCard(const std::filesystem::path &file, const ModelCard &card);
// Errors name the file: missing, not JSON, missing fields, or a value no model can have (an
// unknown format, a threshold outside [0, 1], a temperature outside [0.05, 20]).
Result<ModelCard> readModelCard(const std::filesystem::path &file);

} // namespace cxr::ml
