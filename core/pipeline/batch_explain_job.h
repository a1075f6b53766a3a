// SPDX-License-Identifier: MIT
#pragma once

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/ml/classifier.h"
#include "core/pacs/pacs_node.h"
#include "core/pipeline/cam_rendering.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cxr::pipeline {

// Prediction and a class-activation map for many images, into OUTPUT/predictions.csv and
// OUTPUT/overlays/. The images are image files and folders (searched recursively), or every
// image of a dataset split (then the CSV also carries each image's true class).
struct BatchExplainJob {
    std::filesystem::path model; // run or model folder
    std::vector<std::filesystem::path> inputs;
    std::filesystem::path dataset; // instead of inputs: a dataset folder or manifest ...
    std::string split = "test";    // ... and its split
    std::filesystem::path outputFolder;
    ml::CamRequest request;
    CamDisplay display;
    bool writeOverlays = true;
    int overlayMaxSide = 1024; // overlays are drawn on the image shrunk to this long side
    std::string device = "auto";
    bool tta = false; // test-time augmentation (ml::Classifier::setTestTimeAugmentation)
    // Store each DICOM image's results there, in its study (sendDicomResults: the report, the
    // overlay and the map). Other images, and results CXR Studio wrote before
    // (pacs::isResultOfOurs), are predicted as usual and not sent.
    std::optional<pacs::PacsNode> sendTo;
};

struct BatchRow {
    std::string file;       // absolute path of the image
    std::string label;      // its true class from the dataset; empty for plain folders
    double probability = 0; // of the positive class
    std::string predictedClass;
    int explainedClass = -1;
    bool flat = false;
    std::string overlay;            // relative to the output folder; empty without one
    std::string error;              // why the image has no prediction; empty when it has one
    bool ood = false;               // outside what the model was trained on
    std::optional<double> oodScore; // the model's score, when it has a guard
    std::string oodReason;
    // With sendTo: storedOnPacs(node), or "not sent: " and why; empty when not asked, or not
    // DICOM. Naming the PACS lets a run that sends elsewhere tell what is still to send.
    std::string pacs;
};

std::string storedOnPacs(const pacs::PacsNode &node); // "stored on AE@host:port"

struct BatchExplainResult {
    std::filesystem::path outputFolder;
    std::string modelName;
    double threshold = 0.5;
    std::vector<BatchRow> rows; // in input order
    int resumed = 0;            // rows kept from an earlier, interrupted run
    // Results CXR Studio wrote before (pacs::isResultOfOurs) found among the input files and
    // left out: a study retrieved from the PACS holds them beside its images.
    int skippedResults = 0;
    std::string sentTo;    // pacs::describe of the PACS this run sent to; empty when none
    int sentInThisRun = 0; // images whose results this run stored (not kept from earlier)
};

// A row whose results the run's PACS does not hold (its pacs column says why). False when the
// run sent nothing, so that an earlier run's column does not count, and for rows with an error.
bool resultsNotSent(const BatchExplainResult &result, const BatchRow &row);

// What a run that sent results says of them: images whose results are on its PACS, and those
// resultsNotSent. Zero when the run sent nothing.
struct PacsOutcome {
    int stored = 0;
    int notSent = 0;
};
PacsOutcome pacsOutcome(const BatchExplainResult &result);

// Resumable: predictions.csv is rewritten (atomically) every few images and on cancel, and a
// second run into the same folder with the same settings skips the images it already has
// (with sendTo, those whose results the PACS stored: the others are predicted and sent again).
// Results are sent once the image's overlay is written, and predictions.csv is saved after each
// send, so that an interrupted batch does not send them twice. A failed send is the row's pacs
// column, not an error; after kSendFailuresInARow failures one after the other (unreachable,
// or refusing), the batch stops trying (a PACS that is down would cost a timeout an image). A
// send the PACS refuses part-way (the report taken, the map refused) is sent whole again by
// the next run.
// Unreadable images become rows with an error; the batch goes on. Fails when the model cannot
// be opened, no image is found, or the folder holds a batch made with other settings.
// Cancelling returns ErrorCode::Cancelled after saving what was done.
inline constexpr int kSendFailuresInARow = 3;
Result<BatchExplainResult> runBatchExplain(const BatchExplainJob &job,
                                           ProgressObserver *observer = nullptr);

// The images among paths: files as they are, folders searched recursively for image
// extensions (sorted). Errors name a path that does not exist, or say that none was found.
Result<std::vector<std::filesystem::path>>
findImages(const std::vector<std::filesystem::path> &paths);

// A finished (or interrupted) batch from its folder. Errors name the file and line.
Result<BatchExplainResult> readBatchResults(const std::filesystem::path &outputFolder);

} // namespace cxr::pipeline
