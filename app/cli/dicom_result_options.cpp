// SPDX-License-Identifier: MIT
#include "dicom_result_options.h"

#include <cstdio>

namespace cxr::cli {

namespace fs = std::filesystem;

void addNodeOptions(CLI::App *command, pacs::PacsNode &node, bool required)
{
    const char *group = required ? "Options" : "PACS (with --send)";
    command->add_option("--host", node.host, "the PACS's host name or address")
        ->required(required)
        ->group(group);
    command->add_option("--port", node.port, "its DICOM port")->required(required)->group(group);
    command->add_option("--called-aet", node.calledAeTitle, "its AE title")
        ->required(required)
        ->group(group);
    command->add_option("--calling-aet", node.callingAeTitle, "CXR Studio's AE title")
        ->capture_default_str()
        ->group(group);
    command
        ->add_option("--timeout", node.timeoutSeconds,
                     "seconds allowed to connect, to negotiate, and for each network read")
        ->capture_default_str()
        ->group(group);
    pacs::TlsSettings &tls = node.tls;
    command->add_flag("--tls", tls.enabled, "DICOM TLS (BCP 195 profile)")->group(group);
    command
        ->add_option("--tls-cert", tls.certificate,
                     "our certificate (PEM), if the PACS asks for one")
        ->group(group);
    command->add_option("--tls-key", tls.privateKey, "its private key (PEM, unencrypted)")
        ->group(group);
    command
        ->add_option("--tls-ca", tls.trustedCertificates,
                     "the PACS's certificate or its CA's (PEM); repeatable")
        ->group(group);
    command
        ->add_flag_callback(
            "--tls-no-verify", [&tls] { tls.verifyPeer = false; },
            "encrypt without checking the PACS's certificate")
        ->group(group);
}

bool DicomResultOptions::wanted() const
{
    return send || !keep.structuredReport.empty() || !keep.secondaryCapture.empty() ||
           !keep.parametricMap.empty();
}

void addDicomResultOptions(CLI::App *command, DicomResultOptions &options)
{
    const char *group = "Results as DICOM (one DICOM image)";
    command
        ->add_option("--dicom-sr", options.keep.structuredReport,
                     "write the result as a DICOM structured report in the source's study")
        ->group(group);
    command
        ->add_option("--dicom-sc", options.keep.secondaryCapture,
                     "write the Grad-CAM overlay, finding burned in, as a DICOM secondary "
                     "capture in the source's study")
        ->group(group);
    command
        ->add_option("--dicom-pmap", options.keep.parametricMap,
                     "write the Grad-CAM map on the source's pixel grid as a DICOM parametric "
                     "map in the source's study")
        ->group(group);
    CLI::Option *send =
        command
            ->add_flag("--send", options.send,
                       "store the report, the capture and the map on the PACS given by --host, "
                       "--port and --called-aet (C-STORE), into the source's study; in a "
                       "`cxr explain` batch, those of each DICOM image")
            ->group(group);
    addNodeOptions(command, options.node, false);
    for (const char *name : {"--host", "--port", "--called-aet"}) {
        send->needs(command->get_option(name)); // no default PACS to send a patient's data to
    }
}

Status checkDicomResultOptions(const DicomResultOptions &options, std::size_t imageCount,
                               bool batchSends)
{
    if (!options.wanted()) {
        return Ok{};
    }
    const bool keepsFiles = !options.keep.structuredReport.empty() ||
                            !options.keep.secondaryCapture.empty() ||
                            !options.keep.parametricMap.empty();
    if (imageCount != 1 && (keepsFiles || !batchSends)) {
        const std::string got =
            imageCount > 1 ? " (got " + std::to_string(imageCount) + ")" : std::string();
        return makeError(ErrorCode::InvalidArgument,
                         batchSends ? "--dicom-sr, --dicom-sc and --dicom-pmap write one image's "
                                      "results, with --out FILE.png" +
                                          got + "; a batch stores its results with --send alone"
                                    : "--dicom-sr, --dicom-sc, --dicom-pmap and --send take one "
                                      "image" +
                                          got);
    }
    return options.send ? pacs::checkNode(options.node) : Status(Ok{});
}

Status writeOrSendDicomResults(const fs::path &image, const pipeline::ImagePrediction &prediction,
                               const ml::ModelCard &card, const DicomResultOptions &options,
                               const pipeline::CamDisplay &display)
{
    if (options.send) {
        auto stored = pipeline::sendDicomResults(image, prediction, card, options.node,
                                                 options.keep, display);
        if (!stored) {
            return stored.error();
        }
        std::fprintf(stderr, "stored on %s: %d result objects in the study of %s\n",
                     pacs::describe(options.node).c_str(), *stored, image.string().c_str());
    } else if (auto written =
                   pipeline::writeDicomResults(image, prediction, card, options.keep, display);
               !written) {
        return written;
    }
    for (const fs::path &out : {options.keep.structuredReport, options.keep.secondaryCapture,
                                options.keep.parametricMap}) {
        if (!out.empty()) {
            std::fprintf(stderr, "written: %s\n", out.string().c_str());
        }
    }
    return Ok{};
}

} // namespace cxr::cli
