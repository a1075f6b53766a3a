// SPDX-License-Identifier: MIT
#pragma once

#include "core/ml/trainer.h"
#include "core/pipeline/tuning_study.h"
#include "core/tuning/study_record.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace cxr::ui {

class TrainForm;
class TrainingSession;
class TunePlots;
class TuneSpaceTable;

// The Train page's Tune tab: a hyper-parameter study over the form's own fields. Every trial
// starts from the form's settings, then takes the values drawn for the ticked fields, and is an
// ordinary run folder in the study folder (the same record `cxr tune` writes, so either resumes
// the other's study). The trials run on the page's session one at a time, so the page's curves
// show the trial that trains and its pause, stop and abort act on it; the table and plots are
// redrawn from study.json after every epoch. The test split is never read.
class TunePanel : public QWidget {
    Q_OBJECT
public:
    TunePanel(TrainForm *form, TrainingSession *session, QWidget *parent = nullptr);

    // Given by the application (cxr-studio hands it `cxr train`'s own option parser); without
    // one no study can start.
    void setTrialJobMaker(pipeline::TrialJobMaker maker) { m_makeTrialJob = std::move(maker); }

    TuneSpaceTable *space() const { return m_space; }
    TunePlots *plots() const { return m_plots; }
    QTableWidget *trialTable() const { return m_trials; }
    QSpinBox *trialsBox() const { return m_trialCount; }
    QSpinBox *epochsBox() const { return m_epochs; }
    QComboBox *samplerBox() const { return m_sampler; }
    QComboBox *prunerBox() const { return m_pruner; }
    QLineEdit *studyFolderEdit() const { return m_studyFolder; }
    QPushButton *startButton() const { return m_start; }
    QPushButton *resumeButton() const { return m_resume; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *trainBestButton() const { return m_trainBest; }
    QString problemText() const;
    QString statusText() const;
    bool isTuning() const { return m_tuning; }
    // The study shown (the one running, or the one the folder field names).
    const tuning::StudyRecord &study() const { return m_study; }

public Q_SLOTS:
    bool startStudy();
    bool resumeStudy();
    // Reads study.json of the folder field again and redraws the table and plots.
    void refresh();

Q_SIGNALS:
    // "Train with the best settings": the best trial's settings as it trained them.
    void trainWithSettings(const cxr::ml::TrainSettings &settings, int trial);
    void studyStarted();

private:
    void setUpFields();
    QWidget *buildSetupPane();
    QWidget *buildResultsPane();
    void connectSetUp();
    void connectStudy();
    // The study a new start would run, or an error naming what is wrong.
    Result<tuning::StudySettings> newStudySettings() const;
    bool launch(const pipeline::TuningJob &job, const QString &status);
    // The set-up of a study opened from its folder, in the space table and budget fields.
    void showSettings(const tuning::StudySettings &settings);
    void showTrials();
    void updateControls();
    void trainBest();
    void suggestStudyFolder();

    TrainForm *m_form;
    TrainingSession *m_session;
    pipeline::TrialJobMaker m_makeTrialJob;
    TuneSpaceTable *m_space;
    QSpinBox *m_trialCount;
    QSpinBox *m_epochs;
    QComboBox *m_sampler;
    QComboBox *m_pruner;
    QComboBox *m_metric;
    QSpinBox *m_seed;
    QLineEdit *m_studyFolder;
    QLabel *m_problem;
    QLabel *m_status;
    QPushButton *m_start;
    QPushButton *m_resume;
    QPushButton *m_pause;
    QPushButton *m_cancel;
    QPushButton *m_trainBest;
    QTableWidget *m_trials;
    TunePlots *m_plots;
    tuning::StudyRecord m_study;
    bool m_tuning = false;
};

} // namespace cxr::ui
