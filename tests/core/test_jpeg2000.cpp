// SPDX-License-Identifier: MIT
// JPEG 2000 DICOM through the loader: lossless copies must match their uncompressed originals
// exactly (stored values and the rendered picture, so modality LUT, VOI and polarity apply as for
// any syntax), lossy copies must stay close, and damaged or inconsistent files are refused with
// the reason and the file's name.
#include "core/imaging/image_loader.h"
#include "tests/common/jpeg2000_dicom.h"
#include "tests/common/test_paths.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

using namespace cxr;
using namespace cxr::imaging;

namespace {

Result<Image> load(const QString &path, int frame = 0)
{
    LoadOptions options;
    options.keepValues = true;
    options.frame = frame;
    return loadImage(path.toStdString(), options);
}

// Rewrites one attribute of a DICOM file in place (a header that disagrees with its pixel data).
bool setRows(const QString &path, Uint16 rows)
{
    DcmFileFormat file;
    // Everything into memory first: DCMTK reads large values from the file only when asked,
    // and saving over that file would cut them off.
    return file.loadFile(path.toStdString().c_str()).good() &&
           file.loadAllDataIntoMemory().good() &&
           file.getDataset()->putAndInsertUint16(DCM_Rows, rows).good() &&
           file.saveFile(path.toStdString().c_str(), file.getDataset()->getOriginalXfer()).good();
}

// Keeps the first half of the first codestream fragment: a transfer cut off midway.
bool truncateCodestream(const QString &path)
{
    DcmFileFormat file;
    if (file.loadFile(path.toStdString().c_str()).bad() || file.loadAllDataIntoMemory().bad()) {
        return false;
    }
    DcmElement *element = nullptr;
    file.getDataset()->findAndGetElement(DCM_PixelData, element);
    auto *pixelData = static_cast<DcmPixelData *>(element);
    E_TransferSyntax syntax = EXS_Unknown;
    const DcmRepresentationParameter *parameter = nullptr;
    pixelData->getOriginalRepresentationKey(syntax, parameter);
    DcmPixelSequence *sequence = nullptr;
    DcmPixelItem *item = nullptr;
    Uint8 *bytes = nullptr;
    if (pixelData->getEncapsulatedRepresentation(syntax, parameter, sequence).bad() ||
        sequence->getItem(item, 1).bad() || item->getUint8Array(bytes).bad()) {
        return false;
    }
    std::vector<Uint8> half(bytes, bytes + item->getLength() / 2);
    item->putUint8Array(half.data(), Uint32(half.size()));
    return file.saveFile(path.toStdString().c_str(), syntax).good();
}

} // namespace

