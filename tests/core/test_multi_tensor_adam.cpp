// SPDX-License-Identifier: MIT
// The multi-tensor Adam and AdamW steps (on the CPU here, where the trainer itself uses
// LibTorch's loop) against LibTorch's own, over 100 steps of a small network: the same weights,
// with L2 or decoupled decay, a learning rate changed between steps, a parameter that has no
// gradient for the first steps, and checkpoints moved between the two. LibTorch headers, so Qt's
// keyword macros are off (QT_NO_KEYWORDS).
#include "core/ml/torch_includes.h"
#include "core/ml/torch_multi_tensor_adam.h"

#include <QTest>

#include <sstream>

using namespace cxr;

namespace {

namespace nn = torch::nn;

// A convolution, a batch norm and two linear layers: tensors of several shapes and sizes.
struct TinyNetImpl : nn::Module {
    TinyNetImpl()
    {
        conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)));
        norm = register_module("norm", nn::BatchNorm2d(4));
        hidden = register_module("hidden", nn::Linear(4 * 8 * 8, 16));
        head = register_module("head", nn::Linear(16, 2));
    }
    torch::Tensor forward(const torch::Tensor &x)
    {
        const torch::Tensor y = torch::relu(norm->forward(conv->forward(x)));
        return head->forward(torch::relu(hidden->forward(y.flatten(1))));
    }
    nn::Conv2d conv{nullptr};
    nn::BatchNorm2d norm{nullptr};
    nn::Linear hidden{nullptr};
    nn::Linear head{nullptr};
};
TORCH_MODULE(TinyNet);

// Two networks with the same weights.
std::pair<TinyNet, TinyNet> twins()
{
    torch::manual_seed(3);
    TinyNet a;
    TinyNet b;
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < a->parameters().size(); ++i) {
        b->parameters()[i].copy_(a->parameters()[i]);
    }
    return {a, b};
}

// One training step on batch number step; before freezeUntil the head's bias gets no gradient.
void trainStep(TinyNet &net, torch::optim::Optimizer &optimizer, int step, int freezeUntil = 0)
{
    torch::manual_seed(100 + step);
    const torch::Tensor x = torch::randn({8, 1, 8, 8});
    const torch::Tensor y = torch::randint(0, 2, {8});
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    if (step < freezeUntil) {
        net->head->bias.mutable_grad() = torch::Tensor();
    }
    if (step == 50) { // a schedule's change of rate, as the trainer makes between steps
        for (auto &group : optimizer.param_groups()) {
            group.options().set_lr(group.options().get_lr() * 0.3);
        }
    }
    optimizer.step();
}

// Steps [from, to) of two networks, each with its own optimiser, on the same batches.
void trainBoth(TinyNet &a, torch::optim::Optimizer &optimizerA, TinyNet &b,
               torch::optim::Optimizer &optimizerB, int from, int to, int freezeUntil = 0)
{
    for (int step = from; step < to; ++step) {
        trainStep(a, optimizerA, step, freezeUntil);
        trainStep(b, optimizerB, step, freezeUntil);
    }
}

double largestDifference(TinyNet &a, TinyNet &b)
{
    double largest = 0;
    for (std::size_t i = 0; i < a->parameters().size(); ++i) {
        largest =
            std::max(largest, (a->parameters()[i] - b->parameters()[i]).abs().max().item<double>());
    }
    return largest;
}

// The optimiser's state written and read back into another optimiser.
template <typename From, typename To> void moveState(From &from, To &to)
{
    std::stringstream bytes;
    torch::serialize::OutputArchive out;
    from.save(out);
    out.save_to(bytes);
    torch::serialize::InputArchive in;
    in.load_from(bytes);
    to.load(in);
}

} // namespace

class TestMultiTensorAdam : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void adamMatchesLibTorch_data()
    {
        QTest::addColumn<double>("weightDecay");
        QTest::addColumn<int>("freezeUntil");
        QTest::newRow("plain") << 0.0 << 0;
        QTest::newRow("L2 decay") << 1e-3 << 0;
        QTest::newRow("a parameter without gradient for 20 steps") << 0.0 << 20;
    }
    void adamMatchesLibTorch()
    {
        QFETCH(double, weightDecay);
        QFETCH(int, freezeUntil);
        auto [reference, ours] = twins();
        const auto options = torch::optim::AdamOptions(1e-2).weight_decay(weightDecay);
        torch::optim::Adam libtorch(reference->parameters(), options);
        ml::MultiTensorAdam multi(ours->parameters(), options);
        multi.useOnCpu(true);
        trainBoth(reference, libtorch, ours, multi, 0, 100, freezeUntil);
        QVERIFY2(largestDifference(reference, ours) < 1e-6,
                 std::to_string(largestDifference(reference, ours)).c_str());
        // The weights moved: a step that did nothing would match too.
        auto [untrained, unused] = twins();
        QVERIFY(largestDifference(untrained, ours) > 1e-2);
    }

    void adamWMatchesLibTorch()
    {
        auto [reference, ours] = twins();
        const auto options = torch::optim::AdamWOptions(1e-2).weight_decay(0.05);
        torch::optim::AdamW libtorch(reference->parameters(), options);
        ml::MultiTensorAdamW multi(ours->parameters(), options);
        multi.useOnCpu(true);
        trainBoth(reference, libtorch, ours, multi, 0, 100);
        QVERIFY2(largestDifference(reference, ours) < 1e-6,
                 std::to_string(largestDifference(reference, ours)).c_str());
    }

    // AMSGrad is LibTorch's own step: still the same weights.
    void amsgradFallsBackToLibTorch()
    {
        auto [reference, ours] = twins();
        const auto options = torch::optim::AdamOptions(1e-2).amsgrad(true);
        torch::optim::Adam libtorch(reference->parameters(), options);
        ml::MultiTensorAdam multi(ours->parameters(), options);
        multi.useOnCpu(true);
        trainBoth(reference, libtorch, ours, multi, 0, 20);
        QCOMPARE(largestDifference(reference, ours), 0.0);
    }

    // A checkpoint of either optimiser resumes with the other to the same weights.
    void checkpointsMoveBetweenTheTwo()
    {
        auto [reference, ours] = twins();
        const auto options = torch::optim::AdamOptions(1e-2);
        torch::optim::Adam libtorch(reference->parameters(), options);
        ml::MultiTensorAdam multi(ours->parameters(), options);
        multi.useOnCpu(true);
        trainBoth(reference, libtorch, ours, multi, 0, 30);
        torch::optim::Adam libtorchResumed(ours->parameters(), options);
        ml::MultiTensorAdam multiResumed(reference->parameters(), options);
        multiResumed.useOnCpu(true);
        moveState(multi, libtorchResumed);
        moveState(libtorch, multiResumed);
        trainBoth(reference, multiResumed, ours, libtorchResumed, 30, 60);
        QVERIFY2(largestDifference(reference, ours) < 1e-6,
                 std::to_string(largestDifference(reference, ours)).c_str());
    }
};

QTEST_APPLESS_MAIN(TestMultiTensorAdam)
#include "test_multi_tensor_adam.moc"
