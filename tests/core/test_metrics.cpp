// SPDX-License-Identifier: MIT
#include "core/ml/lr_schedule.h"
#include "core/ml/metrics.h"

#include <QTest>

#include <cmath>

namespace ml = cxr::ml;

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

    void rocAucByHand()
    {
        QCOMPARE(ml::rocAuc({0, 0, 1, 1}, {0.1f, 0.2f, 0.8f, 0.9f}), 1.0);
        QCOMPARE(ml::rocAuc({0, 0, 1, 1}, {0.9f, 0.8f, 0.2f, 0.1f}), 0.0);
        QCOMPARE(ml::rocAuc({0, 1}, {0.5f, 0.5f}), 0.5); // a tie counts half
        // 3 positives, 2 negatives: of 6 pairs, the positive scores higher in 2, ties in 1.
        QCOMPARE(ml::rocAuc({1, 0, 1, 0, 1}, {0.9f, 0.6f, 0.6f, 0.7f, 0.3f}), 2.5 / 6.0);
        QVERIFY(std::isnan(ml::rocAuc({1, 1}, {0.2f, 0.9f})));
    }

    void plateauScheduleCutsAfterPatience()
    {
        ml::ScheduleSettings settings;
        settings.kind = ml::ScheduleKind::Plateau;
        settings.patience = 1;
        settings.cooldown = 1;
        settings.minLr = 1e-5;
        ml::LearningRateSchedule schedule(settings, 1e-3, 20, 10);
        schedule.epochEnded(0.5);
        schedule.epochEnded(0.5); // one bad epoch: within patience
        QCOMPARE(schedule.rateAt(3, 0), 1e-3);
        schedule.epochEnded(0.6); // two: cut
        QVERIFY(std::abs(schedule.rateAt(4, 0) - 1e-4) < 1e-12);
        schedule.epochEnded(0.7); // cooldown
        schedule.epochEnded(0.7);
        QVERIFY(std::abs(schedule.rateAt(6, 0) - 1e-4) < 1e-12);
        schedule.epochEnded(0.7);
        QVERIFY(std::abs(schedule.rateAt(7, 0) - 1e-5) < 1e-12);
        schedule.epochEnded(0.8);
        schedule.epochEnded(0.8);
        schedule.epochEnded(0.8);
        QVERIFY(std::abs(schedule.rateAt(9, 0) - 1e-5) < 1e-12); // floor
        // The state carries everything: a restored schedule continues identically.
        ml::LearningRateSchedule restored(settings, 1e-3, 20, 10);
        restored.restore(schedule.state());
        for (double loss : {0.9, 0.9, 0.4, 0.9}) {
            schedule.epochEnded(loss);
            restored.epochEnded(loss);
            QCOMPARE(restored.rateAt(12, 0), schedule.rateAt(12, 0));
        }
    }

    void stepCosineAndOneCycle()
    {
        ml::ScheduleSettings step;
        step.kind = ml::ScheduleKind::Step;
        step.stepEpochs = 2;
        step.gamma = 0.5;
        ml::LearningRateSchedule stepped(step, 1.0, 6, 10);
        QCOMPARE(stepped.rateAt(1, 0), 1.0);
        QCOMPARE(stepped.rateAt(2, 15), 1.0);
        QCOMPARE(stepped.rateAt(3, 20), 0.5);
        QCOMPARE(stepped.rateAt(6, 59), 0.25);

        ml::ScheduleSettings cosine;
        cosine.kind = ml::ScheduleKind::CosineWarmup;
        cosine.warmupEpochs = 1;
        cosine.minLr = 0;
        ml::LearningRateSchedule warm(cosine, 1.0, 5, 10);
        QCOMPARE(warm.rateAt(1, 0), 0.1);   // warm-up: (step + 1) / 10
        QCOMPARE(warm.rateAt(1, 9), 1.0);
        QCOMPARE(warm.rateAt(2, 10), 1.0);  // cosine starts at the peak
        QVERIFY(std::abs(warm.rateAt(3, 30) - 0.5) < 1e-12); // halfway through 40 steps
        QVERIFY(warm.rateAt(5, 49) < 0.01);

        ml::ScheduleSettings cycle;
        cycle.kind = ml::ScheduleKind::OneCycle;
        ml::LearningRateSchedule oneCycle(cycle, 1.0, 10, 10);
        QVERIFY(std::abs(oneCycle.rateAt(1, 0) - 0.04) < 1e-12); // lr / 25
        QVERIFY(std::abs(oneCycle.rateAt(4, 30) - 1.0) < 1e-12); // peak at 30%
        QVERIFY(oneCycle.rateAt(10, 100) < 1e-5);
        QVERIFY(!ml::parseSchedule("warp"));
        QCOMPARE(*ml::parseSchedule("one-cycle"), ml::ScheduleKind::OneCycle);
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
