// SPDX-License-Identifier: MIT
#include "core/data/dataset_scanner.h"
#include "core/data/split_loader.h"
#include "tests/common/test_paths.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

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

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
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
        QCOMPARE(index->fingerprint(), scanDataset(test::demoDataset().toStdString())->fingerprint());
    }

    void classOnlyLayoutWithProblemFiles()
    {
        QTemporaryDir dir;
        copyDemoImages(dir.filePath("cats and dögs/NORMAL"), "NORMAL", 3);
        copyDemoImages(dir.filePath("cats and dögs/PNEUMONIA"), "PNEUMONIA", 2);
        const QString root = dir.filePath("cats and dögs");
        writeFile(root + "/NORMAL/readme.txt", "notes");
        writeFile(root + "/NORMAL/empty.jpeg", "");
        QFile source(QDirIterator(test::demoDataset() + "/train/NORMAL", QDir::Files).next());
        QVERIFY(source.open(QIODevice::ReadOnly));
        writeFile(root + "/PNEUMONIA/cut.jpeg", source.readAll().left(2000));

        auto index = scanDataset(root.toStdString());
        QVERIFY(index.ok());
        QCOMPARE(index->layout, DatasetLayout::ClassOnly);
        QCOMPARE(index->splits, std::vector<std::string>{"all"});
        QCOMPARE(index->count("all", 0), 3);
        QCOMPARE(index->count("all", 1), 2);
        QCOMPARE(index->problems.size(), std::size_t(3));
        QStringList reasons;
        for (const auto &problem : index->problems) {
            reasons << QString::fromStdString(problem.path.filename().string() + ": " + problem.reason);
        }
        reasons.sort();
        QVERIFY2(reasons[0].startsWith("cut.jpeg: truncated JPEG"), qPrintable(reasons[0]));
        QVERIFY2(reasons[1].startsWith("empty.jpeg: empty file"), qPrintable(reasons[1]));
        QVERIFY2(reasons[2].startsWith("readme.txt: not an image"), qPrintable(reasons[2]));
    }

    void unusableFoldersAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << "missing" << "folder not found";
        QTest::newRow("empty") << "empty" << "no class folders";
        QTest::newRow("files at the top") << "flat" << "no class folders";
        QTest::newRow("a file") << "file" << "not a folder";
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
            writeFile(root, "x");
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

    void scanCanBeCancelled()
    {
        CancelFlag cancel;
        cancel.cancel();
        auto index = scanDataset(test::demoDataset().toStdString(), &cancel);
        QVERIFY(!index.ok());
        QCOMPARE(index.error().code, ErrorCode::Cancelled);
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
        auto single = imaging::loadModelInput(arrays->paths[3], spec);
        QVERIFY(std::equal(single->begin(), single->end(), arrays->image(3)));

        auto missing = loadSplit(*index, "holdout", spec, report);
        QVERIFY(!missing.ok());
        QVERIFY(QString::fromStdString(missing.error().message).contains("holdout"));
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
