// SPDX-License-Identifier: MIT
#include "ui/training/run_history.h"

#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <map>

namespace cxr::ui {

namespace {

enum Column {
    Started,
    Name,
    Model,
    Dataset,
    Epochs,
    BestLoss,
    Accuracy,
    Auc,
    Status,
    Duration,
    Ranks, // processes of a data-parallel run; 1 otherwise
    ColumnCount
};

QString duration(double seconds)
{
    const int total = int(seconds + 0.5);
    return total >= 3600
               ? QStringLiteral("%1:%2:%3")
                     .arg(total / 3600)
                     .arg(total / 60 % 60, 2, 10, QLatin1Char('0'))
                     .arg(total % 60, 2, 10, QLatin1Char('0'))
               : QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}

// config.json flattened to "optimizer.lr" -> "0.001", for the differences between runs.
void flatten(const QJsonObject &object, const QString &prefix, std::map<QString, QString> &into)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
        if (it.value().isObject()) {
            flatten(it.value().toObject(), key, into);
        } else {
            into[key] =
                QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("v"), it.value()}})
                                      .toJson(QJsonDocument::Compact))
                    .mid(5)
                    .chopped(1);
        }
    }
}

std::map<QString, QString> flatConfig(const std::filesystem::path &run)
{
    QFile file(QString::fromStdString((run / "config.json").string()));
    std::map<QString, QString> values;
    if (file.open(QIODevice::ReadOnly)) {
        flatten(QJsonDocument::fromJson(file.readAll()).object(), QString(), values);
    }
    values.erase(QStringLiteral("created")); // differs between any two runs
    return values;
}

} // namespace

RunHistory::RunHistory(QWidget *parent)
    : QWidget(parent), m_table(new QTableWidget(0, ColumnCount)),
      m_resume(new QPushButton(tr("Resume"))), m_trainLike(new QPushButton(tr("Train like this"))),
      m_evaluate(new QPushButton(tr("Evaluate…"))), m_view(new QPushButton(tr("Open in Viewer"))),
      m_archive(new QPushButton(tr("Archive"))), m_delete(new QPushButton(tr("Delete…"))),
      m_differences(new QPlainTextEdit)
{
    m_table->setHorizontalHeaderLabels({tr("Started"), tr("Run"), tr("Model"), tr("Dataset"),
                                        tr("Epochs"), tr("Best val loss"), tr("Val accuracy"),
                                        tr("Val AUC"), tr("Status"), tr("Duration"), tr("Ranks")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_differences->setReadOnly(true);
    m_differences->setMaximumHeight(90);
    m_differences->setPlaceholderText(
        tr("Select two or more runs to compare their curves and settings."));
    m_resume->setToolTip(tr("Continue the selected run from its last checkpoint"));
    m_trainLike->setToolTip(tr("Copy the selected run's settings into the form"));
    m_archive->setToolTip(tr("Move the selected runs into the runs folder's archive/ folder"));

    auto *refresh = new QPushButton(tr("Refresh"));
    auto *buttons = new QHBoxLayout;
    m_evaluate->setToolTip(tr("Open the selected run's model on the Evaluate page"));
    m_view->setToolTip(
        tr("Predict and explain images with the selected run's model on the Viewer page"));
    for (QPushButton *button :
         {refresh, m_resume, m_trainLike, m_evaluate, m_view, m_archive, m_delete}) {
        buttons->addWidget(button);
    }
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_differences);

    connect(refresh, &QPushButton::clicked, this, &RunHistory::refresh);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        updateButtons();
        showDifferences();
        Q_EMIT selectionChanged();
    });
    // Resume, train like, evaluate and view act on exactly one selected run.
    const auto forTheSelectedRun = [this](void (RunHistory::*request)(const ml::RunInfo &)) {
        return [this, request] {
            const auto runs = selectedRuns();
            if (runs.size() == 1) {
                Q_EMIT(this->*request)(runs.front());
            }
        };
    };
    connect(m_resume, &QPushButton::clicked, this, forTheSelectedRun(&RunHistory::resumeRequested));
    connect(m_trainLike, &QPushButton::clicked, this,
            forTheSelectedRun(&RunHistory::trainLikeRequested));
    connect(m_evaluate, &QPushButton::clicked, this,
            forTheSelectedRun(&RunHistory::evaluateRequested));
    connect(m_view, &QPushButton::clicked, this, forTheSelectedRun(&RunHistory::viewRequested));
    connect(m_archive, &QPushButton::clicked, this, &RunHistory::archiveSelected);
    connect(m_delete, &QPushButton::clicked, this, &RunHistory::deleteSelected);
    updateButtons();
}

void RunHistory::setRunsFolder(const QString &folder)
{
    m_folder = folder;
    refresh();
}

void RunHistory::setActiveRun(const QString &folder)
{
    m_activeRun = folder;
    refresh();
}

QString RunHistory::statusText(const ml::RunInfo &run) const
{
    const bool active = !m_activeRun.isEmpty() &&
                        QDir(m_activeRun) == QDir(QString::fromStdString(run.folder.string()));
    switch (run.state) {
    case ml::RunState::Running:
        return active ? tr("running")
                      : (run.hasCheckpoint ? tr("interrupted, resumable") : tr("interrupted"));
    case ml::RunState::Finished:
        return tr("finished");
    case ml::RunState::Stopped:
        return run.hasCheckpoint ? tr("stopped, resumable") : tr("stopped");
    case ml::RunState::Failed:
        return run.hasCheckpoint ? tr("failed, resumable") : tr("failed");
    }
    return {};
}

