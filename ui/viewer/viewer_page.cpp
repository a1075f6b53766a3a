// SPDX-License-Identifier: MIT
#include "ui/viewer/viewer_page.h"

#include "core/imaging/image_loader.h"
#include "ui/common/image_conversion.h"
#include "ui/viewer/image_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

ViewerPage::ViewerPage(QWidget *parent)
    : QWidget(parent), m_openButton(new QPushButton(tr("Open image…"))),
      m_fitButton(new QPushButton(tr("Fit to window"))),
      m_titleLabel(new QLabel(tr("Open a chest X-ray (JPEG, PNG, BMP, TIFF or DICOM)"))),
      m_view(new ImageView), m_metadata(new QLabel)
{
    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(m_openButton);
    toolbar->addWidget(m_fitButton);
    toolbar->addWidget(m_titleLabel, 1);

    m_metadata->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_metadata->setWordWrap(true);
    m_metadata->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metadata->setMinimumWidth(260);
    auto *side = new QScrollArea;
    side->setWidget(m_metadata);
    side->setWidgetResizable(true);
    side->setMaximumWidth(340);

    auto *body = new QHBoxLayout;
    body->addWidget(m_view, 1);
    body->addWidget(side);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(toolbar);
    layout->addLayout(body, 1);

    connect(m_openButton, &QPushButton::clicked, this, &ViewerPage::chooseFile);
    connect(m_fitButton, &QPushButton::clicked, m_view, &ImageView::fitToWindow);
    connect(&m_watcher, &QFutureWatcher<LoadOutcome>::finished, this, &ViewerPage::onLoaded);
}

ViewerPage::~ViewerPage()
{
    m_watcher.waitForFinished(); // one image decode: short, and must not outlive the page
}

bool ViewerPage::isLoading() const
{
    return m_watcher.isRunning();
}

void ViewerPage::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open image"), QString(),
        tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.dcm *.dicom);;All files (*)"));
    if (!path.isEmpty()) {
        openImage(path);
    }
}

void ViewerPage::openImage(const QString &path)
{
    if (isLoading()) {
        m_watcher.waitForFinished();
    }
    m_pendingPath = path;
    m_titleLabel->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    const std::string file = path.toStdString();
    m_watcher.setFuture(QtConcurrent::run([file]() {
        LoadOutcome outcome;
        auto image = imaging::loadImage(file);
        if (image) {
            outcome.image = std::move(*image);
        } else {
            outcome.error = QString::fromStdString(image.error().message);
        }
        return outcome;
    }));
}

void ViewerPage::onLoaded()
{
    LoadOutcome outcome = m_watcher.result();
    if (!outcome.image) {
        m_titleLabel->setText(tr("Cannot open image: %1").arg(outcome.error));
        Q_EMIT loadFailed(outcome.error);
        return;
    }
    m_image = std::move(outcome.image);
    m_titleLabel->setText(QFileInfo(m_pendingPath).fileName());
    m_view->setImage(toQImage(m_image->display));
    showMetadata();
    Q_EMIT imageLoaded(m_pendingPath);
}

void ViewerPage::showMetadata()
{
    const imaging::ImageMetadata &m = m_image->meta;
    auto row = [](const QString &name, const QString &value) {
        return value.isEmpty() ? QString()
                               : QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                                     .arg(name, value.toHtmlEscaped());
    };
    QString html = QStringLiteral("<table cellspacing='4'>");
    html += row(tr("Format"), QString::fromLatin1(imaging::formatName(m.format)));
    html += row(tr("Size"), QStringLiteral("%1 × %2 px").arg(m.width).arg(m.height));
    if (m.originalWidth != m.width) {
        html += row(tr("Stored size"),
                    QStringLiteral("%1 × %2 px").arg(m.originalWidth).arg(m.originalHeight));
    }
    html += row(tr("Bits stored"), QString::number(m.bitsStored));
    html += row(tr("Photometric"), QString::fromStdString(m.photometric));
    html += row(tr("Modality"), QString::fromStdString(m.modality));
    html += row(tr("Body part"), QString::fromStdString(m.bodyPart));
    html += row(tr("View"), QString::fromStdString(m.viewPosition));
    if (m.pixelSpacingRowMm > 0) {
        html += row(tr("Pixel spacing"), QStringLiteral("%1 × %2 mm")
                                             .arg(m.pixelSpacingRowMm)
                                             .arg(m.pixelSpacingColumnMm));
    }
    html += row(tr("Transfer syntax"), QString::fromStdString(m.transferSyntax));
    if (m.frameCount > 1) {
        html += row(tr("Frame"), QStringLiteral("%1 of %2").arg(m.frame + 1).arg(m.frameCount));
    }
    for (const imaging::WindowPreset &w : m.windows) {
        html += row(tr("Window"), QStringLiteral("%1 / %2 %3")
                                      .arg(w.center)
                                      .arg(w.width)
                                      .arg(QString::fromStdString(w.name)));
    }
    if (m.format == imaging::FileFormat::Dicom) {
        html += row(tr("Patient"), tr("hidden"));
    }
    html += QStringLiteral("</table><p><b>%1</b></p><ul>").arg(tr("Display steps applied"));
    if (m_image->appliedSteps.empty()) {
        html += QStringLiteral("<li>%1</li>").arg(tr("none: pixels shown as stored"));
    }
    for (const std::string &step : m_image->appliedSteps) {
        html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(step).toHtmlEscaped());
    }
    html += QStringLiteral("</ul>");
    m_metadata->setText(html);
}

} // namespace cxr::ui
