// SPDX-License-Identifier: MIT
#include "ui/report/report_plots.h"

#include "core/ml/run_folder.h"
#include "ui/common/metric_text.h"

#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace cxr::ui {

void drawPlot(QPainter &p, const QRectF &frame, const QString &title, const QString &xLabel,
              const QString &yLabel, QPointF xRange, QPointF yRange,
              const std::vector<Series> &series)
{
    const QRectF plot = frame.adjusted(70, 62, -15, -55); // title and legend above
    const auto map = [&](QPointF v) {
        const double x =
            plot.left() + (v.x() - xRange.x()) / (xRange.y() - xRange.x()) * plot.width();
        const double y =
            plot.bottom() - (v.y() - yRange.x()) / (yRange.y() - yRange.x()) * plot.height();
        return QPointF(x, y);
    };
    QFont font = p.font();
    font.setPointSizeF(8);
    p.setFont(font);
    p.setPen(Qt::black);
    p.drawText(QRectF(frame.left(), frame.top(), frame.width(), 36), Qt::AlignCenter, title);
    p.setPen(QPen(QColor(120, 120, 120), 1));
    p.drawRect(plot);
    for (int i = 0; i <= 5; ++i) {
        const double xv = xRange.x() + (xRange.y() - xRange.x()) * i / 5.0;
        const double yv = yRange.x() + (yRange.y() - yRange.x()) * i / 5.0;
        const QPointF xTick = map(QPointF(xv, yRange.x()));
        const QPointF yTick = map(QPointF(xRange.x(), yv));
        const bool wholeNumbers = xRange.y() - xRange.x() >= 5; // epochs
        p.drawText(QRectF(xTick.x() - 40, plot.bottom() + 4, 80, 20),
                   Qt::AlignHCenter | Qt::AlignTop,
                   wholeNumbers ? QString::number(std::lround(xv)) : QString::number(xv, 'g', 3));
        p.drawText(QRectF(plot.left() - 66, yTick.y() - 10, 60, 20),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(yv, 'g', 3));
    }
    p.setPen(Qt::black);
    p.drawText(QRectF(plot.left(), plot.bottom() + 24, plot.width(), 24), Qt::AlignCenter, xLabel);
    p.save();
    p.translate(frame.left() + 12, plot.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-plot.height() / 2, -12, plot.height(), 24), Qt::AlignCenter, yLabel);
    p.restore();
    double legendX = plot.left();
    for (const Series &s : series) {
        p.setPen(QPen(s.colour, s.markers ? 1 : 2));
        if (s.markers) {
            p.setBrush(s.colour);
            for (const QPointF &v : s.points) {
                p.drawEllipse(map(v), 6, 6);
            }
            p.setBrush(Qt::NoBrush);
        } else if (s.points.size() > 1) {
            QPainterPath path(map(s.points.front()));
            for (std::size_t i = 1; i < s.points.size(); ++i) {
                path.lineTo(map(s.points[i]));
            }
            p.drawPath(path);
        }
        if (!s.name.isEmpty()) { // one row of entries between the title and the plot
            const double y = frame.top() + 40;
            p.drawLine(QPointF(legendX, y), QPointF(legendX + 24, y));
            p.setPen(Qt::black);
            const double textWidth =
                QFontMetricsF(p.font(), p.device()).horizontalAdvance(s.name) + 4;
            p.drawText(QRectF(legendX + 28, y - 10, textWidth, 20),
                       Qt::AlignLeft | Qt::AlignVCenter, s.name);
            legendX += 28 + textWidth + 16;
        }
    }
}

