// SPDX-License-Identifier: MIT
// Offscreen smoke test of the main window: pages, the demo dataset, thumbnails, the viewer.
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"
#include "ui/augment/augment_page.h"
#include "ui/dataset/dataset_checks_panel.h"
#include "ui/dataset/dataset_page.h"
#include "ui/dataset/dataset_plots.h"
#include "ui/dataset/thumbnail_model.h"
#include "ui/main_window.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QDirIterator>
#include <QFileInfo>
#include <QImage>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace cxr;
using namespace cxr::ui;

namespace {

// Opens folder on page and waits for the scan to finish.
bool openDatasetAndWait(DatasetPage *page, const QString &folder)
{
    QSignalSpy loaded(page, &DatasetPage::datasetLoaded);
    page->openDataset(folder);
    // datasetLoaded comes after the background pass that opens every listed file.
    return loaded.wait(10000) && page->dataset() && page->dataset()->filesInspected &&
           !page->isScanning();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void balancingShowsTheEpochMixAndFeedsTheAugmentPage()
    {
        // An imbalanced set: 6 NORMAL and 2 PNEUMONIA training images.
        QTemporaryDir dir;
        for (const auto &[cls, n] :
             {std::pair{QStringLiteral("NORMAL"), 6}, std::pair{QStringLiteral("PNEUMONIA"), 2}}) {
            QDir().mkpath(dir.filePath("train/" + cls));
            QDirIterator files(test::demoDataset() + "/train/" + cls, QDir::Files);
            for (int i = 0; i < n; ++i) {
                const QString source = files.next();
                QFile::copy(source,
                            dir.filePath("train/" + cls + "/" + QFileInfo(source).fileName()));
            }
        }
        MainWindow window;
        DatasetPage *page = window.datasetPage();
        QVERIFY(openDatasetAndWait(page, dir.path()));
        page->setBalanceMethod(BalanceMethod::None);
        QVERIFY2(page->epochMixText().contains("NORMAL 6, PNEUMONIA 2; 8 images"),
                 qPrintable(page->epochMixText()));
        page->setBalanceMethod(BalanceMethod::Oversample);
        QVERIFY2(page->epochMixText().contains("NORMAL 6, PNEUMONIA 6; 12 images"),
                 qPrintable(page->epochMixText()));
        page->setBalanceMethod(BalanceMethod::WeightedSampling);
        QVERIFY(page->epochMixText().contains("NORMAL 4, PNEUMONIA 4; 8 images"));
        page->setBalanceMethod(BalanceMethod::ClassWeightedLoss);
        QVERIFY2(page->epochMixText().contains("PNEUMONIA 2 (loss weight 2.00)"),
                 qPrintable(page->epochMixText()));
        page->setBalanceMethod(BalanceMethod::None);

        QVERIFY(window.augmentPage()->openRandomImage("PNEUMONIA"));
        QVERIFY(window.augmentPage()->imagePath().contains("PNEUMONIA"));
    }

    void hasTheSixPages()
    {
        MainWindow window;
        window.show();
        auto *pages = window.findChild<QListWidget *>();
        QVERIFY(pages);
        QStringList names;
        for (int i = 0; i < pages->count(); ++i) {
            names << pages->item(i)->text();
        }
        QCOMPARE(names, (QStringList{"Dataset", "Augment", "Train", "Evaluate", "Viewer", "PACS"}));
        window.showPage(MainWindow::EvaluatePageIndex);
        QCOMPARE(window.currentPage(), MainWindow::EvaluatePageIndex);
    }

    void opensDemoDatasetWithCountsAndThumbnails()
    {
        MainWindow window;
        window.show();
        DatasetPage *page = window.datasetPage();
        QVERIFY(openDatasetAndWait(page, test::demoDataset()));
        QVERIFY(page->dataset() != nullptr);

        auto *table = page->findChild<QTableWidget *>();
        QVERIFY(table);
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->horizontalHeaderItem(1)->text(), QString("PNEUMONIA"));
        QCOMPARE(table->item(0, 0)->text(), QString("60")); // train NORMAL
        QCOMPARE(table->item(2, 2)->text(), QString("50")); // test total

        ThumbnailModel *model = page->thumbnailModel();
        QCOMPARE(model->rowCount(), 200);
        // Painting the grid asks for thumbnails; they arrive from the loader thread.
        QTRY_VERIFY_WITH_TIMEOUT(model->loadedThumbnailCount() > 0, 10000);
    }

    // The checks flag the demo's small validation split; the one-click fix writes a manifest
    // with a patient-disjoint split and reopens the dataset from it.
    void leakageChecksAndValidationCarving()
    {
        MainWindow window;
        window.show();
        DatasetPage *page = window.datasetPage();
        QSignalSpy loaded(page, &DatasetPage::datasetLoaded);
        QSignalSpy checked(page->checksPanel(), &DatasetChecksPanel::checksFinished);
        page->openDataset(test::demoDataset());
        QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 1, 10000);
        QVERIFY(page->checksPanel()->summaryText().contains("majority-class baseline 50.0%"));
        const QString leakage = page->checksPanel()->leakageText();
        QVERIFY2(leakage.contains("No patient, file or near-duplicate image appears in two splits"),
                 qPrintable(leakage));
        QVERIFY(leakage.contains("validation split has only 15"));

