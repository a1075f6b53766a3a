// SPDX-License-Identifier: MIT
// One definition, two engines: for the same draw, the LibTorch batch engine (training) and the
// OpenCV CPU engine (preview, `cxr augment`) give the same image within a few grey levels, for
// every augmentation, on a real chest X-ray (grey) and on a colour picture.
#include "core/imaging/augmentation.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/model_input.h"
#include "core/ml/batch_augmentation.h"
#include "core/ml/device.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QTest>

#include <opencv2/core.hpp>

#include <cmath>

using namespace cxr;

Q_DECLARE_METATYPE(cxr::AugmentationDraw)

namespace {

cv::Mat demoPicture(int channels, bool tint = true)
{
    const QString path = QDirIterator(test::demoDataset() + "/train/PNEUMONIA", QDir::Files).next();
    auto image = imaging::loadImage(path.toStdString());
    imaging::ModelInputSpec spec;
    spec.channels = channels;
    cv::Mat picture = imaging::modelInputPicture(*image, spec);
    if (channels == 3 && tint) {
        // A radiograph is grey; tint it so saturation and hue have colour to act on.
        cv::Mat tinted;
        picture.convertTo(tinted, CV_32FC3);
        tinted = tinted.mul(cv::Scalar(1.0, 0.7, 0.4));
        tinted.convertTo(picture, CV_8UC3);
    }
    return picture;
}

// The picture as an 8-bit CHW batch of one.
ImageArrays asArrays(const cv::Mat &picture)
{
    ImageArrays arrays;
    arrays.channels = picture.channels();
    arrays.height = picture.rows;
    arrays.width = picture.cols;
    std::vector<std::uint8_t> chw(picture.total() * std::size_t(picture.channels()));
    const std::size_t plane = picture.total();
    for (int y = 0; y < picture.rows; ++y) {
        const auto *row = picture.ptr<std::uint8_t>(y);
        for (int x = 0; x < picture.cols; ++x) {
            for (int c = 0; c < picture.channels(); ++c) {
                chw[std::size_t(c) * plane + std::size_t(y) * picture.cols + x] =
                    row[x * picture.channels() + c];
            }
        }
    }
    arrays.pixels = PixelBuffer(std::move(chw));
    arrays.labels = {0};
    return arrays;
}

struct Difference {
    double mean = 0; // in grey levels (of 255)
    double max = 0;
};

Difference compareEngines(const cv::Mat &picture, const AugmentationDraw &draw)
{
    const cv::Mat cpu = imaging::applyAugmentation(picture, draw);
    auto batch = ml::augmentImages(asArrays(picture), {draw}, "cpu");
    if (!batch) {
        qFatal("%s", batch.error().message.c_str());
    }
    Difference difference;
    const std::size_t plane = picture.total();
    const int channels = picture.channels();
    for (int y = 0; y < picture.rows; ++y) {
        const auto *row = cpu.ptr<std::uint8_t>(y);
        for (int x = 0; x < picture.cols; ++x) {
            for (int c = 0; c < channels; ++c) {
                const double fromBatch =
                    (*batch)[std::size_t(c) * plane + std::size_t(y) * picture.cols + x] * 255.0;
                const double gap = std::abs(fromBatch - row[x * channels + c]);
                difference.mean += gap;
                difference.max = std::max(difference.max, gap);
            }
        }
    }
    difference.mean /= double(plane * std::size_t(channels));
    return difference;
}

} // namespace

