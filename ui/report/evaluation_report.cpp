// SPDX-License-Identifier: MIT
#include "ui/report/evaluation_report.h"

#include "core/common/version.h"
#include "core/data/dataset_scanner.h"
#include "core/ml/calibration.h"
#include "core/ml/classifier.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/ml/model_card.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/explain_job.h"
#include "ui/common/image_conversion.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>

#include <algorithm>
#include <cmath>
#include <map>

namespace cxr::ui {

namespace {

namespace fs = std::filesystem;

constexpr int kDpi = 150;

QString number(double value, int decimals = 3)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

// A top-to-bottom page layout on a QPdfWriter: headings, text, tables and pictures, with page
// breaks where the next block does not fit.
class PageFlow {
public:
    PageFlow(QPdfWriter &writer, QPainter &painter)
        : m_writer(writer), m_painter(painter),
          m_area(
              QRectF(QPointF(0, 0), QSizeF(writer.width(), writer.height())).adjusted(0, 0, 0, -40))
    {}
    double width() const { return m_area.width(); }
    QPainter &painter() { return m_painter; }

    // Space for height more pixels, starting a page when needed; returns the top.
    double take(double height)
    {
        if (m_y + height > m_area.bottom() && m_y > m_area.top()) {
            m_writer.newPage();
            m_y = m_area.top();
        }
        const double top = m_y;
        m_y += height;
        return top;
    }
    void skip(double height) { m_y += height; }

    void heading(const QString &text, double points = 13)
    {
        QFont font = m_painter.font();
        font.setPointSizeF(points);
        font.setBold(true);
        m_painter.setFont(font);
        const double height = QFontMetricsF(font, &m_writer).height() * 1.6;
        const double top = take(height);
        m_painter.drawText(QRectF(0, top, width(), height), Qt::AlignLeft | Qt::AlignBottom, text);
        bodyFont();
    }

    void paragraph(const QString &text)
    {
        bodyFont();
        const QRectF bounds =
            m_painter.boundingRect(QRectF(0, 0, width(), 1e6), Qt::TextWordWrap, text);
        const double top = take(bounds.height() + 6);
        m_painter.drawText(QRectF(0, top, width(), bounds.height()), Qt::TextWordWrap, text);
    }

    // Rows of cells; the first row is the header. widths are shares of the page width.
    void table(const std::vector<QStringList> &rows, const std::vector<double> &widths)
    {
        bodyFont();
        const double rowHeight = QFontMetricsF(m_painter.font(), &m_writer).height() * 1.35;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const double top = take(rowHeight);
            double x = 0;
            QFont font = m_painter.font();
            font.setBold(r == 0);
            m_painter.setFont(font);
            for (int c = 0; c < rows[r].size() && c < int(widths.size()); ++c) {
                const double w = widths[std::size_t(c)] * width();
                m_painter.drawText(QRectF(x + 4, top, w - 8, rowHeight),
                                   Qt::AlignVCenter | Qt::AlignLeft, rows[r][c]);
                x += w;
            }
            m_painter.setPen(QPen(QColor(200, 200, 200), 1));
            m_painter.drawLine(QPointF(0, top + rowHeight), QPointF(width(), top + rowHeight));
            m_painter.setPen(Qt::black);
        }
        bodyFont();
        skip(rowHeight * 0.5);
    }

private:
    void bodyFont()
    {
        QFont font = m_painter.font();
        font.setPointSizeF(9);
        font.setBold(false);
        m_painter.setFont(font);
    }

