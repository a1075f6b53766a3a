// SPDX-License-Identifier: MIT
// The multi-class training loss: softmax cross-entropy with class weights and label smoothing
// computed without reading back to the host, against LibTorch's cross_entropy, value and
// gradient. LibTorch headers, so Qt's keyword macros are off (QT_NO_KEYWORDS).
#include "core/ml/tensor_batches.h"
#include "core/ml/torch_includes.h"

#include <QTest>

using namespace cxr;

class TestTrainingLoss : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesLibTorch_data()
    {
        QTest::addColumn<bool>("weighted");
        QTest::addColumn<double>("smoothing");
        QTest::newRow("plain") << false << 0.0;
        QTest::newRow("smoothed") << false << 0.1;
        QTest::newRow("weighted") << true << 0.0;
        QTest::newRow("weighted and smoothed") << true << 0.2;
    }
    void matchesLibTorch()
    {
        QFETCH(bool, weighted);
        QFETCH(double, smoothing);
        torch::manual_seed(7);
        const torch::Tensor logits = torch::randn({16, 4}) * 3;
        const torch::Tensor labels = torch::randint(0, 4, {16});
        const torch::Tensor weights =
            weighted ? torch::tensor({0.5, 2.0, 1.0, 3.0}).to(torch::kFloat32) : torch::Tensor();

        namespace F = torch::nn::functional;
        auto options = F::CrossEntropyFuncOptions().label_smoothing(smoothing);
        if (weighted) {
            options.weight(weights);
        }
        const torch::Tensor theirInput = logits.clone().requires_grad_(true);
        const torch::Tensor theirs = F::cross_entropy(theirInput, labels, options);
        theirs.backward();
        const torch::Tensor ourInput = logits.clone().requires_grad_(true);
        const torch::Tensor ours = ml::smoothedCrossEntropy(ourInput, labels, weights, smoothing);
        ours.backward();

        QVERIFY2(std::abs(ours.item<double>() - theirs.item<double>()) < 1e-5,
                 (std::to_string(ours.item<double>()) + " against " +
                  std::to_string(theirs.item<double>()))
                     .c_str());
        QVERIFY((ourInput.grad() - theirInput.grad()).abs().max().item<double>() < 1e-6);
    }

    // The training path itself: lossAndCorrect takes this loss for more than one logit.
    void lossAndCorrectUsesIt()
    {
        torch::manual_seed(8);
        const torch::Tensor logits = torch::randn({8, 3});
        const torch::Tensor labels = torch::randint(0, 3, {8});
        const torch::Tensor weights = torch::tensor({1.0, 2.0, 0.5}).to(torch::kFloat32);
        const ml::BatchOutcome outcome = ml::lossAndCorrect(logits, labels, weights, 0.1);
        namespace F = torch::nn::functional;
        const torch::Tensor theirs = F::cross_entropy(
            logits, labels, F::CrossEntropyFuncOptions().label_smoothing(0.1).weight(weights));
        QVERIFY(std::abs(outcome.loss.item<double>() - theirs.item<double>()) < 1e-5);
        QCOMPARE(outcome.correct.item<std::int64_t>(),
                 (logits.argmax(1) == labels).sum().item<std::int64_t>());
    }
};

QTEST_APPLESS_MAIN(TestTrainingLoss)
#include "test_training_loss.moc"
