// SPDX-License-Identifier: MIT
#include "ui/evaluation/evaluate_page.h"

#include "core/data/tensor_cache.h"
#include "core/ml/calibration.h"
#include "core/ml/run_folder.h"
#include "ui/common/path_field.h"
#include "ui/common/polled_progress.h"
#include "ui/dataset/thumbnail_model.h"
#include "ui/evaluation/ensemble_dialog.h"
#include "ui/evaluation/robustness_table.h"
#include "ui/evaluation/run_comparison.h"
#include "ui/evaluation/site_calibration_dialog.h"
#include "ui/report/evaluation_report.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace cxr::ui {

namespace {

QString formatted(double value, int decimals = 3)
{
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("–");
}

QCustomPlot *curvePlot(const QString &x, const QString &y)
{
    auto *plot = new QCustomPlot;
    plot->xAxis->setLabel(x);
    plot->yAxis->setLabel(y);
    plot->xAxis->setRange(0, 1);
    plot->yAxis->setRange(0, 1.02);
    plot->setMinimumSize(260, 220);
    plot->addGraph(); // the curve
    plot->graph(0)->setPen(QPen(QColor(31, 119, 180), 1));
    plot->addGraph(); // the operating point
    plot->graph(1)->setLineStyle(QCPGraph::lsNone);
    plot->graph(1)->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(214, 39, 40), 9));
    return plot;
}

} // namespace

