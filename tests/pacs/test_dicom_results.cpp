// SPDX-License-Identifier: MIT
// AI results as DICOM: the structured report, the secondary capture and the parametric map land
// in the source's study, in a new series, with its patient copied and a reference to the source
// image; all pass dciodvfy (dicom3tools) without an error; sources without their UIDs, and our
// own results, are refused.
#include "core/imaging/image_loader.h"
#include "core/pacs/dicom_results.h"
#include "tests/common/dicom_attribute.h"
#include "tests/common/test_paths.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

using namespace cxr;
using namespace cxr::pacs;

namespace {

std::string nestedAttribute(const QString &path, const DcmTagKey &sequence, const DcmTagKey &tag)
{
    DcmFileFormat file;
    OFString value;
    DcmItem *item = nullptr;
    if (file.loadFile(path.toStdString().c_str()).good() &&
        file.getDataset()->findAndGetSequenceItem(sequence, item, 0).good() && item != nullptr) {
        item->findAndGetOFString(tag, value);
    }
    return value.c_str();
}

AiFinding sampleFinding()
{
    AiFinding finding;
    finding.findingName = "PNEUMONIA";
    finding.present = true;
    finding.probability = 0.8731;
    finding.threshold = 0.46;
    finding.modelName = "resnet18 (recommended, epoch 14)";
    finding.modelVersion = "0.1.0 (abc123)";
    finding.weightsSha256 = std::string(64, 'a');
    finding.algorithmVersion = "0.1.0";
    finding.oodChecked = true;
    return finding;
}

RgbImage gradient(int width, int height)
{
    RgbImage image{width, height, std::vector<std::uint8_t>(std::size_t(width) * height * 3)};
    for (std::size_t i = 0; i < image.rgb.size(); ++i) {
        image.rgb[i] = std::uint8_t(i % 251);
    }
    return image;
}

// dciodvfy's lines that report an error (it prints warnings too, which are allowed).
QStringList dciodvfyErrors(const QString &file)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("dciodvfy"), {file});
    process.waitForFinished(60000);
    QStringList errors;
    for (const QString &line : QString::fromUtf8(process.readAll()).split('\n')) {
        if (line.startsWith(QStringLiteral("Error"))) {
            errors << line;
        }
    }
    return errors;
}

} // namespace