        QTemporaryDir dir;
        const QString manifest = dir.filePath("carved.csv");
        QCOMPARE(page->checksPanel()->carveValidationSplit(manifest, 0.3, 42), QString());
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 10000);
        QCOMPARE(page->dataset()->layout, data::DatasetLayout::Manifest);
        QCOMPARE(page->dataset()->count("val", 0), 33); // 15 + 30% of 60
        QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 2, 10000);
        QVERIFY(!page->checksPanel()->leakageText().contains("validation split has only"));
    }

    void statisticsPlotsAndExport()
    {
        MainWindow window;
        window.show();
        DatasetPage *page = window.datasetPage();
        QVERIFY(openDatasetAndWait(page, test::demoDataset()));
        DatasetPlots *plots = page->plots();
        QCOMPARE(plots->tabNames(), (QStringList{"Classes", "Image sizes", "File sizes"}));
        QCOMPARE(plots->plottedImageSizes(), 200); // every image's header was read
        QVERIFY2(plots->mixText().contains("JPEG 200"), qPrintable(plots->mixText()));
        QVERIFY(plots->mixText().contains("8-bit"));

        QTemporaryDir dir;
        for (int tab = 0; tab < 3; ++tab) {
            plots->showTab(tab);
            const QString png = dir.filePath(QString("plot%1.png").arg(tab));
            QCOMPARE(plots->exportCurrentPlot(png), QString());
            QVERIFY(!QImage(png).isNull());
        }
        const QString pdf = dir.filePath("sizes.pdf");
        QCOMPARE(plots->exportCurrentPlot(pdf), QString());
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(4) == "%PDF");
        QVERIFY(plots->exportCurrentPlot(dir.filePath("plot.gif")).contains(".png or .pdf"));
    }

    void gridFiltersAndSorts()
    {
        MainWindow window;
        DatasetPage *page = window.datasetPage();
        QVERIFY(openDatasetAndWait(page, test::demoDataset()));
        ThumbnailModel *model = page->thumbnailModel();
        page->setGridFilter("test", "NORMAL");
        QCOMPARE(model->rowCount(), 25);
        for (int row = 0; row < model->rowCount(); ++row) {
            QCOMPARE(model->index(row).data(ThumbnailModel::ClassRole).toString(),
                     QString("NORMAL"));
        }
        page->setGridFilter("", "", 2); // all, largest file first
        QCOMPARE(model->rowCount(), 200);
        for (int row = 1; row < model->rowCount(); ++row) {
            QVERIFY(model->index(row - 1).data(ThumbnailModel::BytesRole).toLongLong() >=
                    model->index(row).data(ThumbnailModel::BytesRole).toLongLong());
        }
    }

    void problemFilesCanBeListedInTheGrid()
    {
        QTemporaryDir dir;
        for (const char *cls : {"NORMAL", "PNEUMONIA"}) {
            QDir().mkpath(dir.filePath(cls));
            const QString image =
                QDirIterator(test::demoDataset() + "/train/" + cls, QDir::Files).next();
            QFile::copy(image, dir.filePath(QString(cls) + "/good.jpeg"));
        }
        QVERIFY(test::writeFile(dir.filePath("NORMAL/notes.txt"), "not an image"));
        MainWindow window;
        DatasetPage *page = window.datasetPage();
        QVERIFY(openDatasetAndWait(page, dir.path()));
        page->setGridFilter(ThumbnailModel::kProblemFiles, "");
        ThumbnailModel *model = page->thumbnailModel();
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(model->index(0).data(Qt::ToolTipRole).toString().contains("not an image file"));
    }

    void badDatasetFolderShowsTheReason()
    {
        MainWindow window;
        QSignalSpy failed(window.datasetPage(), &DatasetPage::scanFailed);
        window.datasetPage()->openDataset(QStringLiteral("/no/such/dataset"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
        QVERIFY(failed.first().first().toString().contains("/no/such/dataset"));
    }

    void opensImagesInTheViewer()
    {
        MainWindow window;
        window.show();
        ViewerPage *viewer = window.viewerPage();
        QSignalSpy loaded(viewer, &ViewerPage::imageLoaded);
        QSignalSpy failed(viewer, &ViewerPage::loadFailed);
        viewer->openImage(test::dicomFile("chest_cr_mono2.dcm"));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QCOMPARE(viewer->image()->meta.width, 1024);

        viewer->openImage(test::dicomFile("MR_small_jp2klossless.dcm"));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 10000);
        QCOMPARE(viewer->image()->meta.transferSyntax, std::string("JPEG 2000 (Lossless only)"));

        viewer->openImage(test::dicomFile("MR_small_float.dcm"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QVERIFY(failed.first().first().toString().contains("floating-point pixel data"));
    }

    // Double-clicking a thumbnail opens the Viewer on that image.
    void thumbnailActivationOpensViewer()
    {
        MainWindow window;
        window.show();
        QSignalSpy loaded(window.datasetPage(), &DatasetPage::datasetLoaded);
        window.datasetPage()->openDataset(test::demoDataset());
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 10000);
        QSignalSpy viewed(window.viewerPage(), &ViewerPage::imageLoaded);
        const QString path = window.datasetPage()
                                 ->thumbnailModel()
                                 ->index(5)
                                 .data(ThumbnailModel::PathRole)
                                 .toString();
        Q_EMIT window.datasetPage()->imageActivated(path);
        QCOMPARE(window.currentPage(), MainWindow::ViewerPageIndex);
        QTRY_COMPARE_WITH_TIMEOUT(viewed.count(), 1, 10000);
        QCOMPARE(viewed.first().first().toString(), path);
    }

    // Closing the window while a scan and thumbnail loads are running must neither crash nor hang.
    void destroyWhileWorking()
    {
        for (int i = 0; i < 3; ++i) {
            auto *window = new MainWindow;
            window->show();
            window->datasetPage()->openDataset(test::demoDataset());
            window->viewerPage()->openImage(test::dicomFile("chest_cr_mono2.dcm"));
            QTest::qWait(i * 20);
            delete window;
        }
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
