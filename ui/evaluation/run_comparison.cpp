// SPDX-License-Identifier: MIT
#include "ui/evaluation/run_comparison.h"

#include "core/pipeline/classical_baseline.h"
#include "ui/common/polled_progress.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <qcustomplot.h>

#include <cmath>

namespace cxr::ui {

namespace {

const QList<QColor> kColours = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                QColor(227, 119, 194), QColor(127, 127, 127)};

QString cellText(double value, const ml::ConfidenceInterval &ci)
{
    if (!std::isfinite(value)) {
        return QStringLiteral("–");
    }
    if (!std::isfinite(ci.low)) {
        return QString::number(value, 'f', 3);
    }
    return QStringLiteral("%1 [%2–%3]")
        .arg(value, 0, 'f', 3)
        .arg(ci.low, 0, 'f', 3)
        .arg(ci.high, 0, 'f', 3);
}

} // namespace

RunComparison::RunComparison(QWidget *parent)
    : QWidget(parent), m_list(new QListWidget), m_add(new QPushButton(tr("Add folder…"))),
      m_baselines(new QPushButton(tr("Classical baselines"))), m_status(new QLabel),
      m_table(new QTableWidget), m_roc(new QCustomPlot), m_progressTimer(new QTimer(this))
{
    m_baselines->setToolTip(tr("Train a random forest and an RBF SVM on the 32x32 pixels of the "
                               "dataset's train split and evaluate them on this split"));
    m_status->setWordWrap(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_roc->xAxis->setLabel(tr("1 − specificity"));
    m_roc->yAxis->setLabel(tr("sensitivity"));
    m_roc->xAxis->setRange(0, 1);
    m_roc->yAxis->setRange(0, 1.02);
    m_roc->legend->setVisible(true);
    m_roc->setMinimumHeight(200);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_baselines);
    buttons->addStretch(1);
    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(
        new QLabel(tr("Evaluations to compare (runs and baselines of the runs folder):")));
    topLayout->addWidget(m_list, 1);
    topLayout->addLayout(buttons);
    topLayout->addWidget(m_status);
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(top);
    splitter->addWidget(m_table);
    splitter->addWidget(m_roc);
    splitter->setSizes({140, 260, 240});
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    m_progressTimer->setInterval(250);
    connect(m_progressTimer, &QTimer::timeout, this, [this] {
        if (m_progress && m_progress->total.load() > 0) {
            m_status->setText(tr("Baselines: %1").arg(m_progress->describe(tr("images"))));
        }
    });
    connect(m_list, &QListWidget::itemChanged, this, [this] { load(); });
    connect(m_add, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, tr("Run or baseline folder"), m_runsFolder);
        if (!folder.isEmpty()) {
            addFolder(folder, true);
        }
    });
    connect(m_baselines, &QPushButton::clicked, this, &RunComparison::runBaselines);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &RunComparison::onLoaded);
}

RunComparison::~RunComparison()
{
    if (m_progress) {
        m_progress->cancelRequested = true;
    }
    m_watcher.waitForFinished();
}

void RunComparison::setRunsFolder(const QString &folder)
{
    if (folder != m_runsFolder) {
        m_runsFolder = folder;
        refreshList();
    }
}

void RunComparison::setDataset(const QString &dataset)
{
    m_dataset = dataset;
}

void RunComparison::setSplit(const QString &split)
{
    if (split != m_split) {
        m_split = split;
        refreshList();
    }
}

bool RunComparison::isBusy() const
{
    return m_running || m_reloadPending || m_baselinesRequested;
}
QString RunComparison::statusText() const
{
    return m_status->text();
}

void RunComparison::refreshList()
{
    const QStringList checked = checkedFolders();
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    for (const auto &folder :
         pipeline::foldersWithEvaluation(m_runsFolder.toStdString(), m_split.toStdString())) {
        const QString path = QString::fromStdString(folder.string());
        addFolder(path, checked.contains(path));
    }
    for (const QString &path : checked) { // added by hand, outside the runs folder
        if (listedFolders().contains(path) == false) {
            addFolder(path, true);
        }
    }
}

QStringList RunComparison::listedFolders() const
{
    QStringList folders;
    for (int i = 0; i < m_list->count(); ++i) {
        folders << m_list->item(i)->data(Qt::UserRole).toString();
    }
    return folders;
}

QStringList RunComparison::checkedFolders() const
{
    QStringList folders;
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->checkState() == Qt::Checked) {
            folders << m_list->item(i)->data(Qt::UserRole).toString();
        }
    }
    return folders;
}

void RunComparison::addFolder(const QString &folder, bool checked)
{
    QSignalBlocker blocker(m_list);
    QListWidgetItem *item = nullptr;
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->data(Qt::UserRole).toString() == folder) {
            item = m_list->item(i);
        }
    }
    if (!item) {
        item = new QListWidgetItem(QFileInfo(folder).fileName(), m_list);
        item->setData(Qt::UserRole, folder);
        item->setToolTip(folder);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    }
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    blocker.unblock();
    load();
}

void RunComparison::compare(const QStringList &folders)
{
    {
        const QSignalBlocker blocker(m_list);
        for (int i = 0; i < m_list->count(); ++i) {
            m_list->item(i)->setCheckState(Qt::Unchecked);
        }
    }
    for (const QString &folder : folders) {
        addFolder(folder, true);
    }
    load();
}