EvaluatePage::EvaluatePage(QWidget *parent)
    : QWidget(parent), m_run(new QLineEdit), m_dataset(new QLineEdit), m_split(new QComboBox),
      m_device(new QComboBox), m_evaluate(new QPushButton(tr("Evaluate"))), m_status(new QLabel),
      m_slider(new QSlider(Qt::Horizontal)), m_thresholdBox(new QDoubleSpinBox),
      m_target(new QDoubleSpinBox), m_metrics(new QTableWidget(0, 3)),
      m_confusion(new QTableWidget(2, 2)),
      m_roc(curvePlot(tr("1 − specificity"), tr("sensitivity"))),
      m_pr(curvePlot(tr("recall"), tr("precision"))),
      m_calibration(curvePlot(tr("mean predicted probability"), tr("observed share of positives"))),
      m_histogram(new QCustomPlot), m_plots(new QTabWidget), m_cellLabel(new QLabel),
      m_cellView(new QListView), m_cellTiles(new ThumbnailModel(this)),
      m_comparison(new RunComparison), m_stress(new QCheckBox(tr("Robustness report"))),
      m_tta(new QCheckBox(tr("Test-time augmentation"))), m_robustness(new RobustnessTable)
{
    m_tta->setToolTip(
        tr("Predict each image from itself, its mirror image and a 90% crop (three times "
           "the work); saved apart, as the SPLIT-tta evaluation"));
    m_stress->setToolTip(
        tr("Also evaluate under contrast, gamma, blur, noise, JPEG, resolution, rotation "
           "and border-crop shifts (about ten times the work)"));
    // Calibration: the bins' points against the diagonal of perfect calibration.
    m_calibration->graph(0)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    m_calibration->graph(1)->setScatterStyle(QCPScatterStyle());
    m_calibration->graph(1)->setLineStyle(QCPGraph::lsLine);
    m_calibration->graph(1)->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    m_calibration->graph(1)->setData({0, 1}, {0, 1});
    // The same bins of the model's probabilities before calibration, in grey.
    m_calibration->addGraph();
    m_calibration->graph(2)->setLineStyle(QCPGraph::lsNone);
    m_calibration->graph(2)->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(127, 127, 127), 6));
    m_calibration->graph(0)->setName(tr("calibrated"));
    m_calibration->graph(1)->setName(tr("perfect"));
    m_calibration->graph(2)->setName(tr("before calibration"));
    m_calibration->legend->setVisible(true);
    m_calibration->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    m_histogram->xAxis->setLabel(tr("predicted probability of the positive class"));
    m_histogram->yAxis->setLabel(tr("images"));
    m_histogram->xAxis->setRange(0, 1);
    m_histogram->legend->setVisible(true);
    m_histogram->setMinimumSize(260, 220);
    m_histogramThreshold = new QCPItemStraightLine(m_histogram);
    m_histogramThreshold->setPen(QPen(QColor(214, 39, 40), 1.5));
    m_run->setPlaceholderText(tr("run folder (or its model/ folder)"));
    m_dataset->setPlaceholderText(tr("dataset folder or manifest"));
    m_split->addItems({QStringLiteral("test"), QStringLiteral("val")});
    m_split->setToolTip(
        tr("The test split is never used for training or tuning; choose thresholds on val"));
    m_device->addItem(tr("Automatic"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
    m_status->setWordWrap(true);
    m_slider->setRange(0, 1000);
    m_thresholdBox->setRange(0, 1);
    m_thresholdBox->setDecimals(3);
    m_thresholdBox->setSingleStep(0.01);
    m_target->setRange(0.5, 1);
    m_target->setDecimals(2);
    m_target->setSingleStep(0.01);
    m_target->setValue(0.95);
    m_metrics->setHorizontalHeaderLabels({tr("Metric"), tr("Value"), tr("95% CI (bootstrap)")});
    m_metrics->verticalHeader()->hide();
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    m_slider->setValue(500);
    m_thresholdBox->setValue(0.5);
    m_confusion->setHorizontalHeaderLabels({tr("called negative"), tr("called positive")});
    m_confusion->setVerticalHeaderLabels({tr("negative"), tr("positive")});
    m_confusion->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_confusion->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_confusion->setMaximumHeight(110);

    auto *setup = new QFormLayout;
    auto *runRow = new QHBoxLayout;
    runRow->addWidget(withBrowseButton(m_run, PathKind::Folder, QString(), this), 1);
    auto *makeEnsemble = new QPushButton(tr("Make an ensemble…"));
    makeEnsemble->setToolTip(tr("Average two or more finished runs into one model folder"));
    auto *calibrate = new QPushButton(tr("Calibrate for a site…"));
    calibrate->setToolTip(
        tr("Refit this model's calibration and threshold on a small labelled sample "
           "of another hospital's images, into a new model folder"));
    runRow->addWidget(makeEnsemble);
    runRow->addWidget(calibrate);
    connect(makeEnsemble, &QPushButton::clicked, this, &EvaluatePage::openEnsembleDialog);
    connect(calibrate, &QPushButton::clicked, this, &EvaluatePage::openSiteCalibrationDialog);
    setup->addRow(tr("Run"), runRow);
    setup->addRow(tr("Dataset"), withBrowseButton(m_dataset, PathKind::Folder, QString(), this));
    auto *splitRow = new QHBoxLayout;
    splitRow->addWidget(m_split);
    splitRow->addWidget(new QLabel(tr("Device")));
    splitRow->addWidget(m_device);
    splitRow->addWidget(m_stress);
    splitRow->addWidget(m_tta);
    splitRow->addWidget(m_evaluate);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    splitRow->addWidget(m_cancel);
    m_exportReport = new QPushButton(tr("Export report…"));
    m_exportReport->setToolTip(
        tr("A PDF with the model card, dataset, curves, metrics with intervals, "
           "confusion matrix and Grad-CAM examples, at this threshold"));
    splitRow->addWidget(m_exportReport);
    splitRow->addStretch(1);
    setup->addRow(tr("Split"), splitRow);

    auto *youden = new QPushButton(tr("Youden's J"));
    auto *bySensitivity = new QPushButton(tr("Sensitivity ≥"));
    auto *bySpecificity = new QPushButton(tr("Specificity ≥"));
    auto *save = new QPushButton(tr("Save to model card"));
    save->setToolTip(tr("The Viewer then calls images positive at this threshold"));
    auto *thresholdRow = new QHBoxLayout;
    thresholdRow->addWidget(new QLabel(tr("Threshold")));
    thresholdRow->addWidget(m_slider, 1);
    thresholdRow->addWidget(m_thresholdBox);
    thresholdRow->addWidget(youden);
    thresholdRow->addWidget(bySensitivity);
    thresholdRow->addWidget(bySpecificity);
    thresholdRow->addWidget(m_target);
    thresholdRow->addWidget(save);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_metrics, 1);
    leftLayout->addWidget(new QLabel(tr("Confusion matrix (rows: true class; counts and row %)")));
    leftLayout->addWidget(m_confusion);
    m_plots->addTab(m_roc, tr("ROC"));
    m_plots->addTab(m_pr, tr("Precision-recall"));
    m_plots->addTab(m_calibration, tr("Calibration"));
    m_plots->addTab(m_histogram, tr("Probabilities"));
    auto *cellPage = new QWidget;
    auto *cellLayout = new QVBoxLayout(cellPage);
    cellLayout->addWidget(m_cellLabel);
    cellLayout->addWidget(m_cellView, 1);
    m_plots->addTab(cellPage, tr("Cell images"));
    m_plots->addTab(m_comparison, tr("Compare"));
    m_plots->addTab(m_robustness, tr("Robustness"));
    m_cellLabel->setWordWrap(true);
    m_cellLabel->setText(
        tr("Click a cell of the confusion matrix to see its images, most confident "
           "first; double-click one to open it in the Viewer with its Grad-CAM."));
    m_cellView->setModel(m_cellTiles);
    m_cellView->setViewMode(QListView::IconMode);
    m_cellView->setIconSize(QSize(ThumbnailModel::kThumbnailSide, ThumbnailModel::kThumbnailSide));
    m_cellView->setGridSize(
        QSize(ThumbnailModel::kThumbnailSide + 16, ThumbnailModel::kThumbnailSide + 30));
    m_cellView->setResizeMode(QListView::Adjust);
    m_cellView->setMovement(QListView::Static);
    m_cellView->setUniformItemSizes(true);
    m_confusion->setToolTip(tr("Click a cell to see its images"));
    auto *splitter = new QSplitter;
    splitter->addWidget(left);
    splitter->addWidget(m_plots);
    splitter->setSizes({520, 480});

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(setup);
    layout->addWidget(m_status);
    layout->addLayout(thresholdRow);
    layout->addWidget(splitter, 1);

    m_intervalDelay.setSingleShot(true);
    m_intervalDelay.setInterval(200);
    connect(&m_intervalDelay, &QTimer::timeout, this, &EvaluatePage::refreshIntervals);
    connect(m_evaluate, &QPushButton::clicked, this, [this] { evaluate(true); });
    connect(&m_job, &QFutureWatcher<Outcome>::finished, this, &EvaluatePage::onEvaluated);
    connect(m_cancel, &QPushButton::clicked, this, &EvaluatePage::cancelEvaluation);
    m_progressTimer.setInterval(250);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] {
        if (m_progress && m_progress->total.load() > 0) {
            m_status->setText(m_progress->describe(tr("images")));
        }
    });
    connect(&m_intervals, &QFutureWatcher<ml::DiagnosticReport>::finished, this,
            &EvaluatePage::onIntervalsReady);
    connect(m_slider, &QSlider::valueChanged, this,
            [this](int value) { setThreshold(value / 1000.0); });
    connect(m_thresholdBox, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
            &EvaluatePage::setThreshold);
    connect(youden, &QPushButton::clicked, this,
            [this] { setThreshold(ml::youdenThreshold(m_labels, m_probabilities)); });
    connect(bySensitivity, &QPushButton::clicked, this, [this] {
        setThreshold(ml::thresholdForSensitivity(m_labels, m_probabilities, m_target->value()));
    });
    connect(bySpecificity, &QPushButton::clicked, this, [this] {
        setThreshold(ml::thresholdForSpecificity(m_labels, m_probabilities, m_target->value()));
    });
    connect(save, &QPushButton::clicked, this, &EvaluatePage::saveThresholdToModelCard);
    connect(m_confusion, &QTableWidget::cellClicked, this, &EvaluatePage::showConfusionCell);
    connect(m_exportReport, &QPushButton::clicked, this, [this] {
        const QString pdf = QFileDialog::getSaveFileName(
            this, tr("Export report"),
            QFileInfo(run()).absoluteFilePath() + QStringLiteral("/report.pdf"), tr("PDF (*.pdf)"));
        if (!pdf.isEmpty()) {
            const bool withPredictions =
                QMessageBox::question(
                    this, tr("Export report"),
                    tr("Also write the predictions CSV beside the report? It lists "
                       "every image's file name, which may carry patient identifiers."),
                    QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
            exportReport(pdf, withPredictions);
        }
    });
    connect(&m_reportJob, &QFutureWatcherBase::finished, this, [this] {
        m_exportReport->setEnabled(true);
        m_exportingReport = false;
        const Status written = m_reportJob.result();
        m_status->setText(written ? tr("Report written to %1, with the metrics beside it.")
                                        .arg(m_reportJob.property("pdf").toString())
                                  : tr("Report not written: %1")
                                        .arg(QString::fromStdString(written.error().message)));
    });
    connect(m_dataset, &QLineEdit::textChanged, m_comparison,
            [this](const QString &text) { m_comparison->setDataset(text.trimmed()); });
    connect(m_split, &QComboBox::currentTextChanged, m_comparison, &RunComparison::setSplit);
    connect(m_cellView, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT openInViewer(run(), index.data(ThumbnailModel::PathRole).toString());
    });
    m_status->setText(tr("Choose a run and a dataset, then Evaluate. Results are saved in the run "
                         "folder and reopen at once."));
}

