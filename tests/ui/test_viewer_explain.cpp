// SPDX-License-Identifier: MIT
// The Viewer's model side offscreen, with a model trained on the demo X-rays: prediction with
// probability and model name, maps by method, class and layer, the overlay views, faithfulness,
// review and approval, the batch dialog (grid sorted by probability, cancel and resume), bad
// models and images, and destroying the page while it explains.
#include "core/ml/calibration.h"
#include "core/pipeline/model_review.h"
#include "tests/common/demo_run.h"
#include "ui/dataset/thumbnail_model.h"
#include "ui/viewer/batch_explain_dialog.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/overlay_controls.h"
#include "ui/viewer/review_box.h"
#include "ui/viewer/viewer_page.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>

using namespace cxr;
using namespace cxr::ui;

namespace {

QString demoImage(const QString &cls, int index = 0)
{
    const QDir dir(test::demoDataset() + "/test/" + cls);
    return dir.filePath(dir.entryList(QDir::Files, QDir::Name).at(index));
}

// A page showing image, explained by model, with the map arrived.
bool explained(ViewerPage &page, const QString &model, const QString &image)
{
    page.explainPanel()->setModel(model);
    QSignalSpy loaded(&page, &ViewerPage::imageLoaded);
    page.openImage(image);
    if (!loaded.wait(10000)) {
        return false;
    }
    QElapsedTimer waited;
    waited.start();
    while ((page.explainPanel()->isBusy() || !page.explainPanel()->prediction()) &&
           waited.elapsed() < 20000) {
        QTest::qWait(20);
    }
    return page.explainPanel()->prediction() && page.explainPanel()->prediction()->cam.has_value();
}

} // namespace

