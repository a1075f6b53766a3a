// SPDX-License-Identifier: MIT
#pragma once

// The options that write a prediction back as DICOM (`cxr predict` and `cxr explain` on one
// DICOM image) and store it on a PACS (also each image of a `cxr explain` batch), and the PACS node
// options `cxr pacs` shares with them.

#include "core/pacs/pacs_node.h"
#include "core/pipeline/dicom_result_export.h"

#include <CLI/CLI.hpp>

#include <filesystem>

namespace cxr::cli {

// --host, --port, --called-aet, --calling-aet, --timeout and the --tls options. required: the
// command is about the PACS (`cxr pacs ...`); otherwise they matter only with --send.
void addNodeOptions(CLI::App *command, pacs::PacsNode &node, bool required);

struct DicomResultOptions {
    pipeline::DicomResultPaths keep; // --dicom-sr, --dicom-sc, --dicom-pmap
    bool send = false;
    pacs::PacsNode node;

    bool wanted() const; // something to write or send
    bool needsMap() const
    {
        return send || !keep.secondaryCapture.empty() || !keep.parametricMap.empty();
    }
};

void addDicomResultOptions(CLI::App *command, DicomResultOptions &options);

// Usage errors found before any work: results asked for more than one image, --send without a
// node. imageCount: the images the command will predict, 0 for a batch (`--out-dir`, any
// number).
// batchSends: the command sends each image's results itself (`cxr explain --out-dir`), so
// --send alone takes any number of images.
Status checkDicomResultOptions(const DicomResultOptions &options, std::size_t imageCount,
                               bool batchSends = false);

// Writes the files asked for and, with --send, stores the results on the node; says on stderr
// what was written and stored. Errors name the file or the node.
Status writeOrSendDicomResults(const std::filesystem::path &image,
                               const pipeline::ImagePrediction &prediction,
                               const ml::ModelCard &card, const DicomResultOptions &options,
                               const pipeline::CamDisplay &display = {});

} // namespace cxr::cli
