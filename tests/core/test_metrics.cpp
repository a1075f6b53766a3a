// SPDX-License-Identifier: MIT
#include "core/ml/metrics.h"

#include <QTest>

using namespace cxr::ml;

class TestMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void handComputedExample()
    {
        // 4 positives, 6 negatives. Predicted positive at >= 0.5: TP 3, FN 1, FP 2, TN 4.
        const std::vector<int> labels = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        const std::vector<float> p = {0.9f, 0.8f, 0.5f, 0.2f, 0.7f, 0.6f, 0.4f, 0.3f, 0.1f, 0.0f};
        const BinaryMetrics m = computeBinaryMetrics(labels, p, 0.5);
        QCOMPARE(m.counts.truePositive, 3);
        QCOMPARE(m.counts.falseNegative, 1);
        QCOMPARE(m.counts.falsePositive, 2);
        QCOMPARE(m.counts.trueNegative, 4);
        QCOMPARE(m.accuracy, 0.7);
        QCOMPARE(m.precision, 0.6);
        QCOMPARE(m.recall, 0.75);
        QCOMPARE(m.specificity, 4.0 / 6.0);
        QCOMPARE(m.f1, 6.0 / 9.0); // 2TP / (2TP + FP + FN)
        QVERIFY(!m.undefined);
    }

    void thresholdMoves()
    {
        const std::vector<int> labels = {1, 0};
        const std::vector<float> p = {0.6f, 0.4f};
        QCOMPARE(computeBinaryMetrics(labels, p, 0.5).accuracy, 1.0);
        QCOMPARE(computeBinaryMetrics(labels, p, 0.7).accuracy, 0.5);
        QCOMPARE(computeBinaryMetrics(labels, p, 0.3).accuracy, 0.5);
    }

    void allOneClassIsFlaggedNotNan()
    {
        const std::vector<int> labels = {0, 0, 0};
        const std::vector<float> p = {0.1f, 0.2f, 0.3f};
        const BinaryMetrics m = computeBinaryMetrics(labels, p);
        QCOMPARE(m.accuracy, 1.0);
        QCOMPARE(m.recall, 0.0);
        QCOMPARE(m.precision, 0.0);
        QVERIFY(m.undefined);
        QVERIFY(std::isfinite(m.f1));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