    QPdfWriter &m_writer;
    QPainter &m_painter;
    QRectF m_area;
    double m_y = 0;
};

struct Series {
    QString name;
    QColor colour;
    std::vector<QPointF> points;
    bool markers = false;
};

// A line plot with axes from the ranges, ticks at fifths, a legend and an optional point.
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

// Images per split and class, from a names-only scan.
std::vector<QStringList> datasetTable(const QString &dataset, QStringList &classes)
{
    data::ScanOptions options;
    options.inspectFiles = false;
    auto index = data::scanDataset(dataset.toStdString(), nullptr, options);
    if (!index) {
        return {{QObject::tr("Dataset could not be read: %1")
                     .arg(QString::fromStdString(index.error().message))}};
    }
    classes.clear();
    for (const std::string &name : index->classes) {
        classes << QString::fromStdString(name);
    }
    std::map<std::string, std::vector<int>> counts;
    for (const data::DatasetFile &file : index->files) {
        auto &row = counts[file.split];
        row.resize(index->classes.size());
        ++row[std::size_t(file.label)];
    }
    std::vector<QStringList> rows{QStringList{QObject::tr("split")} + classes +
                                  QStringList{QObject::tr("total")}};
    for (const std::string &split : index->splits) {
        QStringList row{QString::fromStdString(split)};
        int total = 0;
        for (int count : counts[split]) {
            row << QString::number(count);
            total += count;
        }
        row << QString::number(total);
        rows.push_back(row);
    }
    return rows;
}

// How far the figures can be trusted: the operating point, calibration (with a reliability
// diagram before and after), the out-of-distribution guard, and validation beside this split.
void addTrustSection(PageFlow &flow, QPainter &painter, const ml::ModelCard &card,
                     const EvaluationReportInput &input, const ml::DiagnosticReport &report)
{
    flow.heading(QObject::tr("Operating point, calibration and validity"));
    const ml::OperatingPointRecord &point = card.operatingPoint;
    const ml::CalibrationRecord &calibration = card.calibration;
    const std::vector<float> raw =
        ml::uncalibratedProbabilities(input.probabilities, calibration.logits());
    // Short cells, one fact each: the report's tables do not wrap.
    std::vector<QStringList> rows{{QObject::tr("what"), QObject::tr("value")}};
    rows.push_back(
        {QObject::tr("card threshold"),
         point.rule.empty()
             ? QObject::tr("%1, set by hand").arg(number(card.spec.threshold, 3))
             : QObject::tr("%1 for %2")
                   .arg(number(card.spec.threshold, 3), QString::fromStdString(point.rule))});
    if (!point.rule.empty()) {
        rows.push_back({QObject::tr("chosen on"),
                        QObject::tr("%1 %2 images: sensitivity %3, specificity %4")
                            .arg(point.images)
                            .arg(QString::fromStdString(point.chosenOn), number(point.sensitivity),
                                 number(point.specificity))});
    }
    if (calibration.fittedOn.empty()) {
        rows.push_back({QObject::tr("calibration"), QObject::tr("none")});
    } else {
        rows.push_back(
            {QObject::tr("calibration"), QObject::tr("%1 on %2 %3 images")
                                             .arg(QString::fromStdString(calibration.describe()))
                                             .arg(calibration.images)
                                             .arg(QString::fromStdString(calibration.fittedOn))});
        rows.push_back({QObject::tr("calibration error there"),
                        QObject::tr("%1 before, %2 after")
                            .arg(number(calibration.eceBefore), number(calibration.eceAfter))});
    }
    rows.push_back(
        {QObject::tr("calibration error here"),
         QObject::tr("%1 uncalibrated, %2 calibrated")
             .arg(number(ml::expectedCalibrationError(input.labels, raw)),
                  number(ml::expectedCalibrationError(input.labels, input.probabilities)))});
    rows.push_back({QObject::tr("out-of-distribution guard"),
                    card.ood.method.empty() ? QObject::tr("none (the model predates it)")
                    : input.oodFlagged < 0
                        ? QObject::tr("fitted on %1 training images").arg(card.ood.referenceImages)
                        : QObject::tr("%1 of %2 images here flagged")
                              .arg(input.oodFlagged)
                              .arg(input.labels.size())});
    const auto validationAuc = card.validationMetrics.find("auc");
    const auto validationAccuracy = card.validationMetrics.find("accuracy");
    if (input.split != QLatin1String("val") && validationAuc != card.validationMetrics.end() &&
        validationAccuracy != card.validationMetrics.end()) {
        rows.push_back(
            {QObject::tr("validation → here"),
             QObject::tr("accuracy %1 → %2, ROC AUC %3 → %4")
                 .arg(number(validationAccuracy->second), number(report.metrics.accuracy),
                      number(validationAuc->second), number(report.metrics.rocAuc))});
    }
    flow.table(rows, {0.3, 0.7});
    flow.paragraph(
        QObject::tr("Validation images carved from the training folders come from the same "
                    "hospitals and acquisition mix as the training images: figures on them "
                    "overestimate performance on other patients. Judge a model on an external "
                    "set, and refit its calibration on a sample of your own site's images."));

    Series before{QObject::tr("uncalibrated"), QColor(127, 127, 127), {}, true};
    Series after{QObject::tr("calibrated"), QColor(31, 119, 180), {}, true};
    for (const ml::CalibrationBin &bin : ml::calibrationCurve(input.labels, raw, 10)) {
        if (bin.count > 0) {
            before.points.emplace_back(bin.meanPredicted, bin.observedRate);
        }
    }
    for (const ml::CalibrationBin &bin :
         ml::calibrationCurve(input.labels, input.probabilities, 10)) {
        if (bin.count > 0) {
            after.points.emplace_back(bin.meanPredicted, bin.observedRate);
        }
    }
    Series diagonal{QObject::tr("perfect"), QColor(200, 200, 200), {{0, 0}, {1, 1}}, false};
    const double side = flow.width() / 2;
    const double top = flow.take(side * 0.8);
    drawPlot(painter, QRectF(0, top, side, side * 0.8), QObject::tr("Reliability diagram"),
             QObject::tr("mean predicted probability"), QObject::tr("observed share of positives"),
             {0, 1}, {0, 1}, {diagonal, before, after});
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
    const ml::DiagnosticReport report =
        ml::diagnosticReport(input.labels, input.probabilities, input.threshold, input.bootstrap);
    const QString partial = pdfPath + QStringLiteral(".partial");
    {
        QPdfWriter writer(partial);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setResolution(kDpi);
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        writer.setTitle(QObject::tr("CXR Studio evaluation report"));
        writer.setCreator(QStringLiteral("CXR Studio %1").arg(QString::fromLatin1(kVersionString)));
        QPainter painter;
        if (!painter.begin(&writer)) {
            return makeError(ErrorCode::WriteFailed,
                             pdfPath.toStdString() + ": cannot write the PDF");
        }
        PageFlow flow(writer, painter);
        const ml::ModelSpec &spec = card->spec;
        QStringList classes;
        for (const std::string &name : spec.classNames) {
            classes << QString::fromStdString(name);
        }

        flow.heading(QObject::tr("CXR Studio evaluation report"), 17);
        flow.paragraph(
            QObject::tr("%1 · CXR Studio %2 · research software, not a medical device: its "
                        "predictions support a radiologist's reading and never replace it.")
                .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate),
                     QString::fromLatin1(kVersionString)));

