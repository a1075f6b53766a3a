// SPDX-License-Identifier: MIT
#include "ui/report/report_cell_gallery.h"

#include "core/ml/classifier.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/explain_job.h"
#include "ui/common/image_conversion.h"
#include "ui/common/metric_text.h"

#include <algorithm>

namespace cxr::ui {

namespace {

struct Gallery {
    PageFlow &flow;
    const EvaluationReportInput &input;
    const ml::ModelSpec &spec;
    ml::Classifier &classifier;
    ProgressObserver *observer = nullptr;
    pipeline::CamDisplay display;
    int done = 0;
};

// One image: its overlay for the called class, and its probability beneath.
void drawExample(Gallery &gallery, std::size_t index, int calledClass, const QRectF &target)
{
    const std::filesystem::path file = gallery.input.files[int(index)].toStdString();
    ml::CamRequest request;
    request.targetClass = calledClass; // the called class at this report's threshold
    auto prediction = pipeline::predictImage(gallery.classifier, file, &request);
    if (!prediction) {
        return;
    }
    auto overlay = pipeline::overlayForFile(file, *prediction, gallery.spec, gallery.display, 512);
    if (!overlay) {
        return;
    }
    QPainter &painter = gallery.flow.painter();
    const QImage picture = toQImage(*overlay);
    painter.drawImage(target, picture.scaled(target.size().toSize(), Qt::KeepAspectRatio,
                                             Qt::SmoothTransformation));
    painter.drawText(
        QRectF(target.left(), target.bottom() + 2, target.width(), 26), Qt::AlignCenter,
        QObject::tr("p %1%2").arg(metricText(gallery.input.probabilities[index]),
                                  prediction->cam->flat ? QObject::tr(", flat map") : QString()));
}

Status addCell(Gallery &gallery, int row, int column, const QStringList &classes)
{
    const EvaluationReportInput &input = gallery.input;
    std::vector<std::size_t> members =
        ml::confusionCellMembers(input.labels, input.probabilities, input.threshold, row, column);
    members.resize(
        std::min<std::size_t>(members.size(), std::size_t(input.gradCamExamplesPerCell)));
    gallery.flow.paragraph(
        QObject::tr("True %1, called %2 (%3 shown; the map explains the called class)")
            .arg(classes.value(row), classes.value(column))
            .arg(members.size()));
    if (members.empty()) {
        return Ok{};
    }
    const double tile = gallery.flow.width() / 4 - 12;
    const double rowTop = gallery.flow.take(tile + 30);
    for (std::size_t k = 0; k < members.size(); ++k) {
        if (cancelled(gallery.observer)) {
            return makeError(ErrorCode::Cancelled, "report cancelled");
        }
        drawExample(gallery, members[k], column, QRectF(k * (tile + 12), rowTop, tile, tile));
        if (gallery.observer) {
            gallery.observer->progress(++gallery.done,
                                       4 * std::int64_t(input.gradCamExamplesPerCell));
        }
    }
    return Ok{};
}

} // namespace

Status addGradCamGallery(PageFlow &flow, const EvaluationReportInput &input,
                         const ml::ModelSpec &spec, const QStringList &classes,
                         ProgressObserver *observer)
{
    if (input.gradCamExamplesPerCell <= 0) {
        return Ok{};
    }
    auto classifier = ml::Classifier::open(input.run.toStdString());
    if (!classifier) {
        flow.paragraph(QObject::tr("Grad-CAM examples left out: %1")
                           .arg(QString::fromStdString(classifier.error().message)));
        return Ok{};
    }
    flow.heading(QObject::tr("Grad-CAM: the most confident images of each cell"));
    Gallery gallery{flow, input, spec, *classifier, observer, {}};
    gallery.display.style.colormap = imaging::Colormap::Inferno;
    gallery.display.style.opacity = 0.45;
    for (int row = 0; row < 2; ++row) {
        for (int column = 0; column < 2; ++column) {
            if (auto added = addCell(gallery, row, column, classes); !added) {
                return added;
            }
        }
    }
    return Ok{};
}

} // namespace cxr::ui
