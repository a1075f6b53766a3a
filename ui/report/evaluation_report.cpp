// SPDX-License-Identifier: MIT
#include "ui/report/evaluation_report.h"

#include "core/common/version.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "ui/report/page_flow.h"
#include "ui/report/report_cell_gallery.h"
#include "ui/report/report_plots.h"
#include "ui/report/report_tables.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QPageSize>

namespace cxr::ui {

namespace {

namespace fs = std::filesystem;

constexpr int kDpi = 150;

// The report's sections, in reading order, on a PDF being written.
Status writeSections(PageFlow &flow, const EvaluationReportInput &input, const ml::ModelCard &card,
                     const fs::path &runFolder, ProgressObserver *observer)
{
    QStringList classes;
    for (const std::string &name : card.spec.classNames) {
        classes << QString::fromStdString(name);
    }
    const ml::DiagnosticReport report =
        ml::diagnosticReport(input.labels, input.probabilities, input.threshold, input.bootstrap);
    flow.heading(QObject::tr("CXR Studio evaluation report"), 17);
    flow.paragraph(QObject::tr("%1 · CXR Studio %2 · research software, not a medical device: its "
                               "predictions support a radiologist's reading and never replace it.")
                       .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate),
                            QString::fromLatin1(kVersionString)));
    addModelSection(flow, card, classes);
    addDatasetSection(flow, input, report, classes);
    addMetricsSection(flow, input, report, classes);
    addTrustSection(flow, card, input, report);
    addCurvePlots(flow, input, report);
    addTrainingPlots(flow, runFolder);
    return addGradCamGallery(flow, input, card.spec, classes, observer);
}

Status writePdf(const QString &file, const QString &pdfPath, const EvaluationReportInput &input,
                const ml::ModelCard &card, const fs::path &runFolder, ProgressObserver *observer)
{
    QPdfWriter writer(file);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(kDpi);
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    writer.setTitle(QObject::tr("CXR Studio evaluation report"));
    writer.setCreator(QStringLiteral("CXR Studio %1").arg(QString::fromLatin1(kVersionString)));
    QPainter painter;
    if (!painter.begin(&writer)) {
        return makeError(ErrorCode::WriteFailed, pdfPath.toStdString() + ": cannot write the PDF");
    }
    PageFlow flow(writer, painter);
    Status written = writeSections(flow, input, card, runFolder, observer);
    if (!painter.end() && written) {
        return makeError(ErrorCode::WriteFailed,
                         pdfPath.toStdString() + ": the PDF could not be finished");
    }
    return written;
}

// The evaluation's own files beside the PDF: BASE.metrics.json, and BASE.predictions.csv when
// asked for.
Status copyEvaluationFiles(const QString &pdfPath, const EvaluationReportInput &input,
                           const fs::path &runFolder)
{
    const QString base =
        QFileInfo(pdfPath).path() + QLatin1Char('/') + QFileInfo(pdfPath).completeBaseName();
    const fs::path evaluation = runFolder / "evaluations" / input.split.toStdString();
    QStringList names{QStringLiteral("metrics.json")};
    if (input.withPredictions) {
        names << QStringLiteral("predictions.csv");
    }
    for (const QString &name : names) {
        const QString source = QString::fromStdString((evaluation / name.toStdString()).string());
        const QString target = base + QLatin1Char('.') + name;
        QFile::remove(target);
        if (!QFile::copy(source, target)) {
            return makeError(ErrorCode::WriteFailed,
                             target.toStdString() + ": cannot copy " + source.toStdString());
        }
    }
    return Ok{};
}

} // namespace

Status writeEvaluationReport(const QString &pdfPath, const EvaluationReportInput &input,
                             ProgressObserver *observer)
{
    if (input.labels.size() != input.probabilities.size() || input.labels.empty() ||
        input.files.size() != int(input.labels.size())) {
        return makeError(ErrorCode::InvalidArgument,
                         "the report needs one probability and one file per label");
    }
    auto modelDir = ml::findModelDir(input.run.toStdString());
    if (!modelDir) {
        return modelDir.error();
    }
    auto card = ml::readModelCard(ml::modelCardPath(*modelDir));
    if (!card) {
        return card.error();
    }
    const fs::path runFolder = modelDir->parent_path();
    // Renamed into place only once complete.
    const QString partial = pdfPath + QStringLiteral(".partial");
    if (auto written = writePdf(partial, pdfPath, input, *card, runFolder, observer); !written) {
        QFile::remove(partial);
        return written;
    }
    QFile::remove(pdfPath);
    if (!QFile::rename(partial, pdfPath)) {
        QFile::remove(partial);
        return makeError(ErrorCode::WriteFailed, pdfPath.toStdString() + ": cannot write the PDF");
    }
    return copyEvaluationFiles(pdfPath, input, runFolder);
}

} // namespace cxr::ui
