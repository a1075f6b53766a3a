// SPDX-License-Identifier: MIT
// The PACS client against a real PACS (Orthanc, started by the test on loopback ports): echo,
// find at each level, C-GET into the local store, C-STORE, a rejected association, an
// unreachable host, a cancelled retrieve that a repeat completes, and a study that also holds
// a non-image object.
#include "core/imaging/image_loader.h"
#include "core/pacs/local_store.h"
#include "core/pacs/pacs_client.h"
#include "tests/common/dicom_attribute.h"
#include "tests/common/orthanc_server.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <opencv2/core.hpp>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <chrono>

using namespace cxr;
using namespace cxr::pacs;
namespace fs = std::filesystem;

namespace {

// A copy of source with a new SOP Instance UID, in the given study and series (a new series
// when empty) and, when patientOf is given, that file's patient: made-up instances of real
// objects, for a study with many images or one that also holds a non-image object.
bool writeVariant(const QString &source, const QString &target, const std::string &studyUid,
                  const std::string &seriesUid, const QString &patientOf = {})
{
    DcmFileFormat file;
    if (file.loadFile(source.toStdString().c_str()).bad() || file.loadAllDataIntoMemory().bad()) {
        return false;
    }
    DcmDataset &data = *file.getDataset();
    char uid[100];
    data.putAndInsertString(DCM_SOPInstanceUID,
                            dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    data.putAndInsertString(DCM_StudyInstanceUID, studyUid.c_str());
    data.putAndInsertString(DCM_SeriesInstanceUID,
                            seriesUid.empty()
                                ? dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)
                                : seriesUid.c_str());
    if (!patientOf.isEmpty()) {
        data.putAndInsertString(DCM_PatientID,
                                test::dicomAttribute(patientOf, DCM_PatientID).c_str());
        data.putAndInsertString(DCM_PatientName,
                                test::dicomAttribute(patientOf, DCM_PatientName).c_str());
    }
    file.getMetaInfo()->clear(); // rebuilt from the data set on save
    return file.saveFile(target.toStdString().c_str(), data.getOriginalXfer()).good();
}

int countFiles(const QString &folder)
{
    int count = 0;
    for (QDirIterator it(folder, {"*.dcm"}, QDir::Files, QDirIterator::Subdirectories);
         it.hasNext(); it.next()) {
        ++count;
    }
    return count;
}

// Cancels once progress reaches a count.
class CancelAfter : public ProgressObserver {
public:
    explicit CancelAfter(std::int64_t count) : m_count(count) {}
    void progress(std::int64_t done, std::int64_t) override
    {
        m_cancelled = m_cancelled || done >= m_count;
    }
    bool isCancelled() const override { return m_cancelled; }

private:
    std::int64_t m_count;
    bool m_cancelled = false;
};

} // namespace