void addCurvePlots(PageFlow &flow, const EvaluationReportInput &input,
                   const ml::DiagnosticReport &report)
{
    const double plotWidth = flow.width() / 2;
    const double plotHeight = plotWidth * 0.8;
    Series roc{QObject::tr("ROC, AUC %1").arg(metricText(report.metrics.rocAuc)),
               QColor(31, 119, 180),
               {},
               false};
    for (const ml::CurvePoint &point : ml::rocCurve(input.labels, input.probabilities)) {
        roc.points.emplace_back(point.x, point.y);
    }
    Series pr{QObject::tr("AP %1").arg(metricText(report.metrics.prAuc)),
              QColor(31, 119, 180),
              {},
              false};
    for (const ml::CurvePoint &point :
         ml::precisionRecallCurve(input.labels, input.probabilities)) {
        pr.points.emplace_back(point.x, point.y);
    }
    const QColor red(214, 39, 40);
    Series rocPoint{QObject::tr("threshold"),
                    red,
                    {{1 - report.metrics.specificity, report.metrics.sensitivity}},
                    true};
    Series prPoint{QObject::tr("threshold"), red, {}, true};
    if (std::isfinite(report.metrics.ppv)) {
        prPoint.points.emplace_back(report.metrics.sensitivity, report.metrics.ppv);
    }
    const double top = flow.take(plotHeight);
    drawPlot(flow.painter(), QRectF(0, top, plotWidth, plotHeight), QObject::tr("ROC curve"),
             QObject::tr("1 − specificity"), QObject::tr("sensitivity"), {0, 1}, {0, 1},
             {roc, rocPoint});
    drawPlot(flow.painter(), QRectF(plotWidth, top, plotWidth, plotHeight),
             QObject::tr("Precision-recall curve"), QObject::tr("recall"), QObject::tr("precision"),
             {0, 1}, {0, 1}, {pr, prPoint});
}

void addTrainingPlots(PageFlow &flow, const std::filesystem::path &runFolder)
{
    auto run = ml::describeRun(runFolder);
    if (!run || run->epochs.empty()) {
        return;
    }
    Series train{QObject::tr("train loss"), QColor(31, 119, 180), {}, false};
    Series val{QObject::tr("validation loss"), QColor(255, 127, 14), {}, false};
    Series auc{QObject::tr("validation AUC"), QColor(44, 160, 44), {}, false};
    Series accuracy{QObject::tr("validation accuracy"), QColor(148, 103, 189), {}, false};
    double highest = 0.1;
    for (const ml::EpochMetrics &e : run->epochs) {
        train.points.emplace_back(e.epoch, e.trainLoss);
        val.points.emplace_back(e.epoch, e.valLoss);
        if (std::isfinite(e.valAuc)) {
            auc.points.emplace_back(e.epoch, e.valAuc);
        }
        accuracy.points.emplace_back(e.epoch, e.valAccuracy);
        highest = std::max({highest, e.trainLoss, e.valLoss});
    }
    const QPointF epochs(1, std::max(2, run->epochs.back().epoch));
    const double plotWidth = flow.width() / 2;
    const double plotHeight = plotWidth * 0.8;
    const double top = flow.take(plotHeight);
    drawPlot(flow.painter(), QRectF(0, top, plotWidth, plotHeight), QObject::tr("Training loss"),
             QObject::tr("epoch"), QObject::tr("loss"), epochs, {0, highest * 1.05}, {train, val});
    drawPlot(flow.painter(), QRectF(plotWidth, top, plotWidth, plotHeight),
             QObject::tr("Validation"), QObject::tr("epoch"), QObject::tr("AUC, accuracy"), epochs,
             {0, 1}, {auc, accuracy});
}

void addReliabilityDiagram(PageFlow &flow, const std::vector<int> &labels,
                           const std::vector<float> &uncalibrated,
                           const std::vector<float> &calibrated)
{
    Series before{QObject::tr("uncalibrated"), QColor(127, 127, 127), {}, true};
    Series after{QObject::tr("calibrated"), QColor(31, 119, 180), {}, true};
    for (const ml::CalibrationBin &bin : ml::calibrationCurve(labels, uncalibrated, 10)) {
        if (bin.count > 0) {
            before.points.emplace_back(bin.meanPredicted, bin.observedRate);
        }
    }
    for (const ml::CalibrationBin &bin : ml::calibrationCurve(labels, calibrated, 10)) {
        if (bin.count > 0) {
            after.points.emplace_back(bin.meanPredicted, bin.observedRate);
        }
    }
    Series diagonal{QObject::tr("perfect"), QColor(200, 200, 200), {{0, 0}, {1, 1}}, false};
    const double side = flow.width() / 2;
    const double top = flow.take(side * 0.8);
    drawPlot(flow.painter(), QRectF(0, top, side, side * 0.8), QObject::tr("Reliability diagram"),
             QObject::tr("mean predicted probability"), QObject::tr("observed share of positives"),
             {0, 1}, {0, 1}, {diagonal, before, after});
}

} // namespace cxr::ui
