// SPDX-License-Identifier: MIT
// PACS figures against a loopback Orthanc that this program starts: C-STORE of a 50-image study
// of real chest radiographs (uncompressed, so neither side transcodes), study-level C-FIND
// latency, and C-GET of the whole study by cxr::pacs::get against DCMTK's getscu on the same
// study in the same run (ratio). Usage: bench_pacs IMAGE_FOLDER [IMAGES]
#include "core/pacs/pacs_client.h"
#include "tests/common/orthanc_server.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>

#include <algorithm>
#include <chrono>
#include <cstdio>

using namespace cxr;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(600000) || process.exitCode() != 0) {
        std::fprintf(stderr, "%s failed: %s\n", qPrintable(program),
                     process.readAll().left(400).constData());
        return false;
    }
    return true;
}

// The study: each JPEG wrapped as DICOM by img2dcm (one study, one series) and decompressed by
// dcmdjpeg, cycling through the folder's images until count instances exist.
QStringList makeStudy(const QString &imageFolder, int count, const QString &out)
{
    QStringList jpegs;
    for (QDirIterator it(imageFolder, {"*.jpeg", "*.jpg"}, QDir::Files,
                         QDirIterator::Subdirectories);
         it.hasNext();) {
        jpegs << it.next();
    }
    std::sort(jpegs.begin(), jpegs.end());
    QStringList files;
    if (jpegs.isEmpty()) {
        return files;
    }
    const QString study =
        "1.2.826.0.1.3680043.10.1282.1." + QString::number(QDateTime::currentSecsSinceEpoch());
    for (int i = 0; i < count; ++i) {
        const QString wrapped = out + QString("/wrapped-%1.dcm").arg(i);
        const QString plain = out + QString("/instance-%1.dcm").arg(i);
        if (!run("img2dcm",
                 {jpegs[i % jpegs.size()], wrapped, "-k", "StudyInstanceUID=" + study, "-k",
                  "SeriesInstanceUID=" + study + ".1", "-k", "Modality=CR", "-k", "PatientID=BENCH",
                  "-k", "InstanceNumber=" + QString::number(i + 1)}) ||
            !run("dcmdjpeg", {wrapped, plain})) {
            return {};
        }
        QFile::remove(wrapped);
        files << plain;
    }
    return files;
}

qint64 folderBytes(const QString &folder)
{
    qint64 bytes = 0;
    for (QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {
        it.next();
        bytes += it.fileInfo().size();
    }
    return bytes;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_pacs IMAGE_FOLDER [IMAGES]\n");
        return 2;
    }
    const int images = argc > 2 ? std::atoi(argv[2]) : 50;
    if (test::OrthancServer::executable().isEmpty() ||
        QStandardPaths::findExecutable("getscu").isEmpty()) {
        std::printf("skipped: Orthanc (package orthanc) or getscu (package dcmtk) not installed\n");
        return 0;
    }
    test::OrthancServer orthanc;
    if (const QString started = orthanc.start(); !started.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(started));
        return 1;
    }
    QTemporaryDir work;
    const QStringList files = makeStudy(argv[1], images, work.path());
    if (files.isEmpty()) {
        std::fprintf(stderr, "could not make the study from %s\n", argv[1]);
        return 1;
    }
    const double studyMb = double(folderBytes(work.path())) / (1024.0 * 1024.0);
    std::vector<std::filesystem::path> paths;
    for (const QString &file : files) {
        paths.emplace_back(file.toStdString());
    }
    const pacs::PacsNode node = orthanc.node();
    auto start = Clock::now();
    auto sent = pacs::send(node, paths);
    if (!sent) {
        std::fprintf(stderr, "%s\n", sent.error().message.c_str());
        return 1;
    }
    std::printf("study: %d uncompressed chest radiographs, %.1f MiB\n", images, studyMb);
    std::printf("C-STORE of the study (cxr::pacs::send): %.2f s, %.1f MiB/s\n", secondsSince(start),
                studyMb / secondsSince(start));

    pacs::QueryFilter filter;
    filter.patientId = "BENCH";
    std::vector<double> latencies;
    std::string studyUid;
    for (int i = 0; i < 10; ++i) {
        start = Clock::now();
        auto found = pacs::find(node, pacs::QueryLevel::Study, filter);
        latencies.push_back(secondsSince(start) * 1000.0);
        if (!found || found->matches.size() != 1) {
            std::fprintf(stderr, "the study query failed\n");
            return 1;
        }
        studyUid = found->matches[0].studyInstanceUid;
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("study-level C-FIND, association included: median %.1f ms (10 queries)\n",
                latencies[5]);

    double ours = 1e9, theirs = 1e9, theirsLargePdu = 1e9;
    for (int round = 0; round < 3; ++round) {
        const QString store = work.filePath(QString("cxr-%1").arg(round));
        start = Clock::now();
        auto got = pacs::get(node, {studyUid, "", ""}, store.toStdString());
        ours = std::min(ours, secondsSince(start));
        if (!got || int(got->files.size()) != images) {
            std::fprintf(stderr, "cxr::pacs::get did not retrieve the study\n");
            return 1;
        }
        for (bool largePdu : {false, true}) {
            const QString folder = work.filePath(QString("getscu-%1-%2").arg(round).arg(largePdu));
            QDir().mkpath(folder);
            QStringList arguments{"-S",
                                  "-aet",
                                  test::OrthancServer::kClientAeTitle,
                                  "-aec",
                                  test::OrthancServer::kAeTitle,
                                  "127.0.0.1",
                                  QString::number(node.port),
                                  "-k",
                                  "QueryRetrieveLevel=STUDY",
                                  "-k",
                                  "StudyInstanceUID=" + QString::fromStdString(studyUid),
                                  "-od",
                                  folder};
            if (largePdu) {
                arguments << "-pdu"
                          << "131072";
            }
            start = Clock::now();
            if (!run("getscu", arguments)) {
                return 1;
            }
            (largePdu ? theirsLargePdu : theirs) =
                std::min(largePdu ? theirsLargePdu : theirs, secondsSince(start));
        }
    }
    std::printf("C-GET of the study, best of 3:\n");
    std::printf("  getscu (DCMTK, default 16 KiB PDU): %.2f s, %.1f MiB/s (baseline)\n", theirs,
                studyMb / theirs);
    std::printf("  getscu -pdu 131072               : %.2f s, %.1f MiB/s\n", theirsLargePdu,
                studyMb / theirsLargePdu);
    std::printf("  cxr::pacs::get (128 KiB PDU)     : %.2f s, %.1f MiB/s\n", ours, studyMb / ours);
    std::printf("ratio of throughput, cxr / getscu: %.2fx (target >= 0.9x); against getscu -pdu "
                "131072: %.2fx\n",
                theirs / ours, theirsLargePdu / ours);
    return 0;
}