class TestPacs : public QObject {
    Q_OBJECT

private:
    test::OrthancServer m_orthanc;
    QTemporaryDir m_scratch;
    std::string m_chestStudy, m_chestSeries, m_chestInstance, m_chestPatient;
    std::string m_manyStudy, m_manySeries;
    std::vector<std::string> m_manyInstances;
    std::string m_jpeg2000Study;
    static constexpr int kManyImages = 12;

private Q_SLOTS:
    void initTestCase()
    {
        if (test::OrthancServer::executable().isEmpty()) {
            QSKIP("Orthanc is not installed (Debian package orthanc)");
        }
        const QString started = m_orthanc.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QString chest = test::dicomFile("chest_cr_mono2.dcm");
        m_chestStudy = test::dicomAttribute(chest, DCM_StudyInstanceUID);
        m_chestSeries = test::dicomAttribute(chest, DCM_SeriesInstanceUID);
        m_chestInstance = test::dicomAttribute(chest, DCM_SOPInstanceUID);
        m_chestPatient = test::dicomAttribute(chest, DCM_PatientID);
        QVERIFY(!m_chestStudy.empty() && !m_chestPatient.empty());

        // The archive: real files, the chest study with an RT plan added (a non-image object),
        // and a study of kManyImages instances of MR_small.
        std::vector<fs::path> files;
        for (const char *name :
             {"chest_cr_mono2.dcm", "CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm"}) {
            files.push_back(test::dicomFile(name).toStdString());
        }
        const QString plan = m_scratch.filePath("plan.dcm");
        QVERIFY(writeVariant(test::dicomFile("rtplan.dcm"), plan, m_chestStudy, "", chest));
        files.push_back(plan.toStdString());
        char uid[100];
        m_manyStudy = dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT);
        m_manySeries = dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT);
        for (int i = 0; i < kManyImages; ++i) {
            const QString copy = m_scratch.filePath(QString("many-%1.dcm").arg(i));
            QVERIFY(writeVariant(test::dicomFile("MR_small.dcm"), copy, m_manyStudy, m_manySeries));
            files.push_back(copy.toStdString());
            m_manyInstances.push_back(test::dicomAttribute(copy, DCM_SOPInstanceUID));
        }
        // A JPEG 2000 study: the PACS must be able to send it as it is stored.
        m_jpeg2000Study = dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT);
        const QString jpeg2000 = m_scratch.filePath("jpeg2000.dcm");
        QVERIFY(writeVariant(test::dicomFile("MR_small_jp2klossless.dcm"), jpeg2000,
                             m_jpeg2000Study, ""));
        files.push_back(jpeg2000.toStdString());
        auto sent = send(m_orthanc.node(), files);
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
        QCOMPARE(sent->sent, int(files.size()));
    }

    void cleanupTestCase() { m_orthanc.stop(); }

    void echoAnswers() { QVERIFY(echo(m_orthanc.node()).ok()); }

    void wrongCalledAeTitleIsRejected()
    {
        PacsNode node = m_orthanc.node();
        node.calledAeTitle = "NOT-ORTHANC";
        auto answered = echo(node);
        QVERIFY(!answered.ok());
        QCOMPARE(answered.error().code, ErrorCode::Network);
        QVERIFY2(
            QString::fromStdString(answered.error().message).contains("rejected the association"),
            answered.error().message.c_str());
    }

    void unreachableHostFailsWithinTheTimeout()
    {
        PacsNode node = m_orthanc.node();
        node.port = test::freeLoopbackPort(); // nobody listens there
        node.timeoutSeconds = 3;
        const auto start = std::chrono::steady_clock::now();
        auto answered = echo(node);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QVERIFY(!answered.ok());
        QVERIFY2(QString::fromStdString(answered.error().message).contains("cannot reach PACS"),
                 answered.error().message.c_str());
        QVERIFY2(seconds < node.timeoutSeconds + 2, qPrintable(QString::number(seconds)));
    }

    void invalidSettingsAreRefusedBeforeConnecting()
    {
        PacsNode node = m_orthanc.node();
        node.callingAeTitle = "THIS-TITLE-IS-TOO-LONG";
        auto answered = echo(node);
        QVERIFY(!answered.ok());
        QCOMPARE(answered.error().code, ErrorCode::InvalidArgument);
        QVERIFY(QString::fromStdString(answered.error().message).contains("calling AE title"));
    }

    void findsAtEachLevel()
    {
        QueryFilter byPatient;
        byPatient.patientId = m_chestPatient;
        auto patients = find(m_orthanc.node(), QueryLevel::Patient, byPatient);
        QVERIFY2(patients.ok(), patients.ok() ? "" : patients.error().message.c_str());
        QCOMPARE(patients->matches.size(), std::size_t(1));
        QCOMPARE(patients->matches[0].patientId, m_chestPatient);

        auto studies = find(m_orthanc.node(), QueryLevel::Study, byPatient);
        QVERIFY(studies.ok());
        QCOMPARE(studies->matches.size(), std::size_t(1));
        QCOMPARE(studies->matches[0].studyInstanceUid, m_chestStudy);
        QCOMPARE(studies->matches[0].relatedInstances, 2); // the radiograph and the RT plan

        QueryFilter byModality;
        byModality.modality = "CT";
        auto ct = find(m_orthanc.node(), QueryLevel::Study, byModality);
        QVERIFY(ct.ok());
        QCOMPARE(ct->matches.size(), std::size_t(1));
        QCOMPARE(ct->matches[0].studyInstanceUid,
                 test::dicomAttribute(test::dicomFile("CT_small.dcm"), DCM_StudyInstanceUID));

        QueryFilter byDate;
        byDate.studyDateFrom = "19000101";
        byDate.studyDateTo = "19000102";
        auto none = find(m_orthanc.node(), QueryLevel::Study, byDate);
        QVERIFY(none.ok());
        QCOMPARE(none->matches.size(), std::size_t(0));

        QueryFilter inStudy;
        inStudy.studyInstanceUid = m_chestStudy;
        auto series = find(m_orthanc.node(), QueryLevel::Series, inStudy);
        QVERIFY(series.ok());
        QCOMPARE(series->matches.size(), std::size_t(2));

        inStudy.seriesInstanceUid = m_chestSeries;
        auto images = find(m_orthanc.node(), QueryLevel::Image, inStudy);
        QVERIFY(images.ok());
        QCOMPARE(images->matches.size(), std::size_t(1));
        QCOMPARE(images->matches[0].sopInstanceUid, m_chestInstance);
    }

    void seriesQueryWithoutItsStudyIsRefused()
    {
        auto series = find(m_orthanc.node(), QueryLevel::Series, {});
        QVERIFY(!series.ok());
        QCOMPARE(series.error().code, ErrorCode::InvalidArgument);
    }

    void findStopsAtItsLimit()
    {
        QueryOptions options;
        options.maxMatches = 2;
        int seen = 0;
        options.onMatch = [&seen](const QueryMatch &) { ++seen; };
        auto studies = find(m_orthanc.node(), QueryLevel::Study, {}, options);
        QVERIFY2(studies.ok(), studies.ok() ? "" : studies.error().message.c_str());
        QCOMPARE(studies->matches.size(), std::size_t(2));
        QVERIFY(studies->truncated);
        QCOMPARE(seen, 2);
        QVERIFY(echo(m_orthanc.node()).ok()); // the PACS is still well after the C-CANCEL
    }

    void getsAStudyWithANonImageObject()
    {
        const QString store = m_scratch.filePath("store-chest");
        auto got = get(m_orthanc.node(), {m_chestStudy, "", ""}, store.toStdString());
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->files.size(), std::size_t(2));
        QCOMPARE(got->failed, 0);
        auto path = instancePath(store.toStdString(), m_chestStudy, m_chestSeries, m_chestInstance);
        QVERIFY(path.ok() && fs::exists(*path));
        // The retrieved radiograph shows exactly as the original does.
        auto original = imaging::loadImage(test::dicomFile("chest_cr_mono2.dcm").toStdString());
        auto retrieved = imaging::loadImage(*path);
        QVERIFY2(retrieved.ok(), retrieved.ok() ? "" : retrieved.error().message.c_str());
        QCOMPARE(cv::norm(original->display, retrieved->display, cv::NORM_INF), 0.0);
        QCOMPARE(countFiles(store), 2);
    }

    void getsOneSeriesAndOneInstance()
    {
        const QString store = m_scratch.filePath("store-series");
        auto series = get(m_orthanc.node(), {m_chestStudy, m_chestSeries, ""}, store.toStdString());
        QVERIFY2(series.ok(), series.ok() ? "" : series.error().message.c_str());
        QCOMPARE(series->files.size(), std::size_t(1));
        const QString single = m_scratch.filePath("store-instance");
        auto instance = get(m_orthanc.node(), {m_chestStudy, m_chestSeries, m_chestInstance},
                            single.toStdString());
        QVERIFY(instance.ok());
        QCOMPARE(instance->files.size(), std::size_t(1));
    }

    void cancelledGetKeepsWhatArrivedAndARepeatCompletes()
    {
        const QString store = m_scratch.filePath("store-many");
        CancelAfter cancelAfterThree(3);
        auto cancelled =
            get(m_orthanc.node(), {m_manyStudy, "", ""}, store.toStdString(), &cancelAfterThree);
        QVERIFY(!cancelled.ok());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        const int kept = countFiles(store);
        QVERIFY2(kept >= 3 && kept < kManyImages, qPrintable(QString::number(kept)));
        QDirIterator partials(store, {"*.partial"}, QDir::Files, QDirIterator::Subdirectories);
        QVERIFY(!partials.hasNext());

        auto repeat = get(m_orthanc.node(), {m_manyStudy, "", ""}, store.toStdString());
        QVERIFY2(repeat.ok(), repeat.ok() ? "" : repeat.error().message.c_str());
        QCOMPARE(int(repeat->files.size()), kManyImages - kept);
        QCOMPARE(countFiles(store), kManyImages);
    }

    // A full disk, made real for one instance: its .partial file is a link to /dev/full, where
    // every write fails with ENOSPC. The retrieve stops naming the file and the full disk, leaves
    // no partial file, keeps what arrived, and a retrieve with room completes the study.
    void fullDiskStopsTheRetrieveAndKeepsWhatArrived()
    {
        if (!QFile::exists("/dev/full")) {
            QSKIP("no /dev/full on this system");
        }
        const QString store = m_scratch.filePath("store-full");
        const fs::path blocked =
            *instancePath(store.toStdString(), m_manyStudy, m_manySeries, m_manyInstances[5]);
        const fs::path partial = blocked.string() + ".partial";
        fs::create_directories(blocked.parent_path());
        fs::create_symlink("/dev/full", partial);
        auto full = get(m_orthanc.node(), {m_manyStudy, "", ""}, store.toStdString());
        QVERIFY(!full.ok());
        const QString message = QString::fromStdString(full.error().message);
        QVERIFY2(message.contains(QString::fromStdString(blocked.string())) &&
                     message.contains("the disk is full") && message.contains("retrieve again"),
                 qPrintable(message));
        QVERIFY(!fs::exists(fs::symlink_status(partial)));
        const int kept = countFiles(store);
        QVERIFY2(kept < kManyImages, qPrintable(QString::number(kept)));

        auto repeat = get(m_orthanc.node(), {m_manyStudy, "", ""}, store.toStdString());
        QVERIFY2(repeat.ok(), repeat.ok() ? "" : repeat.error().message.c_str());
        QCOMPARE(countFiles(store), kManyImages);
    }

    // C-MOVE to CXR Studio's own storage SCP, which the PACS knows as CXRSTUDIO on the
    // client port.
    void movesAStudyToOurStorageScp()
    {
        const QString store = m_scratch.filePath("store-moved");
        auto moved = move(m_orthanc.node(), {m_chestStudy, "", ""}, store.toStdString(),
                          m_orthanc.clientPort());
        QVERIFY2(moved.ok(), moved.ok() ? "" : moved.error().message.c_str());
        QCOMPARE(moved->files.size(), std::size_t(2));
        QCOMPARE(countFiles(store), 2);
        auto again = move(m_orthanc.node(), {m_chestStudy, "", ""}, store.toStdString(),
                          m_orthanc.clientPort());
        QVERIFY(again.ok());
        QCOMPARE(again->files.size(), std::size_t(0)); // both kept from the first move
    }

    void moveToADestinationThePacsDoesNotKnowSaysSo()
    {
        PacsNode node = m_orthanc.node();
        node.callingAeTitle = "UNKNOWN-AE";
        auto moved =
            move(node, {m_chestStudy, "", ""}, m_scratch.filePath("store-nowhere").toStdString(),
                 test::freeLoopbackPort());
        QVERIFY(!moved.ok());
        QVERIFY2(QString::fromStdString(moved.error().message).contains("UNKNOWN-AE"),
                 moved.error().message.c_str());
    }

    // Offered only uncompressed syntaxes, a PACS that cannot transcode JPEG 2000 fails the
    // instance; each compressed syntax has a presentation context of its own.
    void getsJpeg2000AsStored()
    {
        const QString store = m_scratch.filePath("store-jpeg2000");
        auto got = get(m_orthanc.node(), {m_jpeg2000Study, "", ""}, store.toStdString());
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->files.size(), std::size_t(1));
        auto image = imaging::loadImage(got->files.front());
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(image->meta.transferSyntax, std::string("JPEG 2000 (Lossless only)"));
    }

    // DICOM TLS against an Orthanc that speaks only TLS and requires our certificate:
    // self-signed certificates made by openssl for the test.
    void tlsEchoSendFindGetAndMove()
    {
        if (QStandardPaths::findExecutable("openssl").isEmpty()) {
            QSKIP("openssl not installed");
        }
        const auto makePair = [this](const QString &name, const QString &subject) {
            QProcess openssl;
            openssl.start("openssl",
                          {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           subject, "-keyout", m_scratch.filePath(name + ".key"), "-out",
                           m_scratch.filePath(name + ".crt")});
            return openssl.waitForFinished(60000) && openssl.exitCode() == 0;
        };
        QVERIFY(makePair("server", "/CN=127.0.0.1"));
        QVERIFY(makePair("client", "/CN=CXRSTUDIO"));
        QVERIFY(makePair("stranger", "/CN=STRANGER"));
        test::OrthancServer secure;
        secure.useTls({m_scratch.filePath("server.crt"), m_scratch.filePath("server.key"),
                       m_scratch.filePath("client.crt"), m_scratch.filePath("client.key")});
        const QString started = secure.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const PacsNode node = secure.node();
        QVERIFY(echo(node).ok());
        auto sent = send(node, {test::dicomFile("MR_small.dcm").toStdString()});
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
        auto studies = find(node, QueryLevel::Study, {});
        QVERIFY(studies.ok());
        QCOMPARE(studies->matches.size(), std::size_t(1));
        auto got = get(node, {studies->matches[0].studyInstanceUid, "", ""},
                       m_scratch.filePath("store-tls").toStdString());
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->files.size(), std::size_t(1));
        // C-MOVE: the PACS delivers over TLS to our receiver, which presents our certificate
        // and requires the PACS's.
        auto moved = move(node, {studies->matches[0].studyInstanceUid, "", ""},
                          m_scratch.filePath("store-tls-move").toStdString(), secure.clientPort());
        QVERIFY2(moved.ok(), moved.ok() ? "" : moved.error().message.c_str());
        QCOMPARE(moved->files.size(), std::size_t(1));
        PacsNode anonymous = node; // no certificate of ours: the PACS could not deliver
        anonymous.tls.certificate.clear();
        anonymous.tls.privateKey.clear();
        auto refusedMove =
            move(anonymous, {studies->matches[0].studyInstanceUid, "", ""},
                 m_scratch.filePath("store-tls-move-2").toStdString(), secure.clientPort());
        QVERIFY(!refusedMove.ok());
        QVERIFY2(QString::fromStdString(refusedMove.error().message).contains("our certificate"),
                 refusedMove.error().message.c_str());

        PacsNode plain = node; // the same port without TLS: no association
        plain.tls = {};
        plain.timeoutSeconds = 3;
        QVERIFY(!echo(plain).ok());
        PacsNode distrusting = node; // verifying the PACS against a certificate that is not its own
        distrusting.tls.trustedCertificates = {m_scratch.filePath("stranger.crt").toStdString()};
        distrusting.timeoutSeconds = 3;
        auto refused = echo(distrusting);
        QVERIFY(!refused.ok());
        QVERIFY2(
            QString::fromStdString(refused.error().message).contains("certificate verify failed"),
            refused.error().message.c_str());
        PacsNode unverifiable = node; // nothing to verify it against, verification on
        unverifiable.tls.trustedCertificates.clear();
        QCOMPARE(echo(unverifiable).error().code, ErrorCode::InvalidArgument);
    }

    void storePathsRefuseWhatIsNotAUid()
    {
        QVERIFY(!instancePath("/store", "../../etc", "1.2", "1.3").ok());
        QVERIFY(!instancePath("/store", "1.2", "", "1.3").ok());
        QVERIFY(!instancePath("/store", "1.2", "1.2", "1.3/../../x").ok());
        QVERIFY(instancePath("/store", "1.2.3", "1.2.4", "1.2.5").ok());
        QCOMPARE(*storeFolder("/store", "1.2.3"), fs::path("/store/1.2.3"));
        QCOMPARE(*storeFolder("/store", "1.2.3", "1.2.4"), fs::path("/store/1.2.3/1.2.4"));
        QVERIFY(!storeFolder("/store", "1.2.3", "../..").ok());
        QVERIFY(!storeFolder("/store", "").ok());
    }

    void sendRefusesAFileThatIsNotDicom()
    {
        const QString text = m_scratch.filePath("notes.txt");
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not DICOM");
        file.close();
        auto sent = send(m_orthanc.node(), {text.toStdString()});
        QVERIFY(!sent.ok());
        QVERIFY(QString::fromStdString(sent.error().message).contains("notes.txt"));
    }
};

QTEST_GUILESS_MAIN(TestPacs)
#include "test_pacs.moc"