        flow.heading(QObject::tr("Model"));
        const ml::ReviewSummary &review = card->review;
        flow.table({{QObject::tr("field"), QObject::tr("value")},
                    {QObject::tr("name"), QString::fromStdString(card->name)},
                    {QObject::tr("architecture"), QString::fromStdString(spec.architecture)},
                    {QObject::tr("input"), QObject::tr("%1 px, %2 channel(s), %3")
                                               .arg(spec.inputSize)
                                               .arg(spec.channels)
                                               .arg(QString::fromStdString(spec.resize))},
                    {QObject::tr("classes"), classes.join(QStringLiteral(", "))},
                    {QObject::tr("trained on"),
                     QFileInfo(QString::fromStdString(card->trainedOn)).fileName()},
                    {QObject::tr("best epoch"), QString::number(card->bestEpoch)},
                    {QObject::tr("saw the test split"),
                     card->sawTestSplit ? QObject::tr("yes") : QObject::tr("no")},
                    {QObject::tr("created with"), QString::fromStdString(card->createdWith)},
                    {QObject::tr("heatmap review"),
                     QObject::tr("%1 reviewed: %2 on the lungs, %3 elsewhere")
                         .arg(review.reviewed)
                         .arg(review.onLungs)
                         .arg(review.elsewhere)},
                    {QObject::tr("approved for use"),
                     card->approvedForUse
                         ? QObject::tr("yes, %1").arg(QString::fromStdString(card->approvedAt))
                         : QObject::tr("no")}},
                   {0.3, 0.7});

