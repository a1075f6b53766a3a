// SPDX-License-Identifier: MIT
#include "pdf_report.h"

#include "ui/report/evaluation_report.h"

#include <QGuiApplication>

namespace cxr::cli {

namespace {

// Qt's own diagnostics ("QPainter::begin(): Returned false", "XDG_RUNTIME_DIR not set") name
// no file and would come before cxr's one-line message: the report's Status says what failed.
void quietQtMessages(QtMsgType, const QMessageLogContext &, const QString &) {}

} // namespace

Status writePdfReport(const pipeline::EvaluationJob &job, const pipeline::EvaluationResult &result,
                      const std::string &pdf, bool withPredictions)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen"); // a server or a terminal session
    }
    const QtMessageHandler previous = qInstallMessageHandler(quietQtMessages);
    struct Restore {
        QtMessageHandler handler;
        ~Restore() { qInstallMessageHandler(handler); }
    } restore{previous};
    int argc = 1;
    char name[] = "cxr";
    char *argv[] = {name, nullptr};
    QGuiApplication application(argc, argv);
    ui::EvaluationReportInput input;
    input.run = QString::fromStdString(job.run.string());
    input.dataset = QString::fromStdString(job.datasetDir.string());
    input.split = QString::fromStdString(job.split);
    input.threshold = result.report.threshold;
    input.thresholdSource = QString::fromStdString(result.thresholdSource);
    input.labels = result.labels;
    input.bootstrap = job.bootstrap;
    input.oodFlagged = result.oodFlagged;
    input.withPredictions = withPredictions;
    input.probabilities = result.probabilities;
    for (const std::string &file : result.files) {
        input.files << QString::fromStdString(file);
    }
    return ui::writeEvaluationReport(QString::fromStdString(pdf), input);
}

} // namespace cxr::cli