class TestJpeg2000 : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;

    QString copyOf(const QString &name, test::Jpeg2000Mode mode, double ratio = 10.0)
    {
        const QString target = scratch_.filePath(
            name + (mode == test::Jpeg2000Mode::Lossless ? ".j2k-lossless.dcm" : ".j2k-lossy.dcm"));
        const std::string problem = test::writeJpeg2000Copy(test::dicomFile(name).toStdString(),
                                                            target.toStdString(), mode, ratio);
        return problem.empty() ? target : QString();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(scratch_.isValid()); }

    // pydicom's lossless JPEG 2000 copy of MR_small (another encoder than OpenJPEG's).
    void pydicomLosslessFileMatchesItsOriginal()
    {
        auto original = load(test::dicomFile("MR_small.dcm"));
        auto compressed = load(test::dicomFile("MR_small_jp2klossless.dcm"));
        QVERIFY2(compressed.ok(), compressed.ok() ? "" : compressed.error().message.c_str());
        QVERIFY(QString::fromStdString(compressed->meta.transferSyntax).contains("JPEG 2000"));
        QCOMPARE(cv::norm(original->values, compressed->values, cv::NORM_INF), 0.0);
        QCOMPARE(cv::norm(original->display, compressed->display, cv::NORM_INF), 0.0);
        QCOMPARE(compressed->appliedSteps, original->appliedSteps);
    }

    void losslessCopiesMatchTheirOriginals_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("frame");
        QTest::newRow("chest CR, 8-bit MONOCHROME2") << "chest_cr_mono2.dcm" << 0;
        QTest::newRow("chest CR, MONOCHROME1") << "chest_cr_mono1.dcm" << 0;
        QTest::newRow("12-bit unsigned (JPEG extended source)") << "JPEG-lossy.dcm" << 0;
        QTest::newRow("16-bit signed MR") << "MR_small.dcm" << 0;
        QTest::newRow("16-bit signed CT with rescale") << "CT_small.dcm" << 0;
        QTest::newRow("8-bit RGB as YBR_RCT") << "SC_rgb_rle.dcm" << 0;
        QTest::newRow("multi-frame RGB, frame 2") << "SC_rgb_rle_2frame.dcm" << 1;
    }

    void losslessCopiesMatchTheirOriginals()
    {
        QFETCH(QString, file);
        QFETCH(int, frame);
        const QString copy = copyOf(file, test::Jpeg2000Mode::Lossless);
        QVERIFY(!copy.isEmpty());
        auto original = load(test::dicomFile(file), frame);
        auto compressed = load(copy, frame);
        QVERIFY(original.ok());
        QVERIFY2(compressed.ok(), compressed.ok() ? "" : compressed.error().message.c_str());
        QCOMPARE(compressed->meta.transferSyntax, std::string("JPEG 2000 (Lossless only)"));
        QCOMPARE(compressed->display.size(), original->display.size());
        QCOMPARE(compressed->display.type(), original->display.type());
        QCOMPARE(cv::norm(original->display, compressed->display, cv::NORM_INF), 0.0);
        QCOMPARE(compressed->polarity, original->polarity);
        if (!original->values.empty()) {
            QCOMPARE(cv::norm(original->values, compressed->values, cv::NORM_INF), 0.0);
        }
    }

    void lossyCopiesStayClose_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("minimumPsnr");
        QTest::newRow("chest CR") << "chest_cr_mono2.dcm" << 35.0;
        QTest::newRow("RGB as YBR_ICT") << "SC_rgb_rle.dcm" << 30.0;
    }

    void lossyCopiesStayClose()
    {
        QFETCH(QString, file);
        QFETCH(double, minimumPsnr);
        const QString copy = copyOf(file, test::Jpeg2000Mode::Lossy);
        QVERIFY(!copy.isEmpty());
        auto original = load(test::dicomFile(file));
        auto compressed = load(copy);
        QVERIFY2(compressed.ok(), compressed.ok() ? "" : compressed.error().message.c_str());
        QCOMPARE(compressed->meta.transferSyntax, std::string("JPEG 2000 (Lossless or Lossy)"));
        const double psnr = cv::PSNR(original->display, compressed->display);
        QVERIFY2(psnr >= minimumPsnr, qPrintable(QString::number(psnr)));
        QVERIFY2(psnr < 100, "a lossy copy that decodes exactly was not lossy");
    }

    // GDCM's colour file carries a JP2 header where DICOM wants a bare codestream; its text is
    // red, green and blue on grey.
    void jp2WrappedColourDecodes()
    {
        auto image = load(test::dicomFile("GDCMJ2K_TextGBR.dcm"));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(image->meta.channels, 3);
        QCOMPARE(image->appliedSteps, std::vector<std::string>{"YBR_RCT converted to RGB"});
        // Count pure-ish red, green and blue pixels (BGR order).
        int red = 0, green = 0, blue = 0;
        for (auto it = image->display.begin<cv::Vec3b>(); it != image->display.end<cv::Vec3b>();
             ++it) {
            const cv::Vec3b p = *it;
            red += p[2] > 200 && p[1] < 60 && p[0] < 60;
            green += p[1] > 200 && p[2] < 60 && p[0] < 60;
            blue += p[0] > 200 && p[2] < 60 && p[1] < 60;
        }
        QVERIFY(red > 500 && green > 500 && blue > 500);
    }

    // The codestream holds unsigned 13-bit samples while the header says signed 13-bit: the
    // header decides, as for every syntax, and the CT values stay in Hounsfield range.
    void signednessMismatchFollowsTheHeader()
    {
        auto image = load(test::dicomFile("J2K_pixelrep_mismatch.dcm"));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        double low = 0, high = 0;
        cv::minMaxLoc(image->values, &low, &high);
        QVERIFY2(low >= -2048 && high <= 4095, qPrintable(QString("%1 .. %2").arg(low).arg(high)));
        // Brain tissue at the centre of the slice, 0 to 80 HU.
        const double centre = cv::mean(image->values(cv::Rect(236, 236, 40, 40)))[0];
        QVERIFY2(centre > 0 && centre < 80, qPrintable(QString::number(centre)));
    }

    // A 16-bit signed codestream under Bits Stored 14: every sample fits in 14 bits, so the
    // values are the codestream's (range -2971..2836 as opj_decompress decodes it) plus the
    // rescale intercept of -1024.
    void codestreamPrecisionAboveBitsStored()
    {
        auto image = load(test::dicomFile("693_J2KI.dcm"));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        double low = 0, high = 0;
        cv::minMaxLoc(image->values, &low, &high);
        QCOMPARE(low, -2971.0 - 1024.0);
        QCOMPARE(high, 2836.0 - 1024.0);
    }

    void damagedOrInconsistentFilesAreRefused_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("sequence delimiter inside the codestream")
            << test::dicomFile("JPEG2000-embedded-sequence-delimiter.dcm")
            << "JPEG 2000 pixel data could not be decoded";
        const QString wrongSize = copyOf("MR_small.dcm", test::Jpeg2000Mode::Lossless);
        QVERIFY(setRows(wrongSize, 32));
        QTest::newRow("header size disagrees")
            << wrongSize << "codestream is 64x64, the DICOM header 64x32";
        const QString cut = scratch_.filePath("cut.dcm");
        QVERIFY(QFile::copy(copyOf("chest_cr_mono2.dcm", test::Jpeg2000Mode::Lossless), cut));
        QVERIFY(truncateCodestream(cut));
        QTest::newRow("codestream cut in half")
            << cut << "JPEG 2000 pixel data could not be decoded";
    }

    void damagedOrInconsistentFilesAreRefused()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        auto image = load(file);
        QVERIFY(!image.ok());
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.contains(QFileInfo(file).fileName()), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TestJpeg2000)
#include "test_jpeg2000.moc"
