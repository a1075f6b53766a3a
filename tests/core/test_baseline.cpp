// SPDX-License-Identifier: MIT
// The classical baselines (random forest, RBF SVM on 32x32 pixels) on the demo X-rays, and the
// side-by-side reading of saved evaluations.
#include "core/pipeline/classical_baseline.h"
#include "core/pipeline/evaluation_comparison.h"
#include "tests/common/test_paths.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace cxr;

class TestBaseline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void baselinesLearnAndAreSavedLikeRuns_data()
    {
        QTest::addColumn<int>("method");
        QTest::newRow("random forest") << int(pipeline::BaselineMethod::RandomForest);
        QTest::newRow("svm") << int(pipeline::BaselineMethod::Svm);
    }

    void baselinesLearnAndAreSavedLikeRuns()
    {
        QFETCH(int, method);
        QTemporaryDir dir;
        pipeline::BaselineJob job;
        job.method = pipeline::BaselineMethod(method);
        job.datasetDir = test::demoDataset().toStdString();
        job.outputFolder = dir.filePath("baseline").toStdString();
        auto result = pipeline::runBaseline(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QCOMPARE(result->labels.size(), std::size_t(50));
        for (float p : result->probabilities) {
            QVERIFY(p >= 0 && p <= 1);
        }
        // Pixels carry signal on this data: a baseline that ignored them, or an SVM whose
        // decision sign was read the wrong way round, would sit at or below 0.5.
        qInfo() << QString::fromStdString(result->modelName) << "ROC AUC"
                << result->report.metrics.rocAuc << "accuracy" << result->report.metrics.accuracy;
        QVERIFY(result->report.metrics.rocAuc > 0.65);

        auto saved = pipeline::readSavedEvaluation(job.outputFolder, "test");
        QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().message.c_str());
        QCOMPARE(saved->name, result->modelName);
        QCOMPARE(saved->labels, result->labels);
        // Seeded bootstrap: the comparison shows the intervals the evaluation saved.
        QCOMPARE(saved->report.intervals[0].low, result->report.intervals[0].low);
        QVERIFY(std::abs(saved->report.metrics.rocAuc - result->report.metrics.rocAuc) < 1e-6);

        // The same seed gives the same forest.
        auto again = pipeline::runBaseline(job);
        QVERIFY(again.ok());
        QCOMPARE(again->probabilities, result->probabilities);
        QCOMPARE(pipeline::foldersWithEvaluation(dir.path().toStdString(), "test").size(),
                 std::size_t(1));
    }

    void badInputIsReported()
    {
        QTemporaryDir dir;
        pipeline::BaselineJob job;
        job.datasetDir = test::demoDataset().toStdString();
        job.outputFolder = dir.filePath("b").toStdString();
        job.split = "holdout";
        auto missingSplit = pipeline::runBaseline(job);
        QVERIFY(!missingSplit.ok());
        QVERIFY2(missingSplit.error().message.find("holdout") != std::string::npos,
                 missingSplit.error().message.c_str());
        job.split = "test";
        job.imageSize = 2;
        QVERIFY(!pipeline::runBaseline(job).ok());
        auto notEvaluated = pipeline::readSavedEvaluation(dir.path().toStdString(), "test");
        QVERIFY(!notEvaluated.ok());
    }
};

QTEST_GUILESS_MAIN(TestBaseline)
#include "test_baseline.moc"
