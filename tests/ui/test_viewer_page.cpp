// SPDX-License-Identifier: MIT
// The Viewer page offscreen: window/level, inversion, pixel readout, frames, patient privacy,
// recent files and bad files.
#include "tests/common/test_paths.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/viewer_page.h"

#include <QApplication>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <opencv2/core.hpp>

using namespace cxr;
using namespace cxr::ui;

namespace {

// Opens path in page and waits for it.
bool openAndWait(ViewerPage &page, const QString &path, int frame = 0)
{
    QSignalSpy loaded(&page, &ViewerPage::imageLoaded);
    page.openImage(path, frame);
    return loaded.wait(10000);
}

QImage shownImage(ViewerPage &page)
{
    return page.findChild<ImageView *>()->grab().toImage();
}

} // namespace

class TestViewerPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // recent files go to a test location
        QCoreApplication::setOrganizationName(QStringLiteral("CXR Studio Tests"));
    }

    void windowPresetsAndDrag()
    {
        ViewerPage page;
        page.resize(900, 700);
        page.show();
        QVERIFY(openAndWait(page, test::dicomFile("CT_small.dcm")));
        const QStringList presets = page.windowPresetNames();
        QVERIFY2(presets.filter("Lung").size() == 1, qPrintable(presets.join(" | ")));
        QVERIFY(presets.filter("Mediastinum").size() == 1);
        const int mediastinum = presets.indexOf(presets.filter("Mediastinum").first());
        page.applyWindowPreset(mediastinum);
        QCOMPARE(page.window().center, 40.0);
        QCOMPARE(page.window().width, 400.0);
        QVERIFY(page.metadataText().contains("window set in the viewer: 40 / 400"));

        // Right-drag to the right widens the window.
        auto *view = page.findChild<ImageView *>();
        const QPoint start = view->viewport()->rect().center();
        QTest::mousePress(view->viewport(), Qt::RightButton, {}, start);
        QMouseEvent move(QEvent::MouseMove, QPointF(start + QPoint(50, 0)),
                         view->viewport()->mapToGlobal(QPointF(start + QPoint(50, 0))),
                         Qt::NoButton, Qt::RightButton, Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &move);
        QTest::mouseRelease(view->viewport(), Qt::RightButton, {}, start + QPoint(50, 0));
        QVERIFY2(page.window().width > 400.0, QByteArray::number(page.window().width));
    }

    void inversionChangesThePicture()
    {
        ViewerPage page;
        page.resize(900, 700);
        page.show();
        QVERIFY(openAndWait(page, test::dicomFile("chest_cr_mono1.dcm")));
        QVERIFY(page.isInverted()); // MONOCHROME1 is shown inverted by default
        const QImage before = shownImage(page);
        page.setInverted(false);
        QVERIFY(shownImage(page) != before);
        QVERIFY(page.metadataText().contains("inverted in the viewer"));
    }

    void pixelReadoutShowsOriginalValues()
    {
        ViewerPage page;
        QVERIFY(openAndWait(page, test::dicomFile("CT_small.dcm")));
        const float value = page.image()->values.at<float>(10, 20);
        const QString text = page.describePixel(QPoint(20, 10));
        QVERIFY2(text.contains(QString::number(value, 'g', 6) + " HU"), qPrintable(text));
        QVERIFY(text.startsWith("x 20, y 10"));
        QVERIFY(page.describePixel(QPoint(500, 500)).isEmpty());
    }

    void patientIdentifiersHiddenByDefault()
    {
        ViewerPage page;
        QVERIFY(openAndWait(page, test::dicomFile("CT_small.dcm")));
        const std::string name = page.image()->patient.name;
        QVERIFY(!name.empty());
        QVERIFY(!page.metadataText().contains(QString::fromStdString(name).toHtmlEscaped()));
        page.setPatientIdentifiersShown(true);
        QVERIFY(page.metadataText().contains(QString::fromStdString(name).toHtmlEscaped()));
    }

    void choosesFrames()
    {
        ViewerPage page;
        QVERIFY(openAndWait(page, test::dicomFile("SC_rgb_rle_2frame.dcm")));
        QCOMPARE(page.image()->meta.frameCount, 2);
        const cv::Mat first = page.image()->display.clone();
        QVERIFY(openAndWait(page, test::dicomFile("SC_rgb_rle_2frame.dcm"), 1));
        QCOMPARE(page.image()->meta.frame, 1);
        QVERIFY(cv::norm(first, page.image()->display, cv::NORM_INF) > 0);
    }

    void remembersRecentFiles()
    {
        ViewerPage page;
        QVERIFY(openAndWait(page, test::dicomFile("MR_small.dcm")));
        QVERIFY(openAndWait(page, test::dicomFile("CT_small.dcm")));
        const QStringList recent = page.recentFiles();
        QVERIFY(recent.size() >= 2);
        QVERIFY(recent[0].endsWith("CT_small.dcm"));
        QVERIFY(recent[1].endsWith("MR_small.dcm"));
    }

    void dropOpensFile()
    {
        ViewerPage page;
        page.show();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(test::dicomFile("MR_small.dcm"))});
        QSignalSpy loaded(&page, &ViewerPage::imageLoaded);
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QApplication::sendEvent(&page, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&page, &drop);
        QVERIFY(drop.isAccepted());
        QVERIFY(loaded.wait(10000));
    }

    void badFileKeepsThePreviousImage()
    {
        ViewerPage page;
        QVERIFY(openAndWait(page, test::dicomFile("MR_small.dcm")));
        QSignalSpy failed(&page, &ViewerPage::loadFailed);
        page.openImage(test::dicomFile("MR_truncated.dcm"));
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.first().first().toString().contains("truncated"));
        QCOMPARE(page.image()->meta.width, 64); // still the MR image
    }
};

QTEST_MAIN(TestViewerPage)
#include "test_viewer_page.moc"
