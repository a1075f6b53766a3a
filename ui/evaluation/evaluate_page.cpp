// SPDX-License-Identifier: MIT
#include "ui/evaluation/evaluate_page.h"

#include "core/data/tensor_cache.h"
#include "core/ml/calibration.h"
#include "core/ml/run_folder.h"
#include "ui/common/path_field.h"
#include "ui/common/polled_progress.h"
#include "ui/evaluation/cell_gallery.h"
#include "ui/evaluation/diagnostic_tables.h"
#include "ui/evaluation/ensemble_dialog.h"
#include "ui/evaluation/evaluation_plots.h"
#include "ui/evaluation/robustness_table.h"
#include "ui/evaluation/run_comparison.h"
#include "ui/evaluation/site_calibration_dialog.h"
#include "ui/report/evaluation_report.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
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

EvaluatePage::EvaluatePage(QWidget *parent)
    : QWidget(parent), m_run(new QLineEdit), m_dataset(new QLineEdit), m_split(new QComboBox),
      m_device(new QComboBox), m_evaluate(new QPushButton(tr("Evaluate"))), m_status(new QLabel),
      m_slider(new QSlider(Qt::Horizontal)), m_thresholdBox(new QDoubleSpinBox),
      m_target(new QDoubleSpinBox), m_plots(new QTabWidget), m_tables(new DiagnosticTables),
      m_curves(new EvaluationPlots(this)), m_cells(new CellGallery),
      m_comparison(new RunComparison), m_stress(new QCheckBox(tr("Robustness report"))),
      m_tta(new QCheckBox(tr("Test-time augmentation"))), m_robustness(new RobustnessTable),
      m_cancel(new QPushButton(tr("Cancel"))), m_exportReport(new QPushButton(tr("Export report…")))
{
    m_status->setWordWrap(true);
    m_curves->addTabsTo(m_plots);
    m_plots->addTab(m_cells, tr("Cell images"));
    m_plots->addTab(m_comparison, tr("Compare"));
    m_plots->addTab(m_robustness, tr("Robustness"));
    auto *splitter = new QSplitter;
    splitter->addWidget(m_tables);
    splitter->addWidget(m_plots);
    splitter->setSizes({520, 480});

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buildSetupRows());
    layout->addWidget(m_status);
    layout->addLayout(buildThresholdRow());
    layout->addWidget(splitter, 1);
    connectJobs();
    connect(m_tables, &DiagnosticTables::confusionCellClicked, this,
            &EvaluatePage::showConfusionCell);
    connect(m_dataset, &QLineEdit::textChanged, m_comparison,
            [this](const QString &text) { m_comparison->setDataset(text.trimmed()); });
    connect(m_split, &QComboBox::currentTextChanged, m_comparison, &RunComparison::setSplit);
    connect(m_cells, &CellGallery::imageActivated, this,
            [this](const QString &image) { Q_EMIT openInViewer(run(), image); });
    m_status->setText(tr("Choose a run and a dataset, then Evaluate. Results are saved in the run "
                         "folder and reopen at once."));
}

// Run (with the dialogs that make a model folder), dataset, and split with the evaluation's
// options and buttons.
QLayout *EvaluatePage::buildSetupRows()
{
    m_tta->setToolTip(
        tr("Predict each image from itself, its mirror image and a 90% crop (three times "
           "the work); saved apart, as the SPLIT-tta evaluation"));
    m_stress->setToolTip(
        tr("Also evaluate under contrast, gamma, blur, noise, JPEG, resolution, rotation "
           "and border-crop shifts (about ten times the work)"));
    m_run->setPlaceholderText(tr("run folder (or its model/ folder)"));
    m_dataset->setPlaceholderText(tr("dataset folder or manifest"));
    m_split->addItems({QStringLiteral("test"), QStringLiteral("val")});
    m_split->setToolTip(
        tr("The test split is never used for training or tuning; choose thresholds on val"));
    m_device->addItem(tr("Automatic"), QStringLiteral("auto"));
    m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
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
    m_cancel->setEnabled(false);
    m_exportReport->setToolTip(
        tr("A PDF with the model card, dataset, curves, metrics with intervals, "
           "confusion matrix and Grad-CAM examples, at this threshold"));
    auto *splitRow = new QHBoxLayout;
    splitRow->addWidget(m_split);
    splitRow->addWidget(new QLabel(tr("Device")));
    for (QWidget *widget : std::initializer_list<QWidget *>{m_device, m_stress, m_tta, m_evaluate,
                                                            m_cancel, m_exportReport}) {
        splitRow->addWidget(widget);
    }
    splitRow->addStretch(1);
    setup->addRow(tr("Split"), splitRow);
    connect(m_evaluate, &QPushButton::clicked, this, [this] { evaluate(true); });
    connect(m_cancel, &QPushButton::clicked, this, &EvaluatePage::cancelEvaluation);
    connect(m_exportReport, &QPushButton::clicked, this, &EvaluatePage::exportReportAs);
    return setup;
}

