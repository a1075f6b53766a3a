// SPDX-License-Identifier: MIT
// Class balancing: the epoch order each method produces and the class mix the dataset page
// shows for it, on Kermany's training counts (1,341 NORMAL, 3,875 PNEUMONIA).
#include "core/augment/class_balance.h"

#include <QTest>

using namespace cxr;

namespace {

std::vector<int> kermanyLabels()
{
    std::vector<int> labels(1341, 0);
    labels.insert(labels.end(), 3875, 1);
    return labels;
}

std::vector<std::int64_t> countsIn(const std::vector<std::int64_t> &order,
                                   const std::vector<int> &labels)
{
    std::vector<std::int64_t> counts(2, 0);
    for (std::int64_t index : order) {
        ++counts[std::size_t(labels[std::size_t(index)])];
    }
    return counts;
}

} // namespace

class TestClassBalance : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesRoundTrip()
    {
        for (const auto &[method, name] : balanceMethodNames()) {
            QCOMPARE(*parseBalanceMethod(name), method);
            QCOMPARE(std::string(balanceMethodName(method)), std::string(name));
        }
        QVERIFY(!parseBalanceMethod("smote"));
    }

    void noneVisitsEveryImageOnce()
    {
        const auto labels = kermanyLabels();
        std::mt19937_64 random(1);
        auto order = epochSampleOrder(labels, 2, BalanceMethod::None, random);
        QCOMPARE(order.size(), labels.size());
        std::sort(order.begin(), order.end());
        for (std::size_t i = 0; i < order.size(); ++i) {
            QCOMPARE(order[i], std::int64_t(i));
        }
        QCOMPARE(epochClassMix(classCounts(labels, 2), BalanceMethod::None),
                 (std::vector<double>{1341, 3875}));
    }

    void oversamplingReachesParityWithFreshRepeats()
    {
        const auto labels = kermanyLabels();
        std::mt19937_64 random(1);
        const auto first = epochSampleOrder(labels, 2, BalanceMethod::Oversample, random);
        QCOMPARE(countsIn(first, labels), (std::vector<std::int64_t>{3875, 3875}));
        QCOMPARE(std::int64_t(first.size()),
                 epochSampleCount(classCounts(labels, 2), BalanceMethod::Oversample));
        QCOMPARE(epochClassMix(classCounts(labels, 2), BalanceMethod::Oversample),
                 (std::vector<double>{3875, 3875}));
        // Every original image is still there, and the repeats differ between epochs.
        std::vector<int> seen(labels.size(), 0);
        for (std::int64_t index : first) {
            ++seen[std::size_t(index)];
        }
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](int n) { return n >= 1; }));
        const auto second = epochSampleOrder(labels, 2, BalanceMethod::Oversample, random);
        QVERIFY(first != second);
    }

    void weightedSamplingDrawsClassesEqually()
    {
        const auto labels = kermanyLabels();
        std::mt19937_64 random(1);
        const auto order = epochSampleOrder(labels, 2, BalanceMethod::WeightedSampling, random);
        QCOMPARE(order.size(), labels.size());
        QCOMPARE(std::int64_t(order.size()),
                 epochSampleCount(classCounts(labels, 2), BalanceMethod::WeightedSampling));
        const auto counts = countsIn(order, labels);
        QVERIFY2(std::abs(counts[0] - 2608) < 150, QByteArray::number(qlonglong(counts[0])));
        QCOMPARE(epochClassMix(classCounts(labels, 2), BalanceMethod::WeightedSampling),
                 (std::vector<double>{2608, 2608}));
    }

    void weightedLossWeighsByInverseFrequency()
    {
        const auto counts = classCounts(kermanyLabels(), 2);
        const auto weights = lossClassWeights(counts, BalanceMethod::ClassWeightedLoss);
        QVERIFY(std::abs(weights[0] - 5216.0 / (2 * 1341)) < 1e-12);
        QVERIFY(std::abs(weights[1] - 5216.0 / (2 * 3875)) < 1e-12);
        // Equal total weight per class.
        QVERIFY(std::abs(weights[0] * 1341 - weights[1] * 3875) < 1e-9);
        QCOMPARE(lossClassWeights(counts, BalanceMethod::Oversample), (std::vector<double>{1, 1}));
    }

    void sameSeedSameEpoch()
    {
        const auto labels = kermanyLabels();
        std::mt19937_64 a(5);
        std::mt19937_64 b(5);
        QCOMPARE(epochSampleOrder(labels, 2, BalanceMethod::Oversample, a),
                 epochSampleOrder(labels, 2, BalanceMethod::Oversample, b));
    }
};

QTEST_GUILESS_MAIN(TestClassBalance)
#include "test_class_balance.moc"
