// SPDX-License-Identifier: MIT
#include "core/ml/calibration.h"
#include "core/ml/file_digest.h"
#include "core/ml/lr_schedule.h"
#include "core/ml/metrics.h"

#include <QTest>

#include <cmath>
#include <random>
#include <string>

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

    void rocAucOfNanScoresIsNanAndReturns()
    {
        // A NaN score used to loop forever in the tie loop.
        QVERIFY(std::isnan(ml::rocAuc({0, 1, 0, 1}, {0.1f, std::nanf(""), std::nanf(""), 0.9f})));
    }

    void temperatureScalingRecoversTheTrueTemperature()
    {
        // Labels drawn from sigmoid(z), logits reported as 3z: an overconfident model.
        std::mt19937_64 random(11);
        std::normal_distribution<double> spread(0, 2);
        std::uniform_real_distribution<double> uniform(0, 1);
        std::vector<float> logits;
        std::vector<int> labels;
        for (int i = 0; i < 4000; ++i) {
            const double z = spread(random);
            labels.push_back(uniform(random) < 1 / (1 + std::exp(-z)) ? 1 : 0);
            logits.push_back(float(3 * z));
        }
        const double temperature = ml::fitTemperature(logits, 1, labels);
        QVERIFY2(std::abs(temperature - 3) < 0.3, qPrintable(QString::number(temperature)));
        QVERIFY(ml::negativeLogLikelihood(logits, 1, labels, {temperature, 0}) <
                ml::negativeLogLikelihood(logits, 1, labels, {}));
        std::vector<float> raw;
        std::vector<float> calibrated;
        for (float logit : logits) {
            raw.push_back(float(ml::calibratedProbability(logit)));
            calibrated.push_back(float(ml::calibratedProbability(logit, {temperature, 0})));
        }
        QVERIFY(ml::expectedCalibrationError(labels, calibrated) < 0.03);
        QVERIFY(ml::expectedCalibrationError(labels, raw) > 0.05);
        // Softmax with two columns [0, 3z] is the same model.
        std::vector<float> twoColumns;
        for (float logit : logits) {
            twoColumns.push_back(0);
            twoColumns.push_back(logit);
        }
        QVERIFY(std::abs(ml::fitTemperature(twoColumns, 2, labels) - temperature) < 1e-3);
        QCOMPARE(ml::fitTemperature({}, 1, {}), 1.0);
        // With nothing to shift, the bias stays near 0; a multi-class model gets none at all.
        const ml::LogitCalibration fitted = ml::fitCalibration(logits, 1, labels);
        QVERIFY2(std::abs(fitted.bias) < 0.15,
                 qPrintable(QString::fromStdString(fitted.describe())));
        QCOMPARE(ml::fitCalibration(twoColumns, 2, labels).bias, 0.0);
    }

    // What a class-weighted loss does: logits shifted as if the classes were equally common.
    // The temperature alone cannot undo a shift; the temperature and bias recover both.
    void plattScalingRecoversAShiftedModel()
    {
        std::mt19937_64 random(12);
        std::normal_distribution<double> spread(0, 2);
        std::uniform_real_distribution<double> uniform(0, 1);
        std::vector<float> logits;
        std::vector<int> labels;
        for (int i = 0; i < 4000; ++i) {
            const double z = spread(random) + 1; // about three positives to one negative
            labels.push_back(uniform(random) < 1 / (1 + std::exp(-z)) ? 1 : 0);
            logits.push_back(float(2 * z - 3)); // z = logit / 2 + 1.5
        }
        const ml::LogitCalibration fitted = ml::fitCalibration(logits, 1, labels);
        QVERIFY2(std::abs(fitted.temperature - 2) < 0.2 && std::abs(fitted.bias - 1.5) < 0.15,
                 qPrintable(QString::fromStdString(fitted.describe())));
        const ml::LogitCalibration temperatureOnly{ml::fitTemperature(logits, 1, labels), 0};
        QVERIFY(ml::negativeLogLikelihood(logits, 1, labels, fitted) <
                ml::negativeLogLikelihood(logits, 1, labels, temperatureOnly));
        std::vector<float> calibrated;
        std::vector<float> temperatureScaled;
        for (float logit : logits) {
            calibrated.push_back(float(ml::calibratedProbability(logit, fitted)));
            temperatureScaled.push_back(float(ml::calibratedProbability(logit, temperatureOnly)));
        }
        QVERIFY(ml::expectedCalibrationError(labels, calibrated) < 0.03);
        QVERIFY(ml::expectedCalibrationError(labels, temperatureScaled) > 0.05);
        // The raw probabilities are recovered from the calibrated ones, as the reliability
        // diagram's "before" needs.
        const std::vector<float> raw = ml::uncalibratedProbabilities(calibrated, fitted);
        for (std::size_t i = 0; i < logits.size(); i += 97) {
            QVERIFY(std::abs(raw[i] - float(ml::calibratedProbability(logits[i]))) < 1e-4);
        }
        QCOMPARE(QString::fromStdString(ml::LogitCalibration{0.5, 1.25}.describe()),
                 QString("temperature 0.500, bias +1.250"));
    }

    // Samples a site might bring. One class alone gets no bias (it would run to its bound and
    // call every image that class); logits too alike to tell slope from bias still get the
    // bias that matches the share of positives.
    void plattScalingOnDegenerateSamples_data()
    {
        QTest::addColumn<std::vector<float>>("logits");
        QTest::addColumn<std::vector<int>>("labels");
        QTest::addColumn<double>("expectedBias");        // NAN: not checked
        QTest::addColumn<double>("expectedProbability"); // of every image; NAN: not checked
        QTest::newRow("positives only") << std::vector<float>{-1, 0.5f, 2, 3}
                                        << std::vector<int>{1, 1, 1, 1} << 0.0 << double(NAN);
        QTest::newRow("negatives only") << std::vector<float>{-1, 0.5f, 2, 3}
                                        << std::vector<int>{0, 0, 0, 0} << 0.0 << double(NAN);
        QTest::newRow("one image")
            << std::vector<float>{0.3f} << std::vector<int>{0} << 0.0 << double(NAN);
        QTest::newRow("separated") << std::vector<float>{-2, -1, 1, 2}
                                   << std::vector<int>{0, 0, 1, 1} << double(NAN) << double(NAN);
        QTest::newRow("equal logits") << std::vector<float>{1, 1, 1, 1}
                                      << std::vector<int>{0, 1, 1, 1} << double(NAN) << 0.75;
    }

    void plattScalingOnDegenerateSamples()
    {
        QFETCH(std::vector<float>, logits);
        QFETCH(std::vector<int>, labels);
        QFETCH(double, expectedBias);
        QFETCH(double, expectedProbability);
        const ml::LogitCalibration fitted = ml::fitCalibration(logits, 1, labels);
        QVERIFY(fitted.temperature >= 0.05 && fitted.temperature <= 20);
        QVERIFY(fitted.bias >= -20 && fitted.bias <= 20);
        const ml::LogitCalibration temperatureOnly{ml::fitTemperature(logits, 1, labels), 0};
        QVERIFY(ml::negativeLogLikelihood(logits, 1, labels, fitted) <=
                ml::negativeLogLikelihood(logits, 1, labels, temperatureOnly) + 1e-9);
        if (!std::isnan(expectedBias)) {
            QCOMPARE(fitted.bias, expectedBias);
        }
        if (!std::isnan(expectedProbability)) {
            QVERIFY2(std::abs(ml::calibratedProbability(logits[0], fitted) - expectedProbability) <
                         1e-3,
                     qPrintable(QString::fromStdString(fitted.describe())));
        }
    }

    // Scores that say nothing: the best slope is the flattest allowed (temperature 20) and the
    // bias alone must then carry the share of positives. A joint step clamped at the bound
    // stalls; the fit must still reach the best bias there.
    void plattScalingFindsTheBiasWithTheTemperatureAtItsBound()
    {
        std::mt19937_64 random(13);
        std::normal_distribution<double> spread(3, 2);
        std::uniform_real_distribution<double> uniform(0, 1);
        std::vector<float> logits;
        std::vector<int> labels;
        for (int i = 0; i < 2000; ++i) {
            logits.push_back(float(spread(random)));
            labels.push_back(uniform(random) < 0.1 ? 1 : 0);
        }
        const ml::LogitCalibration fitted = ml::fitCalibration(logits, 1, labels);
        double bestOnGrid = INFINITY;
        for (double bias = -6; bias <= 0; bias += 0.001) {
            bestOnGrid =
                std::min(bestOnGrid,
                         ml::negativeLogLikelihood(logits, 1, labels, {fitted.temperature, bias}));
        }
        QVERIFY2(ml::negativeLogLikelihood(logits, 1, labels, fitted) <= bestOnGrid + 1e-6,
                 qPrintable(QString::fromStdString(fitted.describe())));
        QVERIFY2(fitted.temperature > 5, qPrintable(QString::fromStdString(fitted.describe())));
    }

    void operatingPoints_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("sensitivity") << "sensitivity:0.95" << true;
        QTest::newRow("specificity") << "specificity:0.9" << true;
        QTest::newRow("youden") << "youden" << true;
        QTest::newRow("fixed") << "fixed:0.5" << true;
        QTest::newRow("above one") << "sensitivity:1.5" << false;
        QTest::newRow("no number") << "sensitivity:" << false;
        QTest::newRow("unknown") << "accuracy:0.9" << false;
        QTest::newRow("trailing text") << "fixed:0.5x" << false;
    }

    void operatingPoints()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        auto rule = ml::parseOperatingPoint(text.toStdString());
        QCOMPARE(rule.ok(), valid);
        if (valid) {
            QCOMPARE(ml::operatingPointSpec(*rule), text.toStdString());
        } else {
            QVERIFY(QString::fromStdString(rule.error().message).contains(text));
        }
    }

    void thresholdForTheStatedTarget()
    {
        const std::vector<int> labels = {0, 0, 0, 0, 1, 1, 1, 1};
        const std::vector<float> p = {0.1f, 0.2f, 0.3f, 0.6f, 0.4f, 0.7f, 0.8f, 0.9f};
        auto all = ml::chooseThreshold(*ml::parseOperatingPoint("sensitivity:1"), labels, p);
        QVERIFY(all.ok());
        QCOMPARE(*all, double(0.4f)); // the highest threshold that still catches every positive
        auto strict = ml::chooseThreshold(*ml::parseOperatingPoint("specificity:1"), labels, p);
        QCOMPARE(*strict, double(0.7f));
        QCOMPARE(*ml::chooseThreshold(*ml::parseOperatingPoint("fixed:0.3"), {}, {}), 0.3);
        QVERIFY(
            !ml::chooseThreshold(*ml::parseOperatingPoint("youden"), {1, 1}, {0.2f, 0.3f}).ok());
    }

    void sha256KnownAnswers()
    {
        QCOMPARE(ml::sha256Hex(""),
                 std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(ml::sha256Hex("abc"),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(ml::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(ml::sha256Hex(std::string(1000000, 'a')),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        QVERIFY(!ml::sha256OfFile("/nonexistent/weights.pt").ok());
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
        QCOMPARE(warm.rateAt(1, 0), 0.1); // warm-up: (step + 1) / 10
        QCOMPARE(warm.rateAt(1, 9), 1.0);
        QCOMPARE(warm.rateAt(2, 10), 1.0);                   // cosine starts at the peak
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
