// SPDX-License-Identifier: MIT
#include "ui/evaluation/site_calibration_dialog.h"

#include "core/data/tensor_cache.h"
#include "core/ml/diagnostic_metrics.h"
#include "core/pipeline/site_calibration.h"
#include "ui/common/path_field.h"

#include <QComboBox>
#include <QDate>
#include <QFormLayout>
#include <QLineEdit>

namespace cxr::ui {

SiteCalibrationDialog::SiteCalibrationDialog(const QString &run, QWidget *parent)
    : ModelJobDialog(tr("Calibrate for a site"), tr("Calibrate"), parent),
      m_run(new QLineEdit(run)), m_sample(new QLineEdit), m_fitSplit(new QComboBox),
      m_evaluateSplit(new QComboBox), m_out(new QLineEdit)
{
    m_fitSplit->setEditable(true);
    m_fitSplit->addItems({QStringLiteral("val"), QStringLiteral("train"), QStringLiteral("all")});
    m_fitSplit->setToolTip(
        tr("The sample's labelled images the calibration and the threshold are fitted on"));
    m_evaluateSplit->setEditable(true);
    m_evaluateSplit->addItems({QStringLiteral("test"), QStringLiteral("val")});
    m_evaluateSplit->setToolTip(
        tr("The rest of the site's images, evaluated with the recalibrated model"));
    m_sample->setPlaceholderText(
        tr("the site's labelled images: a dataset folder or a manifest .csv"));
    if (!run.isEmpty()) {
        m_out->setText(run + QStringLiteral("-site-") +
                       QDate::currentDate().toString(QStringLiteral("yyyyMMdd")));
    }
    form()->addRow(tr("Model"),
                   withBrowseButton(m_run, PathKind::Folder, tr("Run or model folder"), this));
    form()->addRow(tr("Site sample"),
                   withBrowseButton(m_sample, PathKind::Folder, tr("Site sample"), this));
    form()->addRow(tr("Fit on split"), m_fitSplit);
    form()->addRow(tr("Evaluate on split"), m_evaluateSplit);
    form()->addRow(tr("New folder"),
                   withBrowseButton(m_out, PathKind::Folder, tr("Recalibrated model"), this));
}

void SiteCalibrationDialog::setSample(const QString &datasetOrManifest)
{
    m_sample->setText(datasetOrManifest);
}

void SiteCalibrationDialog::setOutput(const QString &folder)
{
    m_out->setText(folder);
}

std::optional<ModelJobDialog::Work> SiteCalibrationDialog::prepare(QString &problem)
{
    pipeline::SiteCalibrationJob job;
    job.run = m_run->text().trimmed().toStdString();
    job.sample = m_sample->text().trimmed().toStdString();
    job.fitSplit = m_fitSplit->currentText().trimmed().toStdString();
    job.evaluateSplit = m_evaluateSplit->currentText().trimmed().toStdString();
    job.out = m_out->text().trimmed().toStdString();
    job.cacheDir = data::defaultCacheDir();
    if (job.run.empty() || job.sample.empty() || job.out.empty()) {
        problem = tr("Choose the model, the site's sample and a new folder.");
        return std::nullopt;
    }
    return [job](PolledProgress &progress) {
        auto result = pipeline::runSiteCalibration(job, &progress);
        if (!result) {
            return Outcome{false, QString::fromStdString(result.error().message), {}};
        }
        const ml::ModelCard &card = result->card;
        QString text = tr("Fitted on %1 images of %2: %3 (was %4), threshold %5 (was %6) for %7, "
                          "sensitivity %8 and specificity %9 there.")
                           .arg(card.calibration.images)
                           .arg(QString::fromStdString(card.calibration.fittedOn))
                           .arg(QString::fromStdString(card.calibration.describe()))
                           .arg(QString::fromStdString(result->previousCalibration.describe()))
                           .arg(card.spec.threshold, 0, 'f', 3)
                           .arg(result->previousThreshold, 0, 'f', 3)
                           .arg(QString::fromStdString(card.operatingPoint.rule))
                           .arg(card.operatingPoint.sensitivity, 0, 'f', 3)
                           .arg(card.operatingPoint.specificity, 0, 'f', 3);
        if (result->evaluation) {
            const ml::DiagnosticMetrics &m = result->evaluation->report.metrics;
            text += QLatin1Char(' ') + tr("On the %1 other images of the '%2' split: ROC AUC %3, "
                                          "sensitivity %4, specificity %5.")
                                           .arg(result->evaluation->labels.size())
                                           .arg(QString::fromStdString(job.evaluateSplit))
                                           .arg(m.rocAuc, 0, 'f', 3)
                                           .arg(m.sensitivity, 0, 'f', 3)
                                           .arg(m.specificity, 0, 'f', 3);
        } else {
            text +=
                QLatin1Char(' ') + tr("The sample has no '%1' split: nothing left to evaluate on.")
                                       .arg(QString::fromStdString(job.evaluateSplit));
        }
        const QString folder = QString::fromStdString(job.out.string());
        return Outcome{true, text + QLatin1Char(' ') + tr("Written to %1.").arg(folder), folder};
    };
}

} // namespace cxr::ui
