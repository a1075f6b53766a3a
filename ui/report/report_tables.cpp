// SPDX-License-Identifier: MIT
#include "ui/report/report_tables.h"

#include "core/data/dataset_scanner.h"
#include "core/ml/calibration.h"
#include "ui/common/metric_text.h"
#include "ui/report/report_plots.h"

#include <QFileInfo>

#include <algorithm>
#include <map>

namespace cxr::ui {

namespace {

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

} // namespace

void addModelSection(PageFlow &flow, const ml::ModelCard &card, const QStringList &classes)
{
    const ml::ModelSpec &spec = card.spec;
    flow.heading(QObject::tr("Model"));
    const ml::ReviewSummary &review = card.review;
    flow.table(
        {{QObject::tr("field"), QObject::tr("value")},
         {QObject::tr("name"), QString::fromStdString(card.name)},
         {QObject::tr("architecture"), QString::fromStdString(spec.architecture)},
         {QObject::tr("input"),
          QObject::tr("%1 px, %2 channel(s), %3%4")
              .arg(spec.inputSize)
              .arg(spec.channels)
              .arg(QString::fromStdString(spec.resize),
                   ml::equalisesGreyLevels(spec) ? QObject::tr(", grey levels equalised per image")
                                                 : QString())},
         {QObject::tr("classes"), classes.join(QStringLiteral(", "))},
         {QObject::tr("trained on"), QFileInfo(QString::fromStdString(card.trainedOn)).fileName()},
         {QObject::tr("best epoch"), QString::number(card.bestEpoch)},
         {QObject::tr("saw the test split"),
          card.sawTestSplit ? QObject::tr("yes") : QObject::tr("no")},
         {QObject::tr("created with"), QString::fromStdString(card.createdWith)},
         {QObject::tr("heatmap review"), QObject::tr("%1 reviewed: %2 on the lungs, %3 elsewhere")
                                             .arg(review.reviewed)
                                             .arg(review.onLungs)
                                             .arg(review.elsewhere)},
         {QObject::tr("approved for use"),
          card.approvedForUse ? QObject::tr("yes, %1").arg(QString::fromStdString(card.approvedAt))
                              : QObject::tr("no")}},
        {0.3, 0.7});
}

void addDatasetSection(PageFlow &flow, const EvaluationReportInput &input,
                       const ml::DiagnosticReport &report, const QStringList &classes)
{
    flow.heading(QObject::tr("Dataset"));
    QStringList datasetClasses;
    const std::vector<QStringList> counts = datasetTable(input.dataset, datasetClasses);
    flow.paragraph(QObject::tr("%1, evaluated on the %2 split (%3 images, prevalence of %4 %5).")
                       .arg(QFileInfo(input.dataset).fileName(), input.split)
                       .arg(input.labels.size())
                       .arg(classes.value(1), metricText(report.prevalence)));
    std::vector<double> countWidths(std::size_t(counts.front().size()),
                                    1.0 / std::max<int>(1, counts.front().size()));
    flow.table(counts, countWidths);
}

void addMetricsSection(PageFlow &flow, const EvaluationReportInput &input,
                       const ml::DiagnosticReport &report, const QStringList &classes)
{
    flow.heading(QObject::tr("Metrics at threshold %1 (%2)")
                     .arg(metricText(input.threshold, 4), input.thresholdSource));
    std::vector<QStringList> metricRows{
        {QObject::tr("metric"), QObject::tr("value"), QObject::tr("95% bootstrap interval")}};
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        const ml::ConfidenceInterval &ci = report.intervals[d];
        metricRows.push_back({QString::fromLatin1(definitions[d].label),
                              metricText(report.metrics.*(definitions[d].member)),
                              intervalText(ci.low, ci.high)});
    }
    metricRows.push_back({QObject::tr("Prevalence"), metricText(report.prevalence), QString()});
    metricRows.push_back({QObject::tr("Majority-class baseline accuracy"),
                          metricText(report.majorityBaseline), QString()});
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
}

void addTrustSection(PageFlow &flow, const ml::ModelCard &card, const EvaluationReportInput &input,
                     const ml::DiagnosticReport &report)
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
             ? QObject::tr("%1, set by hand").arg(metricText(card.spec.threshold, 3))
             : QObject::tr("%1 for %2")
                   .arg(metricText(card.spec.threshold, 3), QString::fromStdString(point.rule))});
    if (!point.rule.empty()) {
        rows.push_back({QObject::tr("chosen on"),
                        QObject::tr("%1 %2 images: sensitivity %3, specificity %4")
                            .arg(point.images)
                            .arg(QString::fromStdString(point.chosenOn),
                                 metricText(point.sensitivity), metricText(point.specificity))});
    }
    if (calibration.fittedOn.empty()) {
        rows.push_back({QObject::tr("calibration"), QObject::tr("none")});
    } else {
        rows.push_back(
            {QObject::tr("calibration"), QObject::tr("%1 on %2 %3 images")
                                             .arg(QString::fromStdString(calibration.describe()))
                                             .arg(calibration.images)
                                             .arg(QString::fromStdString(calibration.fittedOn))});
        rows.push_back(
            {QObject::tr("calibration error there"),
             QObject::tr("%1 before, %2 after")
                 .arg(metricText(calibration.eceBefore), metricText(calibration.eceAfter))});
    }
    rows.push_back(
        {QObject::tr("calibration error here"),
         QObject::tr("%1 uncalibrated, %2 calibrated")
             .arg(metricText(ml::expectedCalibrationError(input.labels, raw)),
                  metricText(ml::expectedCalibrationError(input.labels, input.probabilities)))});
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
                 .arg(metricText(validationAccuracy->second), metricText(report.metrics.accuracy),
                      metricText(validationAuc->second), metricText(report.metrics.rocAuc))});
    }
    flow.table(rows, {0.3, 0.7});
    flow.paragraph(
        QObject::tr("Validation images carved from the training folders come from the same "
                    "hospitals and acquisition mix as the training images: figures on them "
                    "overestimate performance on other patients. Judge a model on an external "
                    "set, and refit its calibration on a sample of your own site's images."));
    addReliabilityDiagram(flow, input.labels, raw, input.probabilities);
}

} // namespace cxr::ui
