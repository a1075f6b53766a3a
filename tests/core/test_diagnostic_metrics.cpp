// SPDX-License-Identifier: MIT
// Diagnostic metrics against hand-computed values, tricky inputs (one class, ties, nothing),
// ROC AUC against the Mann-Whitney count, the threshold presets, seeded bootstrap intervals
// and the calibration curve.
#include "core/ml/diagnostic_metrics.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace cxr::ml;

namespace {

// 4 positives, 6 negatives; at 0.5: TP 3, FN 1, FP 2, TN 4 (worked out in the test below).
const std::vector<int> kLabels = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
const std::vector<float> kScores = {0.9f, 0.8f, 0.4f, 0.6f, 0.7f, 0.2f, 0.1f, 0.3f, 0.5f, 0.05f};

// P(score of a positive > score of a negative) + half the ties, by counting every pair.
double mannWhitney(const std::vector<int> &labels, const std::vector<float> &scores)
{
    double wins = 0;
    double pairs = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        for (std::size_t j = 0; j < labels.size(); ++j) {
            if (labels[i] == 1 && labels[j] == 0) {
                wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
                pairs += 1;
            }
        }
    }
    return wins / pairs;
}

} // namespace

class TestDiagnosticMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void handComputedExample()
    {
        const DiagnosticMetrics m = computeDiagnosticMetrics(kLabels, kScores, 0.5);
        QCOMPARE(m.counts.truePositive, 3);
        QCOMPARE(m.counts.falseNegative, 1);
        QCOMPARE(m.counts.falsePositive, 2);
        QCOMPARE(m.counts.trueNegative, 4);
        QCOMPARE(m.accuracy, 0.7);
        QCOMPARE(m.sensitivity, 0.75);
        QCOMPARE(m.specificity, 4.0 / 6.0);
        QCOMPARE(m.balancedAccuracy, (0.75 + 4.0 / 6.0) / 2);
        QCOMPARE(m.ppv, 0.6);
        QCOMPARE(m.npv, 0.8);
        QCOMPARE(m.f1, 6.0 / 9.0);
        QCOMPARE(m.mcc, 10.0 / std::sqrt(600.0)); // (3*4 - 2*1) / sqrt(5*4*6*5)
        QCOMPARE(m.kappa, 0.4);                   // (0.7 - 0.5) / (1 - 0.5)
        QCOMPARE(m.rocAuc, 21.0 / 24.0);
        QCOMPARE(m.prAuc, (1 + 1 + 0.75 + 4.0 / 6.0) / 4);
        QVERIFY(std::abs(m.brier - 0.14525) < 1e-6);
    }

    void thresholdPresets()
    {
        QCOMPARE(youdenThreshold(kLabels, kScores), 0.4000000059604645); // J = 1 - 2/6 there
        QCOMPARE(float(thresholdForSensitivity(kLabels, kScores, 0.75)), 0.6f);
        QCOMPARE(float(thresholdForSpecificity(kLabels, kScores, 0.8)), 0.6f);
        const DiagnosticMetrics atYouden =
            computeDiagnosticMetrics(kLabels, kScores, youdenThreshold(kLabels, kScores));
        QCOMPARE(atYouden.sensitivity, 1.0);
        QCOMPARE(atYouden.specificity, 4.0 / 6.0);
    }

    void curvesRunFromCornerToCorner()
    {
        const auto roc = rocCurve(kLabels, kScores);
        QCOMPARE(roc.front().x, 0.0);
        QCOMPARE(roc.front().y, 0.0);
        QCOMPARE(roc.back().x, 1.0);
        QCOMPARE(roc.back().y, 1.0);
        double area = 0;
        for (std::size_t i = 1; i < roc.size(); ++i) {
            area += (roc[i].x - roc[i - 1].x) * (roc[i].y + roc[i - 1].y) / 2;
        }
        QCOMPARE(area, 21.0 / 24.0); // the trapezoids give the AUC
        const auto pr = precisionRecallCurve(kLabels, kScores);
        QCOMPARE(pr.back().x, 1.0);
        QCOMPARE(pr.back().y, 0.4); // all called positive: precision = prevalence
    }

    void rocAucEqualsMannWhitneyOnRandomData()
    {
        std::mt19937_64 random(3);
        std::uniform_int_distribution<int> coin(0, 1);
        std::uniform_int_distribution<int> level(0, 20); // coarse scores: many ties
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<int> labels(200);
            std::vector<float> scores(200);
            for (std::size_t i = 0; i < labels.size(); ++i) {
                labels[i] = coin(random);
                scores[i] = float(level(random) + 3 * labels[i]) / 23.0f;
            }
            QVERIFY(std::abs(rocAuc(labels, scores) - mannWhitney(labels, scores)) < 1e-12);
        }
    }

    void trickyInputsGiveNanNotCrashes()
    {
        const std::vector<int> negatives(5, 0);
        const std::vector<float> low(5, 0.2f);
        DiagnosticMetrics m = computeDiagnosticMetrics(negatives, low, 0.5);
        QCOMPARE(m.accuracy, 1.0);
        QCOMPARE(m.specificity, 1.0);
        QVERIFY(std::isnan(m.sensitivity));
        QVERIFY(std::isnan(m.rocAuc));
        QVERIFY(std::isnan(m.prAuc));
        QVERIFY(std::isnan(m.mcc));
        QVERIFY(std::isnan(m.ppv)); // nothing called positive

        // Ties: one positive and one negative with the same score.
        m = computeDiagnosticMetrics({1, 0}, {0.5f, 0.5f}, 0.5);
        QCOMPARE(m.rocAuc, 0.5);
        QCOMPARE(m.prAuc, 0.5);

        const DiagnosticReport empty = diagnosticReport({}, {}, 0.5);
        QVERIFY(std::isnan(empty.metrics.accuracy));
        QVERIFY(std::isnan(empty.prevalence));
        QVERIFY(std::isnan(empty.intervals.front().low));

        const DiagnosticReport oneClass = diagnosticReport(negatives, low, 0.5);
        QVERIFY(std::isnan(oneClass.intervals[9].low)); // ROC AUC never defined
        QCOMPARE(oneClass.majorityBaseline, 1.0);
    }

    void bootstrapIsSeededAndCoversTheEstimate()
    {
        std::mt19937_64 random(9);
        std::normal_distribution<float> noise(0, 0.25f);
        std::vector<int> labels(624);
        std::vector<float> scores(624);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            labels[i] = i < 390 ? 1 : 0; // Kermany's test split: 390 pneumonia, 234 normal
            scores[i] = std::clamp(0.5f + (labels[i] ? 0.2f : -0.2f) + noise(random), 0.0f, 1.0f);
        }
        BootstrapSettings settings;
        settings.samples = 500;
        const DiagnosticReport a = diagnosticReport(labels, scores, 0.5, settings);
        const DiagnosticReport b = diagnosticReport(labels, scores, 0.5, settings);
        QCOMPARE(a.intervals.size(), diagnosticMetricDefinitions().size());
        for (std::size_t d = 0; d < a.intervals.size(); ++d) {
            QCOMPARE(a.intervals[d].low, b.intervals[d].low); // same seed, same interval
            QCOMPARE(a.intervals[d].high, b.intervals[d].high);
            const double value = a.metrics.*(diagnosticMetricDefinitions()[d].member);
            QVERIFY2(a.intervals[d].low <= value && value <= a.intervals[d].high,
                     diagnosticMetricDefinitions()[d].key);
        }
        QCOMPARE(a.majorityBaseline, 390.0 / 624.0); // 62.5%
        settings.seed = 7;
        const DiagnosticReport c = diagnosticReport(labels, scores, 0.5, settings);
        QVERIFY(c.intervals[0].low != a.intervals[0].low ||
                c.intervals[0].high != a.intervals[0].high);
        // About 0.035 wide for an accuracy near 0.79 on 624 images.
        const double width = a.intervals[0].high - a.intervals[0].low;
        QVERIFY2(width > 0.04 && width < 0.09, qPrintable(QString::number(width)));
    }

    void calibrationOfCalibratedScores()
    {
        std::mt19937_64 random(4);
        std::uniform_real_distribution<float> uniform(0, 1);
        std::vector<int> labels(20000);
        std::vector<float> scores(20000);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            scores[i] = uniform(random);
            labels[i] = uniform(random) < scores[i] ? 1 : 0; // positive with probability = score
        }
        const auto bins = calibrationCurve(labels, scores, 10);
        QCOMPARE(bins.size(), std::size_t(10));
        std::int64_t total = 0;
        for (const CalibrationBin &bin : bins) {
            total += bin.count;
            QVERIFY(std::abs(bin.observedRate - bin.meanPredicted) < 0.04);
        }
        QCOMPARE(total, std::int64_t(labels.size()));
    }
};

QTEST_GUILESS_MAIN(TestDiagnosticMetrics)
#include "test_diagnostic_metrics.moc"