        flow.heading(QObject::tr("Dataset"));
        QStringList datasetClasses;
        const std::vector<QStringList> counts = datasetTable(input.dataset, datasetClasses);
        flow.paragraph(
            QObject::tr("%1, evaluated on the %2 split (%3 images, prevalence of %4 %5).")
                .arg(QFileInfo(input.dataset).fileName(), input.split)
                .arg(input.labels.size())
                .arg(classes.value(1), number(report.prevalence)));
        std::vector<double> countWidths(std::size_t(counts.front().size()),
                                        1.0 / std::max<int>(1, counts.front().size()));
        flow.table(counts, countWidths);

        flow.heading(QObject::tr("Metrics at threshold %1 (%2)")
                         .arg(number(input.threshold, 4), input.thresholdSource));
        std::vector<QStringList> metricRows{
            {QObject::tr("metric"), QObject::tr("value"), QObject::tr("95% bootstrap interval")}};
        const auto &definitions = ml::diagnosticMetricDefinitions();
        for (std::size_t d = 0; d < definitions.size(); ++d) {
            const ml::ConfidenceInterval &ci = report.intervals[d];
            metricRows.push_back({QString::fromLatin1(definitions[d].label),
                                  number(report.metrics.*(definitions[d].member)),
                                  std::isfinite(ci.low) ? QStringLiteral("%1 – %2").arg(
                                                              number(ci.low), number(ci.high))
                                                        : QStringLiteral("–")});
        }
        metricRows.push_back({QObject::tr("Prevalence"), number(report.prevalence), QString()});
        metricRows.push_back({QObject::tr("Majority-class baseline accuracy"),
                              number(report.majorityBaseline), QString()});
        flow.table(metricRows, {0.45, 0.2, 0.35});

        flow.heading(QObject::tr("Confusion matrix (rows: true class)"));
        const ml::ConfusionCounts &c = report.metrics.counts;
        const auto percent = [](std::int64_t n, std::int64_t total) {
            return QStringLiteral("%1 (%2%)")
                .arg(n)
                .arg(total > 0 ? 100.0 * double(n) / double(total) : 0.0, 0, 'f', 1);
        };
        flow.table({{QString(), QObject::tr("called %1").arg(classes.value(0)),
                     QObject::tr("called %1").arg(classes.value(1))},
                    {classes.value(0), percent(c.trueNegative, c.trueNegative + c.falsePositive),
                     percent(c.falsePositive, c.trueNegative + c.falsePositive)},
                    {classes.value(1), percent(c.falseNegative, c.falseNegative + c.truePositive),
                     percent(c.truePositive, c.falseNegative + c.truePositive)}},
                   {0.3, 0.35, 0.35});

        addTrustSection(flow, painter, *card, input, report);