// The threshold: slider and box, the presets, and saving it into the model card.
QLayout *EvaluatePage::buildThresholdRow()
{
    m_slider->setRange(0, 1000);
    m_slider->setValue(500);
    m_thresholdBox->setRange(0, 1);
    m_thresholdBox->setDecimals(3);
    m_thresholdBox->setSingleStep(0.01);
    m_thresholdBox->setValue(0.5);
    m_target->setRange(0.5, 1);
    m_target->setDecimals(2);
    m_target->setSingleStep(0.01);
    m_target->setValue(0.95);
    auto *youden = new QPushButton(tr("Youden's J"));
    auto *bySensitivity = new QPushButton(tr("Sensitivity ≥"));
    auto *bySpecificity = new QPushButton(tr("Specificity ≥"));
    auto *save = new QPushButton(tr("Save to model card"));
    save->setToolTip(tr("The Viewer then calls images positive at this threshold"));
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Threshold")));
    row->addWidget(m_slider, 1);
    for (QWidget *widget : std::initializer_list<QWidget *>{m_thresholdBox, youden, bySensitivity,
                                                            bySpecificity, m_target, save}) {
        row->addWidget(widget);
    }
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
    return row;
}

// The three jobs on workers: the evaluation (with its polled progress), the bootstrap intervals
// and the report.
void EvaluatePage::connectJobs()
{
    connect(&m_job, &QFutureWatcher<EvaluationOutcome>::finished, this, &EvaluatePage::onEvaluated);
    m_progressTimer.setInterval(250);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] {
        if (m_progress && m_progress->total.load() > 0) {
            m_status->setText(m_progress->describe(tr("images")));
        }
    });
    m_intervalDelay.setSingleShot(true);
    m_intervalDelay.setInterval(200);
    connect(&m_intervalDelay, &QTimer::timeout, this, &EvaluatePage::refreshIntervals);
    connect(&m_intervals, &QFutureWatcher<ml::DiagnosticReport>::finished, this,
            &EvaluatePage::onIntervalsReady);
    connect(&m_reportJob, &QFutureWatcherBase::finished, this, &EvaluatePage::onReportWritten);
}

void EvaluatePage::exportReportAs()
{
    const QString pdf = QFileDialog::getSaveFileName(
        this, tr("Export report"),
        QFileInfo(run()).absoluteFilePath() + QStringLiteral("/report.pdf"), tr("PDF (*.pdf)"));
    if (pdf.isEmpty()) {
        return;
    }
    const bool withPredictions =
        QMessageBox::question(this, tr("Export report"),
                              tr("Also write the predictions CSV beside the report? It lists "
                                 "every image's file name, which may carry patient identifiers."),
                              QMessageBox::Yes | QMessageBox::No,
                              QMessageBox::No) == QMessageBox::Yes;
    exportReport(pdf, withPredictions);
}

void EvaluatePage::onReportWritten()
{
    m_exportReport->setEnabled(true);
    m_exportingReport = false;
    const Status written = m_reportJob.result();
    m_status->setText(
        written
            ? tr("Report written to %1, with the metrics beside it.")
                  .arg(m_reportJob.property("pdf").toString())
            : tr("Report not written: %1").arg(QString::fromStdString(written.error().message)));
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
    const bool switched = row != m_cells->cellRow() || column != m_cells->cellColumn();
    if (m_cells->showCell(row, column,
                          {m_labels, m_probabilities, m_files, m_classNames, m_threshold}) &&
        switched) {
        m_plots->setCurrentWidget(m_cells);
    }
}

QStringList EvaluatePage::cellImages() const
{
    return m_cells->images();
}

QListView *EvaluatePage::cellView() const
{
    return m_cells->view();
}

QTableWidget *EvaluatePage::metricsTable() const
{
    return m_tables->metricsTable();
}

QTableWidget *EvaluatePage::confusionTable() const
{
    return m_tables->confusionTable();
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
        return evaluateOrReopen(job, reuseSaved, progress.get());
    }));
    return true;
}

void EvaluatePage::onEvaluated()
{
    m_evaluate->setEnabled(true);
    const EvaluationOutcome outcome = m_job.result();
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
    m_cells->clear();
    m_classNames = outcome.classNames;
    m_modelName = outcome.modelName;
    m_modelCalibration = outcome.calibration;
    m_robustness->setRows(outcome.stress);
    m_status->setText(summaryText(outcome));
    m_curves->showEvaluation(m_labels, m_probabilities, m_modelCalibration, m_classNames);
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
    m_tables->showValues(m_report, m_classNames);
    m_intervalsShown = false;
    m_curves->markOperatingPoint(m_report.metrics, m_threshold);
    if (m_cells->cellRow() >= 0) { // the cells change with the threshold
        showConfusionCell(m_cells->cellRow(), m_cells->cellColumn());
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
    m_tables->showIntervals(m_report);
    m_intervalsShown = true;
    Q_EMIT resultChanged();
}

bool EvaluatePage::saveThresholdToModelCard()
{
    auto file = ml::saveRunModelThreshold(run().toStdString(), m_threshold);
    m_status->setText(file ? tr("Threshold %1 saved in %2.")
                                 .arg(m_threshold, 0, 'f', 3)
                                 .arg(QString::fromStdString(file->string()))
                           : QString::fromStdString(file.error().message));
    return bool(file);
}

} // namespace cxr::ui