class TestBatchAugmentation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void enginesAgree_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<AugmentationDraw>("draw");
        QTest::addColumn<double>("maxMean"); // grey levels
        QTest::addColumn<bool>("tint");      // colour pictures: tinted, or grey in three channels
        auto row = [](const char *name, int channels, AugmentationDraw draw, double maxMean = 0.6,
                      bool tint = true) {
            QTest::newRow(name) << channels << draw << maxMean << tint;
        };
        AugmentationDraw d;
        row("nothing", 1, d);
        d = {};
        d.horizontalFlip = true;
        row("horizontal flip", 1, d);
        d = {};
        d.verticalFlip = true;
        row("vertical flip", 1, d);
        d = {};
        d.cropSide = 0.8;
        d.cropCentreX = 0.45;
        d.cropCentreY = 0.55;
        row("zoom", 1, d);
        d.cropAspect = 1.2;
        row("zoom with aspect", 1, d);
        d = {};
        d.rotationDegrees = 7.5;
        row("rotation", 1, d);
        d = {};
        d.translateX = 0.1;
        d.translateY = -0.05;
        row("translation", 1, d);
        d = {};
        d.brightness = 0.08;
        row("brightness", 1, d);
        d = {};
        d.contrast = 1.3;
        row("contrast", 1, d);
        d = {};
        d.gamma = 0.7;
        row("gamma", 1, d);
        d = {};
        d.saturation = 1.6;
        row("saturation", 3, d);
        d = {};
        d.hueDegrees = 40;
        row("hue", 3, d);
        d = {};
        d.noiseSigma = 0.05;
        d.noiseSeed = 1234;
        row("noise", 1, d);
        d = {};
        d.blurSigma = 1.7;
        row("blur", 1, d);
        d = {};
        d.sharpenAmount = 1.2;
        row("sharpen", 1, d);
        d = {};
        d.resolutionScale = 0.5;
        row("resolution 1/2", 1, d);
        d.resolutionScale = 0.63; // not a whole factor: partial pixels weigh by their overlap
        row("resolution 0.63", 1, d);
        // libjpeg's integer DCT against an exact one: a coefficient that lands on the other
        // side of a rounding step moves a block by a few levels.
        d = {};
        d.jpegQuality = 90;
        row("JPEG quality 90", 1, d);
        d.jpegQuality = 40;
        row("JPEG quality 40", 1, d, 1.0);
        d.jpegQuality = 40;
        // (A tinted picture would differ in its colours: libjpeg halves the chroma resolution.)
        row("JPEG quality 40, grey in three channels", 3, d, 1.0, false);
        d = {};
        d.horizontalFlip = true;
        d.cropSide = 0.9;
        d.rotationDegrees = -4;
        d.brightness = -0.05;
        d.contrast = 0.9;
        d.gamma = 1.2;
        d.saturation = 0.5;
        d.hueDegrees = -20;
        d.noiseSigma = 0.02;
        d.noiseSeed = 7;
        d.blurSigma = 0.8;
        d.sharpenAmount = 0.5;
        d.resolutionScale = 0.8;
        row("everything at once, colour", 3, d, 1.0);
    }

    void enginesAgree()
    {
        QFETCH(int, channels);
        QFETCH(AugmentationDraw, draw);
        QFETCH(double, maxMean);
        QFETCH(bool, tint);
        const Difference difference = compareEngines(demoPicture(channels, tint), draw);
        // The CPU engine rounds to 8 bits after resampling and OpenCV resamples on a 1/32 pixel
        // grid; the batch engine stays in floating point. Mean gaps of a fraction of a level,
        // and no pixel more than a few levels apart, are the same picture.
        qInfo("mean %.3f, max %.1f grey levels", difference.mean, difference.max);
        QVERIFY2(difference.mean <= maxMean, qPrintable(QString::number(difference.mean)));
        QVERIFY2(difference.max <= 5, qPrintable(QString::number(difference.max)));
    }

    void gpuGivesTheSameImages()
    {
        if (!ml::resolveDevice("cuda")) {
            QSKIP("no CUDA device: the GPU batch engine is checked on a machine with one");
        }
        AugmentationSettings settings;
        QVERIFY(augmentationPreset("conservative", settings));
        settings.blurProbability = 0.5;
        settings.blurMaxSigma = 1.5;
        settings.sharpenProbability = 0.5;
        settings.sharpenMaxAmount = 1;
        settings.resolutionProbability = 0.5;
        settings.resolutionMinScale = 0.5;
        settings.jpegProbability = 0.5;
        settings.jpegMinQuality = 30;
        settings.jpegMaxQuality = 90;
        std::mt19937_64 random(3);
        const ImageArrays image = asArrays(demoPicture(1));
        for (int i = 0; i < 8; ++i) {
            const AugmentationDraw draw = drawAugmentation(settings, random);
            const auto cpu = ml::augmentImages(image, {draw}, "cpu");
            const auto gpu = ml::augmentImages(image, {draw}, "cuda");
            QVERIFY(cpu.ok() && gpu.ok());
            for (std::size_t k = 0; k < cpu->size(); ++k) {
                QVERIFY(std::abs((*cpu)[k] - (*gpu)[k]) < 1e-4f);
            }
        }
    }

    void eachImageGetsItsOwnDraw()
    {
        const cv::Mat picture = demoPicture(1);
        ImageArrays two = asArrays(picture);
        std::vector<std::uint8_t> doubled = two.pixels.toVector();
        doubled.insert(doubled.end(), doubled.begin(), doubled.end());
        two.pixels = PixelBuffer(std::move(doubled));
        two.labels = {0, 0};
        AugmentationDraw flip;
        flip.horizontalFlip = true;
        auto batch = ml::augmentImages(two, {AugmentationDraw{}, flip});
        QVERIFY(batch.ok());
        const std::size_t plane = picture.total();
        // Image 0 untouched, image 1 mirrored.
        QCOMPARE(std::lround((*batch)[5] * 255), long(picture.at<std::uint8_t>(0, 5)));
        QCOMPARE(std::lround((*batch)[plane + 5] * 255),
                 long(picture.at<std::uint8_t>(0, picture.cols - 1 - 5)));
        auto mismatched = ml::augmentImages(two, {flip});
        QVERIFY(!mismatched.ok());
    }

    void sameDrawsFromTheSameSeed()
    {
        AugmentationSettings settings;
        QVERIFY(augmentationPreset("conservative", settings));
        settings.noiseProbability = 1;
        settings.noiseMaxSigma = 0.05;
        std::mt19937_64 first(9);
        std::mt19937_64 second(9);
        const cv::Mat picture = demoPicture(1);
        const AugmentationDraw a = drawAugmentation(settings, first);
        const AugmentationDraw b = drawAugmentation(settings, second);
        QCOMPARE(*ml::augmentImages(asArrays(picture), {a}),
                 *ml::augmentImages(asArrays(picture), {b}));
    }
};

QTEST_GUILESS_MAIN(TestBatchAugmentation)
#include "test_batch_augmentation.moc"
