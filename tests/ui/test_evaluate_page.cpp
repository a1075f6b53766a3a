// SPDX-License-Identifier: MIT
// The Evaluate page offscreen: evaluating a run on the demo test split, the metrics table with
// bootstrap intervals, the threshold slider and presets, saving the threshold into the model
// card, reopening a saved evaluation, and rebuilding a predictions file that was broken by hand.
#include "core/ml/calibration.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/training_job.h"
#include "tests/common/demo_run.h"
#include "tests/common/test_files.h"
#include "ui/dataset/thumbnail_model.h"
#include "ui/evaluation/ensemble_dialog.h"
#include "ui/evaluation/evaluate_page.h"
#include "ui/evaluation/run_comparison.h"
#include "ui/evaluation/site_calibration_dialog.h"

#include <qcustomplot.h>

#include <QFile>
#include <QFileInfo>
#include <QListView>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace cxr;
using namespace cxr::ui;

class TestEvaluatePage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto job = test::demoTrainJob(m_dir.filePath("run"));
        // These tests move and check the threshold from a known start, not one chosen on
        // validation.
        job.settings.operatingPoint = *ml::parseOperatingPoint("fixed:0.5");
        auto trained = pipeline::runTrainJob(job);
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message.c_str());
    }

    void evaluatesAndMovesTheThreshold()
    {
        EvaluatePage page;
        page.resize(1200, 800);
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        QSignalSpy changed(&page, &EvaluatePage::resultChanged);
        QVERIFY(page.evaluate(false));
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 60000);
        QVERIFY(page.statusText().contains("50 images"));
        QVERIFY(page.statusText().contains("saved in the run folder"));
        QTRY_VERIFY_WITH_TIMEOUT(page.intervalsShown(), 10000);
        QCOMPARE(page.report().metrics.counts.total(), 50);
        QCOMPARE(page.threshold(), 0.5); // the model card's
        QCOMPARE(page.metricsTable()->item(0, 0)->text(), QStringLiteral("Accuracy"));
        QVERIFY(page.metricsTable()->item(0, 2)->text().contains(QStringLiteral("–")));

        // A threshold of 0 calls everything positive: sensitivity 1, specificity 0.
        page.setThreshold(0.0);
        QCOMPARE(page.report().metrics.sensitivity, 1.0);
        QCOMPARE(page.report().metrics.specificity, 0.0);
        QVERIFY(page.confusionTable()->item(1, 1)->text().startsWith("25 (100.0%)"));
        page.setThreshold(
            ml::youdenThreshold(std::vector<int>(), std::vector<float>())); // 0.5 on nothing
        QCOMPARE(page.threshold(), 0.5);

        page.setThreshold(0.37);
        QVERIFY(page.saveThresholdToModelCard());
        auto card = ml::readModelCard((m_dir.filePath("run") + "/model/model.json").toStdString());
        QVERIFY(card.ok());
        QCOMPARE(card->spec.threshold, 0.37);
    }

    void reopensSavedAndRebuildsBrokenPredictions()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        QVERIFY(page.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 60000);
        QVERIFY2(page.statusText().contains("Reopened"), qPrintable(page.statusText()));
        QCOMPARE(page.threshold(), 0.37); // saved into the card by the test before

        const QString predictions = m_dir.filePath("run/evaluations/test/predictions.csv");
        QVERIFY(test::writeFile(predictions, "file,label,probability\nsome.jpeg,NORMAL,1.7\n"));
        EvaluatePage again;
        again.setRun(m_dir.filePath("run"));
        again.setDataset(test::demoDataset());
        QVERIFY(again.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(again.hasResult(), 60000);
        QVERIFY2(again.statusText().contains("saved in the run folder"),
                 qPrintable(again.statusText()));
        QCOMPARE(again.report().metrics.counts.total(), 50);
    }

    // A confusion-matrix cell lists its images, most confident first, from a fresh evaluation
    // and from the saved one; a double-click asks for the Viewer with the run's model.
    void robustnessReportFillsItsTab()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        page.setStressTest(true);
        QVERIFY(page.evaluate()); // never reopened from saved predictions: they hold no shifts
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 120000);
        QVERIFY(page.statusText().contains("saved in the run folder"));
        QCOMPARE(page.robustnessRows(), int(pipeline::stressShifts().size()));
        QVERIFY(QFile::exists(m_dir.filePath("run/evaluations/test/stress.json")));
    }

    // Test-time augmented predictions are saved apart and never reopened as plain ones.
    void testTimeAugmentationIsSavedApart()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        page.setTestTimeAugmentation(true);
        QVERIFY(page.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 120000);
        QVERIFY2(page.statusText().contains("test split, test-time augmented"),
                 qPrintable(page.statusText()));
        QVERIFY(QFile::exists(m_dir.filePath("run/evaluations/test-tta/predictions.csv")));
    }

    // The two dialogs that make model folders: an ensemble of two finished runs, then the run
    // calibrated for a "site" (the demo set as the sample: fitted on val, evaluated on test).
    void makesAnEnsembleAndCalibratesForASite()
    {
        auto second = test::demoTrainJob(m_dir.filePath("run-b"));
        second.settings.seed = 7;
        QVERIFY(pipeline::runTrainJob(second).ok());
        EvaluatePage page;
        page.setRunsFolder(m_dir.path());
        page.setDataset(test::demoDataset());
        EnsembleDialog *ensemble = page.openEnsembleDialog();
        ensemble->make();
        QVERIFY(ensemble->resultText().contains("Tick two or more"));
        ensemble->setMembers({m_dir.filePath("run"), m_dir.filePath("run-b")});
        QCOMPARE(ensemble->members().size(), 2);
        ensemble->setOutput(m_dir.filePath("ensemble"));
        QSignalSpy ensembleMade(ensemble, &ModelJobDialog::modelMade);
        ensemble->make();
        QVERIFY(ensembleMade.wait(120000));
        QVERIFY2(ensemble->resultText().contains("Ensemble of 2 models"),
                 qPrintable(ensemble->resultText()));
        QVERIFY(QFile::exists(m_dir.filePath("ensemble/model/model.json")));
        QCOMPARE(page.run(), m_dir.filePath("ensemble")); // ready to evaluate

        page.setRun(m_dir.filePath("run"));
        SiteCalibrationDialog *site = page.openSiteCalibrationDialog();
        site->setSample(test::demoDataset());
        site->setOutput(m_dir.filePath("site"));
        QSignalSpy siteMade(site, &ModelJobDialog::modelMade);
        site->make();
        QVERIFY(siteMade.wait(120000));
        const QString text = site->resultText();
        QVERIFY2(text.contains("temperature") && text.contains("On the 50 other images"),
                 qPrintable(text));
        QVERIFY(QFile::exists(m_dir.filePath("site/model/model.json")));
        QCOMPARE(page.run(), m_dir.filePath("site"));
    }

    void confusionCellShowsItsImages()
    {
        for (bool reuse : {false, true}) {
            EvaluatePage page;
            page.setRun(m_dir.filePath("run"));
            page.setDataset(test::demoDataset());
            QVERIFY(page.evaluate(reuse));
            QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 60000);
            page.setThreshold(0.5);
            const ml::ConfusionCounts &c = page.report().metrics.counts;
            page.showConfusionCell(1, 1); // true PNEUMONIA, called PNEUMONIA
            const QStringList truePositives = page.cellImages();
            QCOMPARE(truePositives.size(), int(c.truePositive));
            for (const QString &path : truePositives) {
                QVERIFY2(path.contains("/test/PNEUMONIA/") && QFileInfo::exists(path),
                         qPrintable(path));
            }
            const QAbstractItemModel *tiles = page.cellView()->model();
            for (int i = 1; i < tiles->rowCount(); ++i) {
                QVERIFY(tiles->index(i - 1, 0).data(ThumbnailModel::ValueRole).toDouble() >=
                        tiles->index(i, 0).data(ThumbnailModel::ValueRole).toDouble());
            }
            page.showConfusionCell(0, 1); // false positives
            QCOMPARE(page.cellImages().size(), int(c.falsePositive));
            page.setThreshold(1.0); // nothing is called positive any more: the cell follows
            QCOMPARE(page.cellImages().size(), 0);
            page.setThreshold(0.0);
            QCOMPARE(page.cellImages().size(), 25);
            QSignalSpy open(&page, &EvaluatePage::openInViewer);
            Q_EMIT page.cellView()->doubleClicked(tiles->index(0, 0));
            QCOMPARE(open.size(), 1);
            QCOMPARE(open.first().at(0).toString(), m_dir.filePath("run"));
            QVERIFY(open.first().at(1).toString().contains("/test/NORMAL/"));
        }
    }

    // Runs and the classical baselines side by side: one column and one ROC curve each.
    void comparesRunsAndBaselines()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        QVERIFY(page.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 60000);
        RunComparison *comparison = page.comparison();
        page.setRunsFolder(m_dir.path());
        QVERIFY(comparison->listedFolders().contains(m_dir.filePath("run")));
        QSignalSpy compared(comparison, &RunComparison::compared);
        comparison->runBaselines();
        // The run just evaluated is ticked; the two baselines join it.
        QTRY_VERIFY_WITH_TIMEOUT(!comparison->isBusy() && comparison->evaluations().size() == 3,
                                 120000);
        QVERIFY2(
            comparison->listedFolders().contains(m_dir.filePath("baseline-demo-random-forest")),
            qPrintable(comparison->listedFolders().join(", ")));
        comparison->compare({m_dir.filePath("run"), m_dir.filePath("baseline-demo-svm")});
        QTRY_VERIFY_WITH_TIMEOUT(!comparison->isBusy() && comparison->evaluations().size() == 2,
                                 60000);
        comparison->compare({m_dir.filePath("run"), m_dir.filePath("baseline-demo-random-forest"),
                             m_dir.filePath("baseline-demo-svm")});
        QTRY_VERIFY_WITH_TIMEOUT(!comparison->isBusy() && comparison->evaluations().size() == 3,
                                 60000);
        QCOMPARE(comparison->table()->columnCount(), 3);
        QStringList headers; // in the list's order: by folder name
        for (int c = 0; c < 3; ++c) {
            headers << comparison->table()->horizontalHeaderItem(c)->text();
        }
        QVERIFY2(headers.filter("random forest").size() == 1 &&
                     headers.filter("RBF SVM").size() == 1 &&
                     headers.filter("small-cnn").size() == 1,
                 qPrintable(headers.join(" | ")));
        QVERIFY(comparison->table()->item(0, 0)->text().contains("["));
        QCOMPARE(comparison->rocPlot()->graphCount(), 3);
    }

    void exportsAPdfReport()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        QVERIFY(!page.exportReport(m_dir.filePath("early.pdf"))); // nothing to report yet
        QVERIFY(page.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(page.hasResult(), 60000);
        const QString pdf = m_dir.filePath("report.pdf");
        QVERIFY(page.exportReport(pdf, /*withPredictions=*/true));
        QTRY_VERIFY_WITH_TIMEOUT(!page.isExportingReport(), 60000);
        QVERIFY2(page.statusText().startsWith("Report written"), qPrintable(page.statusText()));
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.read(5) == "%PDF-");
        QVERIFY(file.size() > 20000); // text, curves and Grad-CAM pictures
        QVERIFY(QFile::exists(m_dir.filePath("report.predictions.csv")));
        QVERIFY(QFile::exists(m_dir.filePath("report.metrics.json")));
        QVERIFY(!QFile::exists(pdf + ".partial"));
    }

    void evaluationCanBeCancelled()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("run"));
        page.setDataset(test::demoDataset());
        QVERIFY(page.evaluate(false));
        page.cancelEvaluation();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isBusy(), 60000);
        // It may have finished before the request arrived; either way the page says which.
        QTRY_VERIFY2(page.statusText().contains("cancelled") || page.hasResult(),
                     qPrintable(page.statusText()));
    }

    void aMissingRunSaysSo()
    {
        EvaluatePage page;
        page.setRun(m_dir.filePath("no-such-run"));
        page.setDataset(test::demoDataset());
        QVERIFY(page.evaluate());
        QTRY_VERIFY_WITH_TIMEOUT(!page.isBusy(), 10000);
        QTRY_VERIFY(page.statusText().startsWith("Cannot evaluate"));
        QVERIFY(page.statusText().contains("no-such-run"));
        QVERIFY(!page.hasResult());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestEvaluatePage)
#include "test_evaluate_page.moc"
