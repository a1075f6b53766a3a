// SPDX-License-Identifier: MIT
// The "equalise" input normalisation: each image's levels replaced by their mid-rank within
// the image, inside the network. Checked by hand on a small plane, for invariance to exposure
// and contrast (exact where no levels merge, close under gamma), for shape and memory format,
// and through whole networks: a model that equalises gives the same logits for a brighter copy
// of an image, one that does not gives different ones. LibTorch headers, so QT_NO_KEYWORDS.
#include "core/imaging/model_input.h"
#include "core/ml/models.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_input_equalisation.h"

#include <QTest>

using namespace cxr;

namespace {

// Random 8-bit levels 0-127 as model input ([0, 1]), so that doubling them merges none.
torch::Tensor lowLevels(std::int64_t n, std::int64_t channels, std::int64_t side)
{
    return torch::randint(0, 128, {n, channels, side, side}).to(torch::kFloat32) / 255;
}

ml::ModelSpec specFor(const std::string &architecture, const std::string &normalisation)
{
    ml::ModelSpec spec;
    spec.architecture = architecture;
    spec.inputSize = 64;
    spec.normalisation = normalisation;
    spec.classNames = {"NORMAL", "PNEUMONIA"};
    return spec;
}

} // namespace

class TestInputEqualisation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void midRanksByHand()
    {
        // Levels 0, 0, 10, 20: two pixels at 0 (mid-rank 1 of 4), then one each.
        const torch::Tensor plane = torch::tensor({0.0f, 0.0f, 10.0f, 20.0f}).view({1, 1, 2, 2});
        const torch::Tensor ranks = ml::equaliseHistograms(plane / 255);
        const torch::Tensor expected =
            torch::tensor({0.25f, 0.25f, 0.625f, 0.875f}).view({1, 1, 2, 2});
        QVERIFY2(torch::allclose(ranks, expected), "mid-ranks differ from the hand-computed ones");
    }

    void planesAreEqualisedSeparately()
    {
        // The same levels in two images and two channels: each plane counts only its own.
        torch::manual_seed(3);
        const torch::Tensor one = lowLevels(1, 1, 16);
        const torch::Tensor darker = one * 0.5;
        const torch::Tensor batch =
            torch::cat({torch::cat({one, darker}, 1), torch::cat({darker, one}, 1)}, 0);
        const torch::Tensor ranks = ml::equaliseHistograms(batch);
        const torch::Tensor alone = ml::equaliseHistograms(one);
        QVERIFY(torch::equal(ranks.slice(0, 0, 1).slice(1, 0, 1), alone));
        QVERIFY(torch::equal(ranks.slice(0, 1, 2).slice(1, 1, 2), alone));
        QVERIFY(torch::equal(ranks.slice(0, 0, 1).slice(1, 1, 2), ml::equaliseHistograms(darker)));
        QVERIFY(ranks.min().item<float>() > 0 && ranks.max().item<float>() < 1);
    }

    void exposureAndContrastDropOut()
    {
        torch::manual_seed(5);
        const torch::Tensor image = lowLevels(4, 1, 32);
        const torch::Tensor ranks = ml::equaliseHistograms(image);
        // Doubling the levels (a steeper contrast) and adding an offset keep every level apart.
        QVERIFY(torch::equal(ml::equaliseHistograms(image * 2), ranks));
        QVERIFY(torch::equal(ml::equaliseHistograms(image + 100.0 / 255), ranks));
        // Gamma 0.7 merges a few dark levels: close, not equal.
        const torch::Tensor gamma = ((image.pow(0.7) * 255).round() / 255);
        const double change = (ml::equaliseHistograms(gamma) - ranks).abs().max().item<double>();
        QVERIFY2(change > 0 && change < 0.05, qPrintable(QString::number(change)));
    }

    void keepsShapeAndMemoryFormat()
    {
        torch::manual_seed(6);
        const torch::Tensor image =
            lowLevels(2, 3, 8).contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor ranks = ml::equaliseHistograms(image);
        QCOMPARE(ranks.sizes(), image.sizes());
        QVERIFY(ranks.is_contiguous(torch::MemoryFormat::ChannelsLast));
        QVERIFY(torch::equal(ranks.contiguous(), ml::equaliseHistograms(image.contiguous())));
        QCOMPARE(ml::equaliseHistograms(torch::empty({0, 1, 8, 8})).size(0), 0);
    }

    void networksThatEqualiseIgnoreExposure_data()
    {
        QTest::addColumn<QString>("architecture");
        QTest::newRow("small-cnn") << "small-cnn";
        QTest::newRow("lenet5") << "lenet5";
        QTest::newRow("resnet18") << "resnet18";
    }
    void networksThatEqualiseIgnoreExposure()
    {
        QFETCH(QString, architecture);
        torch::manual_seed(9);
        const torch::Tensor image = lowLevels(2, 1, 64);
        const torch::Tensor brighter = image * 2;
        for (const std::string normalisation : {"equalise", "scale01"}) {
            torch::manual_seed(1);
            ml::ClassifierNet net =
                ml::makeClassifierNet(specFor(architecture.toStdString(), normalisation));
            net->eval();
            torch::NoGradGuard noGradient;
            const torch::Tensor logits = net->forward(image);
            const bool same = torch::allclose(net->forward(brighter), logits, 1e-5, 1e-6);
            QCOMPARE(same, normalisation == "equalise");
            // Grad-CAM's path through the stages normalises exactly as forward() does.
            torch::Tensor x = image;
            for (std::size_t s = 0; s < net->stageNames().size(); ++s) {
                x = net->stage(s, x);
            }
            QVERIFY(torch::allclose(net->head(x), logits, 1e-5, 1e-6));
        }
    }

    void picturesShowWhatTheLayersSee()
    {
        // The Viewer's picture of an equalising model's input: the network's values on 8 bits,
        // to within the rounding of float against double. Eight levels, so that each holds many
        // pixels and another rank (the textbook count at or below a level) would differ by far
        // more than one level.
        torch::manual_seed(8);
        const torch::Tensor levels = (torch::randint(0, 8, {1, 3, 24, 24}) * 30).to(torch::kUInt8);
        const std::vector<std::uint8_t> chw(levels.data_ptr<std::uint8_t>(),
                                            levels.data_ptr<std::uint8_t>() + levels.numel());
        const std::vector<std::uint8_t> shown = imaging::equalisedLevels(chw, 3);
        const torch::Tensor network =
            (ml::equaliseHistograms(levels.to(torch::kFloat32) / 255) * 255).flatten();
        const torch::Tensor picture =
            torch::tensor(std::vector<float>(shown.begin(), shown.end()), torch::kFloat32);
        const float worst = (picture - network).abs().max().item<float>();
        QVERIFY2(worst <= 0.5f, qPrintable(QString::number(worst)));
    }

    void normalisationNamesAreChecked()
    {
        QVERIFY(ml::isKnownNormalisation("equalise"));
        QVERIFY(ml::isKnownNormalisation("scale01"));
        QVERIFY(!ml::isKnownNormalisation("zscore"));
    }
};

QTEST_GUILESS_MAIN(TestInputEqualisation)
#include "test_input_equalisation.moc"
