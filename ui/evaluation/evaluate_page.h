// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/diagnostic_metrics.h"
#include "core/ml/model_card.h"
#include "core/pipeline/evaluation_job.h"
#include "ui/evaluation/evaluation_outcome.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLayout;
class QLineEdit;
class QListView;
class QTabWidget;
class QPushButton;
class QSlider;
class QTableWidget;

namespace cxr::ui {

class CellGallery;
class DiagnosticTables;
class EnsembleDialog;
class EvaluationPlots;
class RobustnessTable;
class RunComparison;
class SiteCalibrationDialog;
struct PolledProgress;

// The Evaluate page: a run's model on a dataset split (the locked test split by default),
// evaluated off the UI thread; every diagnostic metric with its 95% bootstrap interval, the
// confusion matrix with row percentages, and the ROC and precision-recall curves with the
// operating point. The threshold slider updates all of them at once; presets pick Youden's J
// or a target sensitivity or specificity, and the chosen threshold can be saved into the model
// card for the Viewer. A saved evaluation reopens without predicting again.
class EvaluatePage : public QWidget {
    Q_OBJECT
public:
    explicit EvaluatePage(QWidget *parent = nullptr);
    ~EvaluatePage() override;

    void setRun(const QString &runFolder);
    void setDataset(const QString &path);
    void setSplit(const QString &split);
    // Opens the saved evaluation of the run and split, or evaluates when there is none (or
    // it is broken). Returns false when a job is already running.
    bool evaluate(bool reuseSaved = true);
    void setThreshold(double threshold);
    double threshold() const { return m_threshold; }
    bool saveThresholdToModelCard();

    bool isBusy() const { return m_job.isRunning(); }
    // Stops the evaluation in flight (it reports "cancelled"; nothing is saved).
    void cancelEvaluation();
    // The bootstrap intervals of the current threshold are in the table.
    bool intervalsShown() const { return m_intervalsShown; }
    bool hasResult() const { return !m_labels.empty(); }
    const ml::DiagnosticReport &report() const { return m_report; }
    QString statusText() const;
    void setStressTest(bool on);           // also the robustness report on the next Evaluate
    void setTestTimeAugmentation(bool on); // predict with --tta on the next Evaluate
    // The dialogs that make a new model folder from runs; when one is made, it becomes the Run.
    EnsembleDialog *openEnsembleDialog();
    SiteCalibrationDialog *openSiteCalibrationDialog();
    int robustnessRows() const;
    QTableWidget *metricsTable() const;
    QTableWidget *confusionTable() const;
    // The images of one confusion-matrix cell (row: true class, column: called class) at the
    // current threshold, most confident first, as thumbnails in the "Cell images" tab.
    void showConfusionCell(int row, int column);
    QStringList cellImages() const;
    QListView *cellView() const;
    // The run, dataset and split of the result shown (the fields before any result).
    QString run() const;
    QString evaluatedDataset() const;
    QString evaluatedSplit() const;
    // The "Compare" tab: saved evaluations of the runs folder's runs and baselines side by side.
    RunComparison *comparison() const { return m_comparison; }
    void setRunsFolder(const QString &folder);
    // Writes the PDF report of the result shown (at the current threshold) on a worker thread;
    // false when there is no result or a report is being written.
    // withPredictions also copies the predictions CSV, whose file names may carry patient ids.
    bool exportReport(const QString &pdf, bool withPredictions = false);
    bool isExportingReport() const { return m_exportingReport; }

Q_SIGNALS:
    // After an evaluation opened or finished, and after every threshold change.
    void resultChanged();
    // A cell image was double-clicked: open it in the Viewer with this run's model.
    void openInViewer(const QString &run, const QString &image);

private:
    QLayout *buildSetupRows();
    QLayout *buildThresholdRow();
    void connectJobs();
    void exportReportAs();
    void onEvaluated();
    void onReportWritten();
    void refreshMetrics();   // values, matrix and plot markers: instant
    void refreshIntervals(); // the bootstrap: after the slider rests, on a worker
    void onIntervalsReady();
    ml::LogitCalibration m_modelCalibration; // of the evaluated model's card
    QLineEdit *m_run;
    QLineEdit *m_dataset;
    QComboBox *m_split;
    QComboBox *m_device;
    QPushButton *m_evaluate;
    QLabel *m_status;
    QSlider *m_slider;
    QDoubleSpinBox *m_thresholdBox;
    QDoubleSpinBox *m_target;
    QTabWidget *m_plots;
    DiagnosticTables *m_tables;
    EvaluationPlots *m_curves;
    CellGallery *m_cells;
    RunComparison *m_comparison;
    QCheckBox *m_stress; // also the robustness report
    QCheckBox *m_tta;    // test-time augmentation
    RobustnessTable *m_robustness;
    QStringList m_files;
    QString m_runsFolder;
    QString m_evaluatedRun;
    QString m_evaluatedDataset;
    QString m_evaluatedSplit;
    QFutureWatcher<EvaluationOutcome> m_job;
    std::shared_ptr<PolledProgress> m_progress; // of the evaluation in flight
    QTimer m_progressTimer;
    QPushButton *m_cancel;
    QTimer m_intervalDelay;
    QFutureWatcher<ml::DiagnosticReport> m_intervals;
    QFutureWatcher<Status> m_reportJob;
    QPushButton *m_exportReport;
    bool m_exportingReport = false; // until the result is shown
    bool m_intervalsShown = false;
    std::vector<int> m_labels;
    std::vector<float> m_probabilities;
    QStringList m_classNames;
    QString m_modelName;
    double m_threshold = 0.5;
    ml::DiagnosticReport m_report;
};

} // namespace cxr::ui