class TestDicomResults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_scratch;
    const QString m_source = test::dicomFile("chest_cr_mono2.dcm");

    void checkPlacedInTheSourceStudy(const QString &result)
    {
        QCOMPARE(test::dicomAttribute(result, DCM_StudyInstanceUID),
                 test::dicomAttribute(m_source, DCM_StudyInstanceUID));
        QCOMPARE(test::dicomAttribute(result, DCM_PatientID),
                 test::dicomAttribute(m_source, DCM_PatientID));
        QCOMPARE(test::dicomAttribute(result, DCM_PatientName),
                 test::dicomAttribute(m_source, DCM_PatientName));
        QCOMPARE(test::dicomAttribute(result, DCM_StudyDate),
                 test::dicomAttribute(m_source, DCM_StudyDate));
        QVERIFY(test::dicomAttribute(result, DCM_SeriesInstanceUID) !=
                test::dicomAttribute(m_source, DCM_SeriesInstanceUID));
        QVERIFY(test::dicomAttribute(result, DCM_SOPInstanceUID) !=
                test::dicomAttribute(m_source, DCM_SOPInstanceUID));
        QVERIFY(QString::fromStdString(test::dicomAttribute(result, DCM_SeriesDescription))
                    .contains("research use only"));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_scratch.isValid()); }

    void structuredReport()
    {
        const QString out = m_scratch.filePath("report.dcm");
        auto written =
            writeStructuredReport(m_source.toStdString(), sampleFinding(), out.toStdString());
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        checkPlacedInTheSourceStudy(out);
        QCOMPARE(test::dicomAttribute(out, DCM_SOPClassUID),
                 std::string(UID_ComprehensiveSRStorage));
        QCOMPARE(test::dicomAttribute(out, DCM_Modality), std::string("SR"));
        // The source image is the evidence the report rests on.
        DcmFileFormat file;
        QVERIFY(file.loadFile(out.toStdString().c_str()).good());
        DcmItem *study = nullptr, *series = nullptr, *instance = nullptr;
        DcmDataset &data = *file.getDataset();
        QVERIFY(data.findAndGetSequenceItem(DCM_CurrentRequestedProcedureEvidenceSequence, study, 0)
                    .good());
        QVERIFY(study->findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good());
        QVERIFY(series->findAndGetSequenceItem(DCM_ReferencedSOPSequence, instance, 0).good());
        OFString referenced;
        instance->findAndGetOFString(DCM_ReferencedSOPInstanceUID, referenced);
        QCOMPARE(std::string(referenced.c_str()),
                 test::dicomAttribute(m_source, DCM_SOPInstanceUID));
        // The content: finding, probability, threshold, model and the research-use label.
        QProcess dump;
        dump.start(QStringLiteral("dsrdump"), {QStringLiteral("+Pl"), out}); // long texts whole
        if (dump.waitForStarted(5000) && dump.waitForFinished(30000)) {
            const QString text = QString::fromUtf8(dump.readAll());
            for (const char *expected :
                 {"Present", "0.8731", "0.4600", "resnet18 (recommended, epoch 14)",
                  kResearchUseOnly, "within what the model was trained on"}) {
                QVERIFY2(text.contains(expected), expected);
            }
        }
        if (QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
            QSKIP("dciodvfy (Debian package dicom3tools) not installed");
        }
        const QStringList errors = dciodvfyErrors(out);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }

    void secondaryCapture()
    {
        const QString out = m_scratch.filePath("capture.dcm");
        auto written = writeSecondaryCapture(m_source.toStdString(), sampleFinding(),
                                             gradient(320, 240), out.toStdString());
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        checkPlacedInTheSourceStudy(out);
        QCOMPARE(test::dicomAttribute(out, DCM_BurnedInAnnotation), std::string("YES"));
        QCOMPARE(nestedAttribute(out, DCM_SourceImageSequence, DCM_ReferencedSOPInstanceUID),
                 test::dicomAttribute(m_source, DCM_SOPInstanceUID));
        auto image = imaging::loadImage(out.toStdString());
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(image->meta.width, 320);
        QCOMPARE(image->meta.channels, 3);
        QVERIFY(isResultOfOurs(out.toStdString()));
        QVERIFY(!isResultOfOurs(m_source.toStdString()));
        QVERIFY(!isResultOfOurs(test::sourcePath("README.md").toStdString()));
        if (QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
            QSKIP("dciodvfy (Debian package dicom3tools) not installed");
        }
        const QStringList errors = dciodvfyErrors(out);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }

    // The map on the source's grid as 32-bit floats, in a Parametric Map that derives from the
    // source image; the values come back exactly; a map of another size is refused.
    void parametricMap()
    {
        const int width = std::stoi(test::dicomAttribute(m_source, DCM_Columns));
        const int height = std::stoi(test::dicomAttribute(m_source, DCM_Rows));
        FloatMap map{width, height, std::vector<float>(std::size_t(width) * height)};
        for (std::size_t i = 0; i < map.values.size(); ++i) {
            map.values[i] = float(i % 1000) / 999.0f;
        }
        const QString out = m_scratch.filePath("map.dcm");
        auto written =
            writeParametricMap(m_source.toStdString(), sampleFinding(), map, out.toStdString());
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        checkPlacedInTheSourceStudy(out);
        QCOMPARE(test::dicomAttribute(out, DCM_SOPClassUID), std::string(UID_ParametricMapStorage));
        DcmFileFormat file;
        QVERIFY(file.loadFile(out.toStdString().c_str()).good());
        DcmDataset &data = *file.getDataset();
        DcmItem *shared = nullptr, *derivation = nullptr, *source = nullptr;
        QVERIFY(data.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good());
        QVERIFY(shared->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0).good());
        QVERIFY(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good());
        OFString referenced;
        source->findAndGetOFString(DCM_ReferencedSOPInstanceUID, referenced);
        QCOMPARE(std::string(referenced.c_str()),
                 test::dicomAttribute(m_source, DCM_SOPInstanceUID));
        const Float32 *pixels = nullptr;
        unsigned long count = 0;
        QVERIFY(data.findAndGetFloat32Array(DCM_FloatPixelData, pixels, &count).good());
        QCOMPARE(std::size_t(count), map.values.size());
        QVERIFY(std::equal(map.values.begin(), map.values.end(), pixels));

        FloatMap wrongSize{width / 2, height, std::vector<float>(std::size_t(width / 2) * height)};
        auto refused = writeParametricMap(m_source.toStdString(), sampleFinding(), wrongSize,
                                          m_scratch.filePath("refused-map.dcm").toStdString());
        QVERIFY(!refused.ok());
        QVERIFY2(QString::fromStdString(refused.error().message).contains("source's grid"),
                 refused.error().message.c_str());
        if (QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
            QSKIP("dciodvfy (Debian package dicom3tools) not installed");
        }
        const QStringList errors = dciodvfyErrors(out);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }

    void unsuitableSourcesAreRefused_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("expected");
        QTest::newRow("a JPEG") << test::sourcePath("resources/demo/test/NORMAL")
                                << "need a DICOM source";
        const QString noStudy = m_scratch.filePath("no-study.dcm");
        DcmFileFormat file;
        QVERIFY(file.loadFile(m_source.toStdString().c_str()).good());
        file.loadAllDataIntoMemory();
        file.getDataset()->findAndDeleteElement(DCM_StudyInstanceUID);
        QVERIFY(file.saveFile(noStudy.toStdString().c_str(), file.getDataset()->getOriginalXfer())
                    .good());
        QTest::newRow("no Study Instance UID") << noStudy << "has no Study Instance UID";
        // Written by secondaryCapture(): a result about it would be about our own overlay.
        QTest::newRow("a result of ours")
            << m_scratch.filePath("capture.dcm") << "is a CXR Studio result";
    }

    void unsuitableSourcesAreRefused()
    {
        QFETCH(QString, source);
        QFETCH(QString, expected);
        const QString out = m_scratch.filePath("refused.dcm");
        auto written =
            writeStructuredReport(source.toStdString(), sampleFinding(), out.toStdString());
        QVERIFY(!written.ok());
        QVERIFY2(QString::fromStdString(written.error().message).contains(expected),
                 written.error().message.c_str());
        QVERIFY(!QFile::exists(out));
        QVERIFY(!writeSecondaryCapture(source.toStdString(), sampleFinding(), gradient(8, 8),
                                       out.toStdString())
                     .ok());
        QVERIFY(!writeParametricMap(source.toStdString(), sampleFinding(), FloatMap{1, 1, {0.5f}},
                                    out.toStdString())
                     .ok());
    }
};

QTEST_GUILESS_MAIN(TestDicomResults)
#include "test_dicom_results.moc"
