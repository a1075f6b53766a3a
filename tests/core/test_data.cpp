// SPDX-License-Identifier: MIT
#include "core/common/tensor_cache_file.h"
#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/data/dataset_statistics.h"
#include "core/data/leakage_check.h"
#include "core/data/manifest.h"
#include "core/data/patient_folds.h"
#include "core/data/patient_id.h"
#include "core/data/split_loader.h"
#include "core/data/tensor_cache.h"
#include "core/data/validation_split.h"
#include "core/imaging/image_loader.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <map>
#include <set>

#if defined(Q_OS_UNIX)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace cxr;
using namespace cxr::data;

namespace {

// Copies n demo images of cls into folder (created).
void copyDemoImages(const QString &folder, const QString &cls, int n)
{
    QDir().mkpath(folder);
    QDirIterator it(test::demoDataset() + "/train/" + cls, QDir::Files);
    for (int i = 0; i < n && it.hasNext(); ++i) {
        const QString source = it.next();
        QFile::copy(source, folder + "/" + QFileInfo(source).fileName());
    }
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void putBigEndian(QByteArray &bytes, int at, quint32 value, int size)
{
    for (int i = 0; i < size; ++i) {
        bytes[at + i] = char((value >> (8 * (size - 1 - i))) & 0xFF);
    }
}

void putLittleEndian(QByteArray &bytes, int at, quint32 value)
{
    for (int i = 0; i < 4; ++i) {
        bytes[at + i] = char((value >> (8 * i)) & 0xFF);
    }
}

// The problems of index as "file name: reason", sorted.
QStringList problemList(const DatasetIndex &index)
{
    QStringList reasons;
    for (const auto &problem : index.problems) {
        reasons << QString::fromStdString(problem.path.filename().string() + ": " + problem.reason);
    }
    reasons.sort();
    return reasons;
}

} // namespace

class TestData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scansDemoDataset()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY2(index.ok(), index.ok() ? "" : index.error().message.c_str());
        QCOMPARE(index->layout, DatasetLayout::SplitClass);
        QCOMPARE(index->classes, (std::vector<std::string>{"NORMAL", "PNEUMONIA"}));
        QCOMPARE(index->splits, (std::vector<std::string>{"train", "val", "test"}));
        QCOMPARE(index->count("train", 0), 60);
        QCOMPARE(index->count("train", 1), 60);
        QCOMPARE(index->count("val"), 30);
        QCOMPARE(index->count("test"), 50);
        QVERIFY(index->problems.empty());
        QCOMPARE(index->fingerprint(),
                 scanDataset(test::demoDataset().toStdString())->fingerprint());
    }

    void classOnlyLayoutWithProblemFiles()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("cats and dögs/NORMAL"), "NORMAL", 3);
        copyDemoImages(dir.filePath("cats and dögs/PNEUMONIA"), "PNEUMONIA", 2);
        const QString root = dir.filePath("cats and dögs");
        QVERIFY(test::writeFile(root + "/NORMAL/readme.txt", "notes"));
        QVERIFY(test::writeFile(root + "/NORMAL/empty.jpeg", ""));
        QFile source(QDirIterator(test::demoDataset() + "/train/NORMAL", QDir::Files).next());
        QVERIFY(source.open(QIODevice::ReadOnly));
        QVERIFY(test::writeFile(root + "/PNEUMONIA/cut.jpeg", source.readAll().left(2000)));

        auto index = scanDataset(root.toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->layout, DatasetLayout::ClassOnly);
        QCOMPARE(index->splits, std::vector<std::string>{"all"});
        QCOMPARE(index->count("all", 0), 3);
        QCOMPARE(index->count("all", 1), 2);
        QCOMPARE(index->problems.size(), std::size_t(3));
        QStringList reasons;
        for (const auto &problem : index->problems) {
            reasons << QString::fromStdString(problem.path.filename().string() + ": " +
                                              problem.reason);
        }
        reasons.sort();
        QVERIFY2(reasons[0].startsWith("cut.jpeg: truncated JPEG"), qPrintable(reasons[0]));
        QVERIFY2(reasons[1].startsWith("empty.jpeg: empty file"), qPrintable(reasons[1]));
        QVERIFY2(reasons[2].startsWith("readme.txt: not an image"), qPrintable(reasons[2]));
    }

    void listingFirstThenInspection()
    {
        // The GUI's two steps: names at once, then each file opened. A class folder with only
        // unusable files is a class in the listing and gone after the inspection.
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("NORMAL"), "NORMAL", 2);
        copyDemoImages(dir.filePath("PNEUMONIA"), "PNEUMONIA", 2);
        QVERIFY(test::writeFile(dir.filePath("NORMAL/broken.jpeg"), "not a jpeg"));
        QVERIFY(test::writeFile(dir.filePath("NOTES/readme.txt"), "notes"));
        auto listed = scanDataset(dir.path().toStdString(), nullptr, ScanOptions{false});
        QVERIFY(listed.ok());
        QVERIFY(!listed->filesInspected);
        QCOMPARE(listed->classes, (std::vector<std::string>{"NORMAL", "NOTES", "PNEUMONIA"}));
        QCOMPARE(listed->files.size(), std::size_t(6));
        QVERIFY(listed->problems.empty());

        auto inspected = inspectDataset(*listed);
        QVERIFY(inspected.ok());
        QVERIFY(inspected->filesInspected);
        QCOMPARE(inspected->classes, (std::vector<std::string>{"NORMAL", "PNEUMONIA"}));
        QCOMPARE(inspected->count("all", 0), 2);
        QCOMPARE(inspected->count("all", 1), 2); // PNEUMONIA's label moved from 2 to 1
        QCOMPARE(inspected->problems.size(), std::size_t(2));
        for (const DatasetFile &file : inspected->files) {
            QVERIFY(file.bytes > 0);
            QCOMPARE(file.header.width, 224);
        }
        // Same result as the one-step scan.
        QCOMPARE(inspected->fingerprint(), scanDataset(dir.path().toStdString())->fingerprint());

        // Nothing usable at all: the inspection says so, naming the folder.
        QTemporaryDir junk;
        QVERIFY(test::writeFile(junk.filePath("A/a.jpeg"), "x"));
        auto junkListed = scanDataset(junk.path().toStdString(), nullptr, ScanOptions{false});
        QVERIFY(junkListed.ok());
        auto junkInspected = inspectDataset(*junkListed);
        QVERIFY(!junkInspected.ok());
        QVERIFY(junkInspected.error().message.find("no class folders") != std::string::npos);
    }

    void unusableFoldersAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << "missing"
                                 << "folder not found";
        QTest::newRow("empty") << "empty"
                               << "no class folders";
        QTest::newRow("files at the top") << "flat"
                                          << "no class folders";
        QTest::newRow("a file") << "file"
                                << "not a folder";
    }

    void unusableFoldersAreRefused()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QString root = dir.filePath(kind);
        if (kind == "empty") {
            QDir().mkpath(root);
        } else if (kind == "flat") {
            copyDemoImages(root, "NORMAL", 2);
        } else if (kind == "file") {
            QVERIFY(test::writeFile(root, "x"));
        }
        auto index = scanDataset(root.toStdString());
        QVERIFY(!index.ok());
        const QString message = QString::fromStdString(index.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.contains(kind), qPrintable(message));
    }

    void symlinkLoopsAreNotFollowed()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("A"), "NORMAL", 1);
        copyDemoImages(dir.filePath("B"), "PNEUMONIA", 1);
        QVERIFY(QFile::link(dir.path(), dir.filePath("A/loop")));
        auto index = scanDataset(dir.path().toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(2));
    }

    // Images the loaders refuse from their header (the size limits of image_loader.h, the DICOM
    // header checks) were counted as usable by the scan, and training failed on them later.
    void scanListsImagesTheLoadersRefuse_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("40000x40000 PNG")
            << "png 40000 40000"
            << "image is 40000x40000 pixels, larger than CXR Studio accepts";
        QTest::newRow("2147483647x1 PNG")
            << "png 2147483647 1"
            << "image is 2147483647x1 pixels, larger than CXR Studio accepts";
        QTest::newRow("4294967295x1 PNG") << "png 4294967295 1"
                                          << "image is 4294967295x1 pixels";
        QTest::newRow("0x0 PNG") << "png 0 0"
                                 << "no image size in its header";
        QTest::newRow("40000x40000 JPEG")
            << "jpeg 40000 40000"
            << "image is 40000x40000 pixels, larger than CXR Studio accepts";
        QTest::newRow("30000x30000 JPEG (too many pixels)") << "jpeg 30000 30000"
                                                            << "image is 30000x30000 pixels";
        QTest::newRow("JPEG without frame header") << "jpeg no SOF"
                                                   << "no frame header (SOF)";
        QTest::newRow("40000x10 BMP") << "bmp 40000 10"
                                      << "image is 40000x10 pixels";
        QTest::newRow("BMP with its rows cut") << "bmp 224 400"
                                               << "truncated BMP: the file holds";
        QTest::newRow("60000x60000 DICOM") << "dicom MR_small_huge_header.dcm"
                                           << "image is 60000x60000 pixels";
        QTest::newRow("DICOM without pixel data") << "dicom rtplan.dcm"
                                                  << "DICOM file has no pixel data";
        QTest::newRow("truncated DICOM") << "dicom MR_truncated.dcm"
                                         << "DICOM file is truncated";
    }

    void scanListsImagesTheLoadersRefuse()
    {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("NORMAL"), "NORMAL", 2);
        copyDemoImages(dir.filePath("PNEUMONIA"), "PNEUMONIA", 1);
        const QStringList words = kind.split(' ');
        const QString demo = QDirIterator(dir.filePath("NORMAL"), QDir::Files).next();
        QByteArray bytes;
        QString name;
        if (words[0] == "dicom") {
            name = words[1];
            bytes = readAll(test::dicomFile(name));
        } else if (words[0] == "jpeg") {
            name = "bad.jpeg";
            bytes = readAll(demo);
            const int sof = bytes.indexOf(QByteArray("\xFF\xC0", 2));
            QVERIFY(sof > 0);
            if (words[1] == "no") {
                bytes[sof + 1] = char(0xFE); // the frame header becomes a comment
            } else {
                putBigEndian(bytes, sof + 7, words[1].toUInt(), 2);
                putBigEndian(bytes, sof + 5, words[2].toUInt(), 2);
            }
        } else {
            const cv::Mat picture = cv::imread(demo.toStdString(), cv::IMREAD_GRAYSCALE);
            std::vector<unsigned char> encoded;
            QVERIFY(cv::imencode("." + words[0].toStdString(), picture, encoded));
            bytes = QByteArray(reinterpret_cast<const char *>(encoded.data()),
                               qsizetype(encoded.size()));
            name = "bad." + words[0];
            if (words[0] == "png") { // IHDR's width and height
                putBigEndian(bytes, 16, words[1].toUInt(), 4);
                putBigEndian(bytes, 20, words[2].toUInt(), 4);
            } else {
                putLittleEndian(bytes, 18, words[1].toUInt());
                putLittleEndian(bytes, 22, words[2].toUInt());
            }
        }
        const QString path = dir.filePath("NORMAL/" + name);
        QVERIFY(test::writeFile(path, bytes));

        auto index = scanDataset(dir.path().toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(3));
        const QStringList problems = problemList(*index);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems[0].startsWith(name + ": " + expected), qPrintable(problems[0]));
        // The loader refuses it for the same reason: the scan uses the loaders' own checks.
        auto image = imaging::loadImage(path.toStdString());
        QVERIFY(!image.ok());
        QVERIFY2(QString::fromStdString(image.error().message).startsWith(path + ": " + expected),
                 image.error().message.c_str());
    }

    // Entries of a class folder that cannot be images were skipped without a word. Each is a
    // problem with its reason, in the names-only listing too, and none is opened (a FIFO would
    // block the scan).
    void scanListsEntriesThatCannotBeImages_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("symbolic link to itself")
            << "self link" << QStringList{"loop.jpeg: symbolic link loop"};
        QTest::newRow("two links to each other")
            << "link pair"
            << QStringList{"a.jpeg: symbolic link loop", "b.jpeg: symbolic link loop"};
        QTest::newRow("dangling symbolic link")
            << "dangling"
            << QStringList{"gone.jpeg: dangling symbolic link (its target does not exist)"};
        QTest::newRow("link to an enclosing folder")
            << "link up" << QStringList{"up: symbolic link to a folder, not followed"};
        QTest::newRow("folder named x.jpeg")
            << "folder" << QStringList{"x.jpeg: a folder, not an image file"};
        QTest::newRow("FIFO") << "fifo"
                              << QStringList{"pipe.jpeg: a FIFO (named pipe), not an image file"};
        QTest::newRow("link to a FIFO")
            << "fifo link"
            << QStringList{"pipe-link.jpeg: a FIFO (named pipe), not an image file",
                           "pipe.jpeg: a FIFO (named pipe), not an image file"};
        QTest::newRow("class folder is a dangling link")
            << "class link"
            << QStringList{"OTHER: dangling symbolic link (its target does not exist)"};
    }

    void scanListsEntriesThatCannotBeImages()
    {
        QFETCH(QString, kind);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("NORMAL"), "NORMAL", 2);
        copyDemoImages(dir.filePath("PNEUMONIA"), "PNEUMONIA", 1);
        const QString folder = dir.filePath("NORMAL/");
        namespace fs = std::filesystem;
        std::error_code error;
        if (kind == "self link") {
            fs::create_symlink("loop.jpeg", (folder + "loop.jpeg").toStdString(), error);
        } else if (kind == "link pair") {
            fs::create_symlink("b.jpeg", (folder + "a.jpeg").toStdString(), error);
            fs::create_symlink("a.jpeg", (folder + "b.jpeg").toStdString(), error);
        } else if (kind == "dangling") {
            fs::create_symlink("missing.jpeg", (folder + "gone.jpeg").toStdString(), error);
        } else if (kind == "link up") {
            fs::create_directory_symlink("..", (folder + "up").toStdString(), error);
        } else if (kind == "folder") {
            QVERIFY(QDir().mkpath(folder + "x.jpeg"));
        } else if (kind.startsWith("fifo")) {
#if defined(Q_OS_UNIX)
            QCOMPARE(mkfifo((folder + "pipe.jpeg").toLocal8Bit().constData(), 0600), 0);
            if (kind == "fifo link") {
                fs::create_symlink("pipe.jpeg", (folder + "pipe-link.jpeg").toStdString(), error);
            }
#else
            QSKIP("no FIFOs here");
#endif
        } else if (kind == "class link") {
            fs::create_directory_symlink(dir.filePath("elsewhere").toStdString(),
                                         dir.filePath("OTHER").toStdString(), error);
        }
        if (error) {
            QSKIP(qPrintable("cannot make symbolic links here: " +
                             QString::fromStdString(error.message())));
        }
        for (bool inspect : {false, true}) {
            auto scan = std::async(std::launch::async, [&] {
                return scanDataset(dir.path().toStdString(), nullptr, ScanOptions{inspect});
            });
            if (scan.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
#if defined(Q_OS_UNIX)
                // Opened and blocked: a writer lets the scan go on, and the test fails.
                ::close(::open((folder + "pipe.jpeg").toLocal8Bit().constData(), O_RDWR));
#endif
                scan.wait();
                QFAIL("the scan blocked (a FIFO was opened?)");
            }
            auto index = scan.get();
            QVERIFY(index.ok());
            QCOMPARE(index->files.size(), std::size_t(3));
            const QStringList problems = problemList(*index);
            QCOMPARE(problems.size(), expected.size());
            for (int i = 0; i < expected.size(); ++i) {
                QVERIFY2(problems[i].startsWith(expected[i]), qPrintable(problems[i]));
            }
        }
    }

    // A manifest row naming such an entry says why it cannot be used.
    void manifestRowsThatCannotBeImages()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 1);
        const QByteArray good = QDir(dir.filePath("img")).entryList(QDir::Files).front().toUtf8();
        namespace fs = std::filesystem;
        std::error_code error;
        fs::create_symlink("loop.jpeg", dir.filePath("img/loop.jpeg").toStdString(), error);
        fs::create_symlink("missing.jpeg", dir.filePath("img/gone.jpeg").toStdString(), error);
        if (error) {
            QSKIP("cannot make symbolic links here");
        }
        QVERIFY(QDir().mkpath(dir.filePath("img/x.jpeg")));
        QByteArray rows = "path,label\nimg/" + good +
                          ",NORMAL\nimg/loop.jpeg,NORMAL\n"
                          "img/gone.jpeg,NORMAL\nimg/x.jpeg,NORMAL\n";
        QStringList expected{"row 3: symbolic link loop", "row 4: dangling symbolic link",
                             "row 5: a folder, not an image file"};