bool EvaluatePage::exportReport(const QString &pdf, bool withPredictions)
{
    if (!hasResult() || m_exportingReport || m_files.size() != int(m_labels.size())) {
        return false;
    }
    EvaluationReportInput input;
    input.run = run();
    input.dataset = evaluatedDataset();
    input.split = evaluatedSplit();
    input.threshold = m_threshold;
    input.thresholdSource = tr("chosen on the Evaluate page");
    input.labels = m_labels;
    input.probabilities = m_probabilities;
    input.files = m_files;
    input.withPredictions = withPredictions;
    m_exportReport->setEnabled(false);
    m_exportingReport = true;
    m_status->setText(tr("Writing the report…"));
    m_reportJob.setProperty("pdf", pdf);
    m_reportJob.setFuture(
        QtConcurrent::run([pdf, input]() { return writeEvaluationReport(pdf, input); }));
    return true;
}

QString EvaluatePage::run() const
{
    return hasResult() ? m_evaluatedRun : m_run->text().trimmed();
}

QString EvaluatePage::evaluatedDataset() const
{
    return hasResult() ? m_evaluatedDataset : m_dataset->text().trimmed();
}

QString EvaluatePage::evaluatedSplit() const
{
    return hasResult() ? m_evaluatedSplit : m_split->currentText();
}

