// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/run_folder.h"
#include "core/pipeline/training_job.h"
#include "core/pipeline/tuning_study.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QTabWidget;

namespace cxr::ui {

class RankProcesses;
class RunHistory;
class TrainForm;
class TrainingCurves;
class TrainingSession;
class TunePanel;

// The Train page: set up a run (form, validated in place), start, pause, resume, stop after
// the epoch, or abort it, watch its curves and progress live, and browse, compare, resume or
// copy past runs. Training runs on the session's thread; this page only draws what it reports.
class TrainPage : public QWidget {
    Q_OBJECT
public:
    explicit TrainPage(QWidget *parent = nullptr);
    ~TrainPage() override;

    TrainForm *form() const { return m_form; }
    TrainingCurves *curves() const { return m_curves; }
    RunHistory *history() const { return m_history; }
    TrainingSession *session() const { return m_session; }
    TunePanel *tunePanel() const { return m_tune; }
    QTabWidget *tabs() const { return m_tabs; }
    // How the Tune tab makes a trial's job from a study (cxr-studio hands it `cxr train`'s own
    // option parser); without one the Tune tab cannot start a study.
    void setTrialJobMaker(pipeline::TrialJobMaker maker);
    QPushButton *startButton() const { return m_start; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *abortButton() const { return m_abort; }
    QString problemText() const;
    QString statusText() const;

    bool isTraining() const;
    // For closing the window: abort within the epoch (a checkpoint is written) and wait.
    bool stopForShutdown(int timeoutMs);
    void setDataset(const QString &path);

public Q_SLOTS:
    bool start();
    bool resumeRun(const cxr::ml::RunInfo &run);

Q_SIGNALS:
    void previewAugmentation(const QString &preset);
    void trainingFinished(bool succeeded, const QString &message);

private:
    void setUpWidgets();
    QWidget *buildFormPane();
    QWidget *buildRunTabs();
    void connectButtons();
    void connectSessions();
    void connectTuningAndHistory();
    // Starts job on the session and shows it as the active run; status holds %1 for its folder.
    bool launch(const pipeline::TrainJob &job, const QString &status);
    void validate();
    void updateControls();
    void onStep(const ml::BatchReport &report);
    void onEpoch(const ml::EpochMetrics &metrics);
    void onFinished(bool succeeded, const QString &message);
    // The run as N `cxr train` processes (the form's Processes field).
    bool launchRanks(const pipeline::TrainJob &job, int ranks);
    void showSelectedRuns();
    void exportCurves();

    TrainForm *m_form;
    TrainingSession *m_session;
    RankProcesses *m_ranks;           // a data-parallel run of several processes
    std::vector<double> m_rankSpeeds; // images/s of each rank, while m_ranks trains
    bool m_ranksTrained = false;      // the run that finishes next is m_ranks's
    TrainingCurves *m_curves;
    RunHistory *m_history;
    TunePanel *m_tune;
    QTabWidget *m_tabs;
    QLabel *m_problem;
    QLabel *m_status;
    QProgressBar *m_progress;
    QPushButton *m_start;
    QPushButton *m_pause;
    QPushButton *m_stop;
    QPushButton *m_abort;
    QCheckBox *m_logScale;
    QSlider *m_smoothing;
    std::int64_t m_lastStep = 0;
    QString m_stage;
    QString m_foldPrefix; // "Fold 2 of 5 · " while cross-validating, "Trial 3 of 20 · " tuning
    ml::BatchReport m_lastReport;
};

} // namespace cxr::ui
