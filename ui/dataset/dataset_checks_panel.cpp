// SPDX-License-Identifier: MIT
#include "ui/dataset/dataset_checks_panel.h"

#include "core/common/allocator_tuning.h"

#include "core/data/dataset_statistics.h"
#include "core/data/manifest.h"
#include "core/data/validation_split.h"

#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace cxr::ui {

namespace {

QString warning(const QString &text)
{
    return QStringLiteral("<span style='color:#b35900'>⚠ %1</span>").arg(text.toHtmlEscaped());
}

} // namespace

DatasetChecksPanel::DatasetChecksPanel(QWidget *parent)
    : QWidget(parent), m_summary(new QLabel), m_leakage(new QLabel),
      m_carveButton(new QPushButton(tr("Carve a validation split from train…")))
{
    for (QLabel *label : {m_summary, m_leakage}) {
        label->setWordWrap(true);
        label->setTextFormat(Qt::RichText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_carveButton->setVisible(false);
    m_carveButton->setToolTip(tr("Moves whole patients, stratified by class, from train to val "
                                 "and saves the result as a CSV manifest. No file is moved; the "
                                 "test split is not touched."));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_leakage);
    layout->addWidget(m_carveButton);
    connect(&m_watcher, &QFutureWatcher<data::LeakageReport>::finished, this,
            &DatasetChecksPanel::onChecksFinished);
    connect(m_carveButton, &QPushButton::clicked, this, &DatasetChecksPanel::askAndCarve);
}

DatasetChecksPanel::~DatasetChecksPanel()
{
    if (m_cancel) {
        m_cancel->cancel();
    }
    m_watcher.waitForFinished();
}

bool DatasetChecksPanel::isChecking() const
{
    return m_watcher.isRunning();
}

QString DatasetChecksPanel::summaryText() const
{
    return m_summary->text();
}

QString DatasetChecksPanel::leakageText() const
{
    return m_leakage->text();
}

void DatasetChecksPanel::showDataset(std::shared_ptr<const data::DatasetIndex> shared)
{
    if (m_cancel) {
        m_cancel->cancel();
    }
    m_watcher.waitForFinished();
    m_index = std::move(shared);
    const data::DatasetIndex &index = *m_index;

    QString html;
    for (const data::SplitStatistics &s : data::computeStatistics(index).splits) {
        if (s.total == 0) {
            continue;
        }
        QString line = tr("<b>%1</b>: majority-class baseline %2% (%3)")
                           .arg(QString::fromStdString(s.split))
                           .arg(100.0 * s.majorityBaseline, 0, 'f', 1)
                           .arg(QString::fromStdString(s.majorityClass));
        if (s.imbalanceRatio == 0) {
            line += QStringLiteral(" ") + warning(tr("a class has no images"));
        } else if (s.imbalanceRatio >= data::kImbalanceWarningRatio) {
            line += QStringLiteral(" ") +
                    warning(tr("imbalance %1:1").arg(s.imbalanceRatio, 0, 'f', 2));
        }
        html += line + QStringLiteral("<br>");
    }
    m_summary->setText(html);
    m_leakage->setText(tr("Checking for patients and files in two splits…"));
    m_carveButton->setVisible(false);

    m_cancel = std::make_shared<CancelFlag>();
    m_watcher.setFuture(QtConcurrent::run([shared = m_index, cancel = m_cancel]() {
        return data::checkLeakage(*shared, cancel.get(), data::NearDuplicates::Check);
    }));
}

void DatasetChecksPanel::onChecksFinished()
{
    if (m_cancel && m_cancel->isCancelled()) {
        return; // superseded by another dataset
    }
    const data::LeakageReport report = m_watcher.result();
    releaseFreedMemory(); // the check's fingerprints (1 KB per image) are freed by now
    QString html;
    for (const data::PatientLeak &leak : report.patientLeaks) {
        QStringList splits;
        for (const auto &split : leak.splits) {
            splits << QString::fromStdString(split);
        }
        html += warning(tr("patient %1 is in %2")
                            .arg(QString::fromStdString(leak.patient),
                                 splits.join(QStringLiteral(", ")))) +
                QStringLiteral("<br>");
    }
    for (const data::DuplicateGroup &group : report.exactDuplicates) {
        html += warning(tr("identical file in %1: %2")
                            .arg(QString::fromStdString(group.splits.front() + ", " +
                                                        group.splits.back()),
                                 QString::fromStdString(group.paths.front().filename().string()))) +
                QStringLiteral("<br>");
    }
    for (const data::NearDuplicate &pair : report.nearDuplicates) {
        html += warning(tr("near-duplicate images in %1 and %2: %3, %4")
                            .arg(QString::fromStdString(pair.firstSplit),
                                 QString::fromStdString(pair.secondSplit),
                                 QString::fromStdString(pair.first.filename().string()),
                                 QString::fromStdString(pair.second.filename().string()))) +
                QStringLiteral("<br>");
    }
    if (report.patientLeaks.empty() && report.exactDuplicates.empty() &&
        report.nearDuplicates.empty()) {
        html += tr("✓ No patient, file or near-duplicate image appears in two splits.") +
                QStringLiteral("<br>");
    }
    if (report.validationTooSmall) {
        html += warning(QString::fromStdString(report.validationAdvice));
    }
    m_leakage->setText(html);
    m_carveButton->setVisible(report.validationTooSmall);
    Q_EMIT checksFinished();
}

void DatasetChecksPanel::askAndCarve()
{
    bool ok = false;
    const double percent = QInputDialog::getDouble(
        this, tr("Carve a validation split"),
        tr("Share of each class's training images to move to validation (%):"), 10.0, 1.0, 50.0, 1,
        &ok);
    if (!ok) {
        return;
    }
    const QString manifest = QFileDialog::getSaveFileName(
        this, tr("Save the new split as a manifest"), QString(), tr("CSV manifest (*.csv)"));
    if (manifest.isEmpty()) {
        return;
    }
    const QString error = carveValidationSplit(
        manifest.endsWith(QStringLiteral(".csv")) ? manifest : manifest + QStringLiteral(".csv"),
        percent / 100.0, 42);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Carve a validation split"), error);
    }
}

QString DatasetChecksPanel::carveValidationSplit(const QString &manifest, double fraction,
                                                 quint64 seed)
{
    if (!m_index) {
        return tr("No dataset is open.");
    }
    data::ValidationSplitSettings settings;
    settings.valFraction = fraction;
    settings.seed = seed;
    auto carved = data::carveValidationSplit(*m_index, settings);
    if (!carved) {
        return QString::fromStdString(carved.error().message);
    }
    if (auto written = data::writeManifest(manifest.toStdString(), *carved); !written) {
        return QString::fromStdString(written.error().message);
    }
    Q_EMIT manifestCreated(manifest);
    return {};
}

} // namespace cxr::ui