void EvaluatePage::showConfusionCell(int row, int column)
{
    if (!hasResult() || m_files.size() != int(m_labels.size()) || row < 0 || row > 1 ||
        column < 0 || column > 1) {
        return;
    }
    const bool switched = row != m_cellRow || column != m_cellColumn;
    m_cellRow = row;
    m_cellColumn = column;
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < m_labels.size(); ++i) {
        if (m_labels[i] == row && (m_probabilities[i] >= m_threshold ? 1 : 0) == column) {
            members.push_back(i);
        }
    }
    // Most confident first: the highest probabilities among those called positive, the lowest
    // among those called negative.
    std::stable_sort(members.begin(), members.end(), [this, column](std::size_t a, std::size_t b) {
        return column == 1 ? m_probabilities[a] > m_probabilities[b]
                           : m_probabilities[a] < m_probabilities[b];
    });
    QVector<ThumbnailModel::Tile> tiles;
    for (std::size_t i : members) {
        tiles.append({m_files[int(i)], tr("p %1").arg(double(m_probabilities[i]), 0, 'f', 3),
                      m_files[int(i)], double(m_probabilities[i])});
    }
    m_cellTiles->setImages(tiles);
    m_cellLabel->setText(tr("True %1, called %2 at threshold %3: %4 images, most confident first. "
                            "Double-click one to open it in the Viewer with its Grad-CAM.")
                             .arg(m_classNames.value(row), m_classNames.value(column))
                             .arg(m_threshold, 0, 'f', 3)
                             .arg(tiles.size()));
    if (switched) {
        m_plots->setCurrentWidget(m_cellView->parentWidget());
    }
}

QStringList EvaluatePage::cellImages() const
{
    QStringList paths;
    for (int row = 0; row < m_cellTiles->rowCount(); ++row) {
        paths << m_cellTiles->index(row).data(ThumbnailModel::PathRole).toString();
    }
    return paths;
}

void EvaluatePage::cancelEvaluation()
{
    if (m_progress) {
        m_progress->cancelRequested = true;
    }
}

