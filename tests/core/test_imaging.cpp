// SPDX-License-Identifier: MIT
#include "core/imaging/display_window.h"
#include "core/imaging/file_sniffer.h"
#include "core/imaging/heatmap_overlay.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/model_input.h"
#include "core/imaging/thumbnail.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <dcmtk/oflog/oflog.h>

#include <png.h>
#include <zlib.h>

#include <cstdio>
#include <vector>

#if defined(_WIN32)
#include <io.h>
#define dup _dup
#define dup2 _dup2
#define fileno _fileno
#define close _close
#else
#include <unistd.h>
#endif

using namespace cxr;
using namespace cxr::imaging;

namespace {

std::string firstDemoImage(const char *split, const char *cls)
{
    QDirIterator it(test::demoDataset() + "/" + split + "/" + cls, QDir::Files);
    return it.next().toStdString();
}

// What reaches stderr (file descriptor 2, where libjpeg and libpng print) between
// construction and text().
class StderrCapture {
public:
    StderrCapture()
    {
        std::fflush(stderr);
        m_saved = dup(fileno(stderr));
        m_file = std::tmpfile();
        if (m_file != nullptr) {
            dup2(fileno(m_file), fileno(stderr));
        }
    }
    ~StderrCapture() { text(); }
    QByteArray text()
    {
        if (m_file == nullptr) {
            return m_text;
        }
        std::fflush(stderr);
        dup2(m_saved, fileno(stderr));
        close(m_saved);
        std::rewind(m_file);
        char buffer[4096];
        for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, m_file)) > 0;) {
            m_text.append(buffer, qsizetype(got));
        }
        std::fclose(m_file);
        m_file = nullptr;
        return m_text;
    }

private:
    int m_saved = -1;
    std::FILE *m_file = nullptr;
    QByteArray m_text;
};

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A PNG chunk: length, type, data, CRC.
QByteArray pngChunk(const QByteArray &type, const QByteArray &data)
{
    QByteArray chunk;
    const auto length = quint32(data.size());
    for (int shift : {24, 16, 8, 0}) {
        chunk += char((length >> shift) & 0xFF);
    }
    chunk += type + data;
    const auto crc =
        quint32(crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef *>(chunk.constData() + 4),
                      uInt(chunk.size() - 4)));
    for (int shift : {24, 16, 8, 0}) {
        chunk += char((crc >> shift) & 0xFF);
    }
    return chunk;
}

// Where the first chunk of a type starts in a PNG (its length field), or -1.
int findPngChunk(const QByteArray &png, const QByteArray &type)
{
    for (int at = 8; at + 8 <= png.size();) {
        const quint32 length = quint32(quint8(png[at])) << 24 | quint32(quint8(png[at + 1])) << 16 |
                               quint32(quint8(png[at + 2])) << 8 | quint32(quint8(png[at + 3]));
        if (png.mid(at + 4, 4) == type) {
            return at;
        }
        at += 12 + int(length);
    }
    return -1;
}

// Writes a PNG of a kind OpenCV cannot write (palette, grey + alpha, interlaced, 2-bit) with
// libpng: a diagonal ramp in every sample. False on failure.
bool writeTestPng(const QString &path, int colourType, int bitDepth, bool interlaced,
                  bool transparency)
{
    const int width = 37;
    const int height = 23;
    std::FILE *file = std::fopen(path.toLocal8Bit().constData(), "wb");
    if (file == nullptr) {
        return false;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_write_struct(&png, &info);
        std::fclose(file);
        return false;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, bitDepth, colourType,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    std::vector<png_color> palette(16);
    std::vector<png_byte> alpha(16);
    for (int i = 0; i < 16; ++i) {
        palette[std::size_t(i)] = {png_byte(i * 16), png_byte(255 - i * 16), png_byte(i * 7)};
        alpha[std::size_t(i)] = png_byte(i * 16);
    }
    if (colourType == PNG_COLOR_TYPE_PALETTE) {
        png_set_PLTE(png, info, palette.data(), 16);
        if (transparency) {
            png_set_tRNS(png, info, alpha.data(), 16, nullptr);
        }
    }
    png_write_info(png, info);
    const int channels = png_get_channels(png, info);
    const int maxValue = colourType == PNG_COLOR_TYPE_PALETTE ? 15 : (1 << bitDepth) - 1;
    const std::size_t rowBytes = png_get_rowbytes(png, info);
    std::vector<std::vector<png_byte>> rows(height, std::vector<png_byte>(rowBytes, 0));
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            for (int c = 0; c < channels; ++c) {
                const int value =
                    ((x * 7 + y * 3 + c * 11) * maxValue / (width * 7 + height * 3 + 22)) %
                    (maxValue + 1);
                const int sample = x * channels + c;
                if (bitDepth == 16) {
                    rows[y][std::size_t(sample) * 2] = png_byte(value >> 8);
                    rows[y][std::size_t(sample) * 2 + 1] = png_byte(value & 0xFF);
                } else if (bitDepth == 8) {
                    rows[y][std::size_t(sample)] = png_byte(value);
                } else { // packed, first pixel in the high bits
                    const int perByte = 8 / bitDepth;
                    const int shift = 8 - bitDepth * (sample % perByte + 1);
                    rows[y][std::size_t(sample / perByte)] |= png_byte(value << shift);
                }
            }
        }
    }
    std::vector<png_bytep> pointers;
    pointers.reserve(rows.size());
    for (auto &row : rows) {
        pointers.push_back(row.data());
    }
    png_write_image(png, pointers.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return std::fclose(file) == 0;
}