class TestViewerExplain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("CXR Studio Tests"));
        QSettings().remove(QStringLiteral("viewer"));
        QVERIFY(m_dir.isValid());
        auto job = test::demoTrainJob(m_dir.filePath("run"));
        // These tests move and check the threshold from a known start, not one chosen on
        // validation.
        job.settings.operatingPoint = *ml::parseOperatingPoint("fixed:0.5");
        auto trained = pipeline::runTrainJob(job);
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message.c_str());
        m_model = m_dir.filePath("run");
    }

    void predictionShowsProbabilityThresholdAndModel()
    {
        ViewerPage page;
        page.resize(1200, 800);
        page.show();
        QVERIFY(explained(page, m_model, demoImage("PNEUMONIA")));
        const auto &prediction = *page.explainPanel()->prediction();
        const QString text = page.explainPanel()->predictionText();
        QVERIFY2(text.contains("detected (probability") && text.contains("threshold 0.50"),
                 qPrintable(text));
        QVERIFY(text.contains(QString::fromStdString(prediction.modelName)));
        // The card line says how often the guard flags images the model was made for.
        const auto *card = page.explainPanel()->findChild<QLabel *>(QStringLiteral("modelInfo"));
        QVERIFY(card);
        QVERIFY2(card->text().contains(QRegularExpression(
                     QStringLiteral("guard from \\d+ training images; it flags [0-9.]+% of "
                                    "\\d+ validation images"))),
                 qPrintable(card->text()));
        QCOMPARE(prediction.cam->explainedClass,
                 prediction.predictedIndex); // the predicted class by default
        QCOMPARE(page.explainPanel()->layers(),
                 (QStringList{"block1", "block2", "block3", "block4"}));

        // The overlay changes the picture; side by side is three images wide; model input is the
        // model's 64 x 64 pixels.
        const cv::Mat grey(100, 80, CV_8UC1, cv::Scalar(128));
        OverlayControls *controls = page.explainPanel()->overlayControls();
        controls->setView(CamView::Overlay);
        controls->setOpacity(1.0);
        const cv::Mat overlay = page.explainPanel()->compose(grey);
        QCOMPARE(overlay.channels(), 3);
        QVERIFY(cv::norm(overlay.reshape(1), cv::NORM_INF) > 0);
        controls->setView(CamView::SideBySide);
        QCOMPARE(page.explainPanel()->compose(grey).cols, 240);
        controls->setView(CamView::ModelInput);
        QCOMPARE(page.explainPanel()->compose(grey).cols, 64);
        controls->setView(CamView::ImageOnly);
        QCOMPARE(page.explainPanel()->compose(grey).channels(), 1);
        controls->setView(CamView::Overlay);
        QVERIFY(page.describePixel(QPoint(10, 10)).contains("Grad-CAM"));
    }

    // The switch predicts again from three views, and the prediction says it was augmented.
    void testTimeAugmentationIsASwitch()
    {
        ViewerPage page;
        page.show();
        QVERIFY(explained(page, m_model, demoImage("NORMAL")));
        const double plain = page.explainPanel()->prediction()->probability;
        QVERIFY(!page.explainPanel()->predictionText().contains("test-time augmented"));
        page.explainPanel()->setTestTimeAugmentation(true);
        QTRY_VERIFY_WITH_TIMEOUT(
            !page.explainPanel()->isBusy() &&
                page.explainPanel()->predictionText().contains("test-time augmented"),
            20000);
        QVERIFY(page.explainPanel()->prediction()->probability != plain);
        page.explainPanel()->setTestTimeAugmentation(false);
        QTRY_VERIFY_WITH_TIMEOUT(
            !page.explainPanel()->isBusy() &&
                !page.explainPanel()->predictionText().contains("test-time augmented"),
            20000);
        QCOMPARE(page.explainPanel()->prediction()->probability, plain);
    }

    void targetMethodAndLayerChangeTheMap()
    {
        ViewerPage page;
        page.show();
        QVERIFY(explained(page, m_model, demoImage("NORMAL")));
        ExplainPanel *panel = page.explainPanel();
        const int predicted = panel->prediction()->predictedIndex;
        panel->setTargetClass(1 - predicted);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && panel->prediction() &&
                                     panel->prediction()->cam->explainedClass == 1 - predicted,
                                 20000);
        panel->setLayer("block2");
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && panel->prediction() &&
                                     panel->prediction()->cam->layer == "block2",
                                 20000);
        panel->setMethod(ml::CamMethod::EigenCam);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && panel->prediction() &&
                                     panel->prediction()->cam->method == ml::CamMethod::EigenCam,
                                 20000);
        QCOMPARE(panel->prediction()->cam->explainedClass, -1);
        panel->setMethod(ml::CamMethod::GradCamPlusPlus);
        panel->setLayer(QString());
        panel->setTargetClass(-1);
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && panel->prediction() &&
                                     panel->prediction()->cam->method ==
                                         ml::CamMethod::GradCamPlusPlus,
                                 20000);
        QCOMPARE(panel->prediction()->cam->layer, std::string("block4"));
    }

    void faithfulnessIsMeasuredOnRequest()
    {
        ViewerPage page;
        page.show();
        ExplainPanel *panel = page.explainPanel();
        // The first demo image whose map is not flat (a flat map has no region to remove); which
        // one depends on the few epochs the test model trained.
        bool flat = true;
        for (int index = 1; index <= 10 && flat; ++index) {
            const bool ok = explained(page, m_model, demoImage("PNEUMONIA", index));
            QVERIFY2(ok, qPrintable(panel->statusText()));
            QVERIFY(panel->faithfulnessText().isEmpty());
            flat = panel->prediction()->cam->flat;
        }
        if (flat) {
            QSKIP("the first ten pneumonia images' maps are all flat: nothing to remove");
        }
        panel->measureFaithfulness();
        QTRY_VERIFY_WITH_TIMEOUT(!panel->isBusy() && !panel->faithfulnessText().isEmpty(), 20000);
        QVERIFY2(panel->faithfulnessText().contains("removed"),
                 qPrintable(panel->faithfulnessText()));
    }

    void anImageOutsideTheTrainingSetIsFlaggedAboveThePrediction()
    {
        ViewerPage page;
        page.resize(1200, 800);
        page.show();
        QVERIFY(explained(page, m_model, test::dicomFile("CT_small.dcm")));
        const QString warning = page.explainPanel()->oodText();
        QVERIFY2(warning.startsWith("Outside what this model was trained on: ") &&
                     warning.contains("modality CT"),
                 qPrintable(warning));
        QVERIFY(!page.explainPanel()->predictionText().isEmpty()); // shown, with its probability
        QVERIFY(explained(page, m_model, demoImage("PNEUMONIA")));
        QVERIFY2(!page.explainPanel()->oodText().contains("modality"),
                 qPrintable(page.explainPanel()->oodText()));
    }

    void approvalNeedsReviews()
    {
        QTemporaryDir copy;
        QDir().mkpath(copy.filePath("run/model"));
        for (const char *file : {"model/model.json", "model/weights.pt", "model/ood.pt"}) {
            QVERIFY(QFile::copy(m_model + "/" + file, copy.filePath(QString("run/") + file)));
        }
        const QString model = copy.filePath("run");
        ViewerPage page;
        page.show();
        QVERIFY(explained(page, model, demoImage("PNEUMONIA")));
        ReviewBox *review = page.explainPanel()->reviewBox();
        review->setApprovalConfirmation([](const QString &) { return true; });
        QVERIFY(review->saveReview(true, "on the right lower lobe"));
        QVERIFY(review->summaryText().contains("1 heatmaps reviewed: 1 look at the lungs"));
        QVERIFY(review->saveReview(false, "corrected: the marker")); // the same image: replaced
        QVERIFY2(
            review->summaryText().contains("1 heatmaps reviewed: 0 look at the lungs, 1 elsewhere"),
            qPrintable(review->summaryText()));
        QVERIFY(!review->approve("too early"));
        QVERIFY(review->summaryText().contains("review at least 10"));
        const QStringList images =
            QDir(test::demoDataset() + "/test/NORMAL").entryList(QDir::Files);
        for (int i = 0; i < 9; ++i) {
            review->setSubject(model, images.at(i), "Grad-CAM", "block4");
            QVERIFY(review->saveReview(true, QString()));
        }
        QVERIFY(review->approve("research use"));
        QVERIFY(review->summaryText().contains("Approved for use"));
        auto reviews = pipeline::readReviews(model.toStdString());
        QVERIFY(reviews.ok());
        QCOMPARE(reviews->size(), std::size_t(10));
        QVERIFY(reviews->front().image.find('/') == std::string::npos); // file names only
    }

    void batchGridIsSortedAndResumes()
    {
        ViewerPage page;
        page.show();
        QVERIFY(explained(page, m_model, demoImage("PNEUMONIA")));
        BatchExplainDialog *dialog = page.openBatchDialog();
        QTemporaryDir out;
        dialog->setDatasetInput(test::demoDataset(), "test");
        dialog->setOutputFolder(out.path());
        QSignalSpy finished(dialog, &BatchExplainDialog::finished);
        dialog->start();
        dialog->cancel(); // stops within an image; what was done is kept
        QVERIFY(finished.wait(60000));
        QVERIFY2(dialog->statusText().contains("cancelled") ||
                     dialog->statusText().contains("50 images"),
                 qPrintable(dialog->statusText()));
        dialog->start();
        QVERIFY(finished.wait(60000));
        QVERIFY2(dialog->statusText().startsWith("50 images"), qPrintable(dialog->statusText()));
        const QAbstractItemModel *grid = dialog->grid()->model();
        QCOMPARE(grid->rowCount(), 50);
        for (int i = 1; i < grid->rowCount(); ++i) { // highest probability first
            QVERIFY(grid->index(i - 1, 0).data(ThumbnailModel::ValueRole).toDouble() >=
                    grid->index(i, 0).data(ThumbnailModel::ValueRole).toDouble());
        }
        QVERIFY(grid->index(0, 0).data().toString().contains("(true "));
        QSignalSpy opened(&page, &ViewerPage::imageLoaded);
        Q_EMIT dialog->grid()->doubleClicked(grid->index(0, 0));
        QVERIFY(opened.wait(10000));
        QCOMPARE(opened.first().first().toString(),
                 grid->index(0, 0).data(Qt::ToolTipRole).toString());
    }

    // Several folders in one batch (a PACS selection): all their images, a CT among them marked
    // as unlike the training images on its tile; an edit of the field goes back to one folder.
    void batchOverSeveralFolders()
    {
        ViewerPage page;
        page.show();
        QVERIFY(explained(page, m_model, demoImage("PNEUMONIA")));
        BatchExplainDialog *dialog = page.openBatchDialog();
        QTemporaryDir out;
        const QString normal = test::demoDataset() + "/test/NORMAL";
        const QString pneumonia = test::demoDataset() + "/test/PNEUMONIA";
        const QString ct = out.filePath("ct");
        QVERIFY(QDir().mkpath(ct) && QFile::copy(test::dicomFile("CT_small.dcm"), ct + "/ct.dcm"));
        dialog->setFolderInputs({normal, pneumonia, ct});
        dialog->setOutputFolder(out.filePath("both"));
        QSignalSpy finished(dialog, &BatchExplainDialog::finished);
        dialog->start();
        QVERIFY(finished.wait(60000));
        const int all = QDir(normal).entryList(QDir::Files).size() +
                        QDir(pneumonia).entryList(QDir::Files).size() + 1;
        QVERIFY2(dialog->statusText().startsWith(QString("%1 images").arg(all)) &&
                     dialog->statusText().contains("unlike the images the model was trained on"),
                 qPrintable(dialog->statusText()));
        const QAbstractItemModel *grid = dialog->grid()->model();
        bool ctMarked = false;
        for (int i = 0; i < grid->rowCount(); ++i) {
            ctMarked = ctMarked ||
                       (grid->index(i, 0).data(Qt::ToolTipRole).toString().endsWith("ct.dcm") &&
                        grid->index(i, 0).data().toString().contains("unlike"));
        }
        QVERIFY(ctMarked);
        dialog->setFolderInputs({normal, pneumonia});
        dialog->findChild<QLineEdit *>("folderInput")->setText(normal); // typed over
        dialog->setOutputFolder(out.filePath("one"));
        dialog->start();
        QVERIFY(finished.wait(60000));
        QVERIFY2(dialog->statusText().startsWith(
                     QString("%1 images").arg(QDir(normal).entryList(QDir::Files).size())),
                 qPrintable(dialog->statusText()));
    }

    void badModelsAndImagesAreReported()
    {
        QTemporaryDir broken;
        QDir().mkpath(broken.filePath("model"));
        QVERIFY(QFile::copy(m_model + "/model/model.json", broken.filePath("model/model.json")));
        QFile weights(broken.filePath("model/weights.pt"));
        QVERIFY(weights.open(QIODevice::WriteOnly));
        weights.write("truncated");
        weights.close();
        ViewerPage page;
        page.show();
        page.explainPanel()->setModel(broken.path());
        QTRY_VERIFY_WITH_TIMEOUT(!page.explainPanel()->isBusy(), 20000);
        QVERIFY2(page.explainPanel()->statusText().contains("weights.pt"),
                 qPrintable(page.explainPanel()->statusText()));

        page.explainPanel()->setModel(m_model);
        QTemporaryDir images;
        QFile fake(images.filePath("not-an-xray.jpg"));
        QVERIFY(fake.open(QIODevice::WriteOnly));
        fake.write("this is text");
        fake.close();
        page.explainPanel()->setImage(fake.fileName());
        QTRY_VERIFY_WITH_TIMEOUT(!page.explainPanel()->isBusy() &&
                                     page.explainPanel()->statusText().contains("not-an-xray.jpg"),
                                 20000);
        QVERIFY(!page.explainPanel()->prediction());
    }

    void destroyWhileExplaining()
    {
        auto *page = new ViewerPage;
        page->explainPanel()->setModel(m_model);
        page->explainPanel()->setImage(demoImage("NORMAL"));
        QVERIFY(page->explainPanel()->isBusy());
        delete page; // waits for the computation in flight; nothing is left running
    }

private:
    QTemporaryDir m_dir;
    QString m_model;
};

QTEST_MAIN(TestViewerExplain)
#include "test_viewer_explain.moc"