#if defined(Q_OS_UNIX)
        QCOMPARE(mkfifo(dir.filePath("img/pipe.jpeg").toLocal8Bit().constData(), 0600), 0);
        rows += "img/pipe.jpeg,NORMAL\n";
        expected << "row 6: a FIFO (named pipe), not an image file";
#endif
        QVERIFY(test::writeFile(dir.filePath("m.csv"), rows));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(1));
        QCOMPARE(index->problems.size(), std::size_t(expected.size()));
        for (int i = 0; i < expected.size(); ++i) {
            const QString reason = QString::fromStdString(index->problems[std::size_t(i)].reason);
            QVERIFY2(reason.contains(expected[i]), qPrintable(reason));
        }
    }

    void scanCanBeCancelled()
    {
        CancelFlag cancel;
        cancel.cancel();
        auto index = scanDataset(test::demoDataset().toStdString(), &cancel);
        QVERIFY(!index.ok());
        QCOMPARE(index.error().code, ErrorCode::Cancelled);
    }

    void patientIdsFromKermanyNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("patient");
        QTest::newRow("pneumonia") << "person1000_bacteria_2931.jpeg"
                                   << "person1000";
        QTest::newRow("virus") << "person1946_virus_4874.jpeg"
                               << "person1946";
        QTest::newRow("normal") << "IM-0115-0001.jpeg"
                                << "IM-0115";
        QTest::newRow("normal, second image") << "IM-0505-0001-0002.jpeg"
                                              << "IM-0505";
        QTest::newRow("normal2") << "NORMAL2-IM-1427-0001.jpeg"
                                 << "NORMAL2-IM-1427";
        QTest::newRow("unknown") << "scan 7.dcm"
                                 << "";
    }

    void patientIdsFromKermanyNames()
    {
        QFETCH(QString, name);
        QFETCH(QString, patient);
        QCOMPARE(QString::fromStdString(patientIdFromFileName(name.toStdString())), patient);
    }

    void statisticsOfDemo()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        const DatasetStatistics statistics = computeStatistics(*index);
        QCOMPARE(statistics.splits.size(), std::size_t(3));
        QCOMPARE(statistics.splits[0].imbalanceRatio, 1.0);
        QCOMPARE(statistics.splits[0].majorityBaseline, 0.5);
        QCOMPARE(statistics.formats.at("JPEG"), 200);
        QVERIFY(statistics.smallestFileBytes > 0);
        QVERIFY(statistics.smallestFileBytes <= statistics.medianFileBytes);
        QVERIFY(statistics.medianFileBytes <= statistics.largestFileBytes);
    }

    // The demo set is patient-disjoint by construction; a copied image and a shared patient
    // must both be found.
    void leakageAcrossSplits()
    {
        auto clean = scanDataset(test::demoDataset().toStdString());
        QVERIFY(clean.ok());
        const LeakageReport demo = checkLeakage(*clean);
        QVERIFY(demo.patientLeaks.empty());
        QVERIFY(demo.exactDuplicates.empty());
        QVERIFY(demo.validationTooSmall); // 15 per class

        QTemporaryDir dir;
        copyDemoImages(dir.filePath("train/NORMAL"), "NORMAL", 4);
        copyDemoImages(dir.filePath("train/PNEUMONIA"), "PNEUMONIA", 4);
        copyDemoImages(dir.filePath("test/PNEUMONIA"), "PNEUMONIA", 1); // same file again
        const QString first = QDirIterator(dir.filePath("train/NORMAL"), QDir::Files).next();
        QDir().mkpath(dir.filePath("test/NORMAL"));
        QFile::copy(first, dir.filePath("test/NORMAL/" + QFileInfo(first).fileName()));
        auto index = scanDataset(dir.path().toStdString());
        QVERIFY(index.ok());
        const LeakageReport report = checkLeakage(*index);
        QCOMPARE(report.patientLeaks.size(), std::size_t(2));
        QCOMPARE(report.exactDuplicates.size(), std::size_t(2));
        QCOMPARE(report.exactDuplicates[0].splits, (std::vector<std::string>{"test", "train"}));
        QVERIFY(report.validationTooSmall);
        QVERIFY(QString::fromStdString(report.validationAdvice).contains("cxr split"));
    }

    // A resized, re-encoded and brightened copy in another split is found; the unrelated
    // films of the same class are not.
    void nearDuplicatesAcrossSplits()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("train/NORMAL"), "NORMAL", 6);
        copyDemoImages(dir.filePath("train/PNEUMONIA"), "PNEUMONIA", 6);
        const QString original = QDirIterator(dir.filePath("train/NORMAL"), QDir::Files).next();
        cv::Mat image = cv::imread(original.toStdString(), cv::IMREAD_GRAYSCALE);
        cv::Mat copy;
        cv::resize(image, copy, cv::Size(180, 180), 0, 0, cv::INTER_AREA);
        copy.convertTo(copy, CV_8U, 1.0, 12.0);
        QDir().mkpath(dir.filePath("test/NORMAL"));
        QVERIFY(cv::imwrite(dir.filePath("test/NORMAL/copy.jpeg").toStdString(), copy,
                            {cv::IMWRITE_JPEG_QUALITY, 70}));
        auto index = scanDataset(dir.path().toStdString());
        QVERIFY(index.ok());
        const LeakageReport skipped = checkLeakage(*index);
        QVERIFY(!skipped.nearDuplicatesChecked);
        const LeakageReport report = checkLeakage(*index, nullptr, NearDuplicates::Check);
        QVERIFY(report.nearDuplicatesChecked);
        QVERIFY(report.exactDuplicates.empty());
        QCOMPARE(report.nearDuplicates.size(), std::size_t(1));
        const NearDuplicate &pair = report.nearDuplicates.front();
        QCOMPARE(QString::fromStdString(pair.first.string()), original);
        QCOMPARE(pair.second.filename().string(), std::string("copy.jpeg"));
    }

    void carvesPatientDisjointStratifiedValidation()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        ValidationSplitSettings settings;
        settings.valFraction = 0.2;
        ValidationSplitSummary summary;
        auto carved = carveValidationSplit(*index, settings, &summary);
        QVERIFY(carved.ok());
        QCOMPARE(carved->count("test"), index->count("test")); // test untouched
        QCOMPARE(carved->count("train") + carved->count("val"),
                 index->count("train") + index->count("val"));
        QCOMPARE(summary.movedImages, 24); // 20% of 60 per class
        QCOMPARE(carved->count("val", 0), 15 + 12);
        QCOMPARE(carved->count("val", 1), 15 + 12);
        QVERIFY(checkLeakage(*carved).patientLeaks.empty());

        // The same seed gives the same split; another seed another one.
        auto again = carveValidationSplit(*index, settings);
        QCOMPARE(again->fingerprint(), carved->fingerprint());
        settings.seed = 7;
        QVERIFY(carveValidationSplit(*index, settings)->fingerprint() != carved->fingerprint());

        settings.valFraction = 0.9;
        QVERIFY(!carveValidationSplit(*index, settings).ok());
    }

    // K-fold over patients: every training image held out exactly once, never the test split,
    // no patient on two sides, classes balanced across folds, the validation split carved from
    // the remaining patients, and the same folds for the same seed.
    void crossValidationFoldsArePatientDisjoint()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        const std::int64_t training = index->count("train") + index->count("val");
        std::map<std::string, int> heldOutTimes;
        for (int fold = 1; fold <= 3; ++fold) {
            FoldSummary summary;
            auto split = crossValidationFold(*index, FoldSettings{3, fold, 42, 0.1}, &summary);
            QVERIFY2(split.ok(), split.ok() ? "" : split.error().message.c_str());
            QCOMPARE(split->count("test"), std::int64_t(0));
            QCOMPARE(split->count("train") + split->count("val") + split->count(kHeldOutSplit),
                     training);
            QCOMPARE(summary.heldOutImages, split->count(kHeldOutSplit));
            QVERIFY(std::abs(double(split->count(kHeldOutSplit)) - double(training) / 3) <= 2);
            QVERIFY(std::abs(split->count(kHeldOutSplit, 0) - split->count(kHeldOutSplit, 1)) <= 2);
            QVERIFY(split->count("val") > 0);
            std::map<std::string, std::set<std::string>> sides;
            for (const DatasetFile &file : split->files) {
                sides[file.patient.empty() ? file.path.string() : file.patient].insert(file.split);
                if (file.split == kHeldOutSplit) {
                    ++heldOutTimes[file.path.string()];
                }
            }
            for (const auto &[patient, splits] : sides) {
                QVERIFY2(splits.size() == 1, patient.c_str());
            }
            auto again = crossValidationFold(*index, FoldSettings{3, fold, 42, 0.1});
            QCOMPARE(again->fingerprint(), split->fingerprint());
        }
        QCOMPARE(std::int64_t(heldOutTimes.size()), training);
        for (const auto &[file, times] : heldOutTimes) {
            QCOMPARE(times, 1);
        }
        QVERIFY(!crossValidationFold(*index, FoldSettings{1, 1, 42, 0.1}).ok());
        QVERIFY(!crossValidationFold(*index, FoldSettings{3, 4, 42, 0.1}).ok());
        auto tooMany = crossValidationFold(*index, FoldSettings{20, 1, 42, 0.1});
        QVERIFY(tooMany.ok()); // 150 patients
    }

    void manifestRoundTrip()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        auto carved = carveValidationSplit(*index, {});
        QTemporaryDir dir;
        const std::string csv = dir.filePath("demo split.csv").toStdString();
        QVERIFY(writeManifest(csv, *carved).ok());
        auto reread = scanDataset(csv);
        QVERIFY2(reread.ok(), reread.ok() ? "" : reread.error().message.c_str());
        QCOMPARE(reread->layout, DatasetLayout::Manifest);
        QCOMPARE(reread->classes, carved->classes);
        QCOMPARE(reread->splits, carved->splits);
        QCOMPARE(reread->files.size(), carved->files.size());
        for (std::size_t i = 0; i < carved->files.size(); ++i) {
            QCOMPARE(reread->files[i].path, carved->files[i].path);
            QCOMPARE(reread->files[i].split, carved->files[i].split);
            QCOMPARE(reread->files[i].patient, carved->files[i].patient);
        }
    }

    void manifestWithBadRows()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 2);
        QStringList names = QDir(dir.filePath("img")).entryList(QDir::Files);
        QVERIFY(test::writeFile(dir.filePath("m.csv"), "path,label,split\n"
                                                       "img/" +
                                                           names[0].toUtf8() +
                                                           ",NORMAL,train\n"
                                                           "\"img/" +
                                                           names[1].toUtf8() +
                                                           "\",PNEUMONIA,train\n"
                                                           "img/missing.jpeg,NORMAL,train\n"
                                                           "img/" +
                                                           names[0].toUtf8() + ",,test\n"));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(2));
        QCOMPARE(index->problems.size(), std::size_t(2));
        QVERIFY(
            QString::fromStdString(index->problems[0].reason).contains("row 4: file not found"));
        QVERIFY(QString::fromStdString(index->problems[1].reason).contains("row 5: no label"));

        QVERIFY(test::writeFile(dir.filePath("bad.csv"), "file,class\nx,y\n"));
        auto bad = scanDataset(dir.filePath("bad.csv").toStdString());
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).contains("path and label"));
    }

    // Class names reach model cards, reports and JSON, which hold UTF-8 only: a class folder or
    // a manifest label that is not UTF-8 is listed as a problem instead of aborting a later write.
    void namesThatAreNotUtf8AreProblems()
    {
        namespace fs = std::filesystem;
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("folders/NORMAL"), "NORMAL", 2);
        copyDemoImages(dir.filePath("folders/PNEUMONIA"), "PNEUMONIA", 2);
        const fs::path root = fs::path(dir.filePath("folders").toStdString());
        fs::rename(root / "PNEUMONIA", root / "PNEU\xff\xfeMONIA");
        auto folders = scanDataset(root);
        QVERIFY(folders.ok());
        QCOMPARE(folders->classes, std::vector<std::string>{"NORMAL"});
        QCOMPARE(folders->problems.size(), std::size_t(1));
        QCOMPARE(folders->problems[0].reason, std::string(kClassNameNotUtf8));
        fs::rename(root / "PNEU\xff\xfeMONIA",
                   root / "PNEUMONIA"); // QTemporaryDir removes UTF-8 names only

        const QString image = QDir(dir.filePath("folders/NORMAL")).entryList(QDir::Files).first();
        QVERIFY(test::writeFile(dir.filePath("m.csv"), "path,label\n"
                                                       "folders/NORMAL/" +
                                                           image.toUtf8() +
                                                           ",NORMAL\n"
                                                           "folders/NORMAL/" +
                                                           image.toUtf8() + ",\xff\xfe\n"));
        auto manifest = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(manifest.ok());
        QCOMPARE(manifest->files.size(), std::size_t(1));
        QCOMPARE(manifest->problems.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(manifest->problems[0].reason)
                    .contains("row 3: class or split name is not UTF-8"));
        QVERIFY(isValidUtf8("plain ASCII and d\xc3\xb6gs"));
        for (const char *bad :
             {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80"}) {
            QVERIFY2(!isValidUtf8(bad), bad);
        }
    }

    // Found by fuzz_manifest: a manifest could list one file many times (in one split it counted
    // as several images, in two it was the same image on both sides), each with its own patient.
    void manifestListsAFileOnce()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 1);
        const QByteArray name = QDir(dir.filePath("img")).entryList(QDir::Files).first().toUtf8();
        QVERIFY(test::writeFile(dir.filePath("m.csv"), "path,label,split,patient\n"
                                                       "img/" +
                                                           name +
                                                           ",NORMAL,train,p1\n"
                                                           "img/" +
                                                           name +
                                                           ",NORMAL,train,p2\n"
                                                           "./img/../img/" +
                                                           name + ",PNEUMONIA,test,p3\n"));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(1));
        QCOMPARE(index->files[0].patient, std::string("p1"));
        QCOMPARE(index->problems.size(), std::size_t(2));
        QCOMPARE(index->problems[0].reason,
                 std::string("m.csv row 3: lists the same file as row 2"));
        QCOMPARE(index->problems[1].reason,
                 std::string("m.csv row 4: lists the same file as row 2"));
    }

    // Found by fuzz_manifest: an absolute path was kept as written ("<dir>/img/./x.png"), so
    // it did not match the same file named relatively (listed twice) and the manifest written
    // back named the file differently from the one read.
    void manifestAbsolutePathsAreNormalised()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 1);
        const QByteArray name = QDir(dir.filePath("img")).entryList(QDir::Files).first().toUtf8();
        const QByteArray absolute = QDir(dir.path()).absolutePath().toUtf8() + "/img/./" + name;
        QVERIFY(test::writeFile(dir.filePath("m.csv"), "path,label\n" + absolute + ",NORMAL\nimg/" +
                                                           name + ",PNEUMONIA\n"));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(1));
        QCOMPARE(index->files[0].path.string(), dir.filePath("img/" + name).toStdString());
        QCOMPARE(index->problems.size(), std::size_t(1));
        QCOMPARE(index->problems[0].reason,
                 std::string("m.csv row 3: lists the same file as row 2"));
    }

    // Found by fuzz_manifest: a path with a NUL byte opened the file named by the bytes before
    // it, so the row's path was not the file read.
    void manifestPathWithANulByteIsAProblem()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 1);
        const QByteArray name = QDir(dir.filePath("img")).entryList(QDir::Files).first().toUtf8();
        QVERIFY(test::writeFile(dir.filePath("m.csv"), "path,label\n"
                                                       "img/" +
                                                           name +
                                                           ",NORMAL\n"
                                                           "img/" +
                                                           name + QByteArray("\0/x.png", 7) +
                                                           ",NORMAL\n"));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->files.size(), std::size_t(1));
        QCOMPARE(index->problems.size(), std::size_t(1));
        QCOMPARE(index->problems[0].reason, std::string("m.csv row 3: path holds a NUL byte"));
    }

    // Excel's "CSV UTF-8" starts the file with a byte-order mark: the header is still found.
    // A header that names a column twice is ambiguous and refused, naming the column.
    void manifestHeaders_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("expected"); // empty: accepted
        QTest::newRow("plain") << QByteArray("path,label") << "";
        QTest::newRow("byte-order mark") << QByteArray("\xEF\xBB\xBFpath,label") << "";
        QTest::newRow("byte-order mark, CRLF")
            << QByteArray("\xEF\xBB\xBFpath,label,split\r") << "";
        QTest::newRow("label twice")
            << QByteArray("path,label,label") << "names column \"label\" more than once";
        QTest::newRow("path twice")
            << QByteArray("path,label,split,path") << "names column \"path\" more than once";
        QTest::newRow("split twice, quoted")
            << QByteArray("path,label,split,\"split\"") << "names column \"split\" more than once";
    }

    void manifestHeaders()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("img"), "NORMAL", 1);
        const QByteArray name = QDir(dir.filePath("img")).entryList(QDir::Files).front().toUtf8();
        const QByteArray ending = header.endsWith('\r') ? "\r\n" : "\n";
        QVERIFY(test::writeFile(dir.filePath("m.csv"), header + "\n" + "img/" + name +
                                                           ",NORMAL,train,img/" + name + ending));
        auto index = scanDataset(dir.filePath("m.csv").toStdString());
        if (expected.isEmpty()) {
            QVERIFY2(index.ok(), index.ok() ? "" : index.error().message.c_str());
            QCOMPARE(index->files.size(), std::size_t(1));
            QCOMPARE(index->classes, std::vector<std::string>{"NORMAL"});
        } else {
            QVERIFY(!index.ok());
            const QString message = QString::fromStdString(index.error().message);
            QVERIFY2(message.contains(expected), qPrintable(message));
            QVERIFY2(message.contains("m.csv"), qPrintable(message));
        }
    }

    void tensorCacheHitsAndInvalidates()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("data/train/NORMAL"), "NORMAL", 3);
        copyDemoImages(dir.filePath("data/train/PNEUMONIA"), "PNEUMONIA", 3);
        const std::string root = dir.filePath("data").toStdString();
        const std::filesystem::path cache = dir.filePath("cache").toStdString();
        imaging::ModelInputSpec spec;
        spec.size = 48;
        auto index = scanDataset(root);
        QVERIFY(index.ok());

        LoadReport report;
        CacheOutcome first;
        auto decoded = loadSplitCached(*index, "train", spec, cache, report, nullptr, &first);
        QVERIFY(decoded.ok());
        QVERIFY(!first.hit && first.written);
        CacheOutcome second;
        auto cached = loadSplitCached(*index, "train", spec, cache, report, nullptr, &second);
        QVERIFY(second.hit);
        // Both come from the cache file (the first run switches to it once written), and both
        // are byte-identical to decoding without a cache.
        auto plain = loadSplit(*index, "train", spec, report);
        QVERIFY(plain.ok());
        QVERIFY(decoded->pixels.toVector() == plain->pixels.toVector());
        QCOMPARE(decoded->paths, plain->paths);
        QVERIFY(cached->pixels.toVector() == decoded->pixels.toVector());
        QCOMPARE(cached->labels, decoded->labels);
        QCOMPARE(cached->paths, decoded->paths);

        // Another input size is another cache; a changed file makes the old one stale.
        spec.size = 32;
        CacheOutcome other;
        QVERIFY(loadSplitCached(*index, "train", spec, cache, report, nullptr, &other).ok());
        QVERIFY(!other.hit && other.file != first.file);
        spec.size = 48;
        const std::filesystem::path changed = index->files.front().path;
        std::filesystem::last_write_time(changed, std::filesystem::last_write_time(changed) +
                                                      std::chrono::seconds(5));
        CacheOutcome stale;
        QVERIFY(loadSplitCached(*index, "train", spec, cache, report, nullptr, &stale).ok());
        QVERIFY(!stale.hit && stale.written);

        // A damaged cache is rebuilt, not trusted.
        QFile damaged(QString::fromStdString(first.file.string()));
        QVERIFY(damaged.resize(1000));
        CacheOutcome rebuilt;
        auto again = loadSplitCached(*index, "train", spec, cache, report, nullptr, &rebuilt);
        QVERIFY(!rebuilt.hit && rebuilt.written);
        QVERIFY(again->pixels.toVector() == decoded->pixels.toVector());

        // An unwritable cache folder costs speed only.
        QVERIFY(test::writeFile(dir.filePath("blocked"), "a file, not a folder"));
        CacheOutcome blocked;
        auto uncached =
            loadSplitCached(*index, "train", spec, dir.filePath("blocked").toStdString(), report,
                            nullptr, &blocked);
        QVERIFY(uncached.ok());
        QVERIFY(!blocked.hit && !blocked.written);
        QVERIFY(uncached->pixels.toVector() == decoded->pixels.toVector());
    }

    // Found by fuzz_tensor_cache: a header with 0 channels or 0 images was read as a valid
    // cache (and 0 images passed a null pointer to memcpy); a side large enough to overflow the
    // size computation could map more bytes than the file holds.
    void tensorCacheHeaderIsChecked()
    {
        QTemporaryDir dir;
        const std::uint64_t key = 42;
        auto cacheFile = [&dir, key](std::uint32_t channels, std::uint32_t side,
                                     std::uint32_t count) {
            TensorCacheHeader header;
            header.channels = channels;
            header.side = side;
            header.count = count;
            header.key = key;
            std::string bytes = tensorCacheHeaderBytes(header);
            bytes += std::string(std::size_t(count) * 4, '\0');
            const std::uint64_t pixels = std::uint64_t(count) * channels * side * side;
            bytes += std::string(pixels < 100000 ? std::size_t(pixels) : 0, '\x7f');
            const QString path =
                dir.filePath(QString("c%1-%2-%3").arg(channels).arg(side).arg(count));
            test::writeFile(path, QByteArray::fromStdString(bytes));
            return std::filesystem::path(path.toStdString());
        };
        auto good = readTensorCache(cacheFile(3, 4, 2), key);
        QVERIFY(good.ok());
        QCOMPARE(good->count(), std::size_t(2));
        QCOMPARE(good->pixels.size(), std::size_t(2 * 3 * 4 * 4));
        const struct {
            std::uint32_t channels, side, count;
            const char *problem;
        } refused[] = {{0, 4, 2, "0 channels"},
                       {2, 4, 2, "2 channels"},
                       {1, 0, 2, "side of 0 pixels"},
                       {1, 4097, 1, "side of 4097 pixels"},
                       {1, 0x80000000u, 1, "side of 2147483648 pixels"},
                       {1, 4, 0, "holds no images"}};
        for (const auto &c : refused) {
            const std::filesystem::path file = cacheFile(c.channels, c.side, c.count);
            auto read = readTensorCache(file, key);
            QVERIFY(!read.ok());
            const QString message = QString::fromStdString(read.error().message);
            QVERIFY2(message.contains(c.problem), qPrintable(message));
            QVERIFY2(message.startsWith(QString::fromStdString(file.string())),
                     qPrintable(message));
        }
    }

    void tensorCacheIsWrittenOnlyWhenEveryImageDecodes()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("data/train/NORMAL"), "NORMAL", 3);
        copyDemoImages(dir.filePath("data/train/PNEUMONIA"), "PNEUMONIA", 3);
        // The names-only listing keeps this file; decoding refuses it.
        QVERIFY(test::writeFile(dir.filePath("data/train/NORMAL/zz-notes.jpeg"), "not a JPEG"));
        const std::string root = dir.filePath("data").toStdString();
        auto listed = scanDataset(root, nullptr, {/*inspectFiles=*/false});
        QVERIFY(listed.ok());
        QCOMPARE(listed->files.size(), std::size_t(7));
        const std::filesystem::path cache = dir.filePath("cache").toStdString();
        imaging::ModelInputSpec spec;
        spec.size = 48;

        LoadReport report;
        CacheOutcome failing;
        auto loaded = loadSplitCached(*listed, "train", spec, cache, report, nullptr, &failing);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->count(), std::size_t(6));
        QCOMPARE(report.failures.size(), std::size_t(1));
        QVERIFY(report.failures.front().path.filename() == "zz-notes.jpeg");
        QVERIFY(!failing.hit && !failing.written);
        QVERIFY(!std::filesystem::exists(failing.file));
        QVERIFY(!std::filesystem::exists(failing.file.string() + ".partial"));

        // Cancelled: an error, and neither the cache nor its temporary file is left behind.
        QVERIFY(QFile::remove(dir.filePath("data/train/NORMAL/zz-notes.jpeg")));
        auto clean = scanDataset(root);
        QVERIFY(clean.ok());
        const std::filesystem::path file = cacheFileFor(*clean, "train", spec, cache);
        CancelFlag cancel;
        cancel.cancel();
        auto stopped = loadSplitCached(*clean, "train", spec, cache, report, &cancel);
        QVERIFY(!stopped.ok());
        QCOMPARE(int(stopped.error().code), int(ErrorCode::Cancelled));
        QVERIFY(!std::filesystem::exists(file));
        QVERIFY(!std::filesystem::exists(file.string() + ".partial"));

        // Progress counts the split's images, whatever chunks they are decoded in.
        struct LastProgress : ProgressObserver {
            std::int64_t done = 0;
            std::int64_t total = 0;
            void progress(std::int64_t d, std::int64_t t) override
            {
                done = std::max(done, d);
                total = t;
            }
        } progress;
        CacheOutcome written;
        auto decoded = loadSplitCached(*clean, "train", spec, cache, report, &progress, &written);
        QVERIFY(decoded.ok() && written.written);
        QCOMPARE(progress.done, std::int64_t(6));
        QCOMPARE(progress.total, std::int64_t(6));
    }

    void loadsSplitIntoModelInputs()
    {
        auto index = scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        imaging::ModelInputSpec spec;
        spec.size = 32;
        LoadReport report;
        auto arrays = loadSplit(*index, "val", spec, report);
        QVERIFY(arrays.ok());
        QCOMPARE(arrays->count(), std::size_t(30));
        QCOMPARE(arrays->pixels.size(), std::size_t(30 * 32 * 32));
        QCOMPARE(std::count(arrays->labels.begin(), arrays->labels.end(), 1), 15);
        QVERIFY(report.failures.empty());
        // Same file, same tensor, whichever path loaded it.
        auto single = imaging::loadModelInputBytes(arrays->paths[3], spec);
        QVERIFY(std::equal(single->begin(), single->end(), arrays->image(3)));

        auto missing = loadSplit(*index, "holdout", spec, report);
        QVERIFY(!missing.ok());
        QVERIFY(QString::fromStdString(missing.error().message).contains("holdout"));
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
