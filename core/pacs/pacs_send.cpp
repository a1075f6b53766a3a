// SPDX-License-Identifier: MIT
// C-STORE: one association for all files, with a presentation context for each SOP class and
// transfer syntax pair among them, so each file goes as it is, without transcoding.
#include "core/pacs/pacs_association.h"
#include "core/pacs/pacs_client.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <set>
#include <utility>

namespace cxr::pacs {

namespace fs = std::filesystem;

namespace {

struct Outgoing {
    fs::path path;
    std::string sopClass;
    std::string transferSyntax;
};

// The file meta header's SOP class and transfer syntax; the data set is not read.
Result<Outgoing> describeFile(const fs::path &path)
{
    DcmFileFormat file;
    const OFCondition loaded = file.loadFile(path.string().c_str(), EXS_Unknown, EGL_noChange, 64);
    if (loaded.bad()) {
        return makeError(ErrorCode::Corrupt,
                         path.string() + ": not a readable DICOM file (" + loaded.text() + ")");
    }
    OFString sopClass, syntax;
    file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass);
    file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax);
    if (sopClass.empty()) {
        file.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
    }
    if (syntax.empty()) {
        syntax = DcmXfer(file.getDataset()->getOriginalXfer()).getXferID();
    }
    if (sopClass.empty()) {
        return makeError(ErrorCode::Corrupt, path.string() + ": no SOP Class UID, cannot be sent");
    }
    return Outgoing{path, sopClass.c_str(), syntax.c_str()};
}

} // namespace

Result<SendReport> send(const PacsNode &node, const std::vector<fs::path> &files,
                        ProgressObserver *observer)
{
    quietDcmtkLog(); // the files are read before any association is set up
    std::vector<Outgoing> outgoing;
    std::set<std::pair<std::string, std::string>> contexts;
    for (const fs::path &path : files) {
        auto described = describeFile(path);
        if (!described) {
            return described.error();
        }
        contexts.insert({described->sopClass, described->transferSyntax});
        outgoing.push_back(std::move(*described));
    }
    if (contexts.size() > 127) {
        return makeError(ErrorCode::Unsupported,
                         "the files need more than 127 SOP class and transfer syntax pairs; send "
                         "them in smaller groups");
    }
    TlsLayer tls; // outlives the association
    Scu scu;
    configure(scu, node);
    for (const auto &[sopClass, syntax] : contexts) {
        OFList<OFString> syntaxes;
        syntaxes.push_back(syntax.c_str());
        scu.addPresentationContext(sopClass.c_str(), syntaxes);
    }
    if (auto negotiated = negotiate(scu, node, tls); !negotiated) {
        return negotiated.error();
    }
    SendReport report;
    for (const Outgoing &file : outgoing) {
        if (cancelled(observer)) {
            scu.releaseAssociation();
            return makeError(ErrorCode::Cancelled,
                             "send cancelled after " + std::to_string(report.sent) + " files");
        }
        const T_ASC_PresentationContextID id =
            scu.findPresentationContextID(file.sopClass.c_str(), file.transferSyntax.c_str());
        if (id == 0) {
            scu.releaseAssociation();
            return makeError(ErrorCode::Network,
                             file.path.string() + ": PACS " + describe(node) +
                                 " does not accept its SOP class in its transfer syntax");
        }
        Uint16 status = 0;
        const OFCondition stored =
            scu.sendSTORERequest(id, file.path.string().c_str(), nullptr, status);
        if (stored.bad()) {
            scu.abortAssociation();
            return networkError(node, "C-STORE of " + file.path.string(), stored);
        }
        if (status != STATUS_Success && (status & 0xF000) != 0xB000) { // B: stored, with a warning
            scu.releaseAssociation();
            return makeError(ErrorCode::Network, file.path.string() + ": PACS " + describe(node) +
                                                     " refused it (" + describeStatus(status) +
                                                     ")");
        }
        ++report.sent;
        if (observer != nullptr) {
            observer->progress(report.sent, std::int64_t(outgoing.size()));
        }
    }
    scu.releaseAssociation();
    return report;
}

} // namespace cxr::pacs
