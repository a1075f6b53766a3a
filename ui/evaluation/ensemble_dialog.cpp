// SPDX-License-Identifier: MIT
#include "ui/evaluation/ensemble_dialog.h"

#include "core/data/tensor_cache.h"
#include "core/ml/calibration.h"
#include "core/ml/run_folder.h"
#include "core/pipeline/ensemble_job.h"
#include "ui/common/path_field.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QLineEdit>
#include <QListWidget>

namespace cxr::ui {

EnsembleDialog::EnsembleDialog(const QString &runsFolder, const QString &dataset, QWidget *parent)
    : ModelJobDialog(tr("Make an ensemble"), tr("Make ensemble"), parent),
      m_members(new QListWidget), m_out(new QLineEdit), m_dataset(new QLineEdit(dataset))
{
    for (const ml::RunInfo &run : ml::listRuns(runsFolder.toStdString())) {
        if (run.state == ml::RunState::Finished) {
            auto *item = new QListWidgetItem(QString::fromStdString(run.folder.filename().string()),
                                             m_members);
            item->setData(Qt::UserRole, QString::fromStdString(run.folder.string()));
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(Qt::Unchecked);
        }
    }
    if (m_members->count() == 0) {
        auto *none =
            new QListWidgetItem(tr("No finished run in %1 yet: train on the Train page, or "
                                   "set the runs folder there.")
                                    .arg(runsFolder),
                                m_members);
        none->setFlags(Qt::NoItemFlags);
    }
    m_members->setToolTip(
        tr("Finished runs of the runs folder; the members need the same input size, "
           "channels, normalisation and classes"));
    m_out->setText(QDir(runsFolder)
                       .filePath(QStringLiteral("ensemble-%1")
                                     .arg(QDateTime::currentDateTime().toString(
                                         QStringLiteral("yyyyMMdd-HHmmss")))));
    m_dataset->setPlaceholderText(tr("none: the mean of the members' thresholds"));
    m_dataset->setToolTip(tr("The ensemble's threshold is chosen on this dataset's val split for "
                             "sensitivity ≥ 0.95, never on a test split"));
    form()->addRow(tr("Members"), m_members);
    form()->addRow(tr("New folder"),
                   withBrowseButton(m_out, PathKind::Folder, tr("Ensemble folder"), this));
    form()->addRow(tr("Threshold from"),
                   withBrowseButton(m_dataset, PathKind::Folder, tr("Dataset"), this));
}

void EnsembleDialog::setMembers(const QStringList &folders)
{
    for (const QString &folder : folders) {
        const QString absolute = QFileInfo(folder).absoluteFilePath();
        QListWidgetItem *found = nullptr;
        for (int i = 0; i < m_members->count(); ++i) {
            if (QFileInfo(m_members->item(i)->data(Qt::UserRole).toString()).absoluteFilePath() ==
                absolute) {
                found = m_members->item(i);
            }
        }
        if (!found) {
            found = new QListWidgetItem(QFileInfo(folder).fileName(), m_members);
            found->setData(Qt::UserRole, absolute);
            found->setFlags(found->flags() | Qt::ItemIsUserCheckable);
        }
        found->setCheckState(Qt::Checked);
    }
}

QStringList EnsembleDialog::members() const
{
    QStringList ticked;
    for (int i = 0; i < m_members->count(); ++i) {
        if (m_members->item(i)->checkState() == Qt::Checked) {
            ticked << m_members->item(i)->data(Qt::UserRole).toString();
        }
    }
    return ticked;
}

void EnsembleDialog::setOutput(const QString &folder)
{
    m_out->setText(folder);
}

std::optional<ModelJobDialog::Work> EnsembleDialog::prepare(QString &problem)
{
    pipeline::EnsembleJob job;
    for (const QString &member : members()) {
        job.members.emplace_back(member.toStdString());
    }
    job.out = m_out->text().trimmed().toStdString();
    job.dataset = m_dataset->text().trimmed().toStdString();
    job.cacheDir = data::defaultCacheDir();
    if (job.members.size() < 2) {
        problem = tr("Tick two or more runs to average.");
        return std::nullopt;
    }
    if (job.out.empty()) {
        problem = tr("Choose a folder for the ensemble.");
        return std::nullopt;
    }
    return [job](PolledProgress &progress) {
        auto card = pipeline::makeEnsemble(job, &progress);
        if (!card) {
            return Outcome{false, QString::fromStdString(card.error().message), {}};
        }
        const QString rule = card->operatingPoint.rule.empty()
                                 ? tr("the mean of the members' thresholds")
                                 : tr("%1 on %2 images")
                                       .arg(QString::fromStdString(card->operatingPoint.rule))
                                       .arg(card->operatingPoint.images);
        const QString folder = QString::fromStdString(job.out.string());
        return Outcome{true,
                       tr("Ensemble of %1 models written to %2, threshold %3 (%4). Open it in the "
                          "Viewer or evaluate it like a run.")
                           .arg(job.members.size())
                           .arg(folder)
                           .arg(card->spec.threshold, 0, 'f', 3)
                           .arg(rule),
                       folder};
    };
}

} // namespace cxr::ui
