// SPDX-License-Identifier: MIT
#include "ui/viewer/image_metadata_text.h"

#include <QObject>

#include <opencv2/core.hpp>

namespace cxr::ui {

namespace {

QString row(const QString &name, const QString &value)
{
    return value.isEmpty() ? QString()
                           : QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                                 .arg(name, value.toHtmlEscaped());
}

} // namespace

QString valueText(double value)
{
    return QString::number(value, 'g', 6);
}

QString imageMetadataHtml(const imaging::Image &image, const ImageShown &shown)
{
    const imaging::ImageMetadata &m = image.meta;
    QString html = QStringLiteral("<table cellspacing='4'>");
    html += row(QObject::tr("Format"), QString::fromLatin1(imaging::formatName(m.format)));
    html += row(QObject::tr("Size"), QStringLiteral("%1 × %2 px").arg(m.width).arg(m.height));
    if (m.originalWidth != m.width) {
        html += row(QObject::tr("Stored size"),
                    QStringLiteral("%1 × %2 px").arg(m.originalWidth).arg(m.originalHeight));
    }
    html += row(QObject::tr("Bits stored"), QString::number(m.bitsStored));
    html += row(QObject::tr("Photometric"), QString::fromStdString(m.photometric));
    html += row(QObject::tr("Modality"), QString::fromStdString(m.modality));
    html += row(QObject::tr("Body part"), QString::fromStdString(m.bodyPart));
    html += row(QObject::tr("View"), QString::fromStdString(m.viewPosition));
    if (m.pixelSpacingRowMm > 0) {
        html +=
            row(QObject::tr("Pixel spacing"),
                QStringLiteral("%1 × %2 mm").arg(m.pixelSpacingRowMm).arg(m.pixelSpacingColumnMm));
    }
    html += row(QObject::tr("Transfer syntax"), QString::fromStdString(m.transferSyntax));
    if (m.frameCount > 1) {
        html += row(QObject::tr("Frame"),
                    QStringLiteral("%1 of %2").arg(m.frame + 1).arg(m.frameCount));
    }
    for (const imaging::WindowPreset &w : m.windows) {
        html += row(QObject::tr("Window in file"), QStringLiteral("%1 / %2 %3")
                                                       .arg(valueText(w.center), valueText(w.width),
                                                            QString::fromStdString(w.name)));
    }
    if (!image.values.empty()) {
        html += row(QObject::tr("Window shown"),
                    QStringLiteral("%1 / %2").arg(valueText(shown.window.center),
                                                  valueText(shown.window.width)));
    }
    if (m.format == imaging::FileFormat::Dicom) {
        if (shown.patientIdentifiers) {
            html += row(QObject::tr("Patient name"), QString::fromStdString(image.patient.name));
            html += row(QObject::tr("Patient ID"), QString::fromStdString(image.patient.id));
            html += row(QObject::tr("Birth date"), QString::fromStdString(image.patient.birthDate));
        } else {
            html += row(QObject::tr("Patient"), QObject::tr("hidden"));
        }
    }
    html +=
        QStringLiteral("</table><p><b>%1</b></p><ol>").arg(QObject::tr("Display steps, in order"));
    if (image.appliedSteps.empty()) {
        html += QStringLiteral("<li>%1</li>").arg(QObject::tr("none: pixels shown as stored"));
    }
    for (const std::string &step : image.appliedSteps) {
        html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(step).toHtmlEscaped());
    }
    const bool changedWindow =
        !image.values.empty() &&
        (shown.window.center != image.window.center || shown.window.width != image.window.width);
    if (changedWindow) {
        html += QStringLiteral("<li>%1</li>")
                    .arg(QObject::tr("window set in the viewer: %1 / %2")
                             .arg(valueText(shown.window.center), valueText(shown.window.width)));
    }
    if (shown.inverted != (image.polarity == imaging::Polarity::Inverted)) {
        html += QStringLiteral("<li>%1</li>").arg(QObject::tr("inverted in the viewer"));
    }
    html += QStringLiteral("</ol>");
    return html;
}

QString pixelValueText(const imaging::Image &image, QPoint pixel)
{
    if (image.values.empty()) {
        const cv::Vec3b bgr = image.display.at<cv::Vec3b>(pixel.y(), pixel.x());
        return QStringLiteral("R %1 G %2 B %3").arg(bgr[2]).arg(bgr[1]).arg(bgr[0]);
    }
    QString value = valueText(image.values.at<float>(pixel.y(), pixel.x()));
    if (!image.meta.rescaleType.empty()) {
        value += QLatin1Char(' ') + QString::fromStdString(image.meta.rescaleType);
    }
    return value;
}

} // namespace cxr::ui