void RunComparison::load()
{
    if (m_running) {
        m_reloadPending = true; // once the work in flight is done
        return;
    }
    const QStringList folders = checkedFolders();
    const std::string split = m_split.toStdString();
    m_status->setText(folders.isEmpty() ? tr("Tick two or more evaluations to compare them.")
                                        : tr("Reading…"));
    m_running = true;
    m_watcher.setFuture(QtConcurrent::run([folders, split]() {
        Loaded loaded;
        for (const QString &folder : folders) {
            auto saved = pipeline::readSavedEvaluation(folder.toStdString(), split);
            if (saved) {
                loaded.evaluations.push_back(std::move(*saved));
            } else {
                loaded.errors << QString::fromStdString(saved.error().message);
            }
        }
        return loaded;
    }));
}

void RunComparison::runBaselines()
{
    if (m_running) {
        m_baselinesRequested = true; // started when the reading in flight is done
        return;
    }
    m_baselinesRequested = false;
    if (m_dataset.isEmpty() || m_runsFolder.isEmpty()) {
        m_status->setText(tr("Choose a dataset (and a runs folder on the Train page) first."));
        return;
    }
    m_progress = std::make_shared<PolledProgress>();
    m_progress->started.start();
    m_progressTimer->start();
    m_baselines->setEnabled(false);
    m_status->setText(tr("Training the baselines…"));
    const std::string dataset = m_dataset.toStdString();
    const std::string split = m_split.toStdString();
    const QString prefix =
        QDir(m_runsFolder)
            .filePath(QStringLiteral("baseline-") + QFileInfo(m_dataset).completeBaseName());
    m_running = true;
    m_watcher.setFuture(QtConcurrent::run([dataset, split, prefix, progress = m_progress]() {
        Loaded loaded;
        for (auto method :
             {pipeline::BaselineMethod::RandomForest, pipeline::BaselineMethod::Svm}) {
            pipeline::BaselineJob job;
            job.method = method;
            job.datasetDir = dataset;
            job.split = split;
            const QString folder =
                prefix +
                (method == pipeline::BaselineMethod::RandomForest ? "-random-forest" : "-svm");
            job.outputFolder = folder.toStdString();
            auto result = pipeline::runBaseline(job, progress.get());
            if (!result) {
                loaded.errors << QString::fromStdString(result.error().message);
                break;
            }
            loaded.baselineFolders << folder;
        }
        return loaded;
    }));
}

void RunComparison::onLoaded()
{
    const Loaded loaded = m_watcher.result();
    m_running = false;
    m_progressTimer->stop();
    m_baselines->setEnabled(true);
    if (m_progress) { // a baseline run: list and tick what it made
        m_progress.reset();
        m_baselineErrors = loaded.errors; // shown with the comparison that follows
        refreshList();
        const QStringList checked = checkedFolders() + loaded.baselineFolders;
        compare(checked);
        return;
    }
    if (m_baselinesRequested) {
        runBaselines();
        return;
    }
    if (m_reloadPending) {
        m_reloadPending = false;
        load();
        return;
    }
    m_evaluations = loaded.evaluations;
    show(m_evaluations);
    const QStringList errors = m_baselineErrors + loaded.errors;
    m_baselineErrors.clear();
    m_status->setText(
        errors.isEmpty()
            ? tr("%1 evaluations of the %2 split.").arg(m_evaluations.size()).arg(m_split)
            : errors.join(QLatin1Char('\n')));
    Q_EMIT compared();
}

void RunComparison::show(const std::vector<pipeline::SavedEvaluation> &evaluations)
{
    const auto &definitions = ml::diagnosticMetricDefinitions();
    m_table->clear();
    m_table->setColumnCount(int(evaluations.size()));
    m_table->setRowCount(int(definitions.size()) + 3);
    QStringList rows;
    for (const auto &definition : definitions) {
        rows << QString::fromLatin1(definition.label);
    }
    rows << tr("Threshold") << tr("Images") << tr("Prevalence");
    m_table->setVerticalHeaderLabels(rows);
    QStringList columns;
    m_roc->clearGraphs();
    for (int c = 0; c < int(evaluations.size()); ++c) {
        const pipeline::SavedEvaluation &e = evaluations[std::size_t(c)];
        columns << QStringLiteral("(%1) %2").arg(c + 1).arg(QString::fromStdString(e.name));
        for (std::size_t d = 0; d < definitions.size(); ++d) {
            m_table->setItem(
                int(d), c,
                new QTableWidgetItem(
                    cellText(e.report.metrics.*(definitions[d].member), e.report.intervals[d])));
        }
        const int extra = int(definitions.size());
        m_table->setItem(extra, c,
                         new QTableWidgetItem(QString::number(e.report.threshold, 'f', 3)));
        m_table->setItem(extra + 1, c, new QTableWidgetItem(QString::number(e.labels.size())));
        m_table->setItem(extra + 2, c,
                         new QTableWidgetItem(QString::number(e.report.prevalence, 'f', 3)));
        QCPGraph *graph = m_roc->addGraph();
        graph->setName(
            QStringLiteral("(%1) AUC %2").arg(c + 1).arg(e.report.metrics.rocAuc, 0, 'f', 3));
        graph->setPen(QPen(kColours[c % kColours.size()], 1.5));
        QVector<double> x;
        QVector<double> y;
        for (const ml::CurvePoint &point : ml::rocCurve(e.labels, e.probabilities)) {
            x << point.x;
            y << point.y;
        }
        graph->setData(x, y, /*alreadySorted=*/true);
    }
    m_table->setHorizontalHeaderLabels(columns);
    m_roc->legend->setVisible(!evaluations.empty());
    m_roc->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace cxr::ui
