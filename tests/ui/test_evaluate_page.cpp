// SPDX-License-Identifier: MIT
// The Evaluate page offscreen: evaluating a run on the demo test split, the metrics table with
// bootstrap intervals, the threshold slider and presets, saving the threshold into the model
// card, reopening a saved evaluation, and rebuilding a predictions file that was broken by hand.
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/training_job.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"
#include "ui/evaluation/evaluate_page.h"

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
        pipeline::TrainJob job;
        job.datasetDir = test::demoDataset().toStdString();
        job.runDir = m_dir.filePath("run").toStdString();
        job.settings.model.inputSize = 64;
        job.settings.epochs = 2;
        job.settings.device = "cpu";
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
        page.setThreshold(ml::youdenThreshold(std::vector<int>(), std::vector<float>())); // 0.5 on nothing
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
        QVERIFY2(again.statusText().contains("saved in the run folder"), qPrintable(again.statusText()));
        QCOMPARE(again.report().metrics.counts.total(), 50);
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
