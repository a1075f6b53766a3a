// SPDX-License-Identifier: MIT
// The batch norm every network is built with (ml::SyncBatchNorm2d): LibTorch's BatchNorm2d to the
// last digit outside a synchronised step, and the same figures, forward and backward, when it
// sums its statistics over a process group of one. The group of two is test_data_parallel's.
// LibTorch headers, so Qt's keyword macros are off (QT_NO_KEYWORDS).
#include "core/ml/process_group.h"
#include "core/ml/torch_batch_norm.h"
#include "core/ml/torch_includes.h"

#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace cxr;

namespace {

namespace nn = torch::nn;

struct Pass {
    torch::Tensor output;
    torch::Tensor inputGradient;
    torch::Tensor weightGradient;
    torch::Tensor biasGradient;
};

// A forward pass and the backward pass of a weighted sum of its output (so that every output
// element gets its own gradient).
template <typename Norm> Pass run(Norm &norm, const torch::Tensor &input, const torch::Tensor &mix)
{
    torch::Tensor x = input.clone().requires_grad_(true);
    if (norm->weight.grad().defined()) {
        norm->weight.mutable_grad().zero_();
        norm->bias.mutable_grad().zero_();
    }
    const torch::Tensor y = norm->forward(x);
    (y * mix).sum().backward();
    return {y.detach(), x.grad(), norm->weight.grad().clone(), norm->bias.grad().clone()};
}

void sameParameters(nn::BatchNorm2d &reference, ml::SyncBatchNorm2d &norm)
{
    torch::NoGradGuard noGrad;
    reference->weight.uniform_(0.5, 1.5);
    reference->bias.uniform_(-0.5, 0.5);
    norm->weight.copy_(reference->weight);
    norm->bias.copy_(reference->bias);
}

void compare(const torch::Tensor &got, const torch::Tensor &expected, double tolerance,
             const char *what)
{
    const double difference = (got - expected).abs().max().item<double>();
    QVERIFY2(difference <= tolerance,
             qPrintable(QString("%1 differs by %2").arg(what).arg(difference, 0, 'g', 3)));
}

void comparePasses(const Pass &got, const Pass &expected, double tolerance)
{
    compare(got.output, expected.output, tolerance, "output");
    compare(got.inputGradient, expected.inputGradient, tolerance, "input gradient");
    compare(got.weightGradient, expected.weightGradient, tolerance, "weight gradient");
    compare(got.biasGradient, expected.biasGradient, tolerance, "bias gradient");
}

void compareBuffers(nn::BatchNorm2d &reference, ml::SyncBatchNorm2d &norm, double tolerance)
{
    compare(norm->running_mean, reference->running_mean, tolerance, "running mean");
    compare(norm->running_var, reference->running_var, tolerance, "running variance");
    QCOMPARE(norm->num_batches_tracked.item<std::int64_t>(),
             reference->num_batches_tracked.item<std::int64_t>());
}

int freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

class TestBatchNorm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(11); }

    void checkpointNamesAreLibTorchs()
    {
        nn::BatchNorm2d reference(6);
        ml::SyncBatchNorm2d norm(6);
        QCOMPARE(norm->named_parameters().keys(), reference->named_parameters().keys());
        QCOMPARE(norm->named_buffers().keys(), reference->named_buffers().keys());
    }

    void unsynchronisedIsLibTorchsBatchNorm_data()
    {
        QTest::addColumn<bool>("cumulative");
        QTest::newRow("momentum 0.1") << false;
        QTest::newRow("cumulative average") << true;
    }

    void unsynchronisedIsLibTorchsBatchNorm()
    {
        QFETCH(bool, cumulative);
        nn::BatchNormOptions options(8);
        if (cumulative) {
            options.momentum(c10::nullopt);
        }
        nn::BatchNorm2d reference(options);
        ml::SyncBatchNorm2d norm(options);
        sameParameters(reference, norm);
        for (int step = 0; step < 3; ++step) {
            const torch::Tensor input = torch::randn({4, 8, 5, 5}) * 3 + 2;
            const torch::Tensor mix = torch::randn({4, 8, 5, 5});
            comparePasses(run(norm, input, mix), run(reference, input, mix), 0.0);
        }
        compareBuffers(reference, norm, 0.0);
        reference->eval();
        norm->eval();
        const torch::Tensor input = torch::randn({2, 8, 5, 5});
        compare(norm->forward(input), reference->forward(input), 0.0, "evaluation output");
    }

    // Over a group of one, the sums over the ranks are this process's: the synchronised path's
    // own arithmetic (two passes, autograd through the sums) must give LibTorch's kernel's
    // figures, and in evaluation it must not touch the group at all.
    void synchronisedOverOneRankIsLibTorchsBatchNorm()
    {
        if (!ml::processGroupsAvailable()) {
            QSKIP("this LibTorch has no Gloo process groups");
        }
        ml::DistributedLaunch launch;
        launch.masterPort = freePort();
        auto group = ml::ProcessGroup::join(launch, std::chrono::seconds(30));
        QVERIFY2(group, group ? "" : group.error().message.c_str());

        nn::BatchNorm2d reference(8);
        ml::SyncBatchNorm2d norm(8);
        sameParameters(reference, norm);
        ml::BatchNormSync synchronised(group->get());
        for (int step = 0; step < 3; ++step) {
            // A large mean against the spread, where a one-pass variance would lose digits.
            const torch::Tensor input = torch::randn({4, 8, 5, 5}) * 0.5 + 40;
            const torch::Tensor mix = torch::randn({4, 8, 5, 5});
            comparePasses(run(norm, input, mix), run(reference, input, mix), 2e-4);
        }
        compareBuffers(reference, norm, 1e-5);
        reference->eval();
        norm->eval();
        const torch::Tensor input = torch::randn({2, 8, 5, 5}) * 0.5 + 40;
        compare(norm->forward(input), reference->forward(input), 1e-5, "evaluation output");
    }
};

QTEST_GUILESS_MAIN(TestBatchNorm)
#include "test_batch_norm.moc"
