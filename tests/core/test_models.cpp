// SPDX-License-Identifier: MIT
// The model zoo: parameter counts against torchvision's published figures (with a 1000-class
// head), torchvision's state_dict names, the feature map Grad-CAM explains, and one short
// training run with Grad-CAM for a residual network.
#include "core/ml/classifier.h"
#include "core/ml/model_summary.h"
#include "core/pipeline/training_job.h"
#include "tests/common/demo_run.h"

#include <QDirIterator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace cxr;

namespace {

ml::ModelSpec specFor(const QString &architecture, int classes, int channels, int inputSize = 224)
{
    ml::ModelSpec spec;
    spec.architecture = architecture.toStdString();
    spec.channels = channels;
    spec.inputSize = inputSize;
    for (int c = 0; c < classes; ++c) {
        spec.classNames.push_back("class" + std::to_string(c));
    }
    return spec;
}

bool hasName(const ml::ModelSummary &summary, const char *name)
{
    return std::find(summary.tensorNames.begin(), summary.tensorNames.end(), name) !=
           summary.tensorNames.end();
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parameterCounts_data()
    {
        QTest::addColumn<QString>("architecture");
        QTest::addColumn<int>("classes");
        QTest::addColumn<int>("channels");
        QTest::addColumn<qlonglong>("parameters");
        // torchvision's figures for its ImageNet models (3 channels, 1000 classes).
        QTest::newRow("alexnet") << "alexnet" << 1000 << 3 << 61100840LL;
        QTest::newRow("resnet18") << "resnet18" << 1000 << 3 << 11689512LL;
        QTest::newRow("resnet50") << "resnet50" << 1000 << 3 << 25557032LL;
        QTest::newRow("densenet121") << "densenet121" << 1000 << 3 << 7978856LL;
        // VGG16 with the thesis's head: torchvision's 14,714,688 convolution weights, then
        // global pooling and 512-4096-4096-1000.
        QTest::newRow("vgg16 thesis head") << "vgg16" << 1000 << 3 << 37694248LL;
        // Grey input: the first convolution has one input plane instead of three.
        QTest::newRow("resnet18 grey") << "resnet18" << 1000 << 1 << (11689512LL - 2 * 64 * 7 * 7);
        // Binary head: one logit.
        QTest::newRow("resnet18 binary") << "resnet18" << 2 << 3 << (11689512LL - 999 * 513);
        // LeNet-5 at 224 px, grey, one logit: 156 + 2,416 + 16*53*53*120+120 + 10,164 + 85.
        QTest::newRow("lenet5") << "lenet5" << 2 << 1 << 5406221LL;
        // small-cnn: 16-32-64-128 blocks without conv bias, batch norm, one logit.
        QTest::newRow("small-cnn")
            << "small-cnn" << 2 << 1
            << qlonglong(144 + 32 + 4608 + 64 + 18432 + 128 + 73728 + 256 + 129);
    }

    void parameterCounts()
    {
        QFETCH(QString, architecture);
        QFETCH(int, classes);
        QFETCH(int, channels);
        QFETCH(qlonglong, parameters);
        auto summary = ml::summarizeModel(specFor(architecture, classes, channels));
        QVERIFY2(summary.ok(), summary.ok() ? "" : summary.error().message.c_str());
        QCOMPARE(qlonglong(summary->parameters), parameters);
    }

    void torchvisionNamesAndFeatureMaps_data()
    {
        QTest::addColumn<QString>("architecture");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<int>("featureChannels");
        QTest::addColumn<int>("featureSide");
        QTest::newRow("alexnet") << "alexnet"
                                 << QStringList{"features.0.weight", "features.10.bias",
                                                "classifier.1.weight", "classifier.6.bias"}
                                 << 256 << 6;
        QTest::newRow("vgg16") << "vgg16"
                               << QStringList{"features.0.weight", "features.28.weight",
                                              "classifier.3.weight", "classifier.6.bias"}
                               << 512 << 7;
        QTest::newRow("resnet18") << "resnet18"
                                  << QStringList{"conv1.weight",
                                                 "bn1.running_mean",
                                                 "layer1.0.conv2.weight",
                                                 "layer2.0.downsample.0.weight",
                                                 "layer4.1.bn2.num_batches_tracked",
                                                 "fc.weight"}
                                  << 512 << 7;
        QTest::newRow("resnet50") << "resnet50"
                                  << QStringList{"layer1.0.conv3.weight",
                                                 "layer1.0.downsample.1.running_var",
                                                 "layer3.5.bn3.bias", "fc.bias"}
                                  << 2048 << 7;
        QTest::newRow("densenet121")
            << "densenet121"
            << QStringList{"features.conv0.weight",
                           "features.norm0.running_mean",
                           "features.denseblock1.denselayer1.norm1.weight",
                           "features.denseblock3.denselayer24.conv2.weight",
                           "features.transition3.conv.weight",
                           "features.norm5.running_var",
                           "classifier.weight"}
            << 1024 << 7;
    }

    void torchvisionNamesAndFeatureMaps()
    {
        QFETCH(QString, architecture);
        QFETCH(QStringList, names);
        QFETCH(int, featureChannels);
        QFETCH(int, featureSide);
        auto summary = ml::summarizeModel(specFor(architecture, 2, 3));
        QVERIFY(summary.ok());
        for (const QString &name : names) {
            QVERIFY2(hasName(*summary, name.toLatin1().constData()), qPrintable(name));
        }
        QCOMPARE(int(summary->featureChannels), featureChannels);
        QCOMPARE(int(summary->featureHeight), featureSide);
        QCOMPARE(int(summary->featureWidth), featureSide);
        QCOMPARE(int(summary->logits), 1);
    }

    void multiClassHeads()
    {
        auto summary = ml::summarizeModel(specFor("densenet121", 3, 1, 64));
        QVERIFY(summary.ok());
        QCOMPARE(int(summary->logits), 3);
    }

    void customCnnFollowsItsOptions()
    {
        ml::ModelSpec spec = specFor("custom-cnn", 2, 1, 128);
        spec.custom.blocks = 3;
        spec.custom.filters = 8;
        spec.custom.kernelSize = 5;
        spec.custom.batchNorm = false;
        auto summary = ml::summarizeModel(spec);
        QVERIFY(summary.ok());
        // 1->8, 8->16, 16->32 with 5x5 kernels and biases; then 32 -> 1.
        QCOMPARE(qlonglong(summary->parameters),
                 qlonglong((25 * 8 + 8) + (8 * 25 * 16 + 16) + (16 * 25 * 32 + 32) + 33));
        QCOMPARE(int(summary->featureChannels), 32);
        QCOMPARE(int(summary->featureHeight), 16);
        QVERIFY(!ml::validateCustomCnn(spec.custom, 128).size());
        spec.custom.kernelSize = 4;
        QVERIFY(ml::validateCustomCnn(spec.custom, 128).find("odd") != std::string::npos);
        spec.custom.kernelSize = 3;
        spec.custom.blocks = 8;
        QVERIFY(ml::validateCustomCnn(spec.custom, 128).find("fewer blocks") != std::string::npos);
    }

    void tooSmallInputIsAnError()
    {
        auto summary = ml::summarizeModel(specFor("alexnet", 2, 1, 32));
        QVERIFY(!summary.ok());
        QVERIFY(summary.error().message.find("alexnet") != std::string::npos);
    }

    void residualNetworkTrainsAndExplains()
    {
        QTemporaryDir dir;
        const pipeline::TrainJob job = test::demoTrainJob(dir.filePath("run"), 1, "resnet18");
        auto result = pipeline::runTrainJob(job);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        auto classifier = ml::Classifier::open(job.runDir, "cpu");
        QVERIFY(classifier.ok());
        std::vector<float> input(64 * 64, 0.5f);
        auto cam = classifier->explain(input, ml::CamRequest::gradCam(ml::CamTarget::Positive));
        QVERIFY2(cam.ok(), cam.ok() ? "" : cam.error().message.c_str());
        QCOMPARE(cam->width, 64); // ResNet-18's 2x2 map, brought up to the input
        for (float value : cam->values) {
            QVERIFY(value >= 0 && value <= 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