        // Curves, two to a row.
        const double plotWidth = flow.width() / 2;
        const double plotHeight = plotWidth * 0.8;
        Series roc{QObject::tr("ROC, AUC %1").arg(number(report.metrics.rocAuc)),
                   QColor(31, 119, 180),
                   {},
                   false};
        for (const ml::CurvePoint &point : ml::rocCurve(input.labels, input.probabilities)) {
            roc.points.emplace_back(point.x, point.y);
        }
        Series pr{QObject::tr("AP %1").arg(number(report.metrics.prAuc)),
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
        double top = flow.take(plotHeight);
        drawPlot(painter, QRectF(0, top, plotWidth, plotHeight), QObject::tr("ROC curve"),
                 QObject::tr("1 − specificity"), QObject::tr("sensitivity"), {0, 1}, {0, 1},
                 {roc, rocPoint});
        drawPlot(painter, QRectF(plotWidth, top, plotWidth, plotHeight),
                 QObject::tr("Precision-recall curve"), QObject::tr("recall"),
                 QObject::tr("precision"), {0, 1}, {0, 1}, {pr, prPoint});

        auto run = ml::describeRun(modelDir->parent_path());
        if (run && !run->epochs.empty()) {
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
            top = flow.take(plotHeight);
            drawPlot(painter, QRectF(0, top, plotWidth, plotHeight), QObject::tr("Training loss"),
                     QObject::tr("epoch"), QObject::tr("loss"), epochs, {0, highest * 1.05},
                     {train, val});
            drawPlot(painter, QRectF(plotWidth, top, plotWidth, plotHeight),
                     QObject::tr("Validation"), QObject::tr("epoch"), QObject::tr("AUC, accuracy"),
                     epochs, {0, 1}, {auc, accuracy});
        }

        // Grad-CAM of the most confident images of each cell.
        if (input.gradCamExamplesPerCell > 0) {
            auto classifier = ml::Classifier::open(input.run.toStdString());
            if (classifier) {
                flow.heading(QObject::tr("Grad-CAM: the most confident images of each cell"));
                pipeline::CamDisplay display;
                display.style.colormap = imaging::Colormap::Inferno;
                display.style.opacity = 0.45;
                ml::CamRequest request;
                const double tile = flow.width() / 4 - 12;
                int done = 0;
                for (int row = 0; row < 2; ++row) {
                    for (int column = 0; column < 2; ++column) {
                        std::vector<std::size_t> members;
                        for (std::size_t i = 0; i < input.labels.size(); ++i) {
                            if (input.labels[i] == row &&
                                (input.probabilities[i] >= input.threshold ? 1 : 0) == column) {
                                members.push_back(i);
                            }
                        }
                        std::stable_sort(
                            members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
                                return column == 1
                                           ? input.probabilities[a] > input.probabilities[b]
                                           : input.probabilities[a] < input.probabilities[b];
                            });
                        members.resize(std::min<std::size_t>(
                            members.size(), std::size_t(input.gradCamExamplesPerCell)));
                        flow.paragraph(
                            QObject::tr(
                                "True %1, called %2 (%3 shown; the map explains the called class)")
                                .arg(classes.value(row), classes.value(column))
                                .arg(members.size()));
                        if (members.empty()) {
                            continue;
                        }
                        const double rowTop = flow.take(tile + 30);
                        for (std::size_t k = 0; k < members.size(); ++k) {
                            if (cancelled(observer)) {
                                painter.end();
                                QFile::remove(partial);
                                return makeError(ErrorCode::Cancelled, "report cancelled");
                            }
                            const fs::path file = input.files[int(members[k])].toStdString();
                            request.targetClass =
                                column; // the called class at this report's threshold
                            auto prediction = pipeline::predictImage(*classifier, file, &request);
                            if (!prediction) {
                                continue;
                            }
                            auto overlay =
                                pipeline::overlayForFile(file, *prediction, spec, display, 512);
                            if (!overlay) {
                                continue;
                            }
                            const QImage picture = toQImage(*overlay);
                            const QRectF target(k * (tile + 12), rowTop, tile, tile);
                            painter.drawImage(target, picture.scaled(target.size().toSize(),
                                                                     Qt::KeepAspectRatio,
                                                                     Qt::SmoothTransformation));
                            painter.drawText(
                                QRectF(target.left(), target.bottom() + 2, tile, 26),
                                Qt::AlignCenter,
                                QObject::tr("p %1%2").arg(
                                    number(input.probabilities[members[k]]),
                                    prediction->cam->flat ? QObject::tr(", flat map") : QString()));
                            if (observer) {
                                observer->progress(++done, 4 * input.gradCamExamplesPerCell);
                            }
                        }
                    }
                }
            } else {
                flow.paragraph(QObject::tr("Grad-CAM examples left out: %1")
                                   .arg(QString::fromStdString(classifier.error().message)));
            }
        }
        if (!painter.end()) {
            return makeError(ErrorCode::WriteFailed,
                             pdfPath.toStdString() + ": the PDF could not be finished");
        }
    }
    // Renamed into place only once complete; the evaluation's own files go beside it.
    QFile::remove(pdfPath);
    if (!QFile::rename(partial, pdfPath)) {
        QFile::remove(partial);
        return makeError(ErrorCode::WriteFailed, pdfPath.toStdString() + ": cannot write the PDF");
    }
    const QString base =
        QFileInfo(pdfPath).path() + QLatin1Char('/') + QFileInfo(pdfPath).completeBaseName();
    const fs::path evaluation = modelDir->parent_path() / "evaluations" / input.split.toStdString();
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

} // namespace cxr::ui