void RunHistory::refresh()
{
    const auto selected = selectedRuns();
    m_runs = m_folder.isEmpty() ? std::vector<ml::RunInfo>{} : ml::listRuns(m_folder.toStdString());
    const QSignalBlocker blocker(m_table);
    m_table->setRowCount(int(m_runs.size()));
    for (int row = 0; row < int(m_runs.size()); ++row) {
        const ml::RunInfo &run = m_runs[std::size_t(row)];
        const int best = run.bestEpoch();
        const ml::EpochMetrics *metrics = best > 0 ? &run.epochs[std::size_t(best - 1)] : nullptr;
        auto number = [](double value, int decimals) {
            return std::isfinite(value) ? QString::number(value, 'f', decimals)
                                        : QStringLiteral("–");
        };
        const QString cells[ColumnCount] = {
            QString::fromStdString(run.created)
                .replace(QLatin1Char('T'), QLatin1Char(' '))
                .remove(QLatin1Char('Z')),
            QString::fromStdString(run.folder.filename().string()),
            QString::fromStdString(run.settings.model.architecture),
            QString::fromStdString(
                std::filesystem::path(run.settings.datasetPath).filename().string()),
            QStringLiteral("%1 / %2").arg(run.epochs.size()).arg(run.settings.epochs),
            metrics ? tr("%1 (epoch %2)").arg(number(metrics->valLoss, 4)).arg(best)
                    : QStringLiteral("–"),
            metrics ? number(metrics->valAccuracy, 3) : QStringLiteral("–"),
            metrics ? number(metrics->valAuc, 3) : QStringLiteral("–"),
            statusText(run),
            duration(run.seconds()),
            QString::number(run.settings.worldSize),
        };
        for (int column = 0; column < ColumnCount; ++column) {
            auto *item = new QTableWidgetItem(cells[column]);
            if (column == Status && !run.message.empty()) {
                item->setToolTip(QString::fromStdString(run.message));
            }
            if (column == Dataset) {
                item->setToolTip(QString::fromStdString(run.settings.datasetPath));
            }
            m_table->setItem(row, column, item);
        }
    }
    for (const ml::RunInfo &run : selected) {
        selectRun(QString::fromStdString(run.folder.string()));
    }
    updateButtons();
}

std::vector<ml::RunInfo> RunHistory::selectedRuns() const
{
    std::vector<ml::RunInfo> runs;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        if (index.row() < int(m_runs.size())) {
            runs.push_back(m_runs[std::size_t(index.row())]);
        }
    }
    return runs;
}

void RunHistory::selectRun(const QString &folder)
{
    for (int row = 0; row < int(m_runs.size()); ++row) {
        if (QDir(QString::fromStdString(m_runs[std::size_t(row)].folder.string())) ==
            QDir(folder)) {
            m_table->selectionModel()->select(m_table->model()->index(row, 0),
                                              QItemSelectionModel::Select |
                                                  QItemSelectionModel::Rows);
        }
    }
}

void RunHistory::updateButtons()
{
    const auto runs = selectedRuns();
    const bool one = runs.size() == 1;
    const bool active =
        one && !m_activeRun.isEmpty() &&
        QDir(m_activeRun) == QDir(QString::fromStdString(runs.front().folder.string()));
    m_resume->setEnabled(one && runs.front().resumable() && m_activeRun.isEmpty());
    m_trainLike->setEnabled(one);
    m_evaluate->setEnabled(one && !runs.front().epochs.empty());
    m_view->setEnabled(m_evaluate->isEnabled());
    m_archive->setEnabled(!runs.empty() && !active);
    m_delete->setEnabled(!runs.empty() && !active);
}

void RunHistory::showDifferences()
{
    const auto runs = selectedRuns();
    if (runs.size() < 2) {
        m_differences->clear();
        return;
    }
    std::vector<std::map<QString, QString>> configs;
    std::map<QString, bool> keys;
    for (const ml::RunInfo &run : runs) {
        configs.push_back(flatConfig(run.folder));
        for (const auto &[key, value] : configs.back()) {
            keys[key] = true;
        }
    }
    QStringList lines;
    for (const auto &[key, unused] : keys) {
        QStringList values;
        bool differs = false;
        for (const auto &config : configs) {
            const auto found = config.find(key);
            values << (found == config.end() ? QStringLiteral("–") : found->second);
            differs = differs || values.back() != values.front();
        }
        if (differs) {
            lines << key + QStringLiteral(": ") + values.join(QStringLiteral("  |  "));
        }
    }
    m_differences->setPlainText(lines.isEmpty() ? tr("The selected runs have the same settings.")
                                                : tr("Settings that differ (in table order):\n") +
                                                      lines.join(QLatin1Char('\n')));
}

void RunHistory::archiveSelected()
{
    const QDir archive(QDir(m_folder).filePath(QStringLiteral("archive")));
    QDir().mkpath(archive.path());
    for (const ml::RunInfo &run : selectedRuns()) {
        const QString from = QString::fromStdString(run.folder.string());
        const QString to = archive.filePath(QString::fromStdString(run.folder.filename().string()));
        if (!QDir().rename(from, to)) {
            QMessageBox::warning(this, tr("Archive"), tr("Cannot move %1 to %2.").arg(from, to));
        }
    }
    refresh();
}

void RunHistory::deleteSelected()
{
    const auto runs = selectedRuns();
    if (runs.empty() ||
        QMessageBox::question(
            this, tr("Delete runs"),
            tr("Delete %n run folder(s) with their checkpoints and models? This cannot be undone.",
               nullptr, int(runs.size()))) != QMessageBox::Yes) {
        return;
    }
    for (const ml::RunInfo &run : runs) {
        QDir(QString::fromStdString(run.folder.string())).removeRecursively();
    }
    refresh();
}

} // namespace cxr::ui