// Copies a DICOM file from tests/data/dicom into dir, changed by the named edit (see
// dicomHeadersTheLoaderRefuses_data), through DCMTK so that the rest of the file stays valid.
// Empty on failure.
QString editedDicom(const QTemporaryDir &dir, const QString &source, const QString &edit)
{
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL); // as the loader does: no unattributed lines
    DcmFileFormat file;
    if (file.loadFile(test::dicomFile(source).toStdString().c_str()).bad()) {
        return {};
    }
    DcmDataset &data = *file.getDataset();
    DcmMetaInfo &meta = *file.getMetaInfo();
    OFCondition done = EC_Normal;
    if (edit == "half the pixel data") {
        DcmElement *pixels = nullptr;
        if (data.findAndGetElement(DCM_PixelData, pixels).bad() ||
            pixels->loadAllDataIntoMemory().bad()) {
            return {};
        }
        const Uint32 length = pixels->getLength();
        if (pixels->getVR() == EVR_OW) {
            Uint16 *words = nullptr;
            pixels->getUint16Array(words);
            const std::vector<Uint16> half(words, words + length / 4);
            done = pixels->putUint16Array(half.data(), static_cast<unsigned long>(half.size()));
        } else {
            Uint8 *bytes = nullptr;
            pixels->getUint8Array(bytes);
            const std::vector<Uint8> half(bytes, bytes + length / 2);
            done = pixels->putUint8Array(half.data(), static_cast<unsigned long>(half.size()));
        }
    } else if (edit == "BitsAllocated 255") {
        done = data.putAndInsertUint16(DCM_BitsAllocated, 255);
    } else if (edit == "BitsAllocated 12") {
        done = data.putAndInsertUint16(DCM_BitsAllocated, 12);
    } else if (edit == "SamplesPerPixel 0") {
        done = data.putAndInsertUint16(DCM_SamplesPerPixel, 0);
    } else if (edit == "SamplesPerPixel 255") {
        done = data.putAndInsertUint16(DCM_SamplesPerPixel, 255);
    } else if (edit == "NumberOfFrames 0") {
        done = data.putAndInsertString(DCM_NumberOfFrames, "0");
    } else if (edit == "NumberOfFrames 2") {
        done = data.putAndInsertString(DCM_NumberOfFrames, "2");
    } else if (edit == "NumberOfFrames -3") {
        done = data.putAndInsertString(DCM_NumberOfFrames, "-3");
    } else if (edit == "Modality stored as UN") {
        // What some converters write for a known text element: explicit VR "UN", padded.
        auto *modality = new DcmOtherByteOtherWord(DcmTag(DCM_Modality, EVR_UN));
        const Uint8 text[] = {'D', 'X', ' ', ' '};
        done = modality->putUint8Array(text, sizeof text);
        if (done.good()) {
            done = data.insert(modality, true);
        } else {
            delete modality;
        }
    } else if (edit == "unknown transfer syntax") {
        done = meta.putAndInsertString(DCM_TransferSyntaxUID, "1.2.3.4.5.6.7");
    } else if (edit == "empty transfer syntax") {
        done = meta.putAndInsertString(DCM_TransferSyntaxUID, "");
    } else {
        return {};
    }
    QString path = dir.filePath(QString(edit).replace(' ', '_') + ".dcm");
    // EWM_dontUpdateMeta keeps our meta header: DCMTK would otherwise rewrite the transfer
    // syntax UID to the one it writes in.
    if (done.bad() || file.saveFile(path.toStdString().c_str(), EXS_Unknown, EET_UndefinedLength,
                                    EGL_recalcGL, EPD_noChange, 0, 0, EWM_dontUpdateMeta)
                          .bad()) {
        return {};
    }
    return path;
}

} // namespace

