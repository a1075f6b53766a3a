// SPDX-License-Identifier: MIT
// The CPU augmentation engine on a real chest X-ray: each transform against its plain OpenCV
// equivalent, the draws' determinism, and the settings' validation.
#include "core/imaging/augmentation.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/model_input.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

using namespace cxr;
using namespace cxr::imaging;

namespace {

cv::Mat demoInput()
{
    const QString path =
        QDirIterator(cxr::test::demoDataset() + "/train/PNEUMONIA", QDir::Files).next();
    auto image = loadImage(path.toStdString());
    ModelInputSpec spec;
    return modelInputPicture(*image, spec);
}

} // namespace

class TestAugmentation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noDrawLeavesTheImageAlone()
    {
        const cv::Mat input = demoInput();
        QCOMPARE(cv::norm(applyAugmentation(input, {}), input, cv::NORM_INF), 0.0);
    }

    void horizontalFlipIsExact()
    {
        const cv::Mat input = demoInput();
        AugmentationDraw draw;
        draw.horizontalFlip = true;
        cv::Mat flipped;
        cv::flip(input, flipped, 1);
        QCOMPARE(cv::norm(applyAugmentation(input, draw), flipped, cv::NORM_INF), 0.0);
    }

    void zoomIsACentredCropResized()
    {
        const cv::Mat input = demoInput();
        AugmentationDraw draw;
        draw.cropSide = 0.5;
        const cv::Mat zoomed = applyAugmentation(input, draw);
        cv::Mat expected;
        cv::resize(input(cv::Rect(56, 56, 112, 112)), expected, input.size(), 0, 0,
                   cv::INTER_LINEAR);
        // Same picture up to the resampling grid's half-pixel offset.
        QVERIFY2(
            cv::norm(zoomed, expected, cv::NORM_L1) / double(input.total()) < 4.0,
            QByteArray::number(cv::norm(zoomed, expected, cv::NORM_L1) / double(input.total())));
    }

    void brightnessContrastAndGamma()
    {
        const cv::Mat grey(8, 8, CV_8UC1, cv::Scalar(128));
        AugmentationDraw draw;
        draw.brightness = 0.1;
        QCOMPARE(int(applyAugmentation(grey, draw).at<unsigned char>(3, 3)), 154); // 128 + 25.5
        draw = {};
        draw.contrast = 2.0;
        const cv::Mat dark(8, 8, CV_8UC1, cv::Scalar(64));
        QCOMPARE(int(applyAugmentation(dark, draw).at<unsigned char>(0, 0)), 1); // (0.25-0.5)*2+0.5
        draw = {};
        draw.gamma = 2.0;
        QCOMPARE(int(applyAugmentation(grey, draw).at<unsigned char>(0, 0)), 64);
    }

    void noiseAndBlurChangeThePicture()
    {
        const cv::Mat input = demoInput();
        AugmentationDraw draw;
        draw.noiseSigma = 0.05;
        draw.noiseSeed = 3;
        const cv::Mat noisy = applyAugmentation(input, draw);
        QVERIFY(cv::norm(noisy, input, cv::NORM_L1) > 0);
        QCOMPARE(cv::norm(noisy, applyAugmentation(input, draw), cv::NORM_INF), 0.0); // seeded
        draw = {};
        draw.blurSigma = 2.0;
        cv::Mat expected;
        cv::GaussianBlur(input, expected, cv::Size(), 2.0);
        QCOMPARE(cv::norm(applyAugmentation(input, draw), expected, cv::NORM_INF), 0.0);
    }

    void acquisitionStepsMatchTheirOpenCvEquivalents()
    {
        const cv::Mat input = demoInput();
        AugmentationDraw draw;
        draw.sharpenAmount = 1.0;
        cv::Mat values;
        input.convertTo(values, CV_32F);
        cv::Mat smooth;
        cv::GaussianBlur(values, smooth, cv::Size(7, 7), 1.0);
        cv::Mat expected;
        cv::Mat(2 * values - smooth).convertTo(expected, CV_8U);
        QCOMPARE(cv::norm(applyAugmentation(input, draw), expected, cv::NORM_INF), 0.0);
        // Sharpening adds contrast at edges: the Laplacian's energy rises.
        cv::Mat before;
        cv::Mat after;
        cv::Laplacian(input, before, CV_32F);
        cv::Laplacian(applyAugmentation(input, draw), after, CV_32F);
        QVERIFY(cv::norm(after) > 1.3 * cv::norm(before));

        draw = {};
        draw.resolutionScale = 0.5;
        cv::Mat small;
        cv::resize(input, small, cv::Size(input.cols / 2, input.rows / 2), 0, 0, cv::INTER_AREA);
        cv::resize(small, expected, input.size(), 0, 0, cv::INTER_LINEAR);
        QCOMPARE(cv::norm(applyAugmentation(input, draw), expected, cv::NORM_INF), 0.0);

        // A JPEG round trip: lossy at quality 20, more so than at 90, never the same picture.
        draw = {};
        draw.jpegQuality = 20;
        const double low = cv::norm(applyAugmentation(input, draw), input, cv::NORM_L1);
        draw.jpegQuality = 90;
        const double high = cv::norm(applyAugmentation(input, draw), input, cv::NORM_L1);
        QVERIFY2(high > 0 && low > 2 * high, qPrintable(QString("%1 %2").arg(low).arg(high)));
        QCOMPARE(applyAugmentation(input, draw).size(), input.size());
        QCOMPARE(applyAugmentation(input, draw).type(), input.type());
    }

    void drawsAreSeededAndFresh()
    {
        AugmentationSettings settings;
        QVERIFY(augmentationPreset("thesis", settings));
        std::mt19937_64 a(1);
        std::mt19937_64 b(1);
        const AugmentationDraw first = drawAugmentation(settings, a);
        const AugmentationDraw again = drawAugmentation(settings, b);
        QCOMPARE(first.cropSide, again.cropSide);
        QCOMPARE(first.brightness, again.brightness);
        // Fresh draws for the next image, unlike a fixed "random" transform.
        const AugmentationDraw next = drawAugmentation(settings, a);
        QVERIFY(next.cropSide != first.cropSide || next.cropCentreX != first.cropCentreX);
        QVERIFY(first.cropSide >= 0.9 && first.cropSide <= 1.0);
        QVERIFY(!first.verticalFlip);
    }

    void presetsAndValidation()
    {
        for (const std::string &name : augmentationPresetNames()) {
            AugmentationSettings settings;
            QVERIFY(augmentationPreset(name, settings));
            QVERIFY2(validateAugmentation(settings).empty(), name.c_str());
            QCOMPARE(settings.verticalFlipProbability, 0.0);
        }
        AugmentationSettings unknown;
        QVERIFY(!augmentationPreset("fancy", unknown));
        AugmentationSettings bad;
        bad.horizontalFlipProbability = 1.5;
        QVERIFY(validateAugmentation(bad).find("hflip.p") != std::string::npos);
        bad = {};
        bad.zoomMin = 0.3;
        QVERIFY(validateAugmentation(bad).find("zoom") != std::string::npos);
        bad = {};
        bad.rotationMaxDegrees = 90;
        QVERIFY(validateAugmentation(bad).find("rotation") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestAugmentation)
#include "test_augmentation.moc"