EvaluatePage::~EvaluatePage()
{
    cancelEvaluation();
    m_reportJob.waitForFinished();
    // Neither job touches the page; waiting keeps their threads from outliving it.
    m_job.waitForFinished();
    m_intervals.waitForFinished();
}

void EvaluatePage::setRun(const QString &runFolder)
{
    m_run->setText(runFolder);
}

void EvaluatePage::setDataset(const QString &path)
{
    m_dataset->setText(path); // textChanged tells the comparison
}

void EvaluatePage::setSplit(const QString &split)
{
    m_split->setCurrentText(split);
}

void EvaluatePage::setRunsFolder(const QString &folder)
{
    m_runsFolder = folder;
    m_comparison->setRunsFolder(folder);
}

EnsembleDialog *EvaluatePage::openEnsembleDialog()
{
    auto *dialog = new EnsembleDialog(m_runsFolder, m_dataset->text().trimmed(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelJobDialog::modelMade, this, &EvaluatePage::setRun);
    dialog->show();
    return dialog;
}

SiteCalibrationDialog *EvaluatePage::openSiteCalibrationDialog()
{
    auto *dialog = new SiteCalibrationDialog(m_run->text().trimmed(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ModelJobDialog::modelMade, this, &EvaluatePage::setRun);
    dialog->show();
    return dialog;
}

QString EvaluatePage::statusText() const
{
    return m_status->text();
}

void EvaluatePage::setStressTest(bool on)
{
    m_stress->setChecked(on);
}

void EvaluatePage::setTestTimeAugmentation(bool on)
{
    m_tta->setChecked(on);
}

int EvaluatePage::robustnessRows() const
{
    return m_robustness->rowCount();
}

bool EvaluatePage::evaluate(bool reuseSaved)
{
    if (m_job.isRunning()) {
        return false;
    }
    pipeline::EvaluationJob job;
    job.run = m_run->text().trimmed().toStdString();
    job.datasetDir = m_dataset->text().trimmed().toStdString();
    job.split = m_split->currentText().toStdString();
    job.device = m_device->currentData().toString().toStdString();
    job.cacheDir = data::defaultCacheDir();
    job.stress = m_stress->isChecked();
    job.tta = m_tta->isChecked();
    // Saved predictions hold neither shifted nor test-time augmented images.
    reuseSaved = reuseSaved && !job.stress && !job.tta;
    m_status->setText(tr("Evaluating the %1 split…").arg(m_split->currentText()));
    m_evaluate->setEnabled(false);
    m_progress = std::make_shared<PolledProgress>();
    m_progress->started.start();
    m_progressTimer.start();
    m_cancel->setEnabled(true);
    m_job.setFuture(QtConcurrent::run([job, reuseSaved, progress = m_progress]() {
        Outcome outcome;
        outcome.run = QString::fromStdString(job.run.string());
        outcome.dataset = QString::fromStdString(job.datasetDir.string());
        outcome.split = QString::fromStdString(job.split);
        auto modelDir = ml::findModelDir(job.run);
        if (!modelDir) {
            outcome.message = QString::fromStdString(modelDir.error().message);
            return outcome;
        }
        auto card = ml::readModelCard(ml::modelCardPath(*modelDir));
        if (!card) {
            outcome.message = QString::fromStdString(card.error().message);
            return outcome;
        }
        outcome.modelName = QString::fromStdString(card->name);
        outcome.modelThreshold = card->spec.threshold;
        outcome.calibration = card->calibration.logits();
        for (const std::string &name : card->spec.classNames) {
            outcome.classNames << QString::fromStdString(name);
        }
        auto saved = reuseSaved
                         ? pipeline::readSavedPredictions(job.run, job.split, card->spec.classNames)
                         : Result<pipeline::SavedPredictions>(makeError(ErrorCode::NotFound, ""));
        if (saved) {
            outcome.ok = true;
            outcome.reused = true;
            outcome.labels = saved->labels;
            outcome.probabilities = saved->probabilities;
            // Saved paths are relative to the dataset's root: its folder, or a manifest's.
            const std::filesystem::path root = std::filesystem::is_regular_file(job.datasetDir)
                                                   ? job.datasetDir.parent_path()
                                                   : job.datasetDir;
            for (const std::string &file : saved->files) {
                outcome.files << QString::fromStdString((root / file).lexically_normal().string());
            }
            return outcome;
        }
        auto result = pipeline::runEvaluation(job, progress.get());
        if (!result) {
            outcome.cancelled = result.error().code == ErrorCode::Cancelled;
            outcome.message = QString::fromStdString(result.error().message);
            return outcome;
        }
        outcome.ok = true;
        outcome.oodFlagged = result->oodFlagged;
        outcome.tta = result->tta;
        outcome.stress = std::move(result->stress);
        outcome.labels = std::move(result->labels);
        outcome.probabilities = std::move(result->probabilities);
        for (const std::string &file : result->files) {
            outcome.files << QString::fromStdString(file);
        }
        return outcome;
    }));
    return true;
}

void EvaluatePage::onEvaluated()
{
    m_evaluate->setEnabled(true);
    const Outcome outcome = m_job.result();
    m_progressTimer.stop();
    m_progress.reset();
    m_cancel->setEnabled(false);
    if (!outcome.ok) {
        m_status->setText(outcome.cancelled ? tr("Evaluation cancelled; nothing was saved.")
                                            : tr("Cannot evaluate: %1").arg(outcome.message));
        return;
    }
    m_labels = outcome.labels;
    m_probabilities = outcome.probabilities;
    m_files = outcome.files;
    m_evaluatedRun = outcome.run;
    m_evaluatedDataset = outcome.dataset;
    m_evaluatedSplit = outcome.split;
    m_comparison->refreshList(); // a new evaluation may have been saved
    if (auto modelDir =
            ml::findModelDir(run().toStdString())) { // the run, also when given its model/ folder
        m_comparison->include(QString::fromStdString(modelDir->parent_path().string()));
    }
    m_cellRow = m_cellColumn = -1;
    m_cellTiles->setImages({});
    m_classNames = outcome.classNames;
    m_modelName = outcome.modelName;
    m_modelCalibration = outcome.calibration;
    m_robustness->setRows(outcome.stress);
    const auto positives = std::count(m_labels.begin(), m_labels.end(), 1);
    m_status->setText(tr("%1 on the %2 split%9: %3 images, %4 %5 (prevalence %6). %7 %8")
                          .arg(m_modelName, m_evaluatedSplit)
                          .arg(m_labels.size())
                          .arg(positives)
                          .arg(m_classNames.value(1))
                          .arg(double(positives) / double(m_labels.size()), 0, 'f', 3)
                          .arg(outcome.reused ? tr("Reopened from the saved predictions.")
                                              : tr("Predictions saved in the run folder."),
                               trustText(outcome))
                          .arg(outcome.tta ? tr(", test-time augmented") : QString()));
    drawCurves();
    drawCalibrationAndHistogram();
    m_threshold = -1; // force the refresh
    setThreshold(outcome.modelThreshold);
}

void EvaluatePage::setThreshold(double threshold)
{
    threshold = std::clamp(threshold, 0.0, 1.0);
    if (std::abs(threshold - m_threshold) < 1e-9) {
        return;
    }
    m_threshold = threshold;
    const QSignalBlocker blockSlider(m_slider);
    const QSignalBlocker blockBox(m_thresholdBox);
    m_slider->setValue(int(std::lround(threshold * 1000)));
    m_thresholdBox->setValue(threshold);
    if (hasResult()) {
        refreshMetrics();
        m_intervalDelay.start();
    }
}

void EvaluatePage::refreshMetrics()
{
    ml::BootstrapSettings none;
    none.samples = 0;
    m_report = ml::diagnosticReport(m_labels, m_probabilities, m_threshold, none);
    const auto &definitions = ml::diagnosticMetricDefinitions();
    m_metrics->setRowCount(int(definitions.size()) + 2);
    for (std::size_t d = 0; d < definitions.size(); ++d) {
        m_metrics->setItem(int(d), 0,
                           new QTableWidgetItem(QString::fromLatin1(definitions[d].label)));
        m_metrics->setItem(
            int(d), 1, new QTableWidgetItem(formatted(m_report.metrics.*(definitions[d].member))));
        if (!m_metrics->item(int(d), 2)) {
            m_metrics->setItem(int(d), 2, new QTableWidgetItem);
        }
        m_metrics->item(int(d), 2)->setText(tr("…"));
    }
    m_intervalsShown = false;
    const int extra = int(definitions.size());
    m_metrics->setItem(extra, 0, new QTableWidgetItem(tr("Prevalence")));
    m_metrics->setItem(extra, 1, new QTableWidgetItem(formatted(m_report.prevalence)));
    m_metrics->setItem(extra, 2, new QTableWidgetItem);
    m_metrics->setItem(extra + 1, 0, new QTableWidgetItem(tr("Majority-class baseline accuracy")));
    m_metrics->setItem(extra + 1, 1, new QTableWidgetItem(formatted(m_report.majorityBaseline)));
    m_metrics->setItem(extra + 1, 2, new QTableWidgetItem);

    const ml::ConfusionCounts &c = m_report.metrics.counts;
    const std::int64_t cells[2][2] = {{c.trueNegative, c.falsePositive},
                                      {c.falseNegative, c.truePositive}};
    m_confusion->setHorizontalHeaderLabels(
        {tr("called %1").arg(m_classNames.value(0)), tr("called %1").arg(m_classNames.value(1))});
    m_confusion->setVerticalHeaderLabels({m_classNames.value(0), m_classNames.value(1)});
    for (int row = 0; row < 2; ++row) {
        const double total = double(cells[row][0] + cells[row][1]);
        for (int column = 0; column < 2; ++column) {
            m_confusion->setItem(
                row, column,
                new QTableWidgetItem(
                    tr("%1 (%2%)")
                        .arg(cells[row][column])
                        .arg(total > 0 ? 100.0 * double(cells[row][column]) / total : 0.0, 0, 'f',
                             1)));
        }
    }
    const ml::DiagnosticMetrics &m = m_report.metrics;
    m_roc->graph(1)->data()->clear();
    m_roc->graph(1)->addData(1 - m.specificity, m.sensitivity);
    m_pr->graph(1)->data()->clear();
    if (std::isfinite(m.ppv)) {
        m_pr->graph(1)->addData(m.sensitivity, m.ppv);
    }
    m_histogramThreshold->point1->setCoords(m_threshold, 0);
    m_histogramThreshold->point2->setCoords(m_threshold, 1);
    m_roc->replot(QCustomPlot::rpQueuedReplot);
    m_pr->replot(QCustomPlot::rpQueuedReplot);
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
    if (m_cellRow >= 0) {
        showConfusionCell(m_cellRow, m_cellColumn); // the cells change with the threshold
    }
    Q_EMIT resultChanged();
}

void EvaluatePage::refreshIntervals()
{
    // 1,000 resamples take tens of milliseconds: on a worker, once the slider rests.
    if (m_intervals.isRunning()) {
        m_intervalDelay.start();
        return;
    }
    m_intervals.setFuture(QtConcurrent::run(
        [labels = m_labels, probabilities = m_probabilities, threshold = m_threshold]() {
            return ml::diagnosticReport(labels, probabilities, threshold);
        }));
}

void EvaluatePage::onIntervalsReady()
{
    const ml::DiagnosticReport report = m_intervals.result();
    if (std::abs(report.threshold - m_threshold) > 1e-12) {
        return; // the threshold moved meanwhile; its own computation follows
    }
    m_report = report;
    const auto &definitions = ml::diagnosticMetricDefinitions();
    for (std::size_t d = 0; d < definitions.size() && d < m_report.intervals.size(); ++d) {
        const ml::ConfidenceInterval &ci = m_report.intervals[d];
        m_metrics->item(int(d), 2)->setText(
            std::isfinite(ci.low) ? tr("%1 – %2").arg(formatted(ci.low), formatted(ci.high))
                                  : QStringLiteral("–"));
    }
    m_intervalsShown = true;
    Q_EMIT resultChanged();
}

void EvaluatePage::drawCurves()
{
    QVector<double> x;
    QVector<double> y;
    for (const ml::CurvePoint &p : ml::rocCurve(m_labels, m_probabilities)) {
        x << p.x;
        y << p.y;
    }
    m_roc->graph(0)->setData(x, y, true);
    m_roc->graph(0)->setName(tr("ROC"));
    x.clear();
    y.clear();
    for (const ml::CurvePoint &p : ml::precisionRecallCurve(m_labels, m_probabilities)) {
        x << p.x;
        y << p.y;
    }
    m_pr->graph(0)->setData(x, y, true);
    m_roc->replot();
    m_pr->replot();
}

bool EvaluatePage::saveThresholdToModelCard()
{
    auto modelDir = ml::findModelDir(run().toStdString());
    if (!modelDir) {
        m_status->setText(QString::fromStdString(modelDir.error().message));
        return false;
    }
    const auto file = ml::modelCardPath(*modelDir);
    auto card = ml::readModelCard(file);
    if (!card) {
        m_status->setText(QString::fromStdString(card.error().message));
        return false;
    }
    card->spec.threshold = m_threshold;
    if (auto written = ml::writeModelCard(file, *card); !written) {
        m_status->setText(QString::fromStdString(written.error().message));
        return false;
    }
    m_status->setText(tr("Threshold %1 saved in %2.")
                          .arg(m_threshold, 0, 'f', 3)
                          .arg(QString::fromStdString(file.string())));
    return true;
}

// Calibration error before and after the card's calibration, the guard's count, and the
// reminder that validation from the training folders flatters.
QString EvaluatePage::trustText(const Outcome &outcome) const
{
    const std::vector<float> raw =
        ml::uncalibratedProbabilities(outcome.probabilities, outcome.calibration);
    QString text =
        outcome.calibration.identity()
            ? tr("Probabilities not calibrated (calibration error %1).")
                  .arg(ml::expectedCalibrationError(outcome.labels, outcome.probabilities), 0, 'f',
                       3)
            : tr("Calibration error %1 before, %2 after calibration (%3).")
                  .arg(ml::expectedCalibrationError(outcome.labels, raw), 0, 'f', 3)
                  .arg(ml::expectedCalibrationError(outcome.labels, outcome.probabilities), 0, 'f',
                       3)
                  .arg(QString::fromStdString(outcome.calibration.describe()));
    if (outcome.oodFlagged >= 0) {
        text += QLatin1Char(' ') +
                tr("%1 images flagged as unlike the training images.").arg(outcome.oodFlagged);
    }
    if (outcome.split == QLatin1String("val")) {
        text += QLatin1Char(' ') + tr("Validation carved from the training folders overestimates "
                                      "performance on other patients.");
    }
    return text;
}

void EvaluatePage::drawCalibrationAndHistogram()
{
    const auto binsOf = [this](const std::vector<float> &probabilities, int graph) {
        QVector<double> predicted;
        QVector<double> observed;
        for (const ml::CalibrationBin &bin : ml::calibrationCurve(m_labels, probabilities, 10)) {
            if (bin.count > 0) {
                predicted << bin.meanPredicted;
                observed << bin.observedRate;
            }
        }
        m_calibration->graph(graph)->setData(predicted, observed, true);
    };
    binsOf(m_probabilities, 0);
    binsOf(m_modelCalibration.identity()
               ? std::vector<float>{}
               : ml::uncalibratedProbabilities(m_probabilities, m_modelCalibration),
           2);
    m_calibration->replot();

    // One bar set per true class, 20 bins of probability, side by side.
    m_histogram->clearPlottables();
    constexpr int kBins = 20;
    const QColor colours[] = {QColor(31, 119, 180), QColor(230, 120, 20)};
    double highest = 1;
    for (int cls = 0; cls < 2; ++cls) {
        QVector<double> centres;
        QVector<double> counts(kBins, 0);
        for (int b = 0; b < kBins; ++b) {
            centres << (b + 0.25 + 0.5 * cls) / kBins;
        }
        for (std::size_t i = 0; i < m_labels.size(); ++i) {
            if (m_labels[i] == cls) {
                counts[std::min(kBins - 1, int(m_probabilities[i] * kBins))] += 1;
            }
        }
        auto *bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
        bars->setName(tr("true %1").arg(m_classNames.value(cls)));
        bars->setWidth(0.5 / kBins);
        bars->setPen(Qt::NoPen);
        bars->setBrush(colours[cls]);
        bars->setData(centres, counts, true);
        highest = std::max(highest, *std::max_element(counts.begin(), counts.end()));
    }
    m_histogram->yAxis->setRange(0, highest * 1.1);
    m_histogram->replot();
}

} // namespace cxr::ui