class TestImaging : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsDemoJpegAsGrey()
    {
        auto image = loadImage(firstDemoImage("train", "NORMAL"));
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(image->meta.format, FileFormat::Jpeg);
        QCOMPARE(image->meta.width, 224);
        QCOMPARE(image->meta.height, 224);
        // Kermany's 224 px files are RGB JPEGs of grey pictures: kept as one channel.
        QCOMPARE(image->display.channels(), 1);
    }

    void sniffsByContentNotExtension()
    {
        QTemporaryDir dir;
        const QString fake = dir.filePath("notes.jpg");
        QVERIFY(test::writeFile(fake, "this is not a picture"));
        QCOMPARE(sniffFormat(fake.toStdString()), FileFormat::Unknown);
        auto image = loadImage(fake.toStdString());
        QVERIFY(!image.ok());
        QCOMPARE(image.error().code, ErrorCode::Unsupported);
        QVERIFY(QString::fromStdString(image.error().message).contains("notes.jpg"));
    }

    void badFilesGiveErrorsNamingTheFile_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("code");
        QTest::newRow("missing") << "missing" << int(ErrorCode::NotFound);
        QTest::newRow("empty") << "empty" << int(ErrorCode::Corrupt);
        QTest::newRow("truncated jpeg") << "truncated" << int(ErrorCode::Corrupt);
        QTest::newRow("huge jpeg header") << "huge" << int(ErrorCode::Unsupported);
        QTest::newRow("12-bit jpeg") << "12-bit" << int(ErrorCode::Unsupported);
        QTest::newRow("folder") << "folder" << int(ErrorCode::NotReadable);
    }

    void badFilesGiveErrorsNamingTheFile()
    {
        QFETCH(QString, kind);
        QFETCH(int, code);
        QTemporaryDir dir;
        const QString path = dir.filePath(kind + ".jpeg");
        QFile source(QString::fromStdString(firstDemoImage("train", "NORMAL")));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QByteArray bytes = source.readAll();
        if (kind == "empty") {
            bytes.clear();
        } else if (kind == "truncated") {
            bytes.truncate(bytes.size() / 2);
        } else if (kind == "huge") {
            // Rewrite the SOF0 frame size to 60000 x 60000: must be refused from the header.
            const int sof = bytes.indexOf(QByteArray("\xFF\xC0", 2));
            QVERIFY(sof > 0);
            bytes[sof + 5] = char(0xEA);
            bytes[sof + 6] = char(0x60);
            bytes[sof + 7] = char(0xEA);
            bytes[sof + 8] = char(0x60);
        } else if (kind == "12-bit") {
            const int sof = bytes.indexOf(QByteArray("\xFF\xC0", 2));
            QVERIFY(sof > 0);
            bytes[sof + 4] = char(12); // sample precision
        }
        if (kind == "folder") {
            QVERIFY(QDir(dir.path()).mkdir(kind + ".jpeg"));
        } else if (kind != "missing") {
            QFile out(path);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(bytes);
        }
        auto image = loadImage(path.toStdString());
        QVERIFY(!image.ok());
        QCOMPARE(int(image.error().code), code);
        QVERIFY2(QString::fromStdString(image.error().message).contains(kind + ".jpeg"),
                 image.error().message.c_str());
    }

    // libjpeg only warns about damaged entropy-coded data and fills in grey; OpenCV printed the
    // warning on stderr, without the file's name, and returned the picture. A frame header whose
    // width or height was changed decoded into a 1x224 image. All are refused as corrupt, at full
    // and at reduced size, naming the file, with nothing on stderr.
    void corruptJpegIsRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("reduceTo");
        QTest::addColumn<QString>("expected");
        for (int reduceTo : {0, 56}) {
            const QByteArray size = reduceTo ? ", 1/4 size" : ", full size";
            QTest::newRow("premature end of data segment" + size)
                << "cut" << reduceTo << "premature end of data segment";
            QTest::newRow("SOF width 1" + size) << "width 1" << reduceTo << "extraneous bytes";
            QTest::newRow("SOF width 300" + size)
                << "width 300" << reduceTo << "premature end of data segment";
            QTest::newRow("SOF height 100" + size)
                << "height 100" << reduceTo << "extraneous bytes";
            QTest::newRow("SOF height 400" + size)
                << "height 400" << reduceTo << "premature end of data segment";
        }
    }

    void corruptJpegIsRefused()
    {
        QFETCH(QString, kind);
        QFETCH(int, reduceTo);
        QFETCH(QString, expected);
        QByteArray bytes = readAll(QString::fromStdString(firstDemoImage("train", "NORMAL")));
        const int sof = bytes.indexOf(QByteArray("\xFF\xC0", 2));
        QVERIFY(sof > 0);
        auto setField = [&bytes](int at, int value) {
            bytes[at] = char(value >> 8);
            bytes[at + 1] = char(value & 0xFF);
        };
        if (kind == "cut") {
            // Half the entropy-coded data gone, the end-of-image marker kept: the file looks
            // complete from its last bytes.
            bytes = bytes.left(bytes.size() / 2) + QByteArray("\xFF\xD9", 2);
        } else if (kind.startsWith("width")) {
            setField(sof + 7, kind.section(' ', 1).toInt());
        } else {
            setField(sof + 5, kind.section(' ', 1).toInt());
        }
        QTemporaryDir dir;
        const QString path = dir.filePath("corrupt.jpeg");
        QVERIFY(test::writeFile(path, bytes));
        LoadOptions options;
        options.reduceTo = reduceTo;
        StderrCapture stderrCapture;
        auto image = loadImage(path.toStdString(), options);
        const QByteArray printed = stderrCapture.text();
        QVERIFY2(!image.ok(), qPrintable(QString("loaded as %1x%2")
                                             .arg(image.ok() ? image->meta.width : 0)
                                             .arg(image.ok() ? image->meta.height : 0)));
        QCOMPARE(image.error().code, ErrorCode::Corrupt);
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.startsWith(path + ": "), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(printed.isEmpty(), printed.constData());
    }

    // JPEGs are decoded by libjpeg directly; the pixels are the ones OpenCV's imread gave, at
    // full and reduced size, so tensor caches and trained models see the same input.
    void jpegPixelsMatchOpenCv()
    {
        QStringList files;
        for (const QString &folder :
             {test::demoDataset(), test::sharedData("chest_xray_fullres_sample")}) {
            QDirIterator it(folder, {"*.jpeg", "*.jpg"}, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                files << it.next();
            }
        }
        QVERIFY(files.size() >= 200);
        int compared = 0;
        for (const QString &file : files) {
            const std::string path = file.toStdString();
            const JpegHeader header = readJpegHeader(path);
            const bool grey = header.components == 1;
            for (int factor : {1, 2, 4, 8}) {
                if (std::min(header.width, header.height) / factor < 28) {
                    continue;
                }
                LoadOptions options;
                options.keepValues = false;
                options.reduceTo = factor == 1 ? 0 : std::min(header.width, header.height) / factor;
                auto image = loadImage(path, options);
                QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
                int flag = cv::IMREAD_UNCHANGED;
                switch (factor) {
                case 2:
                    flag = grey ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
                    break;
                case 4:
                    flag = grey ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
                    break;
                case 8:
                    flag = grey ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
                    break;
                }
                cv::Mat expected =
                    cv::imread(path, flag | (factor > 1 ? cv::IMREAD_IGNORE_ORIENTATION : 0));
                QVERIFY(!expected.empty());
                if (expected.channels() == 3 && image->display.channels() == 1) {
                    cv::extractChannel(expected, expected, 1); // the loader keeps green of grey BGR
                }
                QCOMPARE(image->display.size(), expected.size());
                QCOMPARE(image->display.channels(), expected.channels());
                QVERIFY2(cv::norm(image->display, expected, cv::NORM_INF) == 0,
                         qPrintable(file + " at 1/" + QString::number(factor)));
                ++compared;
            }
        }
        qInfo("%d decodes compared with OpenCV", compared);
    }

    void reducedDecodeOfFullResolutionRadiographs()
    {
        const QString folder = test::sharedData("chest_xray_fullres_sample");
        if (!QDir(folder).exists()) {
            QSKIP("../shared/data/chest_xray_fullres_sample not present");
        }
        int checked = 0;
        QDirIterator it(folder, {"*.jpeg", "*.jpg"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const std::string path = it.next().toStdString();
            auto full = loadImage(path);
            QVERIFY2(full.ok(), path.c_str());
            LoadOptions reduced;
            reduced.reduceTo = 224;
            auto small = loadImage(path, reduced);
            QVERIFY2(small.ok(), path.c_str());
            QVERIFY(std::min(small->meta.width, small->meta.height) >= 224);
            QVERIFY(small->meta.width < full->meta.width);
            QCOMPARE(small->meta.originalWidth, full->meta.width);
            ++checked;
        }
        QCOMPARE(checked, 40);
    }

    void dicomChestRadiograph()
    {
        auto image = loadImage(test::dicomFile("chest_cr_mono2.dcm").toStdString());
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(image->meta.format, FileFormat::Dicom);
        QCOMPARE(image->meta.width, 1024);
        QCOMPARE(image->meta.height, 1024);
        QCOMPARE(image->meta.photometric, std::string("MONOCHROME2"));
        QVERIFY(!image->appliedSteps.empty());
    }

    // The twin differs only in PhotometricInterpretation: same stored pixels, opposite polarity.
    // Shown correctly, each is the other's negative.
    void monochrome1IsDisplayedInverted()
    {
        auto mono2 = loadImage(test::dicomFile("chest_cr_mono2.dcm").toStdString());
        auto mono1 = loadImage(test::dicomFile("chest_cr_mono1.dcm").toStdString());
        QVERIFY(mono2.ok() && mono1.ok());
        QCOMPARE(mono1->meta.photometric, std::string("MONOCHROME1"));
        cv::Mat inverted = 255 - mono2->display;
        const double maxDifference = cv::norm(inverted, mono1->display, cv::NORM_INF);
        QVERIFY2(maxDifference <= 1.0, QByteArray::number(maxDifference));
        bool said = false;
        for (const auto &step : mono1->appliedSteps) {
            said = said || step.find("MONOCHROME1") != std::string::npos;
        }
        QVERIFY(said);
    }

    // The same MR image stored in three transfer syntaxes must decode to the same pixels.
    void losslessTransferSyntaxesAgree()
    {
        auto reference = loadImage(test::dicomFile("MR_small.dcm").toStdString());
        QVERIFY(reference.ok());
        for (const char *name : {"MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm"}) {
            auto other = loadImage(test::dicomFile(name).toStdString());
            QVERIFY2(other.ok(), other.ok() ? name : other.error().message.c_str());
            QCOMPARE(cv::norm(reference->display, other->display, cv::NORM_INF), 0.0);
        }
    }

    void unsupportedAndBrokenDicom_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("floating-point pixel data") << "MR_small_float.dcm"
                                                   << "floating-point pixel data";
        QTest::newRow("no pixel data") << "rtplan.dcm"
                                       << "no pixel data";
        QTest::newRow("truncated") << "MR_truncated.dcm"
                                   << "truncated";
        QTest::newRow("60000 x 60000 header") << "MR_small_huge_header.dcm"
                                              << "60000x60000";
    }

    void unsupportedAndBrokenDicom()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        auto image = loadImage(test::dicomFile(file).toStdString());
        QVERIFY(!image.ok());
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY(message.contains(file));
    }

    // Found by fuzz_dicom_loader (its kept input): a JPEG fragment with a TEM marker before its
    // frame header made DCMTK 3.6.7's decoder loop for ever; it is refused before DCMTK decodes.
    void dicomJpegThatWouldHangDcmtkIsRefused()
    {
        const QString file =
            test::sourcePath("tests/fuzz/regressions/dicom_loader/jpeg-tem-marker-hangs-dcmtk.dcm");
        auto image = loadImage(file.toStdString());
        QVERIFY(!image.ok());
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.startsWith(file) && message.contains("TEM marker"), qPrintable(message));
    }

    // Headers that DCMTK would decode anyway, into a picture that is partly black or garbage,
    // or that make no sense: each refused, naming the file and what is wrong.
    void dicomHeadersTheLoaderRefuses_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::newRow("half the pixel data, 16 bit")
            << "MR_small.dcm"
            << "half the pixel data"
            << "pixel data holds 4096 bytes, the header needs 8192";
        QTest::newRow("two frames claimed, one stored")
            << "MR_small.dcm"
            << "NumberOfFrames 2"
            << "pixel data holds 8192 bytes, the header needs 16384";
        QTest::newRow("half the pixel data, CT")
            << "CT_small.dcm"
            << "half the pixel data"
            << "pixel data holds 16384 bytes, the header needs 32768";
        QTest::newRow("BitsAllocated 255") << "MR_small.dcm"
                                           << "BitsAllocated 255"
                                           << "BitsAllocated is 255 (expected 1, 8, 16 or 32)";
        QTest::newRow("BitsAllocated 12") << "MR_small.dcm"
                                          << "BitsAllocated 12"
                                          << "BitsAllocated is 12 (expected 1, 8, 16 or 32)";
        QTest::newRow("SamplesPerPixel 0") << "MR_small.dcm"
                                           << "SamplesPerPixel 0"
                                           << "SamplesPerPixel is 0 (expected 1 or 3)";
        QTest::newRow("SamplesPerPixel 255") << "MR_small.dcm"
                                             << "SamplesPerPixel 255"
                                             << "SamplesPerPixel is 255 (expected 1 or 3)";
        QTest::newRow("NumberOfFrames 0") << "MR_small.dcm"
                                          << "NumberOfFrames 0"
                                          << "NumberOfFrames is 0 (expected 1 or more)";
        QTest::newRow("NumberOfFrames -3") << "MR_small.dcm"
                                           << "NumberOfFrames -3"
                                           << "NumberOfFrames is -3 (expected 1 or more)";
        QTest::newRow("unknown transfer syntax") << "MR_small.dcm"
                                                 << "unknown transfer syntax"
                                                 << "unknown transfer syntax UID 1.2.3.4.5.6.7";
        QTest::newRow("empty transfer syntax") << "MR_small.dcm"
                                               << "empty transfer syntax"
                                               << "empty transfer syntax UID";
    }

    void dicomHeadersTheLoaderRefuses()
    {
        QFETCH(QString, source);
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = editedDicom(dir, source, edit);
        QVERIFY2(!path.isEmpty(), "could not write the edited copy");
        auto image = loadImage(path.toStdString());
        QVERIFY2(!image.ok(), "loaded");
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.startsWith(path + ": "), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
    }

    // The guard quotes Modality to the user: an element stored with VR UN must read as text.
    void readsTextElementsStoredAsUnknownVr()
    {
        QTemporaryDir dir;
        const QString path = editedDicom(dir, "MR_small.dcm", "Modality stored as UN");
        QVERIFY2(!path.isEmpty(), "could not write the edited copy");
        auto image = loadImage(path.toStdString());
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QCOMPARE(QString::fromStdString(image->meta.modality), QString("DX"));
    }

    // Our modality LUT -> VOI -> polarity rendering against DCMTK's dcm2pnm, run once to make
    // the golden files (commands in tests/data/README.md).
    void renderingMatchesDcm2pnm_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("golden");
        QTest::newRow("window from file") << "MR_small.dcm"
                                          << "MR_small_window1.pgm";
        QTest::newRow("rescale + min-max window") << "CT_small.dcm"
                                                  << "CT_small_minmax.pgm";
        QTest::newRow("RLE colour") << "SC_rgb_rle.dcm"
                                    << "SC_rgb_rle.ppm";
    }

    void renderingMatchesDcm2pnm()
    {
        QFETCH(QString, file);
        QFETCH(QString, golden);
        auto image = loadImage(test::dicomFile(file).toStdString());
        QVERIFY(image.ok());
        // PGM goldens are grey, PPM goldens colour (both read as OpenCV's BGR order).
        const cv::Mat expected = cv::imread(
            test::sourcePath("tests/data/golden/" + golden).toStdString(), cv::IMREAD_UNCHANGED);
        QVERIFY(!expected.empty());
        QCOMPARE(image->display.size(), expected.size());
        QCOMPARE(image->display.channels(), expected.channels());
        QVERIFY2(cv::norm(image->display, expected, cv::NORM_INF) <= 1.0,
                 QByteArray::number(cv::norm(image->display, expected, cv::NORM_INF)));
    }

    void presentationLutShapeInverse()
    {
        auto inverse = loadImage(test::dicomFile("chest_cr_mono2_inverse.dcm").toStdString());
        auto mono1 = loadImage(test::dicomFile("chest_cr_mono1.dcm").toStdString());
        QVERIFY(inverse.ok() && mono1.ok());
        QCOMPARE(inverse->meta.presentationLutShape, std::string("INVERSE"));
        QCOMPARE(inverse->polarity, Polarity::Inverted);
        QCOMPARE(cv::norm(inverse->display, mono1->display, cv::NORM_INF), 0.0);
    }

    void linearWindowFunction()
    {
        const cv::Mat values = (cv::Mat_<float>(1, 5) << 0, 49.5f, 100, 149.6f, 200);
        const DisplayWindow window{100, 101}; // edges at 49.5 and 149.5
        const cv::Mat normal = renderWindow(values, window, Polarity::Normal);
        QCOMPARE(normal.at<unsigned char>(0), (unsigned char)0);
        QCOMPARE(normal.at<unsigned char>(1), (unsigned char)0);   // x <= lower edge
        QCOMPARE(normal.at<unsigned char>(2), (unsigned char)129); // (0.5/100 + 0.5) * 255
        QCOMPARE(normal.at<unsigned char>(3), (unsigned char)255); // x > upper edge
        const cv::Mat inverted = renderWindow(values, window, Polarity::Inverted);
        QCOMPARE(inverted.at<unsigned char>(2), (unsigned char)126);
        QCOMPARE(inverted.at<unsigned char>(4), (unsigned char)0);
        const DisplayWindow whole = minMaxWindow(values);
        const cv::Mat full = renderWindow(values, whole, Polarity::Normal);
        QCOMPARE(full.at<unsigned char>(0), (unsigned char)0);
        QCOMPARE(full.at<unsigned char>(4), (unsigned char)255);
    }

    // The table-driven renderer against a plain transcription of the DICOM formula, on 12-bit
    // integers (the table path) and fractional values (the direct path), both polarities.
    void windowRendererMatchesTheFormula()
    {
        cv::Mat values(64, 64, CV_32F);
        cv::RNG random(7);
        random.fill(values, cv::RNG::UNIFORM, -1024, 3072);
        cv::Mat integers;
        values.convertTo(integers, CV_32S);
        integers.convertTo(integers, CV_32F);
        integers(cv::Rect(0, 0, 64, 8)) += 0.37f; // some fractional rescale results
        for (const DisplayWindow window : {DisplayWindow{40, 400}, DisplayWindow{-600, 1500},
                                           DisplayWindow{1000.5, 1}, DisplayWindow{500, 2}}) {
            for (const Polarity polarity : {Polarity::Normal, Polarity::Inverted}) {
                const cv::Mat rendered = renderWindow(integers, window, polarity);
                for (int y = 0; y < 64; ++y) {
                    for (int x = 0; x < 64; ++x) {
                        const double v = integers.at<float>(y, x);
                        const double c = window.center;
                        const double w = window.width;
                        double expected = v <= c - 0.5 - (w - 1) / 2 ? 0
                                          : v > c - 0.5 + (w - 1) / 2
                                              ? 255
                                              : ((v - (c - 0.5)) / (w - 1) + 0.5) * 255;
                        expected = std::round(std::clamp(expected, 0.0, 255.0));
                        if (polarity == Polarity::Inverted) {
                            expected = 255 - expected;
                        }
                        QVERIFY2(std::abs(rendered.at<unsigned char>(y, x) - expected) <= 1,
                                 qPrintable(QString("v %1 window %2/%3").arg(v).arg(c).arg(w)));
                    }
                }
            }
        }
    }

    // Hounsfield units survive: values are stored value * slope + intercept, not 8-bit levels.
    void keepsModalityValues()
    {
        auto ct = loadImage(test::dicomFile("CT_small.dcm").toStdString());
        QVERIFY(ct.ok());
        QCOMPARE(ct->meta.rescaleType, std::string("HU"));
        QCOMPARE(ct->meta.rescaleIntercept, -1024.0);
        QCOMPARE(ct->values.type(), CV_32F);
        double low = 0;
        double high = 0;
        cv::minMaxLoc(ct->values, &low, &high);
        QVERIFY2(low < -500 && high > 255, qPrintable(QString("%1..%2").arg(low).arg(high)));
        QCOMPARE(
            cv::norm(renderWindow(ct->values, ct->window, ct->polarity), ct->display, cv::NORM_INF),
            0.0);
    }

    // A 16-bit PNG keeps its 16-bit values and is windowed for display, not truncated.
    // A PNG whose IHDR claims 60000 x 60000 pixels is refused from the header.
    void hugePngHeader()
    {
        auto ct = loadImage(test::dicomFile("CT_small.dcm").toStdString());
        QVERIFY(ct.ok());
        std::vector<unsigned char> png;
        QVERIFY(cv::imencode(".png", ct->display, png));
        for (std::size_t at : {16u, 20u}) { // width, height: big-endian 60000
            png[at] = 0;
            png[at + 1] = 0;
            png[at + 2] = 0xEA;
            png[at + 3] = 0x60;
        }
        QTemporaryDir dir;
        const QString huge = dir.filePath("huge.png");
        QVERIFY(test::writeFile(
            huge, QByteArray(reinterpret_cast<const char *>(png.data()), qsizetype(png.size()))));
        auto image = loadImage(huge.toStdString());
        QVERIFY(!image.ok());
        QCOMPARE(image.error().code, ErrorCode::Unsupported);
        QVERIFY(QString::fromStdString(image.error().message).contains("60000x60000"));
    }

    // PNGs are decoded by libpng directly: the same pixels as OpenCV's imread, every colour
    // type and bit depth, interlaced or not, with alpha dropped.
    void pngPixelsMatchOpenCv_data()
    {
        QTest::addColumn<int>("colourType");
        QTest::addColumn<int>("bitDepth");
        QTest::addColumn<bool>("interlaced");
        QTest::addColumn<bool>("transparency");
        QTest::newRow("grey 8") << PNG_COLOR_TYPE_GRAY << 8 << false << false;
        QTest::newRow("grey 8 interlaced") << PNG_COLOR_TYPE_GRAY << 8 << true << false;
        QTest::newRow("grey 16") << PNG_COLOR_TYPE_GRAY << 16 << false << false;
        QTest::newRow("grey 2") << PNG_COLOR_TYPE_GRAY << 2 << false << false;
        QTest::newRow("grey 1") << PNG_COLOR_TYPE_GRAY << 1 << true << false;
        QTest::newRow("grey + alpha 8") << PNG_COLOR_TYPE_GRAY_ALPHA << 8 << false << false;
        QTest::newRow("grey + alpha 16") << PNG_COLOR_TYPE_GRAY_ALPHA << 16 << false << false;
        QTest::newRow("palette") << PNG_COLOR_TYPE_PALETTE << 8 << false << false;
        QTest::newRow("palette 4-bit, transparent") << PNG_COLOR_TYPE_PALETTE << 4 << true << true;
        QTest::newRow("RGB 8") << PNG_COLOR_TYPE_RGB << 8 << false << false;
        QTest::newRow("RGB 16 interlaced") << PNG_COLOR_TYPE_RGB << 16 << true << false;
        QTest::newRow("RGBA 8") << PNG_COLOR_TYPE_RGB_ALPHA << 8 << false << false;
        QTest::newRow("RGBA 16") << PNG_COLOR_TYPE_RGB_ALPHA << 16 << false << false;
    }

    void pngPixelsMatchOpenCv()
    {
        QFETCH(int, colourType);
        QFETCH(int, bitDepth);
        QFETCH(bool, interlaced);
        QFETCH(bool, transparency);
        QTemporaryDir dir;
        const QString path = dir.filePath("test.png");
        QVERIFY(writeTestPng(path, colourType, bitDepth, interlaced, transparency));
        StderrCapture stderrCapture;
        auto image = loadImage(path.toStdString());
        const QByteArray printed = stderrCapture.text();
        QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
        QVERIFY2(printed.isEmpty(), printed.constData());
        cv::Mat expected = cv::imread(path.toStdString(), cv::IMREAD_UNCHANGED);
        QVERIFY(!expected.empty());
        if (expected.channels() == 4) {
            cv::cvtColor(expected, expected, cv::COLOR_BGRA2BGR);
        }
        if (expected.channels() == 3 && image->display.channels() == 1) {
            cv::extractChannel(expected, expected, 1); // grey in colour: the loader keeps one
        }
        QCOMPARE(image->meta.bitsStored, bitDepth == 16 ? 16 : 8);
        if (expected.depth() == CV_16U && expected.channels() == 1) {
            expected.convertTo(expected, CV_32F);
            QCOMPARE(cv::norm(image->values, expected, cv::NORM_INF), 0.0);
            return;
        }
        if (expected.depth() == CV_16U) {
            expected.convertTo(expected, CV_8U, 1.0 / 257.0);
        }
        QCOMPARE(image->display.channels(), expected.channels());
        QCOMPARE(cv::norm(image->display, expected, cv::NORM_INF), 0.0);
    }

    // libpng's own handlers printed "libpng warning: ..." and "libpng error: ..." on stderr
    // before our message, without the file's name. Damaged PNGs are refused naming the file;
    // a damaged colour profile, which changes no pixel, is no reason to refuse; and nothing is
    // printed either way.
    void corruptPngIsRefusedSilently_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected"); // empty: loads
        QTest::newRow("IHDR CRC") << "IHDR CRC"
                                  << "IHDR: CRC error";
        QTest::newRow("IDAT CRC") << "IDAT CRC"
                                  << "corrupt PNG";
        QTest::newRow("IDAT data damaged, CRC made to match") << "IDAT data"
                                                              << "corrupt PNG";
        QTest::newRow("cut in the image data") << "cut"
                                               << "file ends early";
        QTest::newRow("no IEND") << "no IEND"
                                 << "file ends early";
        QTest::newRow("bit depth 3") << "bit depth 3"
                                     << "corrupt PNG";
        // A whole second zlib stream after the image's: the image itself is complete and right.
        QTest::newRow("image data after the image") << "extra IDAT"
                                                    << "";
        // Metadata CXR Studio does not use; libpng complained about it on stderr.
        QTest::newRow("damaged colour profile") << "bad iCCP"
                                                << "";
        QTest::newRow("damaged text chunk") << "bad tEXt CRC"
                                            << "";
    }

    void corruptPngIsRefusedSilently()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        auto ct = loadImage(test::dicomFile("CT_small.dcm").toStdString());
        QVERIFY(ct.ok());
        std::vector<unsigned char> encoded;
        QVERIFY(cv::imencode(".png", ct->display, encoded));
        QByteArray png(reinterpret_cast<const char *>(encoded.data()), qsizetype(encoded.size()));
        const int ihdr = findPngChunk(png, "IHDR");
        const int idat = findPngChunk(png, "IDAT");
        const int iend = findPngChunk(png, "IEND");
        QVERIFY(ihdr > 0 && idat > 0 && iend > idat);
        const int idatLength = iend - idat - 12; // OpenCV writes one IDAT for a small image
        if (kind == "IHDR CRC") {
            png[ihdr + 8 + 13] = char(png[ihdr + 8 + 13] ^ 0x55);
        } else if (kind == "IDAT CRC") {
            png[idat + 8 + idatLength / 2] = char(png[idat + 8 + idatLength / 2] ^ 0x55);
        } else if (kind == "IDAT data") {
            QByteArray data = png.mid(idat + 8, idatLength);
            for (int i = data.size() / 3; i < data.size() / 3 + 40; ++i) {
                data[i] = char(data[i] ^ 0xA5);
            }
            png = png.left(idat) + pngChunk("IDAT", data) + png.mid(iend);
        } else if (kind == "cut") {
            png.truncate(idat + 8 + idatLength / 2);
        } else if (kind == "no IEND") {
            png.truncate(iend);
        } else if (kind == "bit depth 3") {
            QByteArray header = png.mid(ihdr + 8, 13);
            header[8] = 3;
            png = png.left(ihdr) + pngChunk("IHDR", header) + png.mid(ihdr + 25);
        } else if (kind == "extra IDAT") {
            // A second, complete zlib stream after the image's: more data than the image holds.
            png = png.left(iend) + pngChunk("IDAT", png.mid(idat + 8, idatLength)) + png.mid(iend);
        } else if (kind == "bad iCCP") {
            png = png.left(idat) +
                  pngChunk("iCCP", QByteArray("icc\0\0", 5) + "not a zlib stream") + png.mid(idat);
        } else if (kind == "bad tEXt CRC") {
            QByteArray text = pngChunk("tEXt", QByteArray("Comment\0hello", 13));
            text[text.size() - 1] = char(text[text.size() - 1] ^ 0x55);
            png = png.left(idat) + text + png.mid(idat);
        }
        QTemporaryDir dir;
        const QString path = dir.filePath("damaged.png");
        QVERIFY(test::writeFile(path, png));
        StderrCapture stderrCapture;
        auto image = loadImage(path.toStdString());
        const QByteArray printed = stderrCapture.text();
        QVERIFY2(printed.isEmpty(), printed.constData());
        if (expected.isEmpty()) {
            QVERIFY2(image.ok(), image.ok() ? "" : image.error().message.c_str());
            QCOMPARE(cv::norm(image->display, ct->display, cv::NORM_INF), 0.0);
            return;
        }
        QVERIFY2(!image.ok(), "loaded");
        QCOMPARE(image.error().code, ErrorCode::Corrupt);
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.startsWith(path + ": "), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
    }

    // OpenCV refused a cut BMP too, but printed "imdecode_(''): can't read data: ..." on stderr
    // first. Refused from the header and the file size, naming the file; nothing printed.
    void truncatedBmpIsRefusedSilently_data()
    {
        QTest::addColumn<int>("channels");
        QTest::newRow("grey") << 1;
        QTest::newRow("colour") << 3;
    }

    void truncatedBmpIsRefusedSilently()
    {
        QFETCH(int, channels);
        cv::Mat picture(37, 23, CV_8UC(channels), cv::Scalar::all(90));
        std::vector<unsigned char> bmp;
        QVERIFY(cv::imencode(".bmp", picture, bmp));
        QTemporaryDir dir;
        const QString whole = dir.filePath("whole.bmp");
        const QString cut = dir.filePath("cut.bmp");
        const QByteArray bytes(reinterpret_cast<const char *>(bmp.data()), qsizetype(bmp.size()));
        QVERIFY(test::writeFile(whole, bytes));
        QVERIFY(test::writeFile(cut, bytes.left(bytes.size() - 100)));
        StderrCapture stderrCapture;
        auto good = loadImage(whole.toStdString());
        auto image = loadImage(cut.toStdString());
        const QByteArray printed = stderrCapture.text();
        QVERIFY2(good.ok(), good.ok() ? "" : good.error().message.c_str());
        QVERIFY(!image.ok());
        QCOMPARE(image.error().code, ErrorCode::Corrupt);
        const QString message = QString::fromStdString(image.error().message);
        QVERIFY2(message.startsWith(cut + ": truncated BMP: the file holds " +
                                    QString::number(bytes.size() - 100) +
                                    " bytes, its header needs " + QString::number(bytes.size())),
                 qPrintable(message));
        QVERIFY2(printed.isEmpty(), printed.constData());
    }

    void sixteenBitPng()
    {
        auto ct = loadImage(test::dicomFile("CT_small.dcm").toStdString());
        QVERIFY(ct.ok());
        cv::Mat stored;
        ct->values.convertTo(stored, CV_16U, 1.0, 1024.0); // back to stored values
        QTemporaryDir dir;
        const std::string path = dir.filePath("ct16.png").toStdString();
        QVERIFY(cv::imwrite(path, stored));
        auto png = loadImage(path);
        QVERIFY(png.ok());
        QCOMPARE(png->meta.bitsStored, 16);
        QCOMPARE(cv::norm(png->values, ct->values + 1024.0f, cv::NORM_INF), 0.0);
        double low = 0;
        double high = 0;
        cv::minMaxLoc(png->display, &low, &high);
        QCOMPARE(low, 0.0);
        QCOMPARE(high, 255.0);
    }

    // Every pydicom test file either decodes or fails with a message naming it; none crashes.
    void everyPydicomFileDecodesOrFailsClearly()
    {
        const QString folder = test::sharedData("dicom/pydicom");
        if (!QDir(folder).exists()) {
            QSKIP("../shared/data/dicom/pydicom not present");
        }
        int decoded = 0;
        int refused = 0;
        QDirIterator it(folder, {"*.dcm"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            auto image = loadImage(path.toStdString());
            if (image.ok()) {
                QVERIFY2(!image->display.empty(), qPrintable(path));
                QCOMPARE(image->display.cols, image->meta.width);
                QCOMPARE(image->display.rows, image->meta.height);
                ++decoded;
            } else {
                const QString message = QString::fromStdString(image.error().message);
                QVERIFY2(message.contains(QFileInfo(path).fileName()), qPrintable(message));
                QVERIFY2(message.size() > path.size() + 10, qPrintable(message));
                ++refused;
            }
        }
        qInfo("pydicom files: %d decoded, %d refused with a reason", decoded, refused);
        QVERIFY(decoded >= 40);
    }

    void modelInputIsScaledChw()
    {
        ModelInputSpec spec;
        spec.size = 64;
        spec.channels = 3;
        auto input = loadModelInput(firstDemoImage("val", "PNEUMONIA"), spec);
        QVERIFY(input.ok());
        QCOMPARE(input->size(), std::size_t(3 * 64 * 64));
        const auto [low, high] = std::minmax_element(input->begin(), input->end());
        QVERIFY(*low >= 0.0f && *high <= 1.0f && *high > *low);
    }

    // Training and the viewer reach the model through the same function: same file, same tensor.
    void modelInputIsIdenticalFromEveryEntryPoint()
    {
        const std::string path = test::dicomFile("chest_cr_mono2.dcm").toStdString();
        ModelInputSpec spec;
        auto viaFile = loadModelInput(path, spec);
        LoadOptions options;
        options.reduceTo = spec.size;
        auto image = loadImage(path, options);
        QVERIFY(viaFile.ok() && image.ok());
        QVERIFY(*viaFile == toModelInput(*image, spec));
    }

    // Letterbox keeps the aspect ratio: a wide image gets black bars above and below.
    void letterboxPadsInsteadOfStretching()
    {
        Image image;
        image.display = cv::Mat(50, 100, CV_8UC1, cv::Scalar(200));
        ModelInputSpec spec;
        spec.size = 20;
        spec.resize = ResizeMode::Letterbox;
        const cv::Mat picture = modelInputPicture(image, spec);
        QCOMPARE(picture.size(), cv::Size(20, 20));
        QCOMPARE(picture.at<unsigned char>(0, 10), (unsigned char)0);    // bar
        QCOMPARE(picture.at<unsigned char>(10, 10), (unsigned char)200); // content
        QCOMPARE(picture.at<unsigned char>(19, 10), (unsigned char)0);   // bar
        QCOMPARE(contentRect(100, 50, spec), cv::Rect(0, 5, 20, 10));
        spec.resize = ResizeMode::Squash;
        QCOMPARE(modelInputPicture(image, spec).at<unsigned char>(0, 10), (unsigned char)200);
        QCOMPARE(contentRect(100, 50, spec), cv::Rect(0, 0, 20, 20));
    }

    void thumbnailKeepsAspect()
    {
        auto thumbnail = loadThumbnail(test::dicomFile("CT_small.dcm").toStdString(), 32);
        QVERIFY(thumbnail.ok());
        QCOMPARE(std::max(thumbnail->cols, thumbnail->rows), 32);
    }

    // Golden images of the three drawing styles on a grey ramp with a smooth map. Regenerate
    // with CXR_UPDATE_GOLDEN=1 after a deliberate change, and look at them before committing.
    void overlayStylesMatchGoldenImages_data()
    {
        QTest::addColumn<QString>("golden");
        QTest::addColumn<int>("colormap");
        QTest::addColumn<double>("opacity");
        QTest::addColumn<double>("threshold");
        QTest::addColumn<bool>("contours");
        QTest::newRow("jet filled")
            << "overlay_jet_filled.png" << int(Colormap::Jet) << 0.5 << 0.0 << false;
        QTest::newRow("inferno hide below 0.5")
            << "overlay_inferno_hide_below.png" << int(Colormap::Inferno) << 0.7 << 0.5 << false;
        QTest::newRow("viridis contours")
            << "overlay_viridis_contours.png" << int(Colormap::Viridis) << 1.0 << 0.0 << true;
    }

    void overlayStylesMatchGoldenImages()
    {
        QFETCH(QString, golden);
        QFETCH(int, colormap);
        QFETCH(double, opacity);
        QFETCH(double, threshold);
        QFETCH(bool, contours);
        cv::Mat base(96, 128, CV_8UC1);
        for (int y = 0; y < base.rows; ++y) {
            for (int x = 0; x < base.cols; ++x) {
                base.at<std::uint8_t>(y, x) = std::uint8_t(40 + x + y / 2);
            }
        }
        std::vector<float> map(std::size_t(12) * 16);
        for (int y = 0; y < 12; ++y) {
            for (int x = 0; x < 16; ++x) { // a bump centred right of the middle, 0 to 1
                const double dx = (x - 10.0) / 5.0;
                const double dy = (y - 5.0) / 4.0;
                map[std::size_t(y) * 16 + std::size_t(x)] = float(std::exp(-(dx * dx + dy * dy)));
            }
        }
        HeatmapStyle style;
        style.colormap = Colormap(colormap);
        style.opacity = opacity;
        style.threshold = threshold;
        style.mode = contours ? HeatmapMode::Contours : HeatmapMode::Filled;
        const cv::Mat rendered = renderHeatmapOverlay(base, map, 16, 12, style);
        const QString file = test::sourcePath("tests/data/golden/" + golden);
        if (qEnvironmentVariableIsSet("CXR_UPDATE_GOLDEN")) {
            QVERIFY(cv::imwrite(file.toStdString(), rendered));
        }
        const cv::Mat expected = cv::imread(file.toStdString(), cv::IMREAD_COLOR);
        QVERIFY2(!expected.empty(), qPrintable(file));
        QCOMPARE(expected.size(), rendered.size());
        cv::Mat difference;
        cv::absdiff(expected, rendered, difference);
        // One grey level of slack for a different OpenCV's rounding; a style change is far more.
        QVERIFY2(cv::norm(difference, cv::NORM_INF) <= 1, qPrintable(golden));
        if (threshold > 0) { // hidden where weak: the corner is the plain image
            QCOMPARE(rendered.at<cv::Vec3b>(0, 0), cv::Vec3b(40, 40, 40));
        }
    }

    void overlayBlendsColourOverImage()
    {
        const cv::Mat base(4, 4, CV_8UC1, cv::Scalar(100));
        const std::vector<float> hot(16, 1.0f);
        // Opacity 0: the image unchanged; opacity 1: the colour map's top colour everywhere.
        const cv::Mat none =
            renderHeatmapOverlay(base, hot, 4, 4, HeatmapStyle{Colormap::Jet, 0.0});
        QCOMPARE(none.at<cv::Vec3b>(2, 2), cv::Vec3b(100, 100, 100));
        const cv::Mat full =
            renderHeatmapOverlay(base, hot, 4, 4, HeatmapStyle{Colormap::Jet, 1.0});
        const cv::Vec3b &top = full.at<cv::Vec3b>(1, 1);
        QVERIFY2(top[2] > 100 && top[0] < 50, "jet's maximum is dark red"); // BGR
        const cv::Mat half =
            renderHeatmapOverlay(base, hot, 4, 4, HeatmapStyle{Colormap::Jet, 0.5});
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::abs(int(half.at<cv::Vec3b>(0, 0)[c]) - (100 + top[c]) / 2) <= 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestImaging)
#include "test_imaging.moc"
