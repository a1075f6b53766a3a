// SPDX-License-Identifier: MIT
// The Augment page offscreen: the preview grid, presets, seeds, limits, colour-only
// transforms, bad images, rapid edits, and closing while a render runs.
#include "core/data/dataset_scanner.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"
#include "ui/augment/augment_page.h"
#include "ui/augment/augmentation_controls.h"
#include "ui/augment/tile_grid.h"

#include <QComboBox>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cxr;
using namespace cxr::ui;

namespace {

QString demoImage()
{
    return QDirIterator(test::demoDataset() + "/train/PNEUMONIA", QDir::Files).next();
}

// Waits until the page has rendered and has nothing left to render.
bool settle(AugmentPage &page)
{
    QSignalSpy updated(&page, &AugmentPage::previewUpdated);
    return updated.wait(10000) && QTest::qWaitFor([&page] { return !page.isRendering(); }, 10000);
}

QDoubleSpinBox *spinWithKey(AugmentationControls *controls, const QString &key)
{
    for (auto *spin : controls->findChildren<QDoubleSpinBox *>()) {
        if (spin->toolTip().contains("(" + key + ")")) {
            return spin;
        }
    }
    return nullptr;
}

} // namespace

class TestAugmentPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsTheOriginalAndTheSamples()
    {
        AugmentPage page;
        page.resize(1200, 800);
        page.openImage(demoImage());
        QVERIFY(settle(page));
        QCOMPARE(page.grid()->tileCount(), 16); // original + 15
        QCOMPARE(page.grid()->tiles().front().size(), QSize(224, 224));
        QCOMPARE(page.grid()->tiles().front().format(), QImage::Format_Grayscale8);
    }

    void presetNoneLeavesEveryTileAsTheOriginal()
    {
        AugmentPage page;
        page.openImage(demoImage());
        QVERIFY(settle(page));
        QVERIFY(page.controls()->choosePreset("none"));
        QVERIFY(settle(page));
        const QVector<QImage> tiles = page.grid()->tiles();
        for (const QImage &tile : tiles) {
            QCOMPARE(tile, tiles.front());
        }
        QVERIFY(page.controls()->choosePreset("thesis"));
        QVERIFY(settle(page));
        QVERIFY(page.grid()->tiles()[1] != page.grid()->tiles().front());
    }

    void seedsReproduceAndReroll()
    {
        AugmentPage page;
        page.openImage(demoImage());
        QVERIFY(settle(page));
        const QVector<QImage> first = page.grid()->tiles();
        page.setSeed(2);
        QVERIFY(settle(page));
        QVERIFY(page.grid()->tiles() != first);
        page.setSeed(1);
        QVERIFY(settle(page));
        QCOMPARE(page.grid()->tiles(), first);
    }

    void rapidEditsEndOnTheLatestSettings()
    {
        AugmentPage page;
        page.openImage(demoImage());
        for (int seed = 2; seed <= 30; ++seed) {
            page.setSeed(seed); // far faster than renders finish
        }
        QVERIFY(QTest::qWaitFor([&page] { return !page.isRendering(); }, 10000));
        QTest::qWait(50);
        QVERIFY(QTest::qWaitFor([&page] { return !page.isRendering(); }, 10000));
        const QVector<QImage> shown = page.grid()->tiles();
        AugmentPage reference;
        reference.openImage(demoImage());
        reference.setSeed(30);
        QVERIFY(QTest::qWaitFor(
            [&reference] { return !reference.isRendering() && reference.grid()->tileCount() > 0; },
            10000));
        QTest::qWait(50);
        QVERIFY(QTest::qWaitFor([&reference] { return !reference.isRendering(); }, 10000));
        QCOMPARE(shown, reference.grid()->tiles());
    }

    void limitsComeFromTheSharedTable()
    {
        AugmentPage page;
        QDoubleSpinBox *rotation = spinWithKey(page.controls(), "rotation.max_degrees");
        QVERIFY(rotation);
        QCOMPARE(rotation->maximum(), 30.0);
        rotation->setValue(90); // clamped by the box: an out-of-range value cannot be entered
        QCOMPARE(rotation->value(), 30.0);
        QDoubleSpinBox *zoomMin = spinWithKey(page.controls(), "zoom.min");
        QDoubleSpinBox *zoomMax = spinWithKey(page.controls(), "zoom.max");
        zoomMax->setValue(0.8);
        zoomMin->setValue(0.95); // pulls max along
        QCOMPARE(zoomMax->value(), 0.95);
        QVERIFY(validateAugmentation(page.controls()->settings()).empty());
        QDoubleSpinBox *vflip = spinWithKey(page.controls(), "vflip.p");
        QCOMPARE(vflip->value(), 0.0); // off in the default preset
    }

    void colourTransformsOnlyForColourInput()
    {
        AugmentPage page;
        auto boxes = page.controls()->findChildren<QGroupBox *>();
        auto box = [&boxes](const QString &title) {
            for (QGroupBox *b : boxes) {
                if (b->title() == title) {
                    return b;
                }
            }
            return static_cast<QGroupBox *>(nullptr);
        };
        QVERIFY(!box("Saturation")->isEnabled());
        QVERIFY(box("Saturation")->toolTip().contains("grey"));
        QVERIFY(box("Rotation")->isEnabled());
        auto *channels = page.findChild<QComboBox *>("inputChannels");
        QVERIFY(channels);
        channels->setCurrentIndex(channels->findData(3));
        QVERIFY(box("Saturation")->isEnabled());
        QVERIFY(box("Hue")->isEnabled());
    }

    void badImageShowsTheReasonInPlace()
    {
        QTemporaryDir dir;
        const QString broken = dir.filePath("broken.jpeg");
        QVERIFY(test::writeFile(broken, "not a jpeg at all"));
        AugmentPage page;
        page.openImage(broken);
        QVERIFY(settle(page));
        QCOMPARE(page.grid()->tileCount(), 0);
        QVERIFY2(page.grid()->message().contains("broken.jpeg"),
                 qPrintable(page.grid()->message()));
    }

    void randomImagesComeFromTheTrainingSplit()
    {
        auto index = data::scanDataset(test::demoDataset().toStdString());
        QVERIFY(index.ok());
        AugmentPage page;
        page.setDataset(std::make_shared<const data::DatasetIndex>(*index));
        for (int i = 0; i < 10; ++i) {
            QVERIFY(page.openRandomImage("NORMAL"));
            QVERIFY2(page.imagePath().contains("/train/NORMAL/"), qPrintable(page.imagePath()));
        }
        QVERIFY(!page.openRandomImage("NO SUCH CLASS"));
        QVERIFY(settle(page));
    }

    void closingWhileRenderingIsSafe()
    {
        // A demo image renders in milliseconds, and on a loaded machine the render can finish
        // before the check below; some of twenty tries must catch it running.
        int deletedWhileRendering = 0;
        for (int attempt = 0; attempt < 20; ++attempt) {
            auto *page = new AugmentPage;
            page->openImage(demoImage());
            deletedWhileRendering += page->isRendering() ? 1 : 0;
            delete page; // waits for its render; nothing touches the deleted page afterwards
        }
        QTest::qWait(50);
        QVERIFY(deletedWhileRendering > 0);
    }
};

QTEST_MAIN(TestAugmentPage)
#include "test_augment_page.moc"
